"""The cases pages through HTTP: public contact form, staff intake, list, export, case page,
action pages, deadline calculator, calendar admin and the dashboard panel. Every page fetched
is checked by the page checker (one h1, title, labels, unique ids, error summary)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from engage.audit import AuditEvent
from engage.calendar import london_date
from engage.cases import workflow
from engage.cases.models import Case, OfficeClosure
from engage.db_types import utcnow
from engage.extensions import db
from engage.mail.models import OutboxEmail
from tests.factories.auth import admin, chief, cso, producer
from tests.factories.cases import at, make_case, put_in_state
from tests.factories.outputs import OutputFactory


def _today_parts() -> list[str]:
    today = london_date(utcnow())
    return [str(today.day), str(today.month), str(today.year)]


def _cases() -> list[Case]:
    return list(db.session.execute(db.select(Case)).scalars())


class TestContactForm:
    def _valid(self, **over):  # type: ignore[no-untyped-def]
        data = {
            "kind": "service_complaint",
            "requester_name": "Jo Bloggs",
            "requester_email": "jo@example.com",
            "requester_address": "",
            "output_id": "",
            "message": "You did not reply to my letter.",
            "website": "",
        }
        data.update(over)
        return data

    def test_form_explains_the_promises(self, client):
        page = client.get("/contact").get_data(as_text=True)
        assert "within 5 working days" in page and "within 20 working days" in page
        assert "Complain about our service" in page

    def test_a_complaint_is_stored_acknowledged_and_confirmed(self, client):
        output = OutputFactory()
        response = client.post("/contact", data=self._valid(output_id=str(output.id)))
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        (case,) = _cases()
        assert case.reference in page and "govuk-panel" in page
        assert (case.kind, case.channel, case.state) == ("service_complaint", "web", "acknowledged")
        assert case.output_id == output.id
        assert db.session.execute(db.select(OutboxEmail)).scalar_one().template == (
            "case_acknowledged"
        )

    def test_postal_only_request_is_received_not_acknowledged(self, client):
        client.post(
            "/contact",
            data=self._valid(kind="enquiry", requester_email="", requester_address="1 Lane\nYork"),
        )
        (case,) = _cases()
        assert case.state == "received" and case.requester_address == "1 Lane\nYork"

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"kind": ""}, "Select what you would like to do"),
            ({"requester_name": "  "}, "Enter your full name"),
            (
                {"requester_email": "", "requester_address": ""},
                "Enter an email address or a postal address",
            ),
            ({"requester_email": "not-an-email"}, "Enter an email address in the correct format"),
            ({"message": ""}, "Enter your message"),
            ({"message": "x" * 5001}, "Your message must be 5,000 characters or fewer"),
        ],
    )
    def test_errors_are_shown_gov_uk_style_and_nothing_is_lost(self, client, change, message):
        data = self._valid(message="Keep this text please", **{})
        data.update(change)
        response = client.post("/contact", data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "There is a problem" in page and message in page
        assert "<title>Error: Contact us" in page
        if change.get("requester_name") is None:
            assert 'value="Jo Bloggs"' in page
        if "message" not in change:
            assert "Keep this text please" in page
        assert _cases() == []

    def test_the_honeypot_stores_nothing(self, client):
        response = client.post("/contact", data=self._valid(website="http://spam.example"))
        assert response.status_code == 200 and "Message sent" in response.get_data(as_text=True)
        assert _cases() == []

    def test_hostile_input_is_stored_as_text_and_shown_escaped_to_staff(self, client, login):
        hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
        # (A name is one line without markup or links: tests/security/test_contact_relay.py.)
        client.post("/contact", data=self._valid(requester_name='Jo "Q" & Co', message=hostile))
        (case,) = _cases()
        assert case.message == hostile
        page = login(cso()).get(f"/staff/cases/{case.reference}").get_data(as_text=True)
        assert "<script>alert" not in page and "&lt;script&gt;" in page
        assert "<img src=x" not in page

    def test_confirmation_without_a_submission_goes_back_to_the_form(self, client):
        response = client.get("/contact/confirmation")
        assert response.status_code == 302 and response.headers["Location"].endswith("/contact")


def test_contact_form_needs_the_csrf_token(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/contact", data={"kind": "enquiry", "requester_name": "A"})
    assert response.status_code == 400
    assert db.session.execute(db.select(Case)).first() is None


class TestStaffIntake:
    def _data(self, **over):  # type: ignore[no-untyped-def]
        data = {
            "channel": "letter",
            "received_on": ["2", "3", "2026"],
            "kind": "enquiry",
            "requester_name": "Mrs Letter Writer",
            "requester_email": "",
            "requester_address": "3 Park Road\nBath",
            "requester_phone": "",
            "output_id": "",
            "subject": "Prison numbers",
            "message": "Please send me the figures.",
        }
        data.update(over)
        return data

    def test_a_letter_is_entered_with_its_real_received_date(self, app, login):
        staff = login(cso())
        assert staff.get("/staff/cases/new").status_code == 200
        response = staff.post("/staff/cases/new", data=self._data())
        assert response.status_code == 302
        (case,) = _cases()
        assert (case.received_on, case.channel, case.state) == (
            date(2026, 3, 2),
            "letter",
            "received",
        )
        assert (case.acknowledge_by, case.respond_by) == (date(2026, 3, 9), date(2026, 3, 30))
        page = staff.get(response.headers["Location"]).get_data(as_text=True)
        assert f"Case {case.reference}" in page and "Monday 30 March 2026" in page

    @pytest.mark.parametrize(
        ("received", "message"),
        [
            (["31", "2", "2026"], "Date received must be a real date"),
            (["", "3", "2026"], "Date received must include a day"),
            (["1", "", ""], "Date received must include a month and a year"),
            (["1", "3", "26"], "Year must include 4 numbers"),
            (["", "", ""], "Enter the date it was received"),
            (["a", "b", "c"], "Date received must be a real date"),
        ],
    )
    def test_invalid_dates_are_refused_clearly(self, app, login, received, message):
        page = login(cso()).post("/staff/cases/new", data=self._data(received_on=received))
        text = page.get_data(as_text=True)
        assert message in text and 'href="#received_on-day"' in text
        assert "Mrs Letter Writer" in text
        assert _cases() == []

    def test_a_future_date_is_refused(self, app, login):
        tomorrow = london_date(utcnow()) + timedelta(days=1)
        text = (
            login(cso())
            .post(
                "/staff/cases/new",
                data=self._data(
                    received_on=[str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)]
                ),
            )
            .get_data(as_text=True)
        )
        assert "Date received must be today or in the past" in text
        assert _cases() == []

    def test_producers_cannot_enter_cases(self, app, login):
        assert login(producer()).get("/staff/cases/new").status_code == 403


class TestConfidentiality:
    def _setup(self):  # type: ignore[no-untyped-def]
        owner, other = producer(), producer()
        complaint = make_case(kind="service_complaint", message="Confidential complaint text")
        assigned_complaint = make_case(kind="foi_complaint", assigned_to=other)
        enquiry_mine = make_case(kind="enquiry", assigned_to=owner)
        enquiry_other = make_case(kind="enquiry", assigned_to=other)
        unassigned = make_case(kind="enquiry")
        return owner, other, complaint, assigned_complaint, enquiry_mine, enquiry_other, unassigned

    def test_producers_list_and_export_only_their_own_cases(self, app, login):
        owner, other, complaint, assigned_complaint, mine, theirs, unassigned = self._setup()
        client = login(owner)
        page = client.get("/staff/cases").get_data(as_text=True)
        assert mine.reference in page
        for hidden in (complaint, assigned_complaint, theirs, unassigned):
            assert hidden.reference not in page
        body = client.get("/staff/cases/export.csv").get_data(as_text=True)
        refs = [row["reference"] for row in csv.DictReader(io.StringIO(body))]
        assert refs == [mine.reference]
        # the assignee of a complaint sees it
        page = login(other).get("/staff/cases").get_data(as_text=True)
        assert assigned_complaint.reference in page and complaint.reference not in page

    def test_by_url_a_producer_is_refused_and_the_refusal_audited(self, app, login):
        owner, _, complaint, assigned_complaint, _, theirs, _ = self._setup()
        client = login(owner)
        for case in (complaint, assigned_complaint, theirs):
            assert client.get(f"/staff/cases/{case.reference}").status_code == 403
            assert client.get(f"/staff/cases/{case.reference}/respond").status_code == 403
            assert client.post(f"/staff/cases/{case.reference}/respond", data={}).status_code == 403
        denied = (
            db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "access.denied"))
            .scalars()
            .all()
        )
        assert len(denied) == 9
        assert db.session.get(Case, complaint.id).state == "received"

    def test_admins_see_no_cases(self, app, login):
        self._setup()
        client = login(admin())
        assert client.get("/staff/cases").status_code == 403
        assert client.get("/staff/cases/export.csv").status_code == 403

    def test_every_view_of_a_complaint_is_recorded(self, app, login):
        _, _, complaint, _, mine, _, _ = self._setup()
        officer = chief()
        client = login(officer)
        assert "Confidential complaint text" in client.get(
            f"/staff/cases/{complaint.reference}"
        ).get_data(as_text=True)
        client.get(f"/staff/cases/{complaint.reference}")
        client.get(f"/staff/cases/{mine.reference}")  # an enquiry: not recorded
        client.get("/staff/cases/export.csv?kind=service_complaint")
        views = (
            db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "case.viewed"))
            .scalars()
            .all()
        )
        assert [(v.object_id, v.actor_id, v.detail["how"]) for v in views] == [
            (complaint.reference, officer.id, "page"),
            (complaint.reference, officer.id, "page"),
            (complaint.reference, officer.id, "export"),
        ]

    def test_unknown_reference_is_not_found(self, app, login):
        assert login(cso()).get("/staff/cases/C-2026-99999").status_code == 404


class TestCaseList:
    def test_filters_sort_and_empty_state(self, app, login):
        worker = producer()
        output = OutputFactory()
        early = make_case(received=date(2026, 3, 2), output=output, assigned_to=worker)
        late = make_case(received=date(2026, 3, 5), kind="media")
        put_in_state(make_case(received=date(2026, 3, 3)), "responded")
        client = login(cso())
        page = client.get("/staff/cases").get_data(as_text=True)
        assert page.index(early.reference) < page.index(late.reference)
        page = client.get("/staff/cases?kind=media").get_data(as_text=True)
        assert late.reference in page and early.reference not in page
        page = client.get(f"/staff/cases?output={output.id}&assignee={worker.id}").get_data(
            as_text=True
        )
        assert early.reference in page and late.reference not in page
        page = client.get("/staff/cases?received_from=2026-03-04&received_to=2026-03-31").get_data(
            as_text=True
        )
        assert late.reference in page and early.reference not in page
        page = client.get("/staff/cases?sla=met").get_data(as_text=True)
        assert early.reference not in page and "1 case" in page
        page = client.get("/staff/cases?sla=overdue&kind=foi_complaint").get_data(as_text=True)
        assert "No cases match these filters." in page
        page = client.get("/staff/cases?sort=received").get_data(as_text=True)
        assert page.index(late.reference) < page.index(early.reference)
        assert client.get("/staff/cases?sla=nonsense&page=abc").status_code == 200

    def test_pagination(self, app, login):
        for n in range(27):
            make_case(received=date(2026, 3, 2), name=f"Person {n}")
        client = login(cso())
        first = client.get("/staff/cases").get_data(as_text=True)
        assert "Showing 1 to 25 of 27" in first
        second = client.get("/staff/cases?page=2").get_data(as_text=True)
        assert "Showing 26 to 27 of 27" in second

    def test_export_follows_the_filters_and_neutralises_formulas(self, app, login):
        make_case(kind="media", message='=HYPERLINK("http://evil")\nrest')
        make_case(kind="enquiry")
        response = login(cso()).get("/staff/cases/export.csv?kind=media")
        assert response.mimetype == "text/csv"
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        assert len(rows) == 1 and rows[0]["kind"] == "Media enquiry"
        assert rows[0]["subject"].startswith("'=")
        assert rows[0]["sla_status"] in {"Overdue", "In time", "Due soon"}

    def test_the_not_measured_filter_and_hostile_filter_values(self, app, login):
        staff = cso()
        moved = make_case(kind="unpublished_statistics", received=date(2026, 3, 2))
        workflow.transfer(moved, staff, to="foi", reference="F-2", now=at(date(2026, 3, 3)))
        waiting = make_case(kind="enquiry", received=date(2026, 3, 2))
        client = login(staff)
        page = client.get("/staff/cases?sla=not_measured").get_data(as_text=True)
        assert moved.reference in page and waiting.reference not in page
        for hostile in ("%00", "not_measured%00", "x" * 5000, "met' OR 1=1 --"):
            response = client.get(f"/staff/cases?sla={hostile}&received_from=9999999999-01-01")
            assert response.status_code == 200

    def test_export_carries_the_stop_dates_and_each_clocks_outcome(self, app, login):
        """Anyone can check a figure in a spreadsheet: the dates that stopped each clock and
        each clock's outcome, in the words of docs/cases.md."""
        staff = cso()
        late = make_case(kind="unpublished_statistics", received=date(2026, 3, 2))
        workflow.transfer(late, staff, to="foi", reference="F-1", now=at(date(2026, 3, 12)))
        early = make_case(kind="enquiry", received=date(2026, 3, 2))
        workflow.acknowledge(early, staff, method="post", now=at(date(2026, 3, 3)))
        workflow.withdraw(early, staff, now=at(date(2026, 3, 4)))
        running = make_case(kind="enquiry", received=date(2026, 3, 2))
        body = login(staff).get("/staff/cases/export.csv").get_data(as_text=True)
        rows = {r["reference"]: r for r in csv.DictReader(io.StringIO(body))}
        assert (rows[late.reference]["transferred_on"], rows[late.reference]["withdrawn_on"]) == (
            "2026-03-12",
            "",
        )
        # Transferred after acknowledge-by (9 March), before respond-by (30 March).
        assert rows[late.reference]["acknowledge_outcome"] == "missed"
        assert rows[late.reference]["respond_outcome"] == "not measured"
        assert rows[late.reference]["sla_status"] == "Missed"
        assert rows[early.reference]["withdrawn_on"] == "2026-03-04"
        assert rows[early.reference]["acknowledge_outcome"] == "met"
        assert rows[early.reference]["respond_outcome"] == "not measured"
        assert rows[running.reference]["respond_outcome"] == "running"


