"""The SLA clock through the case domain functions: DOMAIN.md's named examples, the day-0
rule, calendar changes recalculating open cases with history, the pause arithmetic, SLA status
in Python and in SQL, and the `flask sla deadlines` command."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from engage.cases import calendar_admin, clock, workflow
from engage.cases.models import Case, CaseEvent, OfficeClosure
from engage.extensions import db
from tests.factories.auth import admin, cso
from tests.factories.cases import at, make_case, put_in_state


@pytest.mark.parametrize(
    ("received", "acknowledge_by", "respond_by"),
    [
        (date(2017, 5, 18), date(2017, 5, 25), date(2017, 6, 16)),  # DOMAIN.md example
        (date(2026, 12, 24), date(2027, 1, 5), date(2027, 1, 26)),  # DOMAIN.md example
        (date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 30)),
        (date(2022, 9, 16), date(2022, 9, 26), date(2022, 10, 17)),  # Queen's funeral 19 Sep
        (date(2023, 5, 5), date(2023, 5, 15), date(2023, 6, 6)),  # coronation 8 May + 29 May
        (date(2026, 4, 2), date(2026, 4, 13), date(2026, 5, 5)),  # Easter, early May holiday
    ],
)
def test_case_deadlines_stored_at_intake(app, received, acknowledge_by, respond_by):
    case = make_case(received=received)
    stored = db.session.get(Case, case.id)
    assert (stored.acknowledge_by, stored.respond_by) == (acknowledge_by, respond_by)
    assert (stored.original_acknowledge_by, stored.original_respond_by) == (
        acknowledge_by,
        respond_by,
    )
    assert stored.received_on == received


def test_saturday_receipt_has_the_fridays_deadlines(app):
    friday = make_case(received=date(2026, 3, 6))
    saturday = make_case(received=date(2026, 3, 7))
    sunday = make_case(received=date(2026, 3, 8))
    assert (saturday.acknowledge_by, saturday.respond_by) == (
        friday.acknowledge_by,
        friday.respond_by,
    )
    assert (sunday.acknowledge_by, sunday.respond_by) == (friday.acknowledge_by, friday.respond_by)
    assert saturday.acknowledge_by == date(2026, 3, 13)


def test_received_late_evening_utc_in_summer_counts_as_the_next_london_day(app):
    from engage.cases.intake import create_case

    # 23:30 UTC on Thu 18 June 2026 is 00:30 BST on Friday 19 June.
    case = create_case(
        kind="enquiry",
        channel="web",
        requester_name="Night Owl",
        requester_email=None,
        requester_address="1 Street",
        output=None,
        subject=None,
        message="Hello",
        received_at=datetime(2026, 6, 18, 23, 30, tzinfo=UTC),
        now=datetime(2026, 6, 18, 23, 31, tzinfo=UTC),
    )
    assert case.received_on == date(2026, 6, 19)
    assert case.acknowledge_by == date(2026, 6, 26)


def test_adding_a_closure_day_moves_open_cases_with_history_and_keeps_originals(app):
    office = admin()
    open_case = make_case(received=date(2026, 3, 2))
    acknowledged = put_in_state(make_case(received=date(2026, 3, 2)), "acknowledged")
    done = put_in_state(make_case(received=date(2026, 3, 2)), "responded")

    moved = calendar_admin.add_closure(date(2026, 3, 4), "Office move", actor=office)

    assert moved == 2
    db.session.expire_all()
    case = db.session.get(Case, open_case.id)
    assert case.acknowledge_by == date(2026, 3, 10)
    assert case.respond_by == date(2026, 3, 31)
    assert (case.original_acknowledge_by, case.original_respond_by) == (
        date(2026, 3, 9),
        date(2026, 3, 30),
    )
    event = case.history[-1]
    assert event.action == "deadlines_recalculated"
    assert event.actor_id == office.id
    assert "Office closure added on 4 March 2026" in event.note
    assert "respond by 30 March 2026 → 31 March 2026" in event.note
    # An acknowledged case keeps its acknowledge-by; a responded case is left alone.
    ack = db.session.get(Case, acknowledged.id)
    assert (ack.acknowledge_by, ack.respond_by) == (date(2026, 3, 9), date(2026, 3, 31))
    finished = db.session.get(Case, done.id)
    assert finished.respond_by == date(2026, 3, 30)
    assert not [e for e in finished.history if e.action == "deadlines_recalculated"]

    # Removing it puts the deadlines back, again with history.
    closure = db.session.execute(db.select(OfficeClosure)).scalar_one()
    assert calendar_admin.remove_closure(closure, actor=office) == 2
    db.session.expire_all()
    case = db.session.get(Case, open_case.id)
    assert case.respond_by == date(2026, 3, 30)
    assert [e.action for e in case.history].count("deadlines_recalculated") == 2


def test_a_closure_day_outside_any_open_case_changes_nothing(app):
    make_case(received=date(2026, 3, 2))
    assert calendar_admin.add_closure(date(2026, 8, 3), "Summer", actor=admin()) == 0
    assert (
        db.session.execute(
            db.select(CaseEvent).where(CaseEvent.action == "deadlines_recalculated")
        ).first()
        is None
    )


def test_changing_region_recalculates_open_cases(app):
    # St Andrew's Day substitute: Mon 30 Nov 2026 is a Scottish bank holiday only.
    case = make_case(received=date(2026, 11, 23))
    assert case.acknowledge_by == date(2026, 11, 30)
    assert calendar_admin.set_region("SCT", actor=admin()) == 1
    db.session.expire_all()
    assert db.session.get(Case, case.id).acknowledge_by == date(2026, 12, 1)
    assert clock.calendar_region() == "SCT"


def test_only_admins_change_the_calendar(app):
    with pytest.raises(workflow.CaseForbidden):
        calendar_admin.add_closure(date(2026, 3, 4), "Office move", actor=cso())
    assert db.session.execute(db.select(OfficeClosure)).first() is None


def test_duplicate_closure_day_is_refused(app):
    office = admin()
    calendar_admin.add_closure(date(2026, 3, 4), "Office move", actor=office)
    with pytest.raises(workflow.CaseError, match="already an office closure day"):
        calendar_admin.add_closure(date(2026, 3, 4), "Again", actor=office)


class TestPause:
    def test_respond_by_moves_later_by_the_working_days_paused(self, app):
        officer = cso()
        case = make_case(received=date(2026, 3, 2))  # respond by Mon 30 March
        workflow.request_clarification(
            case, officer, question="Which year?", now=at(date(2026, 3, 5))
        )
        assert case.state == "awaiting_clarification"
        assert case.paused_on == date(2026, 3, 5)
        # Reply on Thursday 12 March: paused Fri 6, Mon 9 .. Thu 12 = 5 working days.
        workflow.clarification_received(
            case, officer, replied_on=date(2026, 3, 12), now=at(date(2026, 3, 12), 15)
        )
        assert case.paused_working_days == 5
        assert case.respond_by == date(2026, 4, 8)  # 5 working days after 30 March (Easter)
        assert case.original_respond_by == date(2026, 3, 30)
        assert case.paused_on is None
        assert case.state == "received"
        assert "paused for 5 working days" in case.history[-1].note

    def test_pauses_accumulate_and_a_same_day_reply_adds_nothing(self, app):
        officer = cso()
        case = put_in_state(make_case(received=date(2026, 3, 2)), "acknowledged")
        workflow.request_clarification(case, officer, question="A?", now=at(date(2026, 3, 3)))
        workflow.clarification_received(
            case, officer, replied_on=date(2026, 3, 3), now=at(date(2026, 3, 3), 16)
        )
        assert (case.paused_working_days, case.respond_by) == (0, date(2026, 3, 30))
        assert case.state == "acknowledged"
        workflow.request_clarification(case, officer, question="B?", now=at(date(2026, 3, 6)))
        workflow.clarification_received(
            case, officer, replied_on=date(2026, 3, 10), now=at(date(2026, 3, 10), 16)
        )
        assert case.paused_working_days == 2
        assert case.respond_by == date(2026, 4, 1)

    def test_a_weekend_pause_adds_no_working_days(self, app):
        officer = cso()
        case = make_case(received=date(2026, 3, 2))
        workflow.request_clarification(case, officer, question="?", now=at(date(2026, 3, 6)))
        workflow.clarification_received(
            case, officer, replied_on=date(2026, 3, 8), now=at(date(2026, 3, 8))
        )
        assert case.paused_working_days == 0
        assert case.respond_by == date(2026, 3, 30)

    def test_charge_consent_pauses_and_resumes_the_clock(self, app):
        officer = cso()
        case = make_case(kind="different_format", received=date(2026, 3, 2))
        from decimal import Decimal

        workflow.quote_charge(
            case, officer, amount=Decimal("45"), explanation="Braille", now=at(date(2026, 3, 3))
        )
        assert case.state == "awaiting_clarification" and case.paused_on == date(2026, 3, 3)
        with pytest.raises(workflow.CaseError):  # waiting for consent, not clarification
            workflow.clarification_received(
                case, officer, replied_on=date(2026, 3, 5), now=at(date(2026, 3, 5))
            )
        workflow.record_charge_answer(
            case, officer, accepted=True, replied_on=date(2026, 3, 5), now=at(date(2026, 3, 5))
        )
        assert case.charge_accepted is True
        assert case.paused_working_days == 2
        assert case.respond_by == date(2026, 4, 1)

    def test_recalculation_keeps_the_paused_days(self, app):
        officer = cso()
        case = make_case(received=date(2026, 3, 2))
        workflow.request_clarification(case, officer, question="?", now=at(date(2026, 3, 3)))
        workflow.clarification_received(
            case, officer, replied_on=date(2026, 3, 5), now=at(date(2026, 3, 5))
        )
        assert case.respond_by == date(2026, 4, 1)
        calendar_admin.add_closure(date(2026, 3, 16), "Training day", actor=admin())
        db.session.expire_all()
        assert db.session.get(Case, case.id).respond_by == date(2026, 4, 2)

    def test_a_closure_day_inside_a_finished_pause_is_counted_once(self, app):
        officer = cso()
        case = make_case(received=date(2026, 3, 2))  # respond by Mon 30 March
        workflow.request_clarification(case, officer, question="?", now=at(date(2026, 3, 5)))
        workflow.clarification_received(
            case, officer, replied_on=date(2026, 3, 12), now=at(date(2026, 3, 12), 15)
        )
        assert (case.paused_working_days, case.respond_by) == (5, date(2026, 4, 8))
        # Wed 11 March was paused anyway: closing the office that day changes nothing (it is
        # no longer a day paused, and it is a day the office was closed: counted once).
        assert calendar_admin.add_closure(date(2026, 3, 11), "Strike", actor=admin()) == 0
        db.session.expire_all()
        case = db.session.get(Case, case.id)
        assert (case.paused_working_days, case.respond_by) == (4, date(2026, 4, 8))
        # A closure day outside the pause moves respond-by by one working day.
        calendar_admin.add_closure(date(2026, 3, 17), "Training", actor=admin())
        db.session.expire_all()
        assert db.session.get(Case, case.id).respond_by == date(2026, 4, 9)

    def test_a_paused_case_can_be_acknowledged_and_stays_paused(self, app):
        officer = cso()
        case = make_case(received=date(2026, 3, 2))  # acknowledge by Mon 9 March
        # Paused on day 0, before anyone could acknowledge it.
        workflow.request_clarification(case, officer, question="?", now=at(date(2026, 3, 2)))
        assert "acknowledge" in workflow.allowed_actions(case, officer)
        workflow.acknowledge(case, officer, method="post", now=at(date(2026, 3, 4)))
        assert case.state == "awaiting_clarification" and case.paused_on == date(2026, 3, 2)
        assert clock.clock_outcome("acknowledge", case) == "met"
        assert clock.respond_status(case, date(2026, 4, 20)) == "in_time"  # paused in time
        assert "acknowledge" not in workflow.allowed_actions(case, officer)
        with pytest.raises(workflow.CaseError):
            workflow.acknowledge(case, officer, method="post", now=at(date(2026, 3, 5)))
        workflow.clarification_received(
            case, officer, replied_on=date(2026, 3, 6), now=at(date(2026, 3, 6))
        )
        assert case.state == "acknowledged"

    def test_a_reopened_case_takes_its_deadlines_from_the_calendar_as_it_is_now(self, app):
        officer, office = cso(), admin()
        case = make_case(received=date(2026, 3, 2))  # acknowledge by 9 March, respond by 30
        workflow.withdraw(case, officer, now=at(date(2026, 3, 3)))
        calendar_admin.add_closure(date(2026, 3, 4), "Office move", actor=office)
        db.session.expire_all()
        case = db.session.get(Case, case.id)
        assert case.respond_by == date(2026, 3, 30)  # stopped: left alone
        workflow.reopen(case, officer, reason="Asked again", now=at(date(2026, 3, 5)))
        assert (case.acknowledge_by, case.respond_by) == (date(2026, 3, 10), date(2026, 3, 31))
        assert "Deadline moved: respond by 30 March 2026 → 31 March 2026" in case.history[-1].note


# --- SLA status -------------------------------------------------------------------------------

TODAY = date(2026, 3, 20)  # Friday


def _cases_in_every_status() -> dict[str, list[Case]]:
    """Cases whose expected overall status on TODAY is known, by construction."""
    officer = cso()
    out: dict[str, list[Case]] = {s: [] for s in clock.SLA_ORDER}
    # in time: received Thu 19 March, nothing due until 26 March.
    out["in_time"].append(make_case(received=date(2026, 3, 19)))
    # due soon: acknowledge by Tue 24 March = 2 working days after Fri 20 March.
    out["due_soon"].append(make_case(received=date(2026, 3, 17)))
    # due soon: acknowledge by today.
    out["due_soon"].append(make_case(received=date(2026, 3, 13)))
    # overdue acknowledgement.
    out["overdue"].append(make_case(received=date(2026, 3, 12)))
    # overdue response (acknowledged on time).
    late = make_case(received=date(2026, 2, 2))
    workflow.acknowledge(late, officer, method="post", now=at(date(2026, 2, 3)))
    out["overdue"].append(late)
    # acknowledged late, response still running and in time: the response clock shows.
    ack_late = make_case(received=date(2026, 3, 2))
    workflow.acknowledge(ack_late, officer, method="post", now=at(date(2026, 3, 12)))
    out["in_time"].append(ack_late)
    # paused while in time is in time; paused after respond-by passed stays overdue.
    paused = make_case(received=date(2026, 3, 9))
    workflow.acknowledge(paused, officer, method="post", now=at(date(2026, 3, 10)))
    workflow.request_clarification(paused, officer, question="?", now=at(date(2026, 3, 10), 11))
    out["in_time"].append(paused)
    # paused before acknowledging: the acknowledge clock keeps running (overdue on 17 March).
    paused_unacknowledged = make_case(received=date(2026, 3, 9))
    workflow.request_clarification(
        paused_unacknowledged, officer, question="?", now=at(date(2026, 3, 10))
    )
    out["overdue"].append(paused_unacknowledged)
    paused_late = make_case(received=date(2026, 1, 5))
    workflow.acknowledge(paused_late, officer, method="post", now=at(date(2026, 1, 6)))
    workflow.request_clarification(paused_late, officer, question="?", now=at(date(2026, 2, 10)))
    out["overdue"].append(paused_late)
    # met: acknowledged and answered in time.
    met = make_case(received=date(2026, 2, 2))
    workflow.acknowledge(met, officer, method="post", now=at(date(2026, 2, 3)))
    workflow.respond(met, officer, text="Answer", method="email", now=at(date(2026, 2, 20)))
    out["met"].append(met)
    # not measured: transferred to FoI in time, before being acknowledged.
    foi = make_case(kind="unpublished_statistics", received=date(2026, 3, 2))
    workflow.transfer(foi, officer, to="foi", reference="FOI-9", now=at(date(2026, 3, 3)))
    out["not_measured"].append(foi)
    # met: acknowledged in time, then transferred to FoI in time.
    foi_ack = make_case(kind="unpublished_statistics", received=date(2026, 3, 2))
    workflow.acknowledge(foi_ack, officer, method="post", now=at(date(2026, 3, 3)))
    workflow.transfer(foi_ack, officer, to="foi", reference="FOI-10", now=at(date(2026, 3, 4)))
    out["met"].append(foi_ack)
    # missed: withdrawn after its acknowledge-by date without an acknowledgement.
    withdrawn_late = make_case(received=date(2026, 2, 2))
    workflow.withdraw(withdrawn_late, officer, now=at(date(2026, 2, 13)))
    out["missed"].append(withdrawn_late)
    # missed: answered late, even with a delay notice sent in time.
    missed = make_case(received=date(2026, 1, 5))
    workflow.acknowledge(missed, officer, method="post", now=at(date(2026, 1, 6)))
    workflow.send_delay_notice(
        missed,
        officer,
        reason="Data",
        revised_target_on=date(2026, 2, 20),
        now=at(date(2026, 1, 30)),
    )
    workflow.respond(missed, officer, text="Late", method="email", now=at(date(2026, 2, 18)))
    out["missed"].append(missed)
    # missed: answered in time but acknowledged late.
    ack_missed = make_case(received=date(2026, 2, 2))
    workflow.acknowledge(ack_missed, officer, method="post", now=at(date(2026, 2, 13)))
    workflow.respond(ack_missed, officer, text="Ok", method="email", now=at(date(2026, 2, 20)))
    out["missed"].append(ack_missed)
    return out


def test_named_cases_in_every_status(app):
    """Cases built through the workflow, each in a known status (the SQL readings are checked
    against the Python one by the property test in tests/cases/test_sla.py)."""
    expected = _cases_in_every_status()
    cal = clock.current_calendar()
    for status, cases in expected.items():
        assert cases, status
        for case in cases:
            assert clock.sla_status(case, TODAY, cal) == status, (status, case.received_on)
    assert (
        db.session.execute(db.select(Case.id).where(clock.sla_filter("bogus", TODAY))).first()
        is None
    )


def test_acknowledge_and_respond_statuses_separately(app):
    case = make_case(received=date(2026, 3, 2))
    officer = cso()
    assert clock.acknowledge_status(case, date(2026, 3, 4)) == "in_time"
    assert clock.acknowledge_status(case, date(2026, 3, 5)) == "due_soon"
    assert clock.acknowledge_status(case, date(2026, 3, 9)) == "due_soon"  # due today
    assert clock.acknowledge_status(case, date(2026, 3, 10)) == "overdue"
    workflow.acknowledge(case, officer, method="post", now=at(date(2026, 3, 10)))
    assert clock.acknowledge_status(case, date(2026, 3, 20)) == "missed"
    assert clock.respond_status(case, date(2026, 3, 20)) == "in_time"
    assert clock.respond_status(case, date(2026, 3, 26)) == "due_soon"
    assert clock.respond_status(case, date(2026, 3, 31)) == "overdue"
    assert clock.working_days_remaining(case, date(2026, 3, 20)) == 6


def test_flask_sla_deadlines_prints_json(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sla", "deadlines", "2017-05-18"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "received": "2017-05-18",
        "acknowledge_by": "2017-05-25",
        "respond_by": "2017-06-16",
    }
    result = runner.invoke(args=["sla", "deadlines", "2026-12-24"])
    assert json.loads(result.output)["respond_by"] == "2027-01-26"


def test_flask_sla_deadlines_uses_office_closures_and_rejects_bad_dates(app):
    calendar_admin.add_closure(date(2026, 3, 4), "Office move", actor=admin())
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sla", "deadlines", "2026-03-02"])
    assert json.loads(result.output)["acknowledge_by"] == "2026-03-10"
    result = runner.invoke(args=["sla", "deadlines", "2026-02-31"])
    assert result.exit_code != 0
    assert "YYYY-MM-DD" in result.output
