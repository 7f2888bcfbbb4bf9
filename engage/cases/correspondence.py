"""Correspondence on a case: every email about it (to the requester, the assignee, the CSO
mailbox), with its state and text, and the flag for an acknowledgement or response that could
not be delivered.

An email belongs to a case through `OutboxEmail.case_id`, set by engage.mail.outbox.queue_email
from the `case` (or SLA `alert`) it was rendered with. Emails queued before that column existed
(migration 49de99570154) are not linked.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from engage.extensions import db
from engage.mail.models import OutboxEmail

# What each email is, as the case page says it.
PURPOSES: dict[str, str] = {
    "case_acknowledged": "Acknowledgement",
    "case_clarification": "Request for clarification",
    "case_charge_quote": "Charge quoted",
    "case_delay": "Delay notice",
    "case_response": "Full response",
    "case_transferred": "Transfer notice",
    "case_assigned": "Assignment",
    "sla_due_soon": "SLA warning: due soon",
    "sla_breach": "SLA warning: deadline missed",
}
STATE_WORDS: dict[str, str] = {
    "queued": "Queued",
    "sending": "Sending",
    "finishing": "Sending",
    "sent": "Sent",
    "uncertain": "Not known if delivered",
    "failed": "Failed",
    "cancelled": "Cancelled",
}
# The emails to the requester whose failure the case must show: the requester was not told.
REMOVED_ADDRESS = "removed@retention.invalid"  # as engage.retention.REMOVED_ADDRESS
FLAGGED = {"case_acknowledged": "acknowledgement", "case_response": "full response"}


@dataclass(frozen=True)
class Failure:
    template: str
    to_address: str
    error: str

    @property
    def what(self) -> str:
        return FLAGGED[self.template]


def emails_of(case_id: int) -> list[OutboxEmail]:
    """Every email about the case, oldest first."""
    return list(
        db.session.execute(
            db.select(OutboxEmail)
            .where(OutboxEmail.case_id == case_id)
            .order_by(OutboxEmail.created_at, OutboxEmail.id)
        ).scalars()
    )


def _failures(rows: list[tuple[int, str, str, str, str | None]]) -> dict[int, list[Failure]]:
    """Rows (case_id, template, status, to, error), oldest first -> per case, each flagged
    email whose latest attempt failed (a later email of the same kind that did not fail, or
    a resend that went, clears it)."""
    latest: dict[tuple[int, str], tuple[str, str, str | None]] = {}
    for case_id, template, status, to, error in rows:
        if status != "cancelled":
            latest[(case_id, template)] = (status, to, error)
    found: dict[int, list[Failure]] = defaultdict(list)
    for (case_id, template), (status, to, error) in latest.items():
        if status == "failed":
            found[case_id].append(Failure(template, to, (error or "no reason given")[:300]))
    return dict(found)


def failed_requester_emails(case_ids: list[int]) -> dict[int, list[Failure]]:
    """For a page of cases, in one query (also for an empty page, so that a list page always
    makes the same number of queries): the acknowledgements and responses that failed."""
    rows = list(
        db.session.execute(
            db.select(
                OutboxEmail.created_at,
                OutboxEmail.id,
                OutboxEmail.case_id,
                OutboxEmail.template,
                OutboxEmail.status,
                OutboxEmail.to_address,
                OutboxEmail.last_error,
            ).where(OutboxEmail.case_id.in_(case_ids), OutboxEmail.template.in_(list(FLAGGED)))
        )
    )
    # Put in order here, not by the database: an ORDER BY created_at lets SQLite's planner walk
    # the whole outbox in created_at order instead of reading ix_outbox_emails_case_id (0.8 s
    # a page at 100,000 cases; bench/results.md). A page's cases have a handful of emails.
    rows.sort(key=lambda row: (row[0], row[1]))
    return _failures([tuple(row[2:]) for row in rows])  # type: ignore[misc]


def failures_in(emails: list[OutboxEmail]) -> list[Failure]:
    """The same flag from a case's emails already loaded (the case page)."""
    rows = [
        (e.case_id or 0, e.template, e.status, e.to_address, e.last_error)
        for e in emails
        if e.template in FLAGGED
    ]
    return next(iter(_failures(rows).values()), [])


def forget_emails_of(case_ids: list[int], now: datetime) -> None:
    """The retention job: the texts and addresses of a case's finished emails go with its
    personal data (the caller commits)."""
    if not case_ids:
        return
    db.session.execute(
        db.update(OutboxEmail)
        .where(
            OutboxEmail.case_id.in_(case_ids),
            OutboxEmail.to_address != REMOVED_ADDRESS,
            OutboxEmail.status.in_(["sent", "failed", "uncertain", "cancelled"]),
        )
        .values(
            body_text=None,
            body_html=None,
            to_address=REMOVED_ADDRESS,
            body_removed_at=db.func.coalesce(OutboxEmail.body_removed_at, now),
        )
        .execution_options(synchronize_session=False)
    )
