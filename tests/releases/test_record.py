"""The on-time record on the performance page and in the annual report: shares by quarter
and year, date changes by reason, cancellations, and the missed commitments with their
explanations."""

from __future__ import annotations

from datetime import UTC, date, datetime

import time_machine

from engage.extensions import db
from engage.releases import listing, rules, service
from engage.releases.models import ReleaseBreach
from engage.reports.figures import compute_figures, table_by_key
from tests.factories.auth import chief, producer
from tests.factories.outputs import OutputFactory
from tests.factories.releases import ReleaseFactory


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _year(author):  # type: ignore[no-untyped-def]
    """Releases in the reporting year April 2026 to March 2027 (and one outside)."""
    output = OutputFactory(producers=[author])
    # Q1: on time; Q2: 20 minutes late with its month announced too late; Q3: early, and one
    # moved by the Chief Statistician; Q4: cancelled.
    on_time = ReleaseFactory(
        output=output, scheduled_at=utc(2026, 5, 14, 8, 30), month_announced_on=date(2025, 5, 1)
    )
    late = ReleaseFactory(
        output=output, scheduled_at=utc(2026, 8, 13, 8, 30), month_announced_on=date(2025, 12, 1)
    )
    early = ReleaseFactory(output=output, scheduled_at=utc(2026, 11, 12, 9, 30))
    moved = ReleaseFactory(output=output, scheduled_at=utc(2026, 12, 10, 9, 30))
    gone = ReleaseFactory(output=output, scheduled_at=utc(2027, 2, 11, 9, 30))
    ReleaseFactory(output=output, scheduled_at=utc(2027, 5, 13, 8, 30))  # next year
    service.record_publication(on_time, utc(2026, 5, 14, 8, 30), author, utc(2026, 5, 14, 9))
    # the month of `late` was announced 8 months ahead: recorded when it was announced
    warning = rules.month_notice_warning(date(2026, 8, 1), date(2025, 12, 1))
    db.session.add(
        ReleaseBreach(
            release_id=late.id,
            rule=warning.rule,
            version=0,
            occurred_on=date(2025, 12, 1),
            detail=warning.message,
        )
    )
    db.session.commit()
    service.record_publication(late, utc(2026, 8, 13, 8, 50), author, utc(2026, 8, 13, 9))
    service.record_publication(early, utc(2026, 11, 11, 16, 0), author, utc(2026, 11, 12, 9))
    change = service.request_date_change(
        moved,
        date(2026, 12, 17),
        None,
        "data_quality",
        "Late court data",
        author,
        utc(2026, 11, 20, 9),
    )
    service.decide_date_change(change, True, "", chief(), utc(2026, 11, 20, 10))
    service.cancel_release(gone, "Merged into the annual bulletin", author, utc(2027, 1, 5, 9))


def test_the_record_by_quarter_and_year(app):
    _year(producer())
    whole = listing.record_for(date(2026, 4, 1), date(2027, 3, 31), "Year")
    assert (whole.due, whole.routine, whole.month_in_time) == (4, 4, 3)
    assert (whole.published, whole.published_on_time, whole.early, whole.late) == (3, 1, 1, 1)
    assert whole.date_changes == 1 and whole.changes_by_reason == {"data_quality": 1}
    assert whole.cancellations == 1


def test_the_annual_report_has_a_releases_section_in_full(app):
    _year(producer())
    figures = compute_figures(2026, date(2027, 4, 30))
    assert figures["sections"]["releases"].startswith("Releases")
    record = table_by_key(figures, "releases_record")
    assert [row[0] for row in record["rows"]][-1] == "Whole year"
    assert record["rows"][-1][4] == "1 of 3 (33%)"  # not suppressed: releases, not people
    assert record["count_columns"] == []
    missed = table_by_key(figures, "releases_missed")
    what = {(row[2], row[4]) for row in missed["rows"]}
    assert ("Release cancelled", "Merged into the annual bulletin") in what
    assert (
        "Date not changed after it was confirmed",
        "Data quality or supply problem: Late court data",
    ) in what
    changes = table_by_key(figures, "releases_date_changes")
    assert ["Data quality or supply problem", 1] in changes["rows"]


def test_the_performance_page_shows_releases(app, client):
    _year(producer())
    with time_machine.travel(utc(2027, 4, 20, 10), tick=True):
        page = client.get("/performance").get_data(as_text=True)
    assert "Releases: our commitments against what happened" in page
    assert "1 of 3 (33%)" in page
    assert "every release commitment we missed" in page
