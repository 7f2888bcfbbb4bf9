"""Messages to a log (issue 21 item 4): a producer (their outputs) or the CSO office (any)
writes to the consenting people of one or more outputs' logs, filtered by category and level.

Who receives it: a person in one of the outputs' logs, in a chosen category and at a chosen
level, with a given consent to news about that output (or every output), an email address, not
anonymised and not bounced (engage.consent.service.reachable). Each person once, however many of
the logs they are in. Each is sent one email through the outbox (delivered in batches as every
email is), with its one-click unsubscribe from news about these outputs; a contact is recorded
in each of their log entries the message went to.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CompoundSelect, Select, and_, func, or_, union
from sqlalchemy.orm import lazyload

from engage import audit, caching
from engage.calendar import london_date
from engage.consent import service
from engage.consent.models import Consent, LogMessage
from engage.db_types import utcnow
from engage.errors import Refusal
from engage.extensions import db
from engage.mail.models import OutboxEmail
from engage.mail.outbox import render_email
from engage.outputs.models import Contact, LogEntry, Output, Stakeholder
from engage.vocab import ENGAGEMENT_LEVELS, USER_CATEGORIES

PURPOSE = "news"
SUBJECT_MAX = 150
BODY_MAX = 10_000
MAX_OUTPUTS = 50
_CHUNK = 500
_PLACEHOLDER = "https://unsubscribe.invalid/PLACEHOLDER"


class MessageError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Audience:
    output_ids: tuple[int, ...]
    categories: tuple[str, ...] = ()  # empty: every category
    levels: tuple[str, ...] = ()  # empty: every level

    @classmethod
    def of(
        cls, output_ids: Iterable[int], categories: Iterable[str] = (), levels: Iterable[str] = ()
    ) -> Audience:
        return cls(
            tuple(sorted(set(output_ids)))[:MAX_OUTPUTS],
            tuple(sorted({c for c in categories if c in USER_CATEGORIES})),
            tuple(sorted({v for v in levels if v in ENGAGEMENT_LEVELS})),
        )


def may_message(user: Any, output: Output) -> bool:
    """Producers write to the logs of outputs they own; the CSO and the Chief Statistician to
    any log."""
    from engage.auth.permissions import has_permission

    if not has_permission(user, "message_user_logs"):
        return False
    return (
        user.has_role("cso")
        or user.has_role("chief_statistician")
        or (user.has_role("producer") and output.is_owned_by(user))
    )


def outputs_for(user: Any) -> list[Output]:
    """The outputs whose logs the user may write to, by title."""
    query = db.select(Output).where(Output.status == "active").order_by(Output.title, Output.id)
    if user.has_role("cso") or user.has_role("chief_statistician"):
        # Any log: `may_message` never asks who owns an output, so its producers are not read.
        query = query.options(lazyload(Output.producers))
    outputs = db.session.execute(query).scalars()
    return [o for o in outputs if may_message(user, o)]


def check_outputs(user: Any, output_ids: Iterable[int]) -> list[Output]:
    """The outputs named, each one the user may write to; a Refusal otherwise."""
    ids = sorted(set(output_ids))
    outputs = list(
        db.session.execute(db.select(Output).where(Output.id.in_(ids or [-1]))).scalars()
    )
    if len(outputs) != len(ids) or not all(may_message(user, o) for o in outputs):
        raise Refusal("log_message:output_not_allowed")
    return outputs


def _branches(audience: Audience, *columns: Any, where: Any = None) -> list[Select]:
    """The log entries with a given consent to news: for their own output, and for every
    output. Two index-shaped joins from the consents (purpose, status, output) into the log's
    (output, stakeholder) key, instead of a consent lookup per log entry."""
    outputs = audience.output_ids or (-1,)
    given = (Consent.purpose == PURPOSE, Consent.status == "given")
    per_output = (
        db.select(*columns)
        .select_from(Consent)
        .join(
            LogEntry,
            and_(
                LogEntry.output_id == Consent.output_id,
                LogEntry.stakeholder_id == Consent.stakeholder_id,
            ),
        )
        .where(*given, Consent.output_id.in_(outputs))
    )
    every_output = (
        db.select(*columns)
        .select_from(Consent)
        .join(LogEntry, LogEntry.stakeholder_id == Consent.stakeholder_id)
        .where(*given, Consent.output_id.is_(None), LogEntry.output_id.in_(outputs))
    )
    branches = [per_output, every_output]
    if audience.categories:
        branches = [
            b.where(LogEntry.stakeholder_category.in_(audience.categories)) for b in branches
        ]
    if audience.levels:
        branches = [b.where(LogEntry.engagement_level.in_(audience.levels)) for b in branches]
    if where is not None:
        branches = [b.where(where) for b in branches]
    return branches


def unreachable_ids() -> CompoundSelect:
    """People we may not email: no address (anonymised people have none) or one that bounced.
    Few, and found through the email index (a union: PostgreSQL read every stakeholder for the
    OR of the two)."""
    return union(
        db.select(Stakeholder.id).where(Stakeholder.email.is_(None)),
        db.select(Stakeholder.id).where(Stakeholder.email.in_(service.bounced_addresses())),
    )


def eligible_entries(audience: Audience) -> Select:
    """(log entry id, stakeholder id, output id) of every log entry the message goes to."""
    entries = union(
        *_branches(audience, LogEntry.id, LogEntry.stakeholder_id, LogEntry.output_id)
    ).subquery()
    return db.select(entries.c.id, entries.c.stakeholder_id, entries.c.output_id).where(
        entries.c.stakeholder_id.not_in(unreachable_ids())
    )


# The version of the user logs and the consents (engage.table_versions): the triggers of both
# tables increase it, so a count kept under it is exact.
LOG_CONSENTS_VERSION = "log_consents"


def _people(audience: Audience, where: Any = None) -> int:
    people = union(*_branches(audience, LogEntry.stakeholder_id, where=where)).subquery()
    return int(db.session.execute(db.select(func.count()).select_from(people)).scalar_one())


def count(audience: Audience) -> int:
    """How many people the message would reach (each once): the same people `eligible_entries`
    gives (and `send` emails), counted as |consenting| - |consenting and unreachable|.

    Counting the consenting people reads ~30,000 log entries at 50,000, so the count is kept per
    version of the logs and consents (engage.caching.for_version: it reads only those two
    tables, given the unreachable people). The unreachable people (no address, or a bounce: the
    outbox and the stakeholders have no version) are read afresh each time, through indexes (a
    few hundred ids), and are part of the key: a new bounce is a new key."""
    ids = sorted(db.session.execute(unreachable_ids()).scalars())
    fingerprint = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()

    def compute() -> int:
        if not ids:
            return _people(audience)
        unreachable = LogEntry.stakeholder_id.in_(unreachable_ids())
        return _people(audience) - _people(audience, unreachable)

    return caching.for_version(
        LOG_CONSENTS_VERSION, ("log_message_count", audience, len(ids), fingerprint), compute
    )


def render(
    subject: str, body: str, outputs: list[Output], unsubscribe_url: str
) -> tuple[str, str, str]:
    titles = ", ".join(o.title for o in outputs)
    return render_email(
        "log_message",
        subject=subject,
        body=body,
        output_titles=titles,
        unsubscribe_url=unsubscribe_url,
    )


def _check_text(subject: str, body: str) -> tuple[str, str]:
    subject, body = subject.strip(), body.strip()
    if not subject:
        raise MessageError("subject", "Enter a subject")
    if len(subject) > SUBJECT_MAX:
        raise MessageError("subject", f"Subject must be {SUBJECT_MAX} characters or fewer")
    if not body:
        raise MessageError("body", "Enter the message")
    if len(body) > BODY_MAX:
        raise MessageError("body", f"The message must be {BODY_MAX:,} characters or fewer")
    return subject, body


def send(user: Any, audience: Audience, subject: str, body: str) -> LogMessage:
    """Queue the message to every person in the audience (each once), record a contact in each
    log entry it goes to, and commit once. Checks the user may write to every output."""
    outputs = check_outputs(user, audience.output_ids)
    subject, body = _check_text(subject, body)
    entries = sorted(db.session.execute(eligible_entries(audience)).tuples(), key=lambda e: e[1:])
    people = sorted({sid for _, sid, _ in entries})
    emails = dict(
        row
        for chunk in _chunks(people)
        for row in db.session.execute(
            db.select(Stakeholder.id, Stakeholder.email).where(
                Stakeholder.id.in_(chunk), Stakeholder.email.is_not(None)
            )
        ).tuples()
    )
    now = utcnow()
    today = london_date(now)
    message = LogMessage(
        subject=subject,
        body=body,
        categories=",".join(audience.categories),
        levels=",".join(audience.levels),
        recipients=len(people),
        sent_by_id=getattr(user, "id", None),
        sent_at=now,
    )
    db.session.add(message)
    db.session.flush()
    db.session.execute(
        db.insert(_outputs_table()),
        [{"message_id": message.id, "output_id": o.id} for o in outputs],
    )
    # Rendered once; each email differs only by its unsubscribe link (a random token of
    # URL-safe characters, the same in the text and the HTML).
    mail_subject, text, html = render(subject, body, outputs, _PLACEHOLDER)
    ids = [o.id for o in outputs]
    urls = service.unsubscribe_urls(people, PURPOSE, ids)
    rows = []
    for sid in people:
        url = urls[sid]
        rows.append(
            {
                "to_address": emails[sid],
                "subject": mail_subject,
                "body_text": text.replace(_PLACEHOLDER, url),
                "body_html": html.replace(_PLACEHOLDER, url),
                "template": "log_message",
                "dedup_key": f"log-message:{message.id}:{sid}",
                "list_unsubscribe": url,
                "status": "queued",
                "attempts": 0,
                "created_at": now,
                "next_attempt_at": now,
            }
        )
    for chunk in _chunks(rows):
        db.session.execute(db.insert(OutboxEmail), chunk)
    summary = f"Message to the user log: {subject}"[:500]
    contacts = [
        {
            "output_id": output_id,
            "stakeholder_id": sid,
            "contacted_on": today,
            "channel": "email",
            "summary": summary,
            "recorded_by_id": getattr(user, "id", None),
            "created_at": now,
        }
        for _, sid, output_id in entries
    ]
    for chunk in _chunks(contacts):
        db.session.execute(db.insert(Contact), chunk)
    entry_ids = [entry_id for entry_id, _, _ in entries]
    for chunk in _chunks(entry_ids):
        db.session.execute(
            db.update(LogEntry)
            .where(
                LogEntry.id.in_(chunk),
                or_(LogEntry.latest_contact_on.is_(None), LogEntry.latest_contact_on < today),
            )
            .values(latest_contact_on=today)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            db.update(LogEntry)
            .where(LogEntry.id.in_(chunk), LogEntry.first_contact_on.is_(None))
            .values(first_contact_on=today)
            .execution_options(synchronize_session=False)
        )
    audit.record(
        "log_message.sent",
        actor=user,
        object_type="log_message",
        object_id=message.id,
        detail={
            "outputs": [o.slug for o in outputs],
            "categories": list(audience.categories),
            "levels": list(audience.levels),
            "recipients": len(people),
            "contacts": len(contacts),
        },
    )
    db.session.commit()
    return message


def sent_messages(user: Any, limit: int = 20) -> list[LogMessage]:
    """Recent messages to logs the user may write to (CSO office: all)."""
    rows = db.session.execute(
        db.select(LogMessage).order_by(LogMessage.sent_at.desc(), LogMessage.id.desc()).limit(200)
    ).scalars()
    out = []
    for row in rows:
        outputs = message_outputs(row.id)
        if outputs and all(may_message(user, o) for o in outputs):
            out.append(row)
        if len(out) >= limit:
            break
    return out


def message_outputs(message_id: int) -> list[Output]:
    table = _outputs_table()
    return list(
        db.session.execute(
            db.select(Output)
            .join(table, and_(table.c.output_id == Output.id, table.c.message_id == message_id))
            .order_by(Output.title)
        ).scalars()
    )


def _outputs_table():  # type: ignore[no-untyped-def]
    from engage.consent.models import log_message_outputs

    return log_message_outputs


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
