"""The staff case list: filters from the query string, applied in SQL (visibility included)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select

from engage.auth.models import User
from engage.calendar import WorkingCalendar
from engage.cases import clock
from engage.cases.access import is_office, visible_cases
from engage.cases.models import FINISHED_LAST, Case
from engage.extensions import db
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


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # Spreadsheet formula injection: a cell starting with = + - @ is made inert.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


def csv_row(case: Case, today: date, cal: WorkingCalendar) -> list[str]:
    """One case as a row of CSV_COLUMNS (the SLA status on `today`, and each clock's outcome in
    the words of engage.cases.sla.rules: met, missed, not measured or running)."""
    row = {
        "reference": case.reference,
        "kind": CASE_KINDS.get(case.kind, case.kind),
        "channel": CASE_CHANNELS.get(case.channel, case.channel),
        "state": CASE_STATES.get(case.state, case.state),
        "sla_status": SLA_STATUSES[clock.sla_status(case, today, cal)],
        "assigned_to": case.assigned_to.name if case.assigned_to else "",
        "output": case.output.title if case.output else "",
        **clock.outcome_words(case),
    }
    return [_cell(row[c] if c in row else getattr(case, c)) for c in CSV_COLUMNS]


def export_csv(cases: list[Case], today: date, cal: WorkingCalendar) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for case in cases:
        writer.writerow(csv_row(case, today, cal))
    return out.getvalue()