class TestCasePageAndActions:
    def test_case_page_shows_deadlines_status_history_and_allowed_actions(self, app, login):
        worker = producer()
        case = make_case(assigned_to=worker)
        page = login(cso()).get(f"/staff/cases/{case.reference}").get_data(as_text=True)
        assert "Monday 9 March 2026" in page and "Monday 30 March 2026" in page
        assert "govuk-tag--red" in page  # received in March 2026 and never acknowledged: overdue
        assert "Received by email" in page
        assert "Acknowledge the case" in page and "Reopen the case" not in page
        # the assigned producer sees only the working actions
        page = login(worker).get(f"/staff/cases/{case.reference}").get_data(as_text=True)
        assert "Record the full response" in page and "Assign the case" not in page
        assert login(worker).get(f"/staff/cases/{case.reference}/assign").status_code == 403

    @pytest.mark.parametrize(
        ("slug", "state", "kind"),
        [
            ("triage", "received", "enquiry"),
            ("assign", "received", "enquiry"),
            ("acknowledge", "received", "enquiry"),
            ("request-clarification", "acknowledged", "enquiry"),
            ("clarification-received", "awaiting_clarification", "enquiry"),
            ("quote-charge", "received", "different_format"),
            ("delay-notice", "acknowledged", "enquiry"),
            ("respond", "acknowledged", "enquiry"),
            ("close", "responded", "enquiry"),
            ("withdraw", "received", "enquiry"),
            ("reopen", "closed", "enquiry"),
            ("transfer", "received", "unpublished_statistics"),
            ("refer-to-uksa", "responded", "service_complaint"),
            ("uksa-outcome", "referred_to_uksa", "service_complaint"),
        ],
    )
    def test_every_action_page_renders_and_shows_errors(self, app, login, slug, state, kind):
        case = put_in_state(make_case(kind=kind), state)
        client = login(cso())
        assert client.get(f"/staff/cases/{case.reference}/{slug}").status_code == 200
        if slug in ("acknowledge", "close", "withdraw"):
            return  # nothing required
        response = client.post(f"/staff/cases/{case.reference}/{slug}", data={})
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and "There is a problem" in page

    def test_charge_answer_page(self, app, login):
        case = put_in_state(
            make_case(kind="different_format"), "awaiting_clarification", charge=True
        )
        client = login(cso())
        assert client.get(f"/staff/cases/{case.reference}/charge-answer").status_code == 200

    def test_respond_through_the_page(self, app, login):
        case = put_in_state(make_case(), "acknowledged")
        client = login(cso())
        response = client.post(
            f"/staff/cases/{case.reference}/respond",
            data={"text": "Here are the figures.", "method": "email", "on": _today_parts()},
        )
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Response recorded" in page and "Here are the figures." in page
        assert db.session.get(Case, case.id).state == "responded"
        assert db.session.execute(db.select(OutboxEmail)).scalar_one().template == "case_response"

    def test_assign_refusal_for_independence_is_shown_on_the_form(self, app, login):
        owner = producer(name="Olive Owner")
        output = OutputFactory(producers=[owner])
        case = make_case(kind="service_complaint", output=output)
        page = (
            login(cso())
            .post(f"/staff/cases/{case.reference}/assign", data={"assignee": str(owner.id)})
            .get_data(as_text=True)
        )
        assert "independent" in page and "There is a problem" in page
        assert db.session.get(Case, case.id).assigned_to_id is None

    def test_an_action_not_allowed_in_this_state_goes_back_to_the_case(self, app, login):
        case = put_in_state(make_case(), "closed")
        client = login(cso())
        response = client.get(f"/staff/cases/{case.reference}/respond")
        assert response.status_code == 302
        assert "You cannot do this while the case is closed" in client.get(
            response.headers["Location"]
        ).get_data(as_text=True)
        assert client.get(f"/staff/cases/{case.reference}/no-such-action").status_code == 404


