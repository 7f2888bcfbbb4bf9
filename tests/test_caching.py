"""The performance page keeps its figures for PERFORMANCE_CACHE_SECONDS and says when they were
computed; with the cache off (as in the other tests) every fetch computes them afresh."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine

from engage import caching
from tests.factories.reports import build_year


def test_figures_are_kept_for_the_configured_time_and_dated(app, client, monkeypatch):
    build_year()
    monkeypatch.setitem(app.config, "PERFORMANCE_CACHE_SECONDS", 600)
    caching.clear()
    try:
        with time_machine.travel(datetime(2026, 5, 15, 9, 30, tzinfo=UTC), tick=False):
            first = client.get("/performance").get_data(as_text=True)
        assert "Figures updated 15 May 2026 at 10:30am." in first  # London time (BST)
        with time_machine.travel(datetime(2026, 5, 15, 9, 35, tzinfo=UTC), tick=False):
            again = client.get("/performance").get_data(as_text=True)
        assert "Figures updated 15 May 2026 at 10:30am." in again  # the same figures, kept
        monkeypatch.setitem(app.config, "PERFORMANCE_CACHE_SECONDS", 0)
        with time_machine.travel(datetime(2026, 5, 15, 9, 36, tzinfo=UTC), tick=False):
            fresh = client.get("/performance").get_data(as_text=True)
        assert "Figures updated 15 May 2026 at 10:36am." in fresh
    finally:
        caching.clear()


def test_a_count_seen_only_by_a_transaction_that_rolled_back_is_never_used(app):
    """A transaction's own change gives it a new version number; when it rolls back, the next
    change anywhere in the user logs reaches that same number with other rows. What the
    rolled-back transaction counted must not be kept under it."""
    from engage.extensions import db
    from engage.outputs.logs import log_counts
    from engage.outputs.models import LogEntry
    from tests.factories.outputs import OutputFactory, StakeholderFactory

    mine, other = OutputFactory(), OutputFactory()
    person = StakeholderFactory()
    assert log_counts(mine.id).total == 0

    def entry(output_id: int) -> LogEntry:
        return LogEntry(
            output_id=output_id,
            stakeholder_id=person.id,
            engagement_level="informed",
            source="user_request",
        )

    db.session.add(entry(mine.id))  # added, then abandoned (a form's later step failed, say)
    db.session.flush()
    assert log_counts(mine.id).total == 1  # the transaction sees its own entry
    db.session.rollback()

    db.session.add(entry(other.id))  # the next change to any log: the same version number
    db.session.commit()
    assert log_counts(mine.id).total == 0
    assert log_counts(other.id).total == 1
