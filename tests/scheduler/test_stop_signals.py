"""`flask scheduler` stops cleanly (status 0, "Scheduler stopped", no traceback) on a
supervisor's SIGTERM and on Ctrl+C's SIGINT, also while its start-up jobs are running: the stop
must not be an exception that APScheduler's loop could catch and carry on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engage.extensions import db
from engage.jobs import JOBS

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
@pytest.mark.parametrize("delay", [0.0, 0.5])
def test_the_scheduler_stops_cleanly_on_a_stop_signal(app, database_url, stop, delay):
    db.session.remove()
    env = {
        **os.environ,
        "FLASK_APP": "engage",
        "DATABASE_URL": database_url,
        "MAIL_TRANSPORT": "console",
    }
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        [str(Path(sys.executable).parent / "flask"), "scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        while first and not first.startswith("Scheduler started"):
            first = process.stdout.readline()
        assert first.startswith(f"Scheduler started with {len(JOBS)} jobs"), first
        time.sleep(delay)  # 0: while the scan that runs at start is being submitted
        process.send_signal(stop)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, output
    assert output.rstrip().endswith("Scheduler stopped"), output
    assert "Traceback" not in output
