"""`flask seed-demo`, then the scheduler's jobs against an SMTP sink: the demo's history is
already sent, so the first run sends only today's handful of warnings, a second run nothing new,
and every address the demo stores is at a domain that cannot reach a real person."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from engage.calendar import LONDON, london_date
from engage.cases.alerts import find_alerts
from engage.db_types import utcnow
from engage.extensions import db
from engage.jobs import JOBS
from engage.mail.models import OutboxEmail
from engage.scheduler.runner import catch_up_time, run_job
from engage.seed import is_reserved_address, last_evening_before, seed_demo

SLA_SUBJECT = re.compile(
    r"^(Due soon|Deadline missed): (acknowledgement|full response) for case (\S+) "
)
ADDRESS = re.compile(r"[^\s<>\"'(),;:@]+@[^\s<>\"'(),;:@]+\.[A-Za-z0-9.-]*[A-Za-z0-9]")


def _sla_messages(sink) -> list[tuple[str, str, str, str]]:  # type: ignore[no-untyped-def]
    found = []
    for message in sink.messages:
        match = SLA_SUBJECT.match(str(message["Subject"]))
        if match:
            level, deadline, reference = match.groups()
            found.append((reference, deadline, level, str(message["To"])))
    return sorted(found)


def _emails_after(last_id: int) -> list[OutboxEmail]:
    return list(
        db.session.execute(
            db.select(OutboxEmail).where(OutboxEmail.id > last_id).order_by(OutboxEmail.id)
        ).scalars()
    )


def test_reserved_addresses():
    for address in (
        "a@example.org",
        "a@justice.example.gov.uk",
        "a@example.com",
        "a@EXAMPLE.NET.",
        "cso@demo.engage.test",
        "x@parliament.example",
        "x@host.invalid",
    ):
        assert is_reserved_address(address), address
    for address in (
        "p.nair@example.ac.uk",
        "a@gov.uk",
        "a@notexample.org",
        "a@example.org.evil.com",
        "a@test.com",
        "example.org",
        "",
    ):
        assert not is_reserved_address(address), address


def test_every_address_the_demo_seed_stores_is_at_a_reserved_domain(app, smtp_sink):
    """Every text column of every table is searched for anything that looks like an address,
    after the seed and after every job has run and the outbox was delivered."""
    seeded = app.test_cli_runner().invoke(args=["seed-demo"])
    assert seeded.exit_code == 0, seeded.output
    db.session.remove()
    for name in JOBS:
        run = run_job(name)
        assert run is not None and run.ok, (name, run and run.result)

    found: set[str] = set()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, sa.String | sa.Text)]
        for row in db.session.execute(sa.select(*columns)) if columns else ():
            for value in row:
                if isinstance(value, str) and "@" in value:
                    found.update(ADDRESS.findall(value))
    for key in ("MAIL_FROM", "CSO_EMAIL", "PRESS_OFFICE_EMAIL"):
        found.add(app.config[key])
    found.update(r for _, rcpts in smtp_sink.envelopes for r in rcpts)
    found.update(sender for sender, _ in smtp_sink.envelopes)
    assert len(found) > 250, "the search found the stakeholders, requesters and staff"
    assert sorted(a for a in found if not is_reserved_address(a)) == []


@pytest.mark.parametrize(
    ("today", "evening", "expected"),
    [
        # Monday: a due-soon warning and a breach warning, each to the assignee and the CSO
        # mailbox, and the 08:00 digest of breached cases to the CSO mailbox and the assignee.
        (
            date(2026, 11, 30),
            date(2026, 11, 27),
            {"sla_due_soon": 2, "sla_breach": 2, "sla_digest": 2},
        ),
        # Saturday: the deadline missed on Friday; no digest at weekends.
        (date(2026, 11, 28), date(2026, 11, 27), {"sla_breach": 2}),
        # A bank holiday Monday after Christmas Day: the deadline of Thursday 24th was missed;
        # and February 2027's provisional releases came within 5 weeks over the holiday, so
        # their producers are reminded to confirm the dates (issue 22).
        (
            date(2026, 12, 28),
            date(2026, 12, 24),
            {"sla_breach": 2, "release_confirmation_due": 3},
        ),
    ],
)
def test_running_every_job_once_after_the_seed_sends_a_handful(app, today, evening, expected):
    seed_demo(today=today)
    history = db.session.execute(db.select(OutboxEmail)).scalars().all()
    assert len(history) > 80 and {e.status for e in history} == {"sent"}
    last_id = max(e.id for e in history)
    moment = datetime.combine(today, time(9, 0), tzinfo=LONDON).astimezone(UTC)
    for name in JOBS:
        run = run_job(name, as_of=moment)
        assert run is not None and run.ok, (name, run and run.result)
    counts: dict[str, int] = {}
    for email in _emails_after(last_id):
        counts[email.template] = counts.get(email.template, 0) + 1
    assert counts == expected
    # The history's warnings are those due by the last working day's evening.
    assert london_date(last_evening_before(today)) == evening
    for name in JOBS:
        run_job(name, as_of=moment + timedelta(minutes=30))
    assert len(_emails_after(last_id)) == sum(expected.values())  # nothing doubled


def test_the_first_scheduler_start_after_seed_demo_sends_only_new_warnings(
    app, smtp_sink, cso_address
):
    runner = app.test_cli_runner()
    seeded = runner.invoke(args=["seed-demo"])
    assert seeded.exit_code == 0, seeded.output
    db.session.remove()

    # At its first start the scheduler runs only the scan (no job has run before).
    now = utcnow()
    starting = [n for n, job in JOBS.items() if catch_up_time(job, None, now, timedelta(hours=6))]
    assert starting == ["sla_scan"]

    today = london_date(now)
    alerts = find_alerts(today)
    assert any(a.level == "breach" for a in alerts), "the demo has breached cases"
    assert any(a.level == "due_soon" for a in alerts), "the demo has cases due soon"
    # New today: due soon or breached now, but not yet on the evening before.
    evening = london_date(last_evening_before(today))
    before = {(a.case.id, a.kind, a.deadline, a.level) for a in find_alerts(evening)}
    expected = []
    for alert in alerts:
        if (alert.case.id, alert.kind, alert.deadline, alert.level) in before:
            continue
        level = "Deadline missed" if alert.level == "breach" else "Due soon"
        people = [cso_address, alert.case.assigned_to.email.lower()]
        expected += [(alert.case.reference, alert.deadline_label, level, p) for p in people]
    db.session.remove()

    for job in ("sla_scan", "deliver_emails"):
        result = runner.invoke(args=["jobs", "run", job])
        assert result.exit_code == 0, result.output
    assert _sla_messages(smtp_sink) == sorted(expected)
    assert 2 <= len(smtp_sink.messages) <= 4  # a handful, every day of the week
    delivered = len(smtp_sink.messages)

    for job in ("sla_scan", "deliver_emails"):
        result = runner.invoke(args=["jobs", "run", job])
        assert result.exit_code == 0, result.output
    assert result.output.startswith("deliver_emails: deliver_due: sent 0,")
    assert len(smtp_sink.messages) == delivered
