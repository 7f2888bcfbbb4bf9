"""`flask scheduler` and `flask jobs`: the one process that runs timed jobs."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time

import click
from apscheduler.schedulers.base import BaseScheduler
from flask import Flask, current_app

from engage.filters import govuk_datetime


def _catch_stop_signals() -> int:
    """From now on Ctrl+C (SIGINT, unless ignored, as in a shell's background job) and a
    supervisor's SIGTERM only write a byte to a pipe, whose reading end is returned.

    Their Python handlers do nothing: an exception raised by a handler could land inside
    APScheduler's loop, which catches it and carries on running. Whichever thread the signal
    reaches, Python writes its number to the wakeup pipe."""
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    for number in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(number) is not signal.SIG_IGN:
            signal.signal(number, lambda signum, frame: None)
    return read_end


def _stop_when_signalled(scheduler: BaseScheduler, read_end: int) -> threading.Thread:
    """A thread that shuts the scheduler down at the first stop signal: a job already running
    finishes, and `scheduler.start()` then returns."""

    def wait_for_signal() -> None:
        os.read(read_end, 1)
        while not scheduler.running:  # a signal in the instant before it started
            time.sleep(0.05)
        scheduler.shutdown(wait=True)

    waiter = threading.Thread(target=wait_for_signal, name="scheduler-stop", daemon=True)
    waiter.start()
    return waiter


def register(app: Flask) -> None:
    @app.cli.command("scheduler")
    def scheduler_command() -> None:
        """Run the scheduler: exactly one per deployment, never inside web workers."""
        signalled = _catch_stop_signals()
        from engage.scheduler.runner import build_scheduler

        # APScheduler's own INFO lines (every job added, started, executed) drown the useful
        # ones: engage.scheduler.runner logs each run's result.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        scheduler = build_scheduler(current_app._get_current_object())  # type: ignore[attr-defined]
        waiter = _stop_when_signalled(scheduler, signalled)
        click.echo(f"Scheduler started with {len(scheduler.get_jobs())} jobs (Europe/London)")
        scheduler.start()  # returns once the waiter has shut it down
        waiter.join()
        click.echo("Scheduler stopped")

    jobs = click.Group("jobs", help="Timed jobs: list them, or run one now.")

    @jobs.command("list")
    def list_command() -> None:
        """Show every job with its schedule, last run and next run."""
        from engage.db_types import utcnow
        from engage.jobs import JOBS
        from engage.scheduler.runner import last_runs, next_fire_time

        runs = last_runs()
        now = utcnow()
        click.echo(f"{'Job':<33} {'Schedule':<55} {'Last run':<40} Next run")
        for job in JOBS.values():
            run = runs.get(job.name)
            if run is None:
                last = "never"
            else:
                outcome = {True: "ok", False: "failed", None: "running"}[run.ok]
                last = f"{govuk_datetime(run.started_at)} ({outcome})"
            upcoming = next_fire_time(job, now)
            click.echo(
                f"{job.name:<33} {job.schedule:<55} {last:<40} "
                f"{govuk_datetime(upcoming) if upcoming else 'none'}"
            )

    @jobs.command("run")
    @click.argument("name")
    @click.option(
        "--as-of",
        "as_of_text",
        metavar="MOMENT",
        help="Development only: run as if it were this moment, e.g. 2027-01-05T09:00 "
        "(Europe/London unless an offset is given). Refused when ENGAGE_ENV=production.",
    )
    def run_command(name: str, as_of_text: str | None) -> None:
        """Run one job now, under the same lock as the scheduler."""
        from engage.jobs import JOBS, parse_as_of
        from engage.scheduler.runner import AsOfRefused, run_job

        if name not in JOBS:
            raise click.BadParameter(
                f"no job called {name!r}; choose from {', '.join(JOBS)}", param_hint="NAME"
            )
        as_of = None
        if as_of_text is not None:
            try:
                as_of = parse_as_of(as_of_text)
            except ValueError as error:
                raise click.BadParameter(str(error), param_hint="--as-of") from None
        try:
            run = run_job(name, as_of=as_of)
        except AsOfRefused as error:
            raise click.UsageError(str(error)) from None
        if run is None:
            click.echo(f"Skipped {name}: another process is running it")
            return
        if not run.ok:
            raise click.ClickException(f"{name} failed: {run.result}")
        click.echo(f"{name}: {run.result}")

    app.cli.add_command(jobs)
