"""Enquiries and complaints, their append-only history, and the calendar's office closures."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Computed,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    case,
    literal_column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import Grouping

from engage.auth.models import User
from engage.cases.sla import rules
from engage.cases.sla.expr import to_ddl, to_sql
from engage.db_types import UTCDateTime, utcnow
from engage.extensions import Model
from engage.outputs.models import Output
from engage.vocab import COMPLAINT_KINDS

# The outcome of a finished case, kept by the database in the generated column sla_outcome:
# SQL text built from the one definition in engage.cases.sla.rules (SQLite and PostgreSQL
# both accept it: deterministic, only this row's columns). A change to the rules changes this
# text, and needs a migration that redefines the column (tests/cases/test_sla.py says which).
SLA_OUTCOME_SQL = to_ddl(rules.CASE_OUTCOME)


class Case(Model):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_state_respond_by", "state", "respond_by"),
        Index("ix_cases_state_acknowledge_by", "state", "acknowledge_by"),
        Index("ix_cases_kind_received_on", "kind", "received_on"),
        Index("ix_cases_assigned_state", "assigned_to_id", "state"),
        Index("ix_cases_received_at_id", "received_at", "id"),  # list sorted by date received
        # The met and missed filters sorted by date received, and the dashboard's finished
        # cases this year, so neither sorts every case.
        Index("ix_cases_sla_outcome_received_at", "sla_outcome", "received_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(30), default="received")
    requester_name: Mapped[str] = mapped_column(String(200))
    requester_email: Mapped[str | None] = mapped_column(String(254), index=True)
    requester_address: Mapped[str | None] = mapped_column(Text)
    requester_phone: Mapped[str | None] = mapped_column(String(40))
    output_id: Mapped[int | None] = mapped_column(ForeignKey("outputs.id"), index=True)
    subject: Mapped[str] = mapped_column(String(300), default="")
    message: Mapped[str] = mapped_column(Text)

    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_on: Mapped[date] = mapped_column(index=True)  # Europe/London date, day 0
    # Deadlines are stored so lists and reports can query them; originals never move.
    acknowledge_by: Mapped[date] = mapped_column()
    respond_by: Mapped[date] = mapped_column()
    original_acknowledge_by: Mapped[date] = mapped_column()
    original_respond_by: Mapped[date] = mapped_column()

    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    triaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_on: Mapped[date | None] = mapped_column()
    # email (counts once delivered: engage.cases.sla.delivered), post, phone or in_person.
    acknowledgement_method: Mapped[str | None] = mapped_column(String(20))
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    responded_on: Mapped[date | None] = mapped_column()
    response_text: Mapped[str | None] = mapped_column(Text)
    response_method: Mapped[str | None] = mapped_column(String(20))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    # Clarification (or charge consent) pause: the response clock stops meanwhile.
    paused_on: Mapped[date | None] = mapped_column()
    paused_working_days: Mapped[int] = mapped_column(default=0)
    clarification_request: Mapped[str | None] = mapped_column(Text)

    delay_notice_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delay_notice_on: Mapped[date | None] = mapped_column()
    delay_reason: Mapped[str | None] = mapped_column(Text)
    revised_target_on: Mapped[date | None] = mapped_column()

    charge_amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    charge_accepted: Mapped[bool | None] = mapped_column()

    transferred_to: Mapped[str | None] = mapped_column(String(30))
    transfer_reference: Mapped[str | None] = mapped_column(String(100))
    transferred_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    transferred_on: Mapped[date | None] = mapped_column()

    uksa_referred_on: Mapped[date | None] = mapped_column()
    uksa_outcome: Mapped[str | None] = mapped_column(Text)
    uksa_outcome_on: Mapped[date | None] = mapped_column()

    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # London date of withdrawal: the clock stops then, and SLA filters compare it in SQL.
    withdrawn_on: Mapped[date | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # "met", "missed" or "not_measured" once the case is finished, NULL while its respond clock
    # runs: kept by the database itself (a generated column, so no code path and no bulk update
    # can let it drift), so the finished filters and counts read an index.
    sla_outcome: Mapped[str | None] = mapped_column(String(12), Computed(SLA_OUTCOME_SQL))
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A follow-up: the case this requester wrote about before (engage.cases.followup).
    linked_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)

    output: Mapped[Output | None] = relationship()
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    history: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )
    pauses: Mapped[list[CasePause]] = relationship(
        order_by="CasePause.id", cascade="all, delete-orphan"
    )

    @property
    def is_complaint(self) -> bool:
        return self.kind in COMPLAINT_KINDS


# The deadline that matters next, and the cases whose respond clock still runs (both from
# engage.cases.sla.rules). The case list sorts by NEXT_DEADLINE and the filters of running cases
# test RESPONSE_RUNNING: both are indexed so a page of the list, first or last, is
# read from an index instead of sorting every case. engage.cases.sla.sql queries with these very
# objects, so the queries' expressions are the indexes' (tests/performance checks with EXPLAIN).
NEXT_DEADLINE = to_sql(rules.NEXT_DEADLINE, Case)
RESPONSE_RUNNING = to_sql(rules.RESPOND.running, Case)
# The default order of the case list: cases whose response clock still runs first, then the
# finished ones; each by next deadline. Literal 0/1 (not bound parameters) so that the query's
# expression is the index's.
FINISHED_LAST = case((RESPONSE_RUNNING, literal_column("0")), else_=literal_column("1"))
Index(
    "ix_cases_open_first",
    Grouping(FINISHED_LAST),  # PostgreSQL needs an expression in an index in parentheses
    Grouping(NEXT_DEADLINE),
    Case.received_at,
    Case.id,
    info={"hand_written": True},  # in its migration; autogenerate skips it (migrations/env.py)
)
# The running cases (a few per cent of all) by next deadline, with every column the SLA filters
# of running cases and the dashboard test: those filters count and page from this small index
# alone, never reading the wide cases table.
Index(
    "ix_cases_running_next_deadline",
    Grouping(NEXT_DEADLINE),  # PostgreSQL needs an expression in an index in parentheses
    Case.received_at,
    Case.id,
    Case.acknowledged_on,
    Case.acknowledge_by,
    Case.respond_by,
    Case.paused_on,
    Case.responded_on,
    Case.transferred_on,
    Case.withdrawn_on,
    Case.kind,
    Case.state,
    Case.assigned_to_id,
    sqlite_where=RESPONSE_RUNNING,
    postgresql_where=RESPONSE_RUNNING,
    info={"hand_written": True},
)
# The case list filtered by output, in its default order (PostgreSQL otherwise walks the whole
# open-first order looking for one output's cases).
Index(
    "ix_cases_output_open_first",
    Case.output_id,
    Grouping(FINISHED_LAST),
    Grouping(NEXT_DEADLINE),
    Case.received_at,
    Case.id,
    info={"hand_written": True},
)
# The same for one person's cases (the assignee filter, and a producer's own list).
Index(
    "ix_cases_assignee_open_first",
    Case.assigned_to_id,
    Grouping(FINISHED_LAST),
    Grouping(NEXT_DEADLINE),
    Case.received_at,
    Case.id,
    info={"hand_written": True},
)
# The met and missed filters in the list's default order (by the deadline that stopped).
Index(
    "ix_cases_finished_next_deadline",
    Case.sla_outcome,
    Grouping(NEXT_DEADLINE),
    Case.received_at,
    Case.id,
    info={"hand_written": True},
)


class CaseEvent(Model):
    """Append-only history of a case: when, who, what, note."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(60))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str | None] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="history")
    actor: Mapped[User | None] = relationship()


class CasePause(Model):
    """One pause of the respond clock (waiting for clarification or for consent to a charge).

    Kept so that respond-by can be worked out again with the calendar in force (a closure day
    inside a finished pause is then counted once): the working days after `paused_on` up to
    and including `resumed_on`. `working_days` is that number under the calendar last used."""

    __tablename__ = "case_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    paused_on: Mapped[date] = mapped_column()
    resumed_on: Mapped[date | None] = mapped_column()
    working_days: Mapped[int] = mapped_column(default=0)


class OfficeClosure(Model):
    __tablename__ = "office_closures"

    id: Mapped[int] = mapped_column(primary_key=True)
    closed_on: Mapped[date] = mapped_column(unique=True)
    reason: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Setting(Model):
    """Administrator-editable settings (for example the calendar region)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
