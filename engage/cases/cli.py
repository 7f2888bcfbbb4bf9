"""`flask sla deadlines YYYY-MM-DD`: the deadlines of a case received that day, as JSON."""

from __future__ import annotations

import json
from datetime import date

import click
from flask import Flask


def register(app: Flask) -> None:
    sla = click.Group("sla", help="The working-day SLA clock.")

    @sla.command("deadlines")
    @click.argument("received")
    def deadlines_command(received: str) -> None:
        """Print acknowledge-by and respond-by for a case received on RECEIVED (YYYY-MM-DD),
        using the office calendar in force (region setting and office closure days)."""
        from engage.cases.clock import deadlines_for

        try:
            day = date.fromisoformat(received)
        except ValueError as error:
            raise click.BadParameter(
                "give a real date as YYYY-MM-DD", param_hint="RECEIVED"
            ) from error
        try:
            due = deadlines_for(day)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="RECEIVED") from error
        click.echo(
            json.dumps(
                {
                    "received": day.isoformat(),
                    "acknowledge_by": due.acknowledge_by.isoformat(),
                    "respond_by": due.respond_by.isoformat(),
                }
            )
        )

    app.cli.add_command(sla)
