"""The user log page's pictures: its make-up by category and engagement level, and new users
and contacts by quarter, as server-drawn SVG charts (engage.reports.charts) beside the tables
that are their text alternative. Counts are exact: the page is for the staff who keep the log,
not a publication (small-count suppression, engage.reports.suppression, is for published
figures)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from engage import caching
from engage.outputs import log_figures
from engage.outputs.logs import LogCounts
from engage.reports.charts import stacked_bar_chart
from engage.table_versions import LOG_VERSION
from engage.vocab import ENGAGEMENT_LEVEL_SHORT, LEVEL_ORDER, USER_CATEGORY_SHORT


@dataclass(frozen=True)
class QuarterRow:
    label: str
    new_users: int
    contacts: int


@dataclass
class LogPictures:
    make_up: Markup
    quarters: list[QuarterRow]
    new_users: Markup
    contacts: Markup


def make_up_rows(counts: LogCounts) -> list[tuple[str, list[int]]]:
    """(category, [count at each engagement level]) in the vocabulary's order."""
    return [
        (label, [counts.cell(key, level) for level in LEVEL_ORDER])
        for key, label in USER_CATEGORY_SHORT.items()
    ]


def make_up_chart(rows: list[tuple[str, list[int]]], chart_id: str = "chart-make-up") -> Markup:
    return stacked_bar_chart(
        chart_id,
        "Users in the log by category, split by engagement level",
        rows,
        [ENGAGEMENT_LEVEL_SHORT[level] for level in LEVEL_ORDER],
    )


def quarter_rows(output_id: int, today: date) -> list[QuarterRow]:
    """New users (entries that joined the log) and contacts in each of the recent quarters,
    oldest first (two queries).

    Both read every entry and contact of the log (tens of thousands for a large one), so the
    rows are kept per version of the logs, contacts and consents (engage.caching.for_version:
    the database changes the version with any change to those tables) and per day."""

    def compute() -> list[QuarterRow]:
        quarters = log_figures.recent_quarters(today)
        joined = log_figures.log_over_time(output_id, quarters).new_users()
        contacts = log_figures.contacts_by_quarter(output_id, quarters)
        return [
            QuarterRow(log_figures.quarter_label(q, today), joined[i], sum(contacts[i].values()))
            for i, q in enumerate(quarters)
        ]

    return caching.for_version(LOG_VERSION, ("log_quarter_rows", output_id, today), compute)


def log_pictures(output_id: int, counts: LogCounts, today: date) -> LogPictures:
    rows = quarter_rows(output_id, today)
    return LogPictures(
        make_up=make_up_chart(make_up_rows(counts)),
        quarters=rows,
        new_users=stacked_bar_chart(
            "chart-new-users",
            "New users by quarter",
            [(r.label, [r.new_users]) for r in rows],
            ["New users"],
        ),
        contacts=stacked_bar_chart(
            "chart-contacts",
            "Contacts by quarter",
            [(r.label, [r.contacts]) for r in rows],
            ["Contacts"],
        ),
    )
