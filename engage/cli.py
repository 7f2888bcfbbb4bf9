"""Operator commands. Each area adds its own group through `register_<area>_cli`."""

from __future__ import annotations

import click
from flask import Flask

from engage.extensions import db


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Load the demo data (once) and print the demo staff accounts."""
        from flask import current_app

        from engage.seed import seed_demo

        if current_app.config["ENGAGE_ENV"] == "production":
            # The demo accounts' passwords are printed here and written in the README.
            raise click.ClickException("seed-demo is refused when ENGAGE_ENV=production")

        rows = seed_demo()
        click.echo("")
        click.echo("Demo staff accounts (local demo only):")
        click.echo(f"  {'Role':<22} {'Email':<30} Password")
        for role, email, password, _name in rows:
            click.echo(f"  {role:<22} {email:<30} {password}")
        from engage.auth.models import User

        keys = [
            (u.email, u.totp_secret)
            for u in db.session.execute(
                db.select(User).where(User.email.in_([r[1] for r in rows]), User.totp_enabled)
            ).scalars()
        ]
        if keys:
            click.echo("")
            click.echo("These accounts also need a code (REQUIRE_SECOND_FACTOR is on). Add each")
            click.echo("key to an authenticator app, or print a code with:")
            click.echo("  .venv/bin/python -c \"import pyotp; print(pyotp.TOTP('KEY').now())\"")
            for email, secret in keys:
                click.echo(f"  {email:<30} {secret}")
        click.echo("")

    users = click.Group("users", help="Staff accounts.")

    @users.command("create")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option(
        "--role",
        "roles",
        multiple=True,
        required=True,
        type=click.Choice(["admin", "chief_statistician", "cso", "producer"]),
    )
    @click.password_option("--password", prompt=True)
    def create_user_command(email: str, name: str, roles: tuple[str, ...], password: str) -> None:
        """Create a staff account."""
        from engage.auth.service import AccountError, create_user

        try:
            user = create_user(email=email, name=name, password=password, roles=set(roles))
        except AccountError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from error
        click.echo(f"Created {user.email} with roles {', '.join(sorted(user.roles))}")

    @users.command("reset-authenticator")
    @click.argument("email")
    def reset_authenticator_command(email: str) -> None:
        """Turn off a person's authenticator app (lost phone and recovery codes). A role that
        needs one sets it up again at the next sign-in."""
        from engage.auth.second_factor import disable
        from engage.auth.service import find_user

        user = find_user(email)
        if user is None:
            raise click.ClickException("No staff account has that email address")
        disable(user, actor=None)  # audited as second_factor.disabled
        click.echo("Authenticator app turned off; it is set up again at the next sign-in")

    @users.command("unlock")
    @click.argument("email")
    def unlock_command(email: str) -> None:
        """Unlock an account locked after wrong passwords or codes (audited)."""
        from engage.auth.service import find_user, unlock_user

        user = find_user(email)
        if user is None:
            raise click.ClickException("No staff account has that email address")
        unlock_user(user, actor=None)
        click.echo("Account unlocked")

    app.cli.add_command(users)

    for module in (
        "engage.cases.cli",
        "engage.scheduler.cli",
        "engage.reports.cli",
        "engage.mailin.cli",
    ):
        try:
            mod = __import__(module, fromlist=["register"])
        except ModuleNotFoundError as error:
            if error.name != module:
                raise
            continue
        mod.register(app)
