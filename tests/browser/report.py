"""Where the browser journeys leave their screenshots, and the line that reports them at the end
of a test run. The hook is imported by tests/conftest.py, because under pytest-xdist the
controlling process (which prints the summary) never loads tests/browser/conftest.py."""

from __future__ import annotations

import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"

_run_started = time.time()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    if not SCREENSHOTS.is_dir():
        return
    fresh = [p for p in SCREENSHOTS.glob("*.png") if p.stat().st_mtime >= _run_started - 1]
    if fresh:
        terminalreporter.write_sep("-", "browser screenshots")
        terminalreporter.write_line(f"{len(fresh)} screenshots of the journeys in {SCREENSHOTS}")
