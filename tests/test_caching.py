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
