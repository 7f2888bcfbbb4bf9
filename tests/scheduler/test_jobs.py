"""The job registry, the scheduler's settings, the per-job database lock, and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from engage.calendar import london_date
from engage.cases.clock import current_calendar
from engage.db_types import utcnow
from engage.extensions import db
from engage.jobs import JOBS, Job, resolve
from engage.mail.delivery import deliver_due
from engage.mail.models import OutboxEmail
from engage.scheduler.locks import acquire_lease, job_lock, release_lease
from engage.scheduler.models import JobLease, JobRun
from engage.scheduler.runner import build_scheduler, catch_up_time, run_job
from tests.factories.auth import cso
from tests.mail.conftest import make_case

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("target", sorted({t for job in JOBS.values() for t in job.targets}))
def test_every_job_target_imports(target):
    assert callable(resolve(target))


def test_every_job_is_coalesced_single_instance_with_the_grace_time(app):
    app.config["SCHEDULER_MISFIRE_GRACE_SECONDS"] = 4 * 3600
    scheduler = build_scheduler(app)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == set(JOBS)
    for job in jobs.values():
        assert job.coalesce is True
        assert job.max_instances == 1
        assert job.misfire_grace_time == 4 * 3600
    assert str(scheduler.timezone) == "Europe/London"
    assert not scheduler.running  # building it starts nothing: only `flask scheduler` does


def test_after_a_restart_a_missed_run_within_the_grace_time_runs_once_at_start():
    digest = JOBS["sla_digest"]
    grace = timedelta(hours=6)
    last = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # Monday's digest ran
    # Down from Monday evening to Tuesday 09:30 London: Tuesday 08:00 was missed, run now.
    now = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
    assert catch_up_time(digest, last, now, grace) == now
    # Down for days: the misses are older than the grace time, so wait for the next 08:00.
    assert catch_up_time(digest, last, datetime(2026, 3, 12, 18, 0, tzinfo=UTC), grace) is None
    # Nothing missed.
    assert catch_up_time(digest, last, datetime(2026, 3, 9, 18, 0, tzinfo=UTC), grace) is None
    # The scan always runs at start.
    assert catch_up_time(JOBS["sla_scan"], None, now, grace) == now


def test_the_lease_refuses_a_second_holder_until_it_expires_or_is_released(app):
    assert acquire_lease("sla_scan", "host-a:1", T0, timedelta(minutes=30))
    assert not acquire_lease("sla_scan", "host-b:2", T0 + timedelta(minutes=5))
    half_hour = timedelta(minutes=30)
    assert acquire_lease("sla_scan", "host-a:1", T0 + timedelta(minutes=10), half_hour)  # renewed
    assert not acquire_lease("sla_scan", "host-b:2", T0 + timedelta(minutes=39))
    # A holder that died: its lease runs out and another process takes over.
    assert acquire_lease("sla_scan", "host-b:2", T0 + timedelta(minutes=41))
    release_lease("sla_scan", "host-b:2")
    assert acquire_lease("sla_scan", "host-c:3", T0 + timedelta(minutes=42))
    assert db.session.get(JobLease, "sla_scan").holder == "host-c:3"
    assert acquire_lease("deliver_emails", "host-b:2", T0)  # one lease per job


def test_a_run_that_cannot_get_the_lock_is_skipped(app, caplog):
    with job_lock("sla_scan", "other-scheduler:99") as acquired:
        assert acquired
        with job_lock("sla_scan", "me:1") as second:
            assert not second
        assert run_job("sla_scan") is None
    assert "sla_scan skipped" in caplog.text
    assert db.session.execute(db.select(JobRun)).first() is None
    run = run_job("sla_scan")  # released: runs
    assert run is not None and run.ok


def test_job_runs_are_recorded_with_their_result_and_failures(app, monkeypatch):
    run = run_job("deliver_emails")
    assert run.ok and run.result == (  # several targets: each result named by its function
        "deliver_due: sent 0, retrying 0, failed 0; "
        "confirm_delivered_acknowledgements: 0 acknowledgements delivered"
    )
    assert run.finished_at >= run.started_at
    # A job whose domain function raises is recorded as failed and raises nothing.
    broken = Job(
        "broken", "d", "s", JOBS["sla_scan"].make_trigger, ("engage.calendar:london_date",)
    )
    monkeypatch.setitem(JOBS, "broken", broken)
    failed = run_job("broken")
    assert failed.ok is False and failed.result.startswith("TypeError: london_date expects")


def test_flask_jobs_list_and_run(app, cso_address):
    runner = app.test_cli_runner()
    with time_machine.travel(T0, tick=False):
        listing = runner.invoke(args=["jobs", "list"])
        assert listing.exit_code == 0, listing.output
        lines = listing.output.splitlines()
        assert lines[0].split() == ["Job", "Schedule", "Last", "run", "Next", "run"]
        for name in JOBS:
            assert any(line.startswith(name + " ") for line in lines)
        digest = next(line for line in lines if line.startswith("sla_digest "))
        assert "never" in digest and "11 March 2026 at 8am" in digest

        make_case(current_calendar().add_working_days(london_date(T0), -6))
        ran = runner.invoke(args=["jobs", "run", "sla_scan"])
        assert ran.exit_code == 0, ran.output
        assert ran.output.startswith("sla_scan: 1 deadlines due soon or breached, 1 emails")
        listing = runner.invoke(args=["jobs", "list"])
        scan = next(line for line in listing.output.splitlines() if line.startswith("sla_scan"))
        assert "10 March 2026 at 9am (ok)" in scan

    unknown = runner.invoke(args=["jobs", "run", "nothing_like_this"])
    assert unknown.exit_code != 0 and "no job called" in unknown.output


def test_two_processes_running_the_scan_at_once_queue_one_warning_each(
    app, database_url, smtp_sink, cso_address
):
    """Two `flask jobs run sla_scan` processes started together against the same database
    (advisory lock on PostgreSQL, lease row on SQLite; the UNIQUE dedup key behind both)."""
    officer = cso(email="officer@example.gov.uk")
    today = london_date(utcnow())
    case_id = make_case(current_calendar().add_working_days(today, -6), assignee=officer).id
    db.session.remove()

    env = {
        **os.environ,
        "FLASK_APP": "engage",
        "DATABASE_URL": database_url,
        "CSO_EMAIL": cso_address,
        "MAIL_TRANSPORT": "console",
    }
    flask = str(Path(sys.executable).parent / "flask")
    processes = [
        subprocess.Popen(  # noqa: S603
            [flask, "jobs", "run", "sla_scan"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs

    rows = list(db.session.execute(db.select(OutboxEmail)).scalars())
    assert sorted(r.to_address for r in rows) == sorted(["officer@example.gov.uk", cso_address])
    assert all(r.dedup_key.startswith(f"sla:{case_id}:acknowledge:") for r in rows)
    deliver_due(utcnow())
    assert sorted(smtp_sink.recipients()) == sorted(["officer@example.gov.uk", cso_address])


def test_deliver_emails_job_sends_through_the_lock(app, smtp_sink):
    from engage.mail.outbox import queue_email

    queue_email("someone@example.gov.uk", "generic", subject="Hi", body="There")
    db.session.commit()
    run = run_job("deliver_emails")
    assert run.ok and run.result.startswith("deliver_due: sent 1")
    assert smtp_sink.recipients() == ["someone@example.gov.uk"]
