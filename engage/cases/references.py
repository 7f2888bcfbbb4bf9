"""Case references: `C-YYYY-NNNNN`, the year the office REGISTERED the case (its Europe/London
date at intake) and that year's running number, from 00001 (six digits past 99,999).

Why the year of registration and not of receipt (docs/cases.md, "Case references"): a reference
is issued when the case is entered, so references of one year run in the order they were given
out and the number says how many cases the office had registered that year; a letter dated
1990 entered today is a case of today's workload, not `C-1990-...`; and the received date may
be corrected later while a reference, once written to the requester, never changes.

One counter row per year, bumped in the caller's transaction: a rolled-back intake gives its
number back, and two intakes at once queue on the row (PostgreSQL) or the database write lock
(SQLite), so no number is issued twice. The row is bumped after the case row is inserted, so
an intake takes the cases table's version lock before this one, as every other writer does.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, cast, func, literal, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from engage.calendar import london_date
from engage.extensions import Model, db

PREFIX = "C"


class CaseReferenceCounter(Model):
    __tablename__ = "case_reference_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int]


def format_reference(year: int, number: int) -> str:
    return f"{PREFIX}-{year}-{number:05d}"


def _highest_issued(year: int):  # type: ignore[no-untyped-def]
    """The highest number already in a `C-YYYY-` reference (0 if none), for a year without a
    counter row: a database from before the counter, or references written by other tools."""
    from engage.cases.models import Case

    start = f"{PREFIX}-{year}-"
    digits = func.substr(Case.reference, len(start) + 1)
    return (
        select(func.coalesce(func.max(cast(digits, Integer)), 0))
        .where(Case.reference >= start, Case.reference < f"{PREFIX}-{year}.")
        .scalar_subquery()
    )


def allocate_reference(registered_at: datetime) -> str:
    """The next reference of the London year of `registered_at` (aware), in the caller's
    transaction."""
    year = london_date(registered_at).year
    bumped = db.session.execute(
        update(CaseReferenceCounter)
        .where(CaseReferenceCounter.year == year)
        .values(last_number=CaseReferenceCounter.last_number + 1)
        .returning(CaseReferenceCounter.last_number)
    ).scalar_one_or_none()
    if bumped is None:
        # First case of the year. ON CONFLICT: another intake may create the row meanwhile.
        dialect = db.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(CaseReferenceCounter).from_select(
            ["year", "last_number"],
            # WHERE: SQLite cannot otherwise tell the SELECT's end from the ON CONFLICT clause.
            select(literal(year), _highest_issued(year) + 1).where(true()),
        )
        bumped = db.session.execute(
            statement.on_conflict_do_update(
                index_elements=["year"],
                set_={"last_number": CaseReferenceCounter.last_number + 1},
            ).returning(CaseReferenceCounter.last_number)
        ).scalar_one()
    return format_reference(year, bumped)
