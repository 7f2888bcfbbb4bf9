"""Correcting a case (issue 17): date received and channel (deadlines follow, originals kept),
requester details, output and kind (routes and independence re-checked); per role; by HTTP."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from engage.cases import workflow
from engage.cases.correction import (
    correct_kind,
    correct_output,
    correct_received,
    correct_requester,
)
from engage.cases.models import CaseEvent
from engage.cases.workflow import CaseError, CaseForbidden
from engage.db_types import UTC
from engage.extensions import db
from tests.factories.auth import chief, cso, producer
from tests.factories.cases import RECEIVED, at, make_case, put_in_state
from tests.factories.outputs import OutputFactory

NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)


def _last_event(case) -> CaseEvent:  # type: ignore[no-untyped-def]
    return (
        db.session.execute(
            db.select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id.desc())
        )
        .scalars()
        .first()
    )


class TestReceivedDate:
    def test_deadlines_follow_the_corrected_date_and_originals_stay(self, app):
        case = make_case(channel="email")  # received Mon 2 March 2026
        assert (case.acknowledge_by, case.respond_by) == (date(2026, 3, 9), date(2026, 3, 30))
        correct_received(
            case, cso(), received_on=date(2026, 2, 26), channel="letter", reason="Postmark", now=NOW
        )
        # Thu 26 Feb 2026: ack by Thu 5 March, respond by Thu 26 March
        assert case.received_on == date(2026, 2, 26)
        assert (case.acknowledge_by, case.respond_by) == (date(2026, 3, 5), date(2026, 3, 26))
        assert (case.original_acknowledge_by, case.original_respond_by) == (
            date(2026, 3, 9),
            date(2026, 3, 30),
        )
        assert case.channel == "letter"
        note = _last_event(case).note
        assert _last_event(case).action == "corrected"
        assert "Date received: 2 March 2026 → 26 February 2026" in note
        assert "Respond by 30 March 2026 → 26 March 2026" in note
        assert "Channel: Email → Letter" in note and note.endswith("Reason: Postmark")

    def test_working_days_already_paused_are_kept(self, app):
        case = make_case()
        case.paused_working_days = 3
        db.session.commit()
        correct_received(case, cso(), received_on=date(2026, 2, 26), channel="email", reason="x")
        assert case.respond_by == date(2026, 3, 31)  # 26 March + 3 working days

    def test_the_clock_outcome_follows_the_corrected_date(self, app):
        case = make_case()
        put_in_state(case, "responded")  # responded Tue 3 March
        case.responded_on = date(2026, 3, 27)
        db.session.commit()
        assert case.sla_outcome == "met"
        correct_received(case, cso(), received_on=date(2026, 2, 26), channel="email", reason="x")
        db.session.refresh(case)
        assert case.sla_outcome == "missed"  # respond-by is now 26 March

    @pytest.mark.parametrize(
        ("received_on", "message"),
        [
            (date(2026, 3, 21), "today or in the past"),
            (date(2026, 3, 4), "on or before 3 March 2026, when the case was acknowledged"),
            (date(1900, 1, 1), "on or after 1 January 2000, when the office's records begin"),
            (date(1999, 12, 31), "on or after 1 January 2000"),
        ],
    )
    def test_impossible_dates_are_refused(self, app, received_on, message):
        case = put_in_state(make_case(), "acknowledged")
        with pytest.raises(CaseError, match=message):
            correct_received(
                case, cso(), received_on=received_on, channel="email", reason="x", now=NOW
            )
        db.session.rollback()
        assert case.received_on == RECEIVED

    def test_not_after_a_clarification_pause_that_has_ended(self, app):
        # Asked on Wed 4 March, replied Mon 9 March: the pause is over (no paused_on), but the
        # case cannot have arrived after we asked about it; the 3 paused days would otherwise
        # move respond-by for a pause before the case existed.
        me = cso()
        case = make_case(channel="letter")
        workflow.request_clarification(case, me, question="Which table?", now=at(date(2026, 3, 4)))
        workflow.clarification_received(
            case, me, replied_on=date(2026, 3, 9), now=at(date(2026, 3, 10))
        )
        respond_by = case.respond_by
        with pytest.raises(CaseError, match="on or before 4 March 2026, when the clock was paused"):
            correct_received(
                case, me, received_on=date(2026, 3, 6), channel="letter", reason="x", now=NOW
            )
        db.session.rollback()
        assert (case.received_on, case.respond_by) == (RECEIVED, respond_by)

    def test_not_after_an_acknowledgement_email_was_sent(self, app):
        # An emailed acknowledgement counts once delivered (acknowledged_on stays empty until
        # then, and for ever if it bounced), but it was sent on 3 March.
        me = cso()
        case = make_case(channel="email")
        workflow.acknowledge(case, me, method="email", now=at(date(2026, 3, 3)))
        assert case.acknowledged_on is None
        with pytest.raises(CaseError, match="on or before 3 March 2026, when the case was ack"):
            correct_received(
                case, me, received_on=date(2026, 3, 6), channel="email", reason="x", now=NOW
            )
        db.session.rollback()
        assert case.received_on == RECEIVED

    def test_the_form_refuses_a_date_before_records_begin(self, app, login):
        case = make_case()
        client = login(cso())
        page = client.post(
            f"/staff/cases/{case.reference}/correct/received",
            data={"received_on": ["1", "1", "1999"], "channel": "letter", "reason": "Typo"},
        ).get_data(as_text=True)
        assert "govuk-error-summary" in page
        assert "Date received must be on or after 1 January 2000" in page
        assert case.received_on == RECEIVED

    def test_a_reason_is_required_and_nothing_unchanged_is_recorded(self, app):
        case = make_case()
        with pytest.raises(CaseError, match="reason"):
            correct_received(
                case, cso(), received_on=date(2026, 2, 26), channel="email", reason=" "
            )
        with pytest.raises(CaseError, match="Nothing has changed"):
            correct_received(case, cso(), received_on=RECEIVED, channel="email", reason="x")

    def test_only_the_office_corrects_the_date(self, app):
        me = producer()
        case = make_case(assigned_to=me)
        with pytest.raises(CaseForbidden):
            correct_received(case, me, received_on=date(2026, 2, 26), channel="email", reason="x")
        correct_received(case, chief(), received_on=date(2026, 2, 26), channel="email", reason="x")


class TestRequesterOutputKind:
    def test_the_assignee_may_correct_contact_details(self, app):
        me = producer()
        case = make_case(assigned_to=me, email="old@example.com")
        correct_requester(
            case,
            me,
            name="Alex Requester",
            email="new@example.com",
            address="1 Road\nTown",
            phone="",
            reason="They rang",
        )
        note = _last_event(case).note
        assert case.requester_email == "new@example.com"
        assert "Email address: old@example.com → new@example.com" in note
        assert "Postal address: not given → 1 Road\nTown" in note
        assert "Name" not in note  # unchanged
        with pytest.raises(CaseError, match="email address or postal address"):
            correct_requester(case, me, name="A", email="", address="", phone="", reason="x")
        with pytest.raises(CaseForbidden):
            correct_requester(
                case, producer(), name="A", email="a@b.c", address="", phone="", reason="x"
            )

    def test_output_change_rechecks_independence(self, app):
        author = producer()
        theirs = OutputFactory(producers=[author])
        case = make_case(kind="service_complaint", assigned_to=author)
        with pytest.raises(CaseError, match="independent"):
            correct_output(case, cso(), output=theirs, reason="x")
        db.session.rollback()
        assert case.output_id is None
        other = OutputFactory()
        correct_output(case, cso(), output=other, reason="Wrong table")
        assert case.output_id == other.id
        assert f"Output: not about a particular output → {other.title}" in _last_event(case).note

    def test_kind_change_rechecks_independence_and_routes(self, app):
        author = producer()
        theirs = OutputFactory(producers=[author])
        case = make_case(kind="enquiry", output=theirs, assigned_to=author)
        with pytest.raises(CaseError, match="independent"):
            correct_kind(case, cso(), kind="service_complaint", reason="It is a complaint")
        db.session.rollback()
        transferred = put_in_state(make_case(kind="unpublished_statistics"), "transferred")
        with pytest.raises(CaseError, match="Freedom of Information team"):
            correct_kind(transferred, cso(), kind="enquiry", reason="x")
        closed = put_in_state(make_case(kind="enquiry"), "closed")
        correct_kind(closed, cso(), kind="service_complaint", reason="Was a complaint")
        assert closed.kind == "service_complaint"
        assert "Kind: Enquiry" in _last_event(closed).note

    def test_an_anonymised_case_cannot_be_corrected(self, app):
        case = make_case()
        case.anonymised_at = NOW
        db.session.commit()
        with pytest.raises(CaseError, match="removed"):
            correct_kind(case, cso(), kind="media", reason="x")


class TestCorrectionPages:
    def test_correcting_the_date_through_the_form(self, app, login):
        case = make_case()
        client = login(cso())
        page = client.get(f"/staff/cases/{case.reference}").get_data(as_text=True)
        assert f"/staff/cases/{case.reference}/correct/received" in page
        form = client.get(f"/staff/cases/{case.reference}/correct/received").get_data(as_text=True)
        assert 'value="02"' in form and 'value="03"' in form  # the current date filled in
        response = client.post(
            f"/staff/cases/{case.reference}/correct/received",
            data={
                "received_on": ["26", "2", "2026"],
                "channel": "letter",
                "reason": "Postmark on the envelope",
            },
        )
        assert response.status_code == 302
        page = client.get(f"/staff/cases/{case.reference}").get_data(as_text=True)
        assert "Correction saved" in page and "Postmark on the envelope" in page
        assert case.received_on == date(2026, 2, 26)

    def test_errors_show_in_the_summary(self, app, login):
        case = make_case()
        client = login(cso())
        page = client.post(
            f"/staff/cases/{case.reference}/correct/received",
            data={"received_on": ["31", "2", "2026"], "channel": "letter", "reason": ""},
        ).get_data(as_text=True)
        assert "govuk-error-summary" in page
        assert "Date received must be a real date" in page
        assert "Enter the reason for the correction" in page

    @pytest.mark.parametrize("what", ["received", "requester", "output", "kind"])
    def test_who_may_open_each_correction(self, app, login, what):
        me = producer()
        mine = make_case(assigned_to=me)
        url = f"/staff/cases/{mine.reference}/correct/{what}"
        assert login(cso()).get(url).status_code == 200
        assert login(me).get(url).status_code == (200 if what == "requester" else 403)
        assert login(producer()).get(url).status_code == 403
        complaint = make_case(kind="service_complaint")
        assert (
            login(me).get(f"/staff/cases/{complaint.reference}/correct/{what}").status_code == 403
        )

    def test_unknown_correction_is_404(self, app, login):
        case = make_case()
        assert login(cso()).get(f"/staff/cases/{case.reference}/correct/nope").status_code == 404

    def test_hostile_values_are_refused_politely(self, app, login):
        case = make_case()
        client = login(cso())
        for data in [
            {"received_on": ["1", "1", "99999999"], "channel": "email", "reason": "x"},
            {"received_on": ["\x00", "1", "2026"], "channel": "email", "reason": "x"},
            {"received_on": ["1", "1", "2026"], "channel": "pigeon", "reason": "x"},
            {"received_on": ["1", "1", "2026"], "channel": "email", "reason": "r" * 5000},
        ]:
            response = client.post(f"/staff/cases/{case.reference}/correct/received", data=data)
            assert response.status_code == 200
            assert "govuk-error-summary" in response.get_data(as_text=True)
        assert case.received_on == RECEIVED
        page = client.post(
            f"/staff/cases/{case.reference}/correct/requester",
            data={"requester_name": "A", "requester_email": "not-an-email", "reason": "x"},
        ).get_data(as_text=True)
        assert "Enter an email address in the correct format" in page

    def test_a_corrected_name_meets_the_rules_of_a_name_entered_at_intake(self, app, login):
        """The requester's fields are the intake form's (cases.forms.RequesterContactFields):
        a name quoted back in the office's emails cannot carry a link or markup."""
        case = make_case(email="old@example.com")
        client = login(cso())
        url = f"/staff/cases/{case.reference}/correct/requester"
        assert "Requester&#39;s full name" in client.get(url).get_data(as_text=True)
        for name, message in [
            (
                "Alex see www.example.com",
                "Requester&#39;s full name must not contain a web address",
            ),
            ("<b>Alex</b>", "Requester&#39;s full name must not contain a web address"),
            ("A" * 201, "Requester&#39;s full name must be 200 characters or fewer"),
            ("", "Enter the requester&#39;s full name"),
        ]:
            page = client.post(
                url,
                data={"requester_name": name, "requester_email": "new@example.com", "reason": "x"},
            ).get_data(as_text=True)
            assert message in page, name
        db.session.refresh(case)
        assert case.requester_email == "old@example.com"


