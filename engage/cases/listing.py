"""The staff case list: filters from the query string, applied in SQL (visibility included)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Select

from engage.auth.models import User
from engage.calendar import WorkingCalendar
from engage.cases import clock
from engage.cases.access import is_office, visible_cases
from engage.cases.models import FINISHED_LAST, Case
from engage.exports.streaming import csv_chunks, iso_date, read_in_batches
from engage.extensions import db
from engage.outputs.models import Output
from engage.outputs.spreadsheet import safe_cell
from engage.vocab import CASE_CHANNELS, CASE_KINDS, CASE_STATES, SLA_STATUSES

SORTS = {"deadline": "Next deadline, soonest first", "received": "Date received, newest first"}


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip()) if raw else None
    except ValueError:
        return None


def _int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


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
        engage.table_versions): the filters (not the order), whose cases the user may see, and
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
# own columns in CSV order (sla_status and the outcomes aside, the stop dates last), with the
# assignee's name and the output's title joined, then the rest of what the SLA clock reads.
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
    _as_text(Case.uksa_referred_on),
    User.name.label("assignee_name"),
    Output.title.label("output_title"),
    Case.subject,
    _as_text(Case.transferred_on),
    _as_text(Case.withdrawn_on),
    _as_text(Case.paused_on),
)


class ClockFields(NamedTuple):
    """What the SLA clock reads of a case (clock.HasClockDates, clock.CLOCK_COLUMNS: a test
    keeps them the same), for clock.sla_status and clock.outcome_words on an exported row."""

    acknowledge_by: date | None  # never None in a stored case
    acknowledged_on: date | None
    respond_by: date | None  # never None in a stored case
    responded_on: date | None
    transferred_on: date | None
    withdrawn_on: date | None
    paused_on: date | None


def export_query(query: Select) -> Select:
    """The case list's query (filters, visibility and order kept) reading EXPORT_COLUMNS."""
    return (
        query.with_only_columns(*EXPORT_COLUMNS)
        .join_from(Case, User, Case.assigned_to_id == User.id, isouter=True)
        .join_from(Case, Output, Case.output_id == Output.id, isouter=True)
    )


def csv_rows(rows: Iterable[Any], today: date, cal: WorkingCalendar) -> list[tuple[Any, ...]]:
    """CSV rows (in CSV_COLUMNS order) of rows read by export_query, unpacked by position (a
    row's attributes cost more than the rest of the export). Dates go out as ISO text, None as
    an empty cell; every text a person typed passes the formula guard; the SLA status is the
    clock's own, and so is each clock's outcome, worked out once per row."""
    safe = safe_cell
    kinds, channels, states, statuses = CASE_KINDS, CASE_CHANNELS, CASE_STATES, SLA_STATUSES
    status_of, outcomes_of, fromiso = clock.sla_status, clock.outcome_words, date.fromisoformat
    out = []
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
        uksa_referred_on,
        assignee_name,
        output_title,
        subject,
        transferred_on,
        withdrawn_on,
        paused_on,
    ) in rows:
        fields = ClockFields(  # spelled out: this runs 100,000 times in a large export
            fromiso(acknowledge_by),
            fromiso(acknowledged_on) if acknowledged_on else None,
            fromiso(respond_by),
            fromiso(responded_on) if responded_on else None,
            fromiso(transferred_on) if transferred_on else None,
            fromiso(withdrawn_on) if withdrawn_on else None,
            fromiso(paused_on) if paused_on else None,
        )
        outcomes = outcomes_of(fields)  # type: ignore[arg-type]
        out.append(
            (
                reference,  # made by Engage
                kinds.get(kind, kind),
                channels.get(channel, channel),
                states.get(state, state),
                statuses[status_of(fields, today, cal)],  # type: ignore[arg-type]
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
                outcomes["acknowledge_outcome"],
                outcomes["respond_outcome"],
                uksa_referred_on,
                safe(assignee_name or ""),
                safe(output_title or ""),
                safe(subject or ""),
            )
        )
    return out


def export_csv(
    user: User, today: date, cal: WorkingCalendar, filters: CaseFilters | None = None
) -> str:
    """The case CSV as text: the same rows the download streams (for tests and scripts)."""
    query = export_query((filters or CaseFilters()).query(user, today, cal))
    batches = (csv_rows(rows, today, cal) for rows in read_in_batches(query))
    return "".join(csv_chunks(CSV_COLUMNS, batches))
