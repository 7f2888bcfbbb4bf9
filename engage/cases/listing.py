"""The staff case list: filters from the query string, applied in SQL (visibility included)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func

from engage import caching
from engage.auth.models import User
from engage.calendar import WorkingCalendar
from engage.cases import clock
from engage.cases.access import is_office, visible_cases
from engage.cases.correspondence import Failure, failed_requester_emails
from engage.cases.models import FINISHED_LAST, Case
from engage.cases.sla import rules
from engage.cases.sla import sql as sla_sql
from engage.cases.sla.expr import to_sql
from engage.exports.streaming import csv_chunks, iso_date, read_in_batches
from engage.extensions import db
from engage.outputs.models import Output
from engage.pagination import Page, paginate
from engage.textpolicy import spreadsheet_cell
from engage.urls import bounded_int
from engage.vocab import CASE_CHANNELS, CASE_KINDS, CASE_STATES, SLA_STATUSES

SORTS = {"deadline": "Next deadline, soonest first", "received": "Date received, newest first"}


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip()) if raw else None
    except ValueError:
        return None


def _int(raw: str | None) -> int | None:
    return bounded_int(raw)


@dataclass
class CaseFilters:
    kind: str = ""
    state: str = ""
    sla: str = ""
    assignee: str = ""  # a user id, "me" or "none"
    output: int | None = None
    received_from: date | None = None
    received_to: date | None = None
    sort: str = "deadline"

    @classmethod
    def from_args(cls, args: Any) -> CaseFilters:
        def pick(name: str, allowed: dict[str, str] | set[str]) -> str:
            value = args.get(name, "")
            return value if value in allowed else ""

        assignee = args.get("assignee", "")
        if assignee not in ("me", "none") and _int(assignee) is None:
            assignee = ""
        return cls(
            kind=pick("kind", CASE_KINDS),
            state=pick("state", CASE_STATES),
            sla=pick("sla", SLA_STATUSES),
            assignee=assignee,
            output=_int(args.get("output")),
            received_from=_date(args.get("received_from")),
            received_to=_date(args.get("received_to")),
            sort=pick("sort", SORTS) or "deadline",
        )

    def to_args(self) -> dict[str, str]:
        out = {
            "kind": self.kind,
            "state": self.state,
            "sla": self.sla,
            "assignee": self.assignee,
            "output": str(self.output or ""),
            "received_from": self.received_from.isoformat() if self.received_from else "",
            "received_to": self.received_to.isoformat() if self.received_to else "",
            "sort": "" if self.sort == "deadline" else self.sort,
        }
        return {k: v for k, v in out.items() if v}

    @property
    def active(self) -> bool:
        return bool({k for k in self.to_args() if k != "sort"})

    def count_key(self, user: User, today: date, cal: WorkingCalendar) -> tuple:
        """Everything the number of matching cases depends on besides the cases themselves (see
        engage.caching.for_version): the filters (not the order), whose cases the user may see, and
        the date and calendar that the running SLA statuses are worked out on."""
        scope = "all" if is_office(user) else user.id
        me = user.id if self.assignee == "me" else None
        filters = {k: v for k, v in self.to_args().items() if k != "sort"}
        return (
            "case_list",
            scope,
            me,
            tuple(sorted(filters.items())),
            today,
            cal.region,
            cal.closures,
        )

    def query(self, user: User, today: date, cal: WorkingCalendar) -> Select:
        query = db.select(Case).where(visible_cases(user))
        if self.kind:
            query = query.where(Case.kind == self.kind)
        if self.state:
            query = query.where(Case.state == self.state)
        if self.sla:
            query = query.where(clock.sla_filter(self.sla, today, cal))
        if self.assignee == "me":
            query = query.where(Case.assigned_to_id == user.id)
        elif self.assignee == "none":
            query = query.where(Case.assigned_to_id.is_(None))
        elif self.assignee:
            query = query.where(Case.assigned_to_id == int(self.assignee))
        if self.output:
            query = query.where(Case.output_id == self.output)
        if self.received_from:
            query = query.where(Case.received_on >= self.received_from)
        if self.received_to:
            query = query.where(Case.received_on <= self.received_to)
        if self.sort == "received":
            return query.order_by(Case.received_at.desc(), Case.id.desc())
        if self.sla:  # running cases only, or finished ones only: FINISHED_LAST is constant
            # (read in order from ix_cases_running_next_deadline or
            # ix_cases_finished_next_deadline)
            return query.order_by(clock.next_deadline_expr(), Case.received_at, Case.id)
        # Open cases first by next deadline, then the finished ones (index ix_cases_open_first).
        return query.order_by(FINISHED_LAST, clock.next_deadline_expr(), Case.received_at, Case.id)


# What a row of the case list shows, and every column the SLA clock reads (clock.HasClockDates).
LIST_COLUMNS = (
    Case.id,
    Case.reference,
    Case.subject,
    Case.kind,
    Case.state,
    *(getattr(Case, name) for name in clock.CLOCK_COLUMNS),
    Case.received_on,
    Case.requester_name,
    Case.charge_amount,  # a charge awaiting consent is labelled as such
    Case.charge_accepted,
)


@dataclass
class CaseListPage:
    """The read model of the staff case list: one page of plain rows (the columns shown and
    those the SLA clock reads, the assignee's name from the same query; no case objects, none
    of the long texts), each with its SLA status and next deadline, and the number of matching
    cases, counted once per version of the cases table (engage.caching), and the emails to the
    requester of each case on the page that could not be delivered (one query, even for an
    empty page). The query's order is the one its indexes hold (CaseFilters.query;
    tests/performance/test_list_plan.py EXPLAINs it on SQLite and PostgreSQL)."""

    page: Page
    rows: list[tuple[Any, str, tuple[str, date] | None]]
    failed_emails: dict[int, list[Failure]]

    @classmethod
    def load(cls, filters: CaseFilters, user: User, today: date) -> CaseListPage:
        cal = clock.current_calendar()
        query = filters.query(user, today, cal)
        total = caching.for_version(
            "cases",
            filters.count_key(user, today, cal),
            lambda: db.session.execute(
                db.select(func.count()).select_from(query.order_by(None).subquery())
            ).scalar_one(),
        )
        page_query = query.with_only_columns(
            *LIST_COLUMNS, User.name.label("assignee_name")
        ).join_from(Case, User, Case.assigned_to_id == User.id, isouter=True)
        page = paginate(page_query, per_page=25, reversible=True, total=total, scalars=False)
        rows = [(r, clock.sla_status(r, today, cal), clock.next_deadline(r)) for r in page.items]
        failed = failed_requester_emails([r.id for r in page.items])
        return cls(page, rows, failed)


CSV_COLUMNS = [
    "reference",
    "kind",
    "channel",
    "state",
    "sla_status",
    "received_on",
    "acknowledge_by",
    "acknowledged_on",
    "respond_by",
    "responded_on",
    "original_acknowledge_by",
    "original_respond_by",
    "delay_notice_on",
    "revised_target_on",
    "transferred_to",
    "transfer_reference",
    "transferred_on",
    "withdrawn_on",
    "acknowledge_outcome",
    "respond_outcome",
    "uksa_referred_on",
    "assigned_to",
    "output",
    "subject",
]


def _as_text(column: Any) -> Any:
    """A date column as its ISO text (see engage.exports.streaming.iso_date)."""
    return iso_date(column).label(column.key)


# What the export reads, as plain tuples (no case objects, none of the long texts): the CSV's
# own columns in CSV order, with the assignee's name and the output's title joined; the SLA
# status and each clock's outcome are added by export_query.
EXPORT_COLUMNS = (
    Case.reference,
    Case.kind,
    Case.channel,
    Case.state,
    _as_text(Case.received_on),
    _as_text(Case.acknowledge_by),
    _as_text(Case.acknowledged_on),
    _as_text(Case.respond_by),
    _as_text(Case.responded_on),
    _as_text(Case.original_acknowledge_by),
    _as_text(Case.original_respond_by),
    _as_text(Case.delay_notice_on),
    _as_text(Case.revised_target_on),
    Case.transferred_to,
    Case.transfer_reference,
    _as_text(Case.transferred_on),
    _as_text(Case.withdrawn_on),
    _as_text(Case.uksa_referred_on),
    User.name.label("assignee_name"),
    Output.title.label("output_title"),
    Case.subject,
)


def clock_columns(today: date, cal: WorkingCalendar) -> tuple[Any, Any, Any]:
    """The case's SLA status on `today` and each clock's outcome, as SQL: THE rules of
    engage.cases.sla.rules (CASE_STATUS, each clock's outcome) read by its own to_sql, the
    reading its filters and generated column use. The database works them out with the rows:
    the rules' Python reading costs about 100 microseconds a row, 10 seconds an export of
    100,000 cases (tests hold the two readings equal on every case they make)."""
    params = {"today": today, "boundary": clock.due_soon_boundary(today, cal)}
    acknowledge, respond = (sla_sql.clock_outcome(name) for name in ("acknowledge", "respond"))
    return (
        to_sql(rules.CASE_STATUS, Case, params).label("sla_status"),
        acknowledge.label("acknowledge_outcome"),
        respond.label("respond_outcome"),
    )


def export_query(query: Select, today: date, cal: WorkingCalendar) -> Select:
    """The case list's query (filters, visibility and order kept) reading EXPORT_COLUMNS and
    the clock's columns."""
    return (
        query.with_only_columns(*EXPORT_COLUMNS, *clock_columns(today, cal))
        .join_from(Case, User, Case.assigned_to_id == User.id, isouter=True)
        .join_from(Case, Output, Case.output_id == Output.id, isouter=True)
    )


def csv_rows(rows: Iterable[Any]) -> list[tuple[Any, ...]]:
    """CSV rows (in CSV_COLUMNS order) of rows read by export_query, unpacked by position (a
    row's attributes cost more than the rest of the export). Dates go out as ISO text, None as
    an empty cell, codes as words; every text a person typed passes the formula guard."""
    safe = spreadsheet_cell
    kinds, channels, states, statuses = CASE_KINDS, CASE_CHANNELS, CASE_STATES, SLA_STATUSES
    words = rules.OUTCOME_WORDS
    return [
        (
            reference,  # made by Engage
            kinds.get(kind, kind),
            channels.get(channel, channel),
            states.get(state, state),
            statuses[status],
            received_on,
            acknowledge_by,
            acknowledged_on,
            respond_by,
            responded_on,
            original_acknowledge_by,
            original_respond_by,
            delay_notice_on,
            revised_target_on,
            transferred_to,  # one of engage.vocab's transfer codes
            safe(transfer_reference or ""),
            transferred_on,
            withdrawn_on,
            words[acknowledge_outcome],
            words[respond_outcome],
            uksa_referred_on,
            safe(assignee_name or ""),
            safe(output_title or ""),
            safe(subject or ""),
        )
        for (
            reference,
            kind,
            channel,
            state,
            received_on,
            acknowledge_by,
            acknowledged_on,
            respond_by,
            responded_on,
            original_acknowledge_by,
            original_respond_by,
            delay_notice_on,
            revised_target_on,
            transferred_to,
            transfer_reference,
            transferred_on,
            withdrawn_on,
            uksa_referred_on,
            assignee_name,
            output_title,
            subject,
            status,
            acknowledge_outcome,
            respond_outcome,
        ) in rows
    ]


def export_csv(
    user: User, today: date, cal: WorkingCalendar, filters: CaseFilters | None = None
) -> str:
    """The case CSV as text: the same rows the download streams (for tests and scripts)."""
    query = export_query((filters or CaseFilters()).query(user, today, cal), today, cal)
    batches = (csv_rows(rows) for rows in read_in_batches(query))
    return "".join(csv_chunks(CSV_COLUMNS, batches))
