"""Append-only record of who did what, when. Every area writes here through `record`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, event, literal, text
from sqlalchemy import insert as sa_insert
from sqlalchemy.orm import Mapped, mapped_column

from engage import transactions
from engage.db_types import UTCDateTime, utcnow
from engage.extensions import Model, db


class AuditEvent(Model):
    __tablename__ = "audit_events"
    # Everything recorded about one object (who viewed a complaint: engage.cases.access).
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ip_address: Mapped[str | None] = mapped_column(String(64))


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target):  # pragma: no cover - guard
    raise RuntimeError("audit events are append-only")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target):  # pragma: no cover - guard
    raise RuntimeError("audit events are append-only")


def record(
    action: str,
    *,
    actor: Any = None,
    object_type: str | None = None,
    object_id: Any = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits)."""
    actor_id = getattr(actor, "id", None) if actor is not None else None
    if actor is None and has_request_context():
        from flask_login import current_user

        if current_user and current_user.is_authenticated:
            actor_id = current_user.id
    ip = request.remote_addr if has_request_context() else None
    row = AuditEvent(
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        detail=detail,
        ip_address=ip,
    )
    db.session.add(row)
    return row


def record_many(
    action: str, *, actor: Any, object_type: str, items: list[tuple[Any, dict[str, Any] | None]]
) -> None:
    """Add one audit event per (object_id, detail) of `items` in a single INSERT (the caller
    commits). For exports of many records: `record` would cost one INSERT per record on SQLite."""
    if not items:
        return
    now = utcnow()
    ip = request.remote_addr if has_request_context() else None
    actor_id = getattr(actor, "id", None)
    db.session.execute(
        sa_insert(AuditEvent),
        [
            {
                "at": now,
                "actor_id": actor_id,
                "action": action,
                "object_type": object_type,
                "object_id": None if object_id is None else str(object_id),
                "detail": detail,
                "ip_address": ip,
            }
            for object_id, detail in items
        ],
    )


def record_select(
    action: str, *, actor: Any, object_type: str, object_ids: Any, detail: dict[str, Any]
) -> None:
    """One audit event per row of `object_ids` (a select of one column), with the same
    `detail`, in one INSERT ... SELECT that the database runs without sending the rows to
    Python (the caller commits). For exports of very many records."""
    ip = request.remote_addr if has_request_context() else None
    values = object_ids.add_columns(
        literal(utcnow(), UTCDateTime()),
        literal(getattr(actor, "id", None), Integer()),
        literal(action, String()),
        literal(object_type, String()),
        literal(detail, JSON()),
        literal(ip, String()),
    )
    columns = ["object_id", "at", "actor_id", "action", "object_type", "detail", "ip_address"]
    db.session.execute(sa_insert(AuditEvent).from_select(columns, values))


def commit_views() -> None:
    """Commit the transaction of a page that showed records and noted who saw them (the
    `case.viewed` rows of engage.cases.access). When those rows are all it wrote, PostgreSQL
    commits it without waiting for its log to reach the disk (synchronous_commit off for this
    transaction alone): the wait was a quarter of a case list's time, and a record of a read is
    lost only if the database server itself stops within a fraction of a second of the view (the
    database stays consistent; the application's own failures lose nothing). A transaction that
    wrote anything else commits as every other does."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql" and _only_audit_rows(session):
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    session.commit()


def _only_audit_rows(session: Any) -> bool:
    pending = [*session.new, *session.dirty, *session.deleted]
    written = transactions.tables_written(session)
    if not pending and not written:
        return False  # nothing written: nothing to commit either way
    return all(isinstance(o, AuditEvent) for o in pending) and written <= {AuditEvent.__tablename__}
