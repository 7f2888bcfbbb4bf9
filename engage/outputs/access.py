"""Who may see and keep which user log.

Decision (see docs/user-logs.md): producers keep the logs of the outputs they own
(Output.producers). The CSO, the Chief Statistician and administrators see and keep every log:
they hold both `edit_user_logs` and `view_all_user_logs`; administrators need the personal data
for subject access and erasure requests. A producer may read another output's catalogue page but
never its user log. Personal data (email, phone) is shown only to people who may edit the log.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import literal

from engage.auth.permissions import has_permission
from engage.extensions import db
from engage.outputs.models import Feedback, LogEntry, Output, Stakeholder, output_producers


def sees_all_logs(user: Any) -> bool:
    return has_permission(user, "view_all_user_logs")


def can_view_log(user: Any, output: Output) -> bool:
    if not has_permission(user, "view_outputs"):
        return False
    return sees_all_logs(user) or (user.has_role("producer") and output.is_owned_by(user))


def can_edit_log(user: Any, output: Output) -> bool:
    if not has_permission(user, "edit_user_logs"):
        return False
    return sees_all_logs(user) or (user.has_role("producer") and output.is_owned_by(user))


def can_see_personal_data(user: Any, person: Stakeholder, editable_output_ids: set[int]) -> bool:
    """On a person's page: their contact details show to someone who keeps one of the logs they
    are in (`editable_output_ids`, or every log) and may see their details at all."""
    return (bool(editable_output_ids) or keeps_every_log(user)) and may_edit_person(user, person)


def can_review_output(user: Any, output: Output) -> bool:
    """Reviews are kept by the people who keep the log."""
    return can_edit_log(user, output)


def can_view_feedback(user: Any, feedback: Feedback) -> bool:
    """Feedback may carry an email address: producers see it for their own outputs only;
    general feedback (no output) goes to the CSO office and administrators."""
    if not has_permission(user, "view_feedback"):
        return False
    if feedback.output is None:
        return sees_all_logs(user)
    return can_view_log(user, feedback.output)


def has_edit_permission(user: Any) -> bool:
    return has_permission(user, "edit_user_logs")


# --- a person in several logs ---------------------------------------------------------------
# One stakeholder (one email address) can be in the logs of outputs kept by different producers.
# Their personal data (name, organisation, phone, category, consent) belong to the person, so
# only someone who may edit every log they are in (or who keeps every log: the CSO office and
# administrators) may see or change them. Anyone else who has them in a log they keep sees
# their email address and their own log entry, and changes only that entry.


def keeps_every_log(user: Any) -> bool:
    return sees_all_logs(user) and has_edit_permission(user)


def people_kept_elsewhere(user: Any, stakeholder_ids: Iterable[int]) -> set[int]:
    """Of these stakeholders, those in the log of an output this user may not edit. One query
    per 500 ids; none for those who keep every log."""
    ids = sorted(set(stakeholder_ids))
    if not ids or keeps_every_log(user):
        return set()
    if not has_edit_permission(user) or not user.has_role("producer"):
        return set(ids)
    owned = db.select(output_producers.c.output_id).where(output_producers.c.user_id == user.id)
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        found.update(
            db.session.execute(
                db.select(LogEntry.stakeholder_id)
                .where(
                    LogEntry.stakeholder_id.in_(ids[start : start + 500]),
                    LogEntry.output_id.not_in(owned),
                )
                .distinct()
            ).scalars()
        )
    return found


def kept_elsewhere_clause(user: Any) -> Any:
    """The SQL face of people_kept_elsewhere, for a producer who may edit logs: true for a
    stakeholder (correlated to Stakeholder.id) in the log of an output this user does not own.
    Lets a query filter on it (the stakeholder search) instead of asking afterwards. Written
    as "(SELECT 1 ... LIMIT 1) IS NOT NULL" rather than EXISTS: PostgreSQL may run a NOT EXISTS
    under an OR as a hash of every entry in the logs the user does not keep (measured: 17 ms at
    10,000 stakeholders, growing with every log), while a scalar subquery is one index-only
    probe (ix_log_entries_stakeholder_output) per person considered."""
    owned = db.select(output_producers.c.output_id).where(output_producers.c.user_id == user.id)
    return (
        db.select(literal(1))
        .where(LogEntry.stakeholder_id == Stakeholder.id, LogEntry.output_id.not_in(owned))
        .limit(1)
        .scalar_subquery()
        .is_not(None)
    )


def people_kept_elsewhere_in_log(user: Any, output: Output) -> set[int]:
    """people_kept_elsewhere for everyone in one output's log, in one query (exports)."""
    if keeps_every_log(user):
        return set()
    return people_kept_elsewhere(
        user,
        db.session.execute(
            db.select(LogEntry.stakeholder_id).where(LogEntry.output_id == output.id)
        ).scalars(),
    )


def may_edit_person(user: Any, stakeholder: Stakeholder) -> bool:
    """May this user see and change the person's own details (not just a log entry)?"""
    return not people_kept_elsewhere(user, [stakeholder.id])


NAME_NOT_SHOWN = "Name not shown"


def person_label(stakeholder: Stakeholder, *, restricted: bool) -> str:
    """What a page shows as the person's name: their email address to someone who may not see
    the name recorded in another log."""
    if not restricted:
        return stakeholder.name
    return stakeholder.email or NAME_NOT_SHOWN
