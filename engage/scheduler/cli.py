"""`flask scheduler` and `flask jobs`: the one process that runs timed jobs."""

from __future__ import annotations

import contextlib

import click
from flask import Flask


def register(app: Flask) -> None:
    @app.cli.command("scheduler")
    def scheduler_command() -> None:
        """Run the scheduler (exactly one per deployment)."""
        from apscheduler.schedulers.blocking import BlockingScheduler

        scheduler = BlockingScheduler(timezone="Europe/London")
        click.echo("Scheduler started with no jobs yet")
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            scheduler.start()
