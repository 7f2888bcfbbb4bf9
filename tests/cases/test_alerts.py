"""SLA warnings and breach emails: once per case, deadline and level, delivered to a real SMTP
server on loopback, confidential details never in the email."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import time_machine

from engage.cases.alerts import queue_sla_digests, scan_sla
from engage.cases.clock import current_calendar
from engage.cases.models import Case
from engage.db_types import utcnow
from engage.extensions import db
from engage.mail.delivery import deliver_due
from engage.mail.models import OutboxEmail
from engage.scheduler.runner import run_job
from tests.factories.auth import cso, producer
from tests.mail.conftest import make_case

TODAY = date(2026, 3, 10)  # Tuesday
NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _outbox() -> list[OutboxEmail]:
    db.session.expire_all()
    return list(db.session.execute(db.select(OutboxEmail).order_by(OutboxEmail.id)).scalars())


def _received_working_days_ago(n: int, today: date = TODAY) -> date:
    return current_calendar().add_working_days(today, -n)


@time_machine.travel(NOON, tick=False)
def test_unacknowledged_case_from_6_working_days_ago_emails_the_assignee_and_cso_once(
    app, smtp_sink, cso_address
):
    officer = cso(email="officer@example.gov.uk")
    case = make_case(_received_working_days_ago(6), assignee=officer)
    assert case.acknowledge_by == date(2026, 3, 9)

    for _ in range(10):
        scan_sla(TODAY)
        deliver_due(utcnow())

    assert sorted(smtp_sink.recipients()) == sorted(["officer@example.gov.uk", cso_address])
    for message in smtp_sink.messages:
        assert message["Subject"] == (
            f"Deadline missed: acknowledgement for case {case.reference} was due 9 March 2026"
        )
        assert "acknowledgement" in message["Subject"]
        text = message.get_body(("plain",)).get_content()
        assert f"/staff/cases/{case.reference}" in text
        assert "Monday 9 March 2026" in text
        assert "Overdue by: 1 working day" in text
        html = message.get_body(("html",)).get_content()
        assert f'href="http://127.0.0.1:5000/staff/cases/{case.reference}"' in html
        # Complaints are confidential: nothing of the requester or their message.
        for secret in (
            "Jo Requester",
            "jo.requester",
            "Confidential complaint",
            "Late publication",
        ):
            assert secret not in message.as_string()
    assert [r.template for r in _outbox()] == ["sla_breach", "sla_breach"]


def test_ten_scans_through_the_job_runner_still_queue_one_warning_each(app, cso_address):
    with time_machine.travel(NOON, tick=False):
        officer = cso()
        make_case(_received_working_days_ago(6), assignee=officer)
        runs = [run_job("sla_scan") for _ in range(10)]
    assert all(run is not None and run.ok for run in runs)
    assert runs[0].result.startswith("1 deadlines due soon or breached, 2 emails queued")
    assert "0 emails queued" in runs[-1].result
    assert sorted(r.to_address for r in _outbox()) == sorted([officer.email, cso_address])


def test_due_soon_then_breached_gives_one_warning_of_each_level(app, smtp_sink, cso_address):
    officer = producer()
    # Acknowledge-by is the 5th working day after receipt: received 4 working days before
    # TODAY, it is due tomorrow (within 2 working days).
    case = make_case(_received_working_days_ago(4), assignee=officer)
    assert case.acknowledge_by == date(2026, 3, 11)

    for day in (TODAY, TODAY, date(2026, 3, 11)):
        scan_sla(day)
    assert [(r.template, r.to_address) for r in _outbox()] == [
        ("sla_due_soon", officer.email),
        ("sla_due_soon", cso_address),
    ]
    for day in (date(2026, 3, 12), date(2026, 3, 13), date(2026, 3, 16)):
        scan_sla(day)
    assert [r.template for r in _outbox()] == ["sla_due_soon"] * 2 + ["sla_breach"] * 2
    deliver_due(utcnow() + timedelta(days=30))
    assert len(smtp_sink.messages) == 4
    assert "Due soon" in smtp_sink.to(officer.email)[0]["Subject"]


def test_the_respond_by_deadline_is_watched_after_acknowledgement(app, cso_address):
    received = _received_working_days_ago(19)
    case = make_case(
        received,
        state="acknowledged",
        acknowledged_at=datetime(2026, 2, 10, 9, tzinfo=UTC),
        acknowledged_on=received,
    )
    scan_sla(TODAY)
    (row,) = _outbox()  # unassigned: the CSO mailbox only
    assert row.to_address == cso_address
    assert row.dedup_key == f"sla:{case.id}:respond:{case.respond_by}:due_soon:{cso_address}"
    assert "full response" in row.subject


def test_stopped_clocks_give_no_warning(app):
    old = _received_working_days_ago(25)
    acknowledged_at = datetime(2026, 2, 3, 9, tzinfo=UTC)
    make_case(
        old,
        state="awaiting_clarification",
        acknowledged_at=acknowledged_at,
        acknowledged_on=old,
        paused_on=TODAY - timedelta(days=30),
    )
    make_case(
        old,
        state="transferred",
        transferred_to="foi",
        transferred_on=old,
        transferred_at=acknowledged_at,
    )
    make_case(old, state="withdrawn", withdrawn_at=acknowledged_at, withdrawn_on=old)
    make_case(
        old,
        state="closed",
        acknowledged_at=acknowledged_at,
        acknowledged_on=old,
        responded_at=acknowledged_at,
        responded_on=old,
        closed_at=acknowledged_at,
    )
    make_case(
        old,
        state="responded",
        acknowledged_at=acknowledged_at,
        acknowledged_on=old,
        responded_at=acknowledged_at,
        responded_on=old,
    )
    result = scan_sla(TODAY)
    # The paused case was acknowledged in time and its response clock is paused: nothing.
    assert result.alerts == 0 and _outbox() == []


def test_a_deadline_moved_by_a_calendar_change_is_a_new_deadline_with_its_own_warning(app):
    """docs/cases.md: a moved deadline is a new deadline, and gets its own warnings."""
    from engage.cases.calendar_admin import add_closure
    from tests.factories.auth import admin

    case = make_case(_received_working_days_ago(6))
    scan_sla(TODAY)
    assert len(_outbox()) == 1
    add_closure(_received_working_days_ago(3), "Office move", actor=admin())
    db.session.expire_all()
    assert db.session.get(Case, case.id).acknowledge_by == TODAY
    scan_sla(TODAY)
    assert [r.template for r in _outbox()] == ["sla_breach", "sla_due_soon"]


def test_daily_digest_one_per_person_on_working_days_only(app, smtp_sink, cso_address):
    alice, bob = producer(email="alice@example.gov.uk"), producer(email="bob@example.gov.uk")
    a1 = make_case(_received_working_days_ago(7), assignee=alice)
    a2 = make_case(
        _received_working_days_ago(22),
        assignee=alice,
        state="acknowledged",
        acknowledged_at=datetime(2026, 2, 5, tzinfo=UTC),
        acknowledged_on=date(2026, 2, 5),
    )
    b1 = make_case(_received_working_days_ago(9), assignee=bob)
    make_case(_received_working_days_ago(1), assignee=bob)  # in time: not in any digest

    for _ in range(3):
        result = queue_sla_digests(TODAY)
    assert result.working_day and result.breached == 3
    digests = {r.to_address: r for r in _outbox() if r.template == "sla_digest"}
    assert set(digests) == {"alice@example.gov.uk", "bob@example.gov.uk", cso_address}
    assert a1.reference in digests["alice@example.gov.uk"].body_text
    assert a2.reference in digests["alice@example.gov.uk"].body_text
    assert b1.reference not in digests["alice@example.gov.uk"].body_text
    assert all(c.reference in digests[cso_address].body_text for c in (a1, a2, b1))
    assert digests["alice@example.gov.uk"].subject.startswith("2 missed case deadlines")

    assert not queue_sla_digests(date(2026, 3, 14)).working_day  # Saturday
    assert not queue_sla_digests(date(2026, 4, 6)).working_day  # Easter Monday
    assert len([r for r in _outbox() if r.template == "sla_digest"]) == 3
    queue_sla_digests(date(2026, 3, 11))  # the next working day: a new digest each
    assert len([r for r in _outbox() if r.template == "sla_digest"]) == 6

    deliver_due(utcnow() + timedelta(days=30))
    assert len(smtp_sink.to("alice@example.gov.uk")) == 2