def test_at_is_used(app):  # the factory's helper keeps London time
    assert at(RECEIVED).tzinfo is not None


class TestStaleForms:
    def test_a_form_opened_before_someone_else_corrected_the_case_does_not_undo_it(
        self, app, login
    ):
        # Two officers open "Requester's details"; the first saves a new email address; the
        # second (whose form still shows the old one) only meant to add a phone number and
        # would put the old address back. They are told, with what they typed kept.
        case = make_case(email="old@example.com")
        first, second = login(cso()), login(chief())
        url = f"/staff/cases/{case.reference}/correct/requester"
        stale = second.get(url).get_data(as_text=True)
        was = re.search(r'name="was" type="hidden" value="([0-9a-f]+)"', stale).group(1)
        mine = first.get(url).get_data(as_text=True)
        assert f'value="{was}"' in mine
        data = {
            "requester_name": "Alex Requester",
            "requester_email": "new@example.com",
            "requester_address": "",
            "requester_phone": "",
            "reason": "They emailed from a new address",
            "was": was,
        }
        assert first.post(url, data=data).status_code == 302
        page = second.post(
            url,
            data={
                **data,
                "requester_email": "old@example.com",
                "requester_phone": "01234 567890",
                "reason": "They rang",
            },
        ).get_data(as_text=True)
        assert "Someone else has corrected this case since you opened this page" in page
        assert "01234 567890" in page  # nothing typed is lost
        db.session.refresh(case)
        assert (case.requester_email, case.requester_phone) == ("new@example.com", None)
        # saving again, having looked, is their decision
        fresh = re.search(r'name="was" type="hidden" value="([0-9a-f]+)"', page).group(1)
        again = second.post(
            url,
            data={**data, "requester_phone": "01234 567890", "reason": "They rang", "was": fresh},
        )
        assert again.status_code == 302
        db.session.refresh(case)
        assert (case.requester_email, case.requester_phone) == ("new@example.com", "01234 567890")

    def test_saving_the_same_correction_twice_changes_nothing_the_second_time(self, app, login):
        case = make_case()
        client = login(cso())
        url = f"/staff/cases/{case.reference}/correct/received"
        data = {"received_on": ["26", "2", "2026"], "channel": "letter", "reason": "Postmark"}
        assert client.post(url, data=data).status_code == 302
        again = client.post(url, data=data).get_data(as_text=True)
        assert "Nothing has changed" in again
        assert len([e for e in case.history if e.action == "corrected"]) == 1
