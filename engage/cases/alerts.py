"""SLA warnings and breach emails for cases (run by the scheduler's sla_scan and sla_digest).

Once per deadline: every warning has a dedup key naming the case, the deadline kind and date,
the warning level and the recipient, and the outbox's UNIQUE constraint refuses a second one,
whatever runs the scan (ten times, two schedulers at once). A moved deadline (clarification
pause, closure day added) is a new deadline and so gets its own warnings.

Confidentiality: emails name the case reference, kind and deadline and link to the case page;
they never carry the requester's personal data or the text of their message.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import or_
from sqlalchemy.orm import joinedload

from engage.auth.models import User
from engage.calendar import WorkingCalendar
from engage.cases.clock import current_calendar, due_soon_boundary
from engage.cases.models import Case
from engage.cases.sla import rules, sql, status
from engage.extensions import db
from engage.mail.models import OutboxEmail
from engage.mail.outbox import queue_email_once
from engage.vocab import CASE_KINDS

DEADLINE_LABELS = {"acknowledge": "acknowledgement", "respond": "full response"}


@dataclass(frozen=True)
class Alert:
    """One deadline of one case that is due soon or breached on a given day."""

    case: Case
    kind: str  # acknowledge | respond
    deadline: date
    level: str  # due_soon | breach
    working_days_overdue: int

    @property
    def deadline_label(self) -> str:
        return DEADLINE_LABELS[self.kind]

    @property
    def case_kind_label(self) -> str:
        return CASE_KINDS.get(self.case.kind, self.case.kind)

    @property
    def url(self) -> str:
        return f"{current_app.config['BASE_URL'].rstrip('/')}/staff/cases/{self.case.reference}"


@dataclass
class ScanResult:
    alerts: int = 0
    queued: int = 0
    already_sent: int = 0

    def __str__(self) -> str:
        return (
            f"{self.alerts} deadlines due soon or breached, {self.queued} emails queued, "
            f"{self.already_sent} already sent before"
        )


def find_alerts(today: date, cal: WorkingCalendar | None = None) -> list[Alert]:
    """Deadlines due within 2 working days or passed, of running clocks: one SQL query on the
    stored deadlines (the rule is ``engage.cases.sla.rules.Clock.warns``, read in SQL to select
    the cases and in Python to pick each case's clocks), the boundary date computed with the
    office calendar."""
    cal = cal or current_calendar()
    boundary = due_soon_boundary(today, cal)
    params = {"today": today, "boundary": boundary}
    rows = db.session.execute(
        db.select(Case)
        .options(joinedload(Case.assigned_to))
        .where(or_(*(sql.clock_warns(c.name, today, boundary) for c in rules.CLOCKS)))
        .order_by(Case.id)
    ).scalars()
    alerts: list[Alert] = []
    for case in rows:
        for clock in rules.CLOCKS:
            if not status.clock_warns(clock.name, case, params):
                continue
            deadline = getattr(case, clock.deadline)
            level = "breach" if deadline < today else "due_soon"
            overdue = cal.working_days_between(deadline, today) if level == "breach" else 0
            alerts.append(Alert(case, clock.name, deadline, level, overdue))
    return alerts


def _recipients(case: Case) -> list[str]:
    people = []
    assignee: User | None = case.assigned_to
    if assignee is not None and assignee.active and assignee.email:
        people.append(assignee.email.lower())
    cso = current_app.config["CSO_EMAIL"].lower()
    if cso not in people:
        people.append(cso)
    return people


def _key_part(address: str) -> str:
    """Keeps dedup keys within their 200 characters whatever the address length."""
    if len(address) <= 100:
        return address
    return "sha256:" + hashlib.sha256(address.encode()).hexdigest()[:32]


def warning_key(alert: Alert, recipient: str) -> str:
    return (
        f"sla:{alert.case.id}:{alert.kind}:{alert.deadline.isoformat()}:{alert.level}:"
        f"{_key_part(recipient)}"
    )


KEY_CHUNK = 500  # dedup keys per IN (...) lookup, within SQLite's parameter limit


def _already_queued(keys: list[str]) -> set[str]:
    """The dedup keys among `keys` that the outbox already holds, a few hundred per query."""
    found: set[str] = set()
    for i in range(0, len(keys), KEY_CHUNK):
        chunk = keys[i : i + KEY_CHUNK]
        found.update(
            db.session.execute(
                db.select(OutboxEmail.dedup_key).where(OutboxEmail.dedup_key.in_(chunk))
            ).scalars()
        )
    return found


def scan_sla(today: date) -> ScanResult:
    """Queue one due-soon or breach warning per case, deadline and level, to the assignee and
    the CSO mailbox. Idempotent: a second run the same day (or any later day for the same
    deadline and level) queues nothing. Commits once.

    The warnings already in the outbox are found with one lookup per few hundred keys; only the
    missing ones are rendered and inserted, each by `queue_email_once`, whose
    `INSERT ... ON CONFLICT DO NOTHING` on the UNIQUE dedup key still refuses a warning that
    another process queued in between."""
    result = ScanResult()
    wanted: list[tuple[Alert, str, str]] = []
    for alert in find_alerts(today):
        result.alerts += 1
        wanted += [(alert, r, warning_key(alert, r)) for r in _recipients(alert.case)]
    queued = _already_queued([key for _, _, key in wanted])
    for alert, recipient, key in wanted:
        template = "sla_breach" if alert.level == "breach" else "sla_due_soon"
        if key not in queued and queue_email_once(recipient, template, key, alert=alert):
            result.queued += 1
        else:
            result.already_sent += 1
    db.session.commit()
    return result


@dataclass
class DigestResult:
    working_day: bool
    breached: int = 0
    queued: int = 0

    def __str__(self) -> str:
        if not self.working_day:
            return "not a working day: no digest"
        return f"{self.breached} breached deadlines, {self.queued} digests queued"


def queue_sla_digests(today: date) -> DigestResult:
    """One digest per person per working day while cases stay breached: each assignee gets
    their breached cases, the CSO mailbox gets all of them. Commits once."""
    cal = current_calendar()
    if not cal.is_working_day(today):
        return DigestResult(working_day=False)
    breached = [a for a in find_alerts(today, cal) if a.level == "breach"]
    result = DigestResult(working_day=True, breached=len(breached))
    by_person: dict[str, list[Alert]] = defaultdict(list)
    for alert in breached:
        for recipient in _recipients(alert.case):
            by_person[recipient].append(alert)
    for recipient, alerts in sorted(by_person.items()):
        key = f"digest:{today.isoformat()}:{_key_part(recipient)}"
        if queue_email_once(recipient, "sla_digest", key, alerts=alerts, today=today):
            result.queued += 1
    db.session.commit()
    return result
