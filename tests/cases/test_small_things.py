"""The small things a user expects (issue 17, item 8)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from engage.audit import AuditEvent
from engage.cases import workflow
from engage.cases.workflow import CaseError
from engage.extensions import db
from engage.mail.outbox import render_email
from tests.factories.auth import chief, cso, producer
from tests.factories.cases import make_case, put_in_state
from tests.factories.outputs import OutputFactory


def _views(how: str) -> list[str]:
    return list(
        db.session.execute(
            db.select(AuditEvent.object_id).where(
                AuditEvent.action == "case.viewed", AuditEvent.detail["how"].as_string() == how
            )
        ).scalars()
    )


def test_list_shows_requester_and_date_received(app, login):
    make_case(name="Pat Quill")
    page = login(cso()).get("/staff/cases").get_data(as_text=True)
    assert "Pat Quill" in page and "2 Mar 2026" in page


def test_assign_menu_leaves_out_producers_of_the_output_a_complaint_is_about(app, login):
    author = producer(name="Olive Owner")
    other = producer(name="Neil Neutral")
    case = make_case(kind="service_complaint", output=OutputFactory(producers=[author]))
    page = login(cso()).get(f"/staff/cases/{case.reference}/assign").get_data(as_text=True)
    assert other.name in page and author.name not in page
    enquiry = make_case(kind="enquiry", output=OutputFactory(producers=[author]))
    page = login(cso()).get(f"/staff/cases/{enquiry.reference}/assign").get_data(as_text=True)
    assert author.name in page


def test_no_delay_notice_offered_on_an_overdue_case_with_the_reason_shown(app, login):
    case = put_in_state(make_case(), "acknowledged")  # respond by 30 March 2026
    with time_machine.travel(date(2026, 3, 31), tick=False):
        assert "send_delay_notice" not in workflow.allowed_actions(case, cso())
        page = login(cso()).get(f"/staff/cases/{case.reference}").get_data(as_text=True)
    assert "Send a delay notice</strong>: not possible. The respond-by date has passed" in page
    assert f"/staff/cases/{case.reference}/delay-notice" not in page


class TestRevisedTarget:
    @pytest.fixture
    def case(self, app):  # type: ignore[no-untyped-def]
        return put_in_state(make_case(), "acknowledged")  # respond by Mon 30 March 2026

    def _send(self, case, revised, long_reason=""):  # type: ignore[no-untyped-def]
        with time_machine.travel(date(2026, 3, 20), tick=False):
            return workflow.send_delay_notice(
                case,
                cso(),
                reason="Data late",
                revised_target_on=revised,
                long_delay_reason=long_reason,
            )

    def test_must_be_a_working_day(self, case):
        with pytest.raises(CaseError, match="working day"):
            self._send(case, date(2026, 4, 4))  # a Saturday

    def test_more_than_20_working_days_needs_a_reason(self, case):
        latest = date(2026, 4, 29)  # 20 working days after 30 March (Easter counted out)
        self._send(case, latest)
        case2 = put_in_state(make_case(), "acknowledged")
        with pytest.raises(CaseError, match="more than 20 working days"):
            self._send(case2, latest + timedelta(days=1))
        self._send(case2, latest + timedelta(days=1), "Waiting for the census release")
        assert "Waiting for the census release" in case2.delay_reason

    def test_a_year_beyond_the_calendar_is_refused_not_a_crash(self, case, login):
        # The date field takes years up to 2199; the working-day calendar ends in 2080: the
        # page answered 500.
        with pytest.raises(CaseError, match="on or before 31 December 2080"):
            self._send(case, date(2199, 12, 31))
        with time_machine.travel(date(2026, 3, 20), tick=False):
            page = login(cso()).post(
                f"/staff/cases/{case.reference}/delay-notice",
                data={"revised_target_on": ["31", "12", "2199"], "reason": "Data late"},
            )
        assert page.status_code == 200
        assert "on or before 31 December 2080" in page.get_data(as_text=True)


def test_the_response_email_does_not_greet_twice(app):
    case = put_in_state(make_case(name="Alex Requester"), "responded")
    case.response_text = "Dear Alex,\n\nHere are the figures."
    _, body, _ = render_email("case_response", case=case)
    assert body.count("Dear") == 1
    case.response_text = "Here are the figures."
    _, body, _ = render_email("case_response", case=case)
    assert body.startswith("Dear Alex Requester,")


def test_who_viewed_a_complaint_for_the_office_only(app, login):
    me = producer(name="Vic Viewer")
    case = make_case(kind="service_complaint", assigned_to=me)
    login(me).get(f"/staff/cases/{case.reference}")
    page = login(chief()).get(f"/staff/cases/{case.reference}").get_data(as_text=True)
    assert "Who viewed this complaint" in page and "Vic Viewer" in page
    page = login(me).get(f"/staff/cases/{case.reference}").get_data(as_text=True)
    assert "Who viewed this complaint" not in page
    enquiry = make_case()
    page = login(cso()).get(f"/staff/cases/{enquiry.reference}").get_data(as_text=True)
    assert "Who viewed this complaint" not in page


def test_action_pages_and_lists_record_views_of_complaints(app, login):
    case = make_case(kind="service_complaint")
    make_case(kind="enquiry")
    client = login(cso())
    client.get(f"/staff/cases/{case.reference}/acknowledge")
    client.get(f"/staff/cases/{case.reference}/correct/requester")
    client.get("/staff/cases?kind=service_complaint")
    assert _views("action:acknowledge") == [case.reference]
    assert _views("action:correct-requester") == [case.reference]
    assert _views("list") == [case.reference]


def test_confirmation_page_gives_both_dates(app, client):
    response = client.post(
        "/contact",
        data={
            "kind": "enquiry",
            "requester_name": "Jo Bloggs",
            "requester_email": "",
            "requester_address": "1 High Street",
            "output_id": "",
            "message": "Where are the tables?",
            "website": "",
        },
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "We will acknowledge your message by" in page
    assert "full response by" in page


def test_print_view_leaves_out_the_actions(app, login):
    case = make_case()
    page = login(cso()).get(f"/staff/cases/{case.reference}").get_data(as_text=True)
    assert '<div class="govuk-grid-column-one-third app-no-print">' in page


def test_a_charge_awaiting_consent_is_labelled_as_such(app, login):
    case = put_in_state(make_case(kind="different_format"), "awaiting_clarification", charge=True)
    client = login(cso())
    assert "Awaiting consent to a charge" in client.get(f"/staff/cases/{case.reference}").get_data(
        as_text=True
    )
    listing = client.get("/staff/cases").get_data(as_text=True)
    table = listing.split("<table")[1]
    assert "Awaiting consent to a charge" in table and "Awaiting clarification" not in table
