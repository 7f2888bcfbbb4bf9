"""An acknowledgement counts when it reached the requester (issue 17): an emailed one once the
mail server accepted it (a real SMTP server on loopback), never when it bounced; another way
(post, phone, in person, or an email sent from elsewhere) on the day staff say it happened,
not before receipt nor in the future."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from engage.calendar import london_date
from engage.cases import clock, workflow
from engage.cases.sla.delivered import confirm_delivered_acknowledgements
from engage.cases.workflow import CaseError
from engage.db_types import utcnow
from engage.jobs import JOBS
from engage.mail.delivery import deliver_due
from tests.factories.auth import cso, producer
from tests.factories.cases import RECEIVED, at, make_case


def _deliver() -> None:
    deliver_due(utcnow() + timedelta(minutes=1))
    confirm_delivered_acknowledgements()


def test_an_emailed_acknowledgement_counts_once_delivered(app, smtp_sink):
    case = make_case(channel="web")
    assert case.acknowledged_on is None
    assert clock.clock_outcome("acknowledge", case) is None  # still running
    _deliver()
    assert case.acknowledged_on == london_date(utcnow())
    assert [e.action for e in case.history][-1] == "acknowledgement_delivered"
    assert len(smtp_sink.messages) == 1
    confirm_delivered_acknowledgements()  # again: nothing more
    assert [e.action for e in case.history].count("acknowledgement_delivered") == 1


def test_a_bounced_acknowledgement_never_counts_and_staff_record_another_way(app, smtp_sink):
    case = make_case(channel="web")
    smtp_sink.mode = "permfail"
    _deliver()
    assert case.acknowledged_on is None
    assert "acknowledge" in workflow.allowed_actions(case, cso())
    today = london_date(utcnow())
    workflow.acknowledge(case, cso(), method="phone", on=today - timedelta(days=1))
    assert (case.acknowledged_on, case.acknowledgement_method) == (
        today - timedelta(days=1),
        "phone",
    )
    assert "acknowledge" not in workflow.allowed_actions(case, cso())


def test_the_delivery_job_confirms_acknowledgements():
    assert JOBS["deliver_emails"].targets[-1].endswith(":confirm_delivered_acknowledgements")


class TestBackdatedAcknowledgement:
    def test_by_post_on_an_earlier_day(self, app):
        case = make_case(email=None, address="1 Road")
        workflow.acknowledge(case, cso(), method="post", on=RECEIVED + timedelta(days=2))
        assert case.acknowledged_on == RECEIVED + timedelta(days=2)
        (event,) = [e for e in case.history if e.action == "acknowledged"]
        assert event.note == "Acknowledged by post on 4 March 2026"
        assert clock.clock_outcome("acknowledge", case) == "met"

    def test_an_email_sent_from_elsewhere_counts_on_its_day_and_is_not_sent_again(self, app):
        from engage.extensions import db
        from engage.mail.models import OutboxEmail

        case = make_case()
        workflow.acknowledge(case, cso(), method="email", on=RECEIVED)
        assert case.acknowledged_on == RECEIVED
        assert db.session.execute(db.select(OutboxEmail)).first() is None

    @pytest.mark.parametrize(
        ("on", "message"),
        [
            (RECEIVED - timedelta(days=1), "before the day the case was received"),
            (date.today() + timedelta(days=1), "today or in the past"),
        ],
    )
    def test_limits(self, app, on, message):
        case = make_case()
        with pytest.raises(CaseError, match=message):
            workflow.acknowledge(case, cso(), method="post", on=on)

    def test_by_email_today_needs_an_address(self, app):
        case = make_case(email=None, address="1 Road")
        with pytest.raises(CaseError, match="no email address"):
            workflow.acknowledge(case, cso(), method="email")
        with pytest.raises(CaseError, match="Select how"):
            workflow.acknowledge(case, cso(), method="carrier pigeon")

    def test_the_assignee_may_record_it(self, app):
        me = producer()
        case = make_case(assigned_to=me, email=None, address="1 Road")
        workflow.acknowledge(case, me, method="phone", on=RECEIVED, now=at(RECEIVED + timedelta(1)))
        assert case.acknowledgement_method == "phone"

    def test_through_the_page(self, app, login):
        case = make_case(email=None, address="1 Road")
        client = login(cso())
        page = client.get(f"/staff/cases/{case.reference}/acknowledge").get_data(as_text=True)
        assert "How was the requester acknowledged?" in page
        response = client.post(
            f"/staff/cases/{case.reference}/acknowledge",
            data={"method": "post", "on": ["3", "3", "2026"], "note": ""},
        )
        assert response.status_code == 302
        assert case.acknowledged_on == date(2026, 3, 3)
        page = client.post(
            f"/staff/cases/{make_case().reference}/acknowledge",
            data={"method": "post", "on": ["1", "1", "2026"]},
        ).get_data(as_text=True)
        assert "before the day the case was received" in page and "govuk-error-summary" in page


class TestBackdatingOtherSteps:
    def test_a_response_posted_earlier_counts_on_its_day(self, app):
        from engage.extensions import db
        from engage.mail.models import OutboxEmail

        case = put_ack(make_case(address="1 Road"))
        workflow.respond(
            case,
            cso(),
            text="Answer",
            method="post",
            on=RECEIVED + timedelta(days=5),
            now=at(RECEIVED + timedelta(days=30)),
        )
        assert case.responded_on == RECEIVED + timedelta(days=5)
        assert clock.clock_outcome("respond", case) == "met"  # by the day it happened
        assert db.session.execute(db.select(OutboxEmail)).first() is None
        (event,) = [e for e in case.history if e.action == "responded"]
        assert event.note == "Full response sent by post on 7 March 2026"

    def test_the_case_page_shows_the_day_a_backdated_response_was_made(self, app, login):
        # It showed the moment it was recorded ("Responded 28 November 2026 at 7:36am") next to
        # a "Met" respond-by of 27 November: the day it happened is what the clock reads.
        case = put_ack(make_case(address="1 Road"))
        workflow.respond(
            case,
            cso(),
            text="Answer",
            method="post",
            on=RECEIVED + timedelta(days=5),
            now=at(RECEIVED + timedelta(days=30)),
        )
        page = login(cso()).get(f"/staff/cases/{case.reference}").get_data(as_text=True)
        assert "Responded by post on 7 March 2026 (recorded 1 April 2026 at 10am)" in page

    def test_a_response_cannot_be_dated_before_receipt_or_in_the_future(self, app):
        case = put_ack(make_case())
        with pytest.raises(CaseError, match="before the day the case was received"):
            workflow.respond(case, cso(), text="x", method="phone", on=RECEIVED - timedelta(1))
        with pytest.raises(CaseError, match="today or in the past"):
            workflow.respond(
                case, cso(), text="x", method="phone", on=date.today() + timedelta(days=1)
            )

    def test_a_response_cannot_be_dated_inside_a_finished_pause(self, app):
        # Asked Wed 4 March, the reply came Thu 12 March: the case could not be answered in
        # full while we waited (respond is refused then), so not on a day in between either.
        case = make_case(address="1 Road")
        workflow.request_clarification(
            case, cso(), question="Which year?", now=at(date(2026, 3, 4))
        )
        workflow.clarification_received(
            case, cso(), replied_on=date(2026, 3, 12), now=at(date(2026, 3, 13))
        )
        with pytest.raises(CaseError, match="before 12 March 2026, when the clock started again"):
            workflow.respond(
                case, cso(), text="x", method="post", on=date(2026, 3, 6), now=at(date(2026, 3, 13))
            )
        assert case.responded_on is None
        workflow.respond(
            case, cso(), text="x", method="post", on=date(2026, 3, 12), now=at(date(2026, 3, 13))
        )
        assert case.responded_on == date(2026, 3, 12)

    def test_a_withdrawal_told_by_phone_last_week(self, app):
        case = make_case()
        today = london_date(utcnow())
        workflow.withdraw(case, cso(), on=today - timedelta(days=7), method="phone")
        assert case.withdrawn_on == today - timedelta(days=7)
        (event,) = [e for e in case.history if e.action == "withdrawn"]
        assert "Told us by phone" in event.note
        with pytest.raises(CaseError):
            workflow.withdraw(make_case(), cso(), on=RECEIVED - timedelta(days=1))

    def test_a_reply_cannot_be_dated_before_we_asked(self, app):
        case = put_ack(make_case())
        workflow.request_clarification(
            case, cso(), question="Which year?", now=at(RECEIVED + timedelta(3))
        )
        with pytest.raises(CaseError, match="when we asked"):
            workflow.clarification_received(case, cso(), replied_on=RECEIVED + timedelta(days=1))


def put_ack(case):  # type: ignore[no-untyped-def]
    workflow.acknowledge(case, cso(), method="post", on=RECEIVED, now=at(RECEIVED))
    return case