def test_deadline_calculator(app, login):
    client = login(producer())
    assert client.get("/staff/deadline-calculator").status_code == 200
    page = client.get(
        "/staff/deadline-calculator?received_on=24&received_on=12&received_on=2026"
    ).get_data(as_text=True)
    assert "Tuesday 5 January 2027" in page and "Tuesday 26 January 2027" in page
    page = client.get(
        "/staff/deadline-calculator?received_on=31&received_on=2&received_on=2026"
    ).get_data(as_text=True)
    assert "Date received must be a real date" in page
    page = client.get("/staff/deadline-calculator?received_on=&received_on=&received_on=").get_data(
        as_text=True
    )
    assert "Enter the date received" in page


class TestCalendarAdmin:
    def test_add_and_remove_a_closure_day(self, app, login):
        make_case(received=date(2026, 3, 2))
        client = login(admin())
        assert client.get("/staff/admin/calendar").status_code == 200
        response = client.post(
            "/staff/admin/calendar/closures",
            data={"closed_on": ["4", "3", "2026"], "reason": "Office move"},
        )
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Deadlines recalculated on 1 open case" in page and "Office move" in page
        closure = db.session.execute(db.select(OfficeClosure)).scalar_one()
        response = client.post(f"/staff/admin/calendar/closures/{closure.id}/remove")
        assert response.status_code == 302
        assert db.session.execute(db.select(OfficeClosure)).first() is None

    def test_errors_and_region(self, app, login):
        client = login(admin())
        page = client.post(
            "/staff/admin/calendar/closures", data={"closed_on": ["31", "2", "2026"], "reason": ""}
        ).get_data(as_text=True)
        assert "must be a real date" in page and "Enter the reason the office is closed" in page
        response = client.post("/staff/admin/calendar/region", data={"region": "UK"})
        assert response.status_code == 302
        assert "UK-wide" in client.get("/staff/admin/calendar").get_data(as_text=True)
        page = client.post("/staff/admin/calendar/region", data={"region": "XX"}).get_data(
            as_text=True
        )
        assert "There is a problem" in page

    def test_only_admins(self, app, login):
        assert login(cso()).get("/staff/admin/calendar").status_code == 403


