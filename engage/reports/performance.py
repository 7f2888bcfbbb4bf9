"""The public performance page: our commitments against what happened, by quarter.

Quarters are financial-year quarters (April to June, July to September, October to December,
January to March). The page shows the **8 complete quarters** before today's quarter, so every
figure covers a whole quarter; the quarter in progress is left out because its figures would
change daily and look worse than they are (its cases are mostly not yet due).

Cases are counted in the quarter they were received, with the same definitions as the annual
report (``engage.reports.figures``). Consultations are counted in the quarter they closed, and a
response is "published within 12 weeks" by the consultation rule
(``engage.consultations.rules.published_in_time``: no later than 84 days after the closing
date). Small counts are suppressed with ``engage.reports.suppression``.

The figures of whole past quarters change rarely, so the page's figures (and its chart) are kept
per process for `PERFORMANCE_CACHE_SECONDS` (10 minutes by default, `engage.caching`) and for
the day they were computed on; the page says when they were computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, select

from engage import caching
from engage.calendar import LONDON
from engage.cases import outcome_figures
from engage.cases.models import Case
from engage.cases.sla import rules
from engage.consultations.models import Consultation
from engage.consultations.rules import published_in_time, response_status
from engage.extensions import db
from engage.releases import record as release_record
from engage.reports.case_figures import case_counts
from engage.reports.figures import HELD_STATES
from engage.reports.suppression import suppress_tables
from engage.reports.tables import fill_shares, make_table
from engage.vocab import COMPLAINT_KINDS

QUARTERS_SHOWN = 8
QUARTER_NAMES = {
    4: "April to June",
    7: "July to September",
    10: "October to December",
    1: "January to March",
}


@dataclass(frozen=True)
class Quarter:
    start: date
    end: date

    @property
    def label(self) -> str:
        return f"{QUARTER_NAMES[self.start.month]} {self.start.year}"


def quarter_starting(day: date) -> Quarter:
    end_month = day.month + 2
    next_start = date(day.year + 1, 1, 1) if end_month == 12 else date(day.year, end_month + 1, 1)
    return Quarter(day, next_start - timedelta(days=1))


def quarter_of(day: date) -> Quarter:
    month = ((day.month - 1) // 3) * 3 + 1
    return quarter_starting(date(day.year, month, 1))


def complete_quarters(today: date, n: int = QUARTERS_SHOWN) -> list[Quarter]:
    """The `n` complete quarters before the quarter containing `today`, oldest first."""
    quarters = []
    q = quarter_of(today)
    for _ in range(n):
        q = quarter_of(q.start - timedelta(days=1))
        quarters.append(q)
    return list(reversed(quarters))


def _quarter_index(column: Any, quarters: list[Quarter]) -> Any:
    return case(
        *[(and_(column >= q.start, column <= q.end), i) for i, q in enumerate(quarters)],
        else_=-1,
    )


def _cases_table(key: str, title: str, quarters: list[Quarter], today: date, complaints: bool):  # type: ignore[no-untyped-def]
    kind_filter = (
        Case.kind.in_(COMPLAINT_KINDS) if complaints else Case.kind.not_in(COMPLAINT_KINDS)
    )
    counts = case_counts(
        quarters[0].start,
        quarters[-1].end,
        today,
        _quarter_index(Case.received_on, quarters),
        kind_filter,
    )
    rows = []
    for i, q in enumerate(quarters):
        c = counts.get(i, {})
        row: list[Any] = [q.label, c.get("received", 0)]
        for clock in rules.CLOCKS:
            met = c.get(f"{clock.name}_met", 0)
            not_met = c.get(f"{clock.name}_missed", 0) + c.get(f"{clock.name}_overdue", 0)
            row += [met + not_met, met, not_met, ""]
        rows.append([*row, c.get("delay_notices", 0)])
    shares = [
        {"column": 5, "in_time": 3, "total": 2},
        {"column": 9, "in_time": 7, "total": 6},
    ]
    fill_shares(rows, shares)
    return make_table(
        key,
        "performance",
        title,
        [
            "Quarter",
            "Received",
            "Due an acknowledgement",
            "Acknowledged within 5 working days",
            "Not acknowledged within 5 working days",
            "Share acknowledged within 5 working days",
            "Due a full response",
            "Answered within 20 working days",
            "Not answered within 20 working days",
            "Share answered within 20 working days",
            "Delay notices sent",
        ],
        rows,
        definition=" ".join(clock.definition for clock in rules.CLOCKS),
        count_columns=[1, 2, 3, 4, 6, 7, 8, 10],
        shares=shares,
        row_sums=[{"total": 2, "parts": [3, 4]}, {"total": 6, "parts": [7, 8]}],
    )


def _consultations_table(quarters: list[Quarter], today: date) -> dict[str, Any]:
    rows_by_quarter: dict[int, list[int]] = {}
    for idx, closes_on, published_at in db.session.execute(
        select(
            _quarter_index(Consultation.closes_on, quarters),
            Consultation.closes_on,
            Consultation.response_published_at,
        ).where(
            Consultation.state.in_(HELD_STATES),
            Consultation.closes_on >= quarters[0].start,
            Consultation.closes_on <= quarters[-1].end,
        )
    ):
        # One row per consultation (a handful a quarter), fetched in a single query: the
        # 12-week rule (engage.consultations.rules) is applied in Python on London dates.
        counts = rows_by_quarter.setdefault(idx, [0, 0, 0, 0])
        counts[0] += 1
        if published_at is not None:
            published = published_at.astimezone(LONDON).date()
            counts[1 if published_in_time(closes_on, published) else 2] += 1
        elif response_status(closes_on, today) == "overdue":
            counts[2] += 1
        else:
            counts[3] += 1
    rows = [[q.label, *rows_by_quarter.get(i, [0, 0, 0, 0])] for i, q in enumerate(quarters)]
    return make_table(
        "performance_consultations",
        "performance",
        "Consultations",
        [
            "Quarter",
            "Consultations closed",
            "Response published within 12 weeks",
            "Response published late or overdue",
            "Response not yet due",
        ],
        rows,
        count_columns=[1, 2, 3, 4],
        # Each consultation closed is in exactly one of the other three columns.
        row_sums=[{"total": 1, "parts": [2, 3, 4]}],
    )


def performance_figures(today: date) -> dict[str, Any]:
    """The performance page's tables (suppressed for publication) for the quarters shown."""
    quarters = complete_quarters(today)
    tables = [
        _cases_table("performance_complaints", "Complaints", quarters, today, complaints=True),
        _cases_table(
            "performance_enquiries", "Enquiries and requests", quarters, today, complaints=False
        ),
        _consultations_table(quarters, today),
        *outcome_figures.performance_tables(quarters),  # after: the page reads tables by place
    ]
    return {
        "first": quarters[0],
        "last": quarters[-1],
        "as_of": today,
        "raw": tables,
        "tables": suppress_tables(tables),
        # Counts of releases, not people: published in full (engage.releases.record).
        "releases": release_record.performance_tables(quarters),
    }


def page_figures(today: date) -> dict[str, Any]:
    """`performance_figures` with the chart of complaints and `computed_at` (UTC), cached."""
    from engage.reports.charts import chart_for

    def compute() -> dict[str, Any]:
        figures = performance_figures(today)
        return {**figures, "chart": chart_for(figures["tables"][0], "perf")}

    figures, computed_at = caching.for_seconds(("performance", today), compute)
    return {**figures, "computed_at": computed_at}
