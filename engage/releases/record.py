"""The on-time record: the release commitments against what happened, as tables for the
performance page and the annual report (engage.reports.tables.make_table).

These are counts of releases, not of people: no one can be identified from them, so they are
published in full (the reports' small-count suppression protects people who contact us, and
would only hide how often we missed a commitment). They are therefore made without
`count_columns`, which is what marks a table for suppression."""

from __future__ import annotations

from datetime import date
from typing import Any

from engage.releases import listing, rules
from engage.releases.listing import Record
from engage.reports.tables import make_table

SECTION = "releases"
COLUMNS = [
    "Period",
    "Releases due",
    "Routine releases: month announced 12 months ahead",
    "Dates announced 4 weeks ahead (5 days ad hoc)",
    "Published at the announced time",
    "Published early",
    "Published late",
    "Dates changed after confirmation",
    "Releases cancelled",
]
DEFINITION = (
    "A release counts in the period it was due (its announced date, or when it was published "
    "or cancelled). Shares are of the releases the commitment applied to: the 12-month rule to "
    "routine releases, the notice of the date to releases with a confirmed date, the time to "
    "published releases. Publication counts as on time only at the announced minute; early is "
    "a miss as much as late. Date changes count when the Chief Statistician approved them."
)


def _cell(part: int, whole: int) -> str:
    return f"{part} of {whole} ({Record.share(part, whole)})" if whole else "–"


def _row(record: Record) -> list[Any]:
    return [
        record.label,
        record.due,
        _cell(record.month_in_time, record.routine),
        _cell(record.date_in_time, record.dated),
        _cell(record.published_on_time, record.published),
        record.early,
        record.late,
        record.date_changes,
        record.cancellations,
    ]


def record_table(
    key: str, section: str, periods: list[tuple[date, date, str]], total: tuple[date, date, str]
) -> tuple[dict[str, Any], Record]:
    rows = [_row(listing.record_for(start, end, label)) for start, end, label in periods]
    whole = listing.record_for(*total)
    rows.append(_row(whole))
    return (
        make_table(
            key,
            section,
            "Releases: our commitments against what happened",
            COLUMNS,
            rows,
            definition=DEFINITION,
        ),
        whole,
    )


def changes_table(key: str, section: str, record: Record) -> dict[str, Any]:
    return make_table(
        key,
        section,
        "Release dates changed, by reason",
        ["Reason", "Dates changed"],
        [
            [label, record.changes_by_reason.get(kind, 0)]
            for kind, label in rules.CHANGE_REASONS.items()
        ],
        empty="No release dates were changed.",
    )


def missed_table(key: str, section: str, start: date, end: date) -> dict[str, Any]:
    rows: list[list[Any]] = []
    for breach in listing.missed_commitments(start, end):
        reason = (breach.extra or {}).get("reason_kind")
        explanation = breach.explanation or "Explanation not yet given"
        if reason in rules.CHANGE_REASONS:
            explanation = f"{rules.CHANGE_REASONS[reason]}: {explanation}"
        rows.append(
            [
                breach.occurred_on.isoformat(),
                breach.release.title,
                rules.RULES.get(breach.rule, breach.rule),
                breach.detail,
                explanation,
            ]
        )
    for release in listing.cancellations(start, end):
        assert release.cancelled_at is not None  # nosec B101 (selected as cancelled)
        rows.append(
            [
                str(release.cancelled_at.date()),
                release.title,
                "Release cancelled",
                "Cancelled",
                release.cancellation_reason or "",
            ]
        )
    rows.sort(key=lambda r: r[0])
    return make_table(
        key,
        section,
        "Release commitments missed, with their explanations",
        ["Date", "Release", "Commitment", "What happened", "Explanation"],
        rows,
        empty="No release commitments were missed.",
    )


def annual_tables(start: date, end: date) -> list[dict[str, Any]]:
    """The annual report's releases section, for the reporting year start..end."""
    periods = listing.quarters(start)
    record, whole = record_table("releases_record", SECTION, periods, (start, end, "Whole year"))
    return [
        record,
        changes_table("releases_date_changes", SECTION, whole),
        missed_table("releases_missed", SECTION, start, end),
    ]


def performance_tables(quarters: list[Any]) -> list[dict[str, Any]]:
    """The performance page's releases tables for its quarters (engage.reports.performance
    Quarter objects), with a total row over all of them."""
    periods = [(q.start, q.end, q.label) for q in quarters]
    record, whole = record_table(
        "performance_releases",
        "performance",
        periods,
        (quarters[0].start, quarters[-1].end, "All quarters shown"),
    )
    return [record, changes_table("performance_release_changes", "performance", whole)]