def test_dashboard_panel_counts_what_the_user_may_see(app, login):
    worker = producer()
    make_case(assigned_to=worker)  # overdue: received March 2026, never acknowledged
    make_case(kind="service_complaint")
    page = login(worker).get("/staff").get_data(as_text=True)
    assert "Enquiries and complaints" in page
    assert "/staff/cases?sla=overdue" in page
    assert "1 case<span" in page  # the overdue count; the complaint is not counted for them
    page = login(cso()).get("/staff").get_data(as_text=True)
    assert "2 cases<span" in page
    assert "Enquiries and complaints" not in login(admin()).get("/staff").get_data(as_text=True)


def test_demo_seed_has_every_state_and_sla_status(app):
    import random

    from engage.cases import clock
    from engage.cases.demo import seed
    from engage.seed import DEMO_STAFF, DemoContext, seed_outputs
    from engage.vocab import CASE_STATES
    from tests.factories.auth import UserFactory

    ctx = DemoContext(today=london_date(utcnow()), rng=random.Random(1))
    for email, name, roles, _password in DEMO_STAFF:
        ctx.users[email] = UserFactory(email=email, name=name, roles=roles)
    seed_outputs(ctx)
    seed(ctx)
    today = london_date(utcnow())
    cases = _cases()
    assert {c.state for c in cases} == set(CASE_STATES)
    assert {clock.sla_status(c, today) for c in cases} == set(clock.SLA_ORDER)
    assert any(c.received_on.weekday() == 5 for c in cases)
    assert any(c.delay_notice_on for c in cases) and any(c.paused_on for c in cases)


def test_a_reference_with_a_nul_or_other_control_character_is_not_found(app, login):
    # On PostgreSQL a NUL in the URL reached the query and answered 500 on every case page.
    case = make_case()
    client = login(cso())
    for reference in (
        "%00",
        f"{case.reference}%00",
        f"{case.reference}%1B",
        f"{case.reference}%E2%80%AE",
        "C-" + "9" * 100,
    ):
        for page in ("", "/acknowledge", "/attach", "/correct/received", "/attachments/1"):
            response = client.get(f"/staff/cases/{reference}{page}")
            assert response.status_code == 404, (reference, page)
    assert client.get(f"/staff/cases/%20{case.reference}%20").status_code in (200, 302)
