"""One user log's figures over time, by financial-year quarter: the user log page's charts and
the engagement evidence export (engage/outputs/evidence.py) both read them.

When a user joined a log is the annual report's one definition
(``engage.reports.figures.log_entry_joined_before``): the first contact recorded in the log,
or the day the entry was added when none is recorded. So *new users in a quarter* are the
entries that joined the log in it (not the day a spreadsheet was imported), and the log's size
at the end of a quarter is the entries that had joined by then. Entries removed from the log
are not counted (removal deletes them), and each entry counts at its current category and
engagement level: the figures say what the log holds now, dated by when each person joined.

Quarters are the performance page's (April to June, July to September, ...). The queries are
a fixed number (one per figure), grouped in SQL, whatever the size of the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, func

from engage.extensions import db
from engage.outputs.models import Contact, LogEntry
from engage.reports.figures import log_entry_joined_before
from engage.reports.performance import Quarter, quarter_of

QUARTERS_SHOWN = 8


def recent_quarters(today: date, n: int = QUARTERS_SHOWN) -> list[Quarter]:
    """The `n` quarters up to and including today's, oldest first."""
    quarters = [quarter_of(today)]
    while len(quarters) < n:
        quarters.append(quarter_of(quarters[-1].start - timedelta(days=1)))
    return list(reversed(quarters))


def quarter_label(quarter: Quarter, today: date) -> str:
    """'April to June 2026'; the quarter in progress says so ('... (to 28 November)')."""
    if quarter.start <= today <= quarter.end:
        return f"{quarter.label} (to {today.day} {today:%B})"
    return quarter.label


def _joined_index(quarters: list[Quarter]) -> Any:
    """SQL: -1 for an entry that joined before the first quarter, i for one that joined in
    quarter i, len(quarters) for one that joins after the last (a first contact in the
    future)."""
    return case(
        (log_entry_joined_before(quarters[0].start), -1),
        *[(log_entry_joined_before(q.end + timedelta(days=1)), i) for i, q in enumerate(quarters)],
        else_=len(quarters),
    )


@dataclass
class LogOverTime:
    """Entries of one log by (category, level): `before` joined before the first quarter,
    `joined[i]` in quarter i."""

    quarters: list[Quarter]
    before: dict[tuple[str, str], int]
    joined: list[dict[tuple[str, str], int]]

    def new_users(self) -> list[int]:
        return [sum(cells.values()) for cells in self.joined]

    def at_end(self, i: int) -> dict[tuple[str, str], int]:
        """The log's make-up at the end of quarter i: everyone who had joined by then."""
        cells = dict(self.before)
        for quarter_cells in self.joined[: i + 1]:
            for key, n in quarter_cells.items():
                cells[key] = cells.get(key, 0) + n
        return cells


def log_over_time(output_id: int, quarters: list[Quarter]) -> LogOverTime:
    index = _joined_index(quarters)
    before: dict[tuple[str, str], int] = {}
    joined: list[dict[tuple[str, str], int]] = [{} for _ in quarters]
    for i, category, level, n in db.session.execute(
        db.select(index, LogEntry.stakeholder_category, LogEntry.engagement_level, func.count())
        .where(LogEntry.output_id == output_id)
        .group_by(index, LogEntry.stakeholder_category, LogEntry.engagement_level)
    ):
        if i == -1:
            before[(category, level)] = int(n)
        elif 0 <= i < len(quarters):
            joined[i][(category, level)] = int(n)
    return LogOverTime(quarters, before, joined)


def contacts_by_quarter(output_id: int, quarters: list[Quarter]) -> list[dict[str, int]]:
    """[{channel: contacts}] per quarter: contacts about this output on dates in the quarter."""
    index = case(
        *[
            (and_(Contact.contacted_on >= q.start, Contact.contacted_on <= q.end), i)
            for i, q in enumerate(quarters)
        ],
        else_=-1,
    )
    out: list[dict[str, int]] = [{} for _ in quarters]
    for i, channel, n in db.session.execute(
        db.select(index, Contact.channel, func.count())
        .where(
            Contact.output_id == output_id,
            Contact.contacted_on >= quarters[0].start,
            Contact.contacted_on <= quarters[-1].end,
        )
        .group_by(index, Contact.channel)
    ):
        if 0 <= i < len(quarters):
            out[i][channel] = int(n)
    return out
