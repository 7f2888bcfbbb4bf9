"""`flask mail fetch` (poll the mailbox now) and `flask mail receive` (one message on standard
input, for a mail server's pipe alias)."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app

# sysexits.h: the mail server keeps the message and tries the pipe again later.
EX_TEMPFAIL = 75


def receive_bytes(raw: bytes, size: int | None = None) -> tuple[int, bool, str]:
    """Store one piped message (committed first), then read it. (id, newly stored, summary)"""
    from engage.db_types import utcnow
    from engage.mailin.process import process_pending
    from engage.mailin.store import first_received, store_raw

    limit = current_app.config["MAIL_IN_MAX_BYTES"]
    received_at = first_received(raw) or utcnow()
    size = size if size is not None else len(raw)
    if size > limit:
        reason = f"Larger than the {limit // (1024 * 1024)} MB limit ({size:,} bytes)"
        row_id, created = store_raw(
            raw[:65536], received_at=received_at, source="pipe", size=size, refused=reason
        )
        return row_id, created, reason
    row_id, created = store_raw(raw, received_at=received_at, source="pipe")
    return row_id, created, process_pending()


def register(app: Flask) -> None:
    mail = click.Group("mail", help="Email in: the office's mailbox.")

    @mail.command("fetch")
    def fetch_command() -> None:
        """Store every message waiting in the mailbox, move each to Processed, read them."""
        from engage.mailin.imap import fetch_mailbox

        try:
            click.echo(fetch_mailbox())
        except Exception as error:  # noqa: BLE001 - recorded on /staff/admin/mail-in; one line here
            raise click.ClickException(
                f"Mail fetch failed (recorded for administrators): {type(error).__name__}: {error}"
            ) from None

    @mail.command("receive")
    def receive_command() -> None:
        """Store one RFC 5322 message from standard input (a mail server's pipe)."""
        from sqlalchemy.exc import SQLAlchemyError

        limit = current_app.config["MAIL_IN_MAX_BYTES"]
        raw = sys.stdin.buffer.read(limit + 1)
        rest = 0
        while chunk := sys.stdin.buffer.read(1 << 20):  # drain, counting, keeping nothing
            rest += len(chunk)
        if not raw.strip():
            raise click.ClickException("No message on standard input")
        try:
            row_id, created, summary = receive_bytes(raw, len(raw) + rest)
        except SQLAlchemyError as error:
            click.echo(f"Database unavailable, try again later: {type(error).__name__}", err=True)
            sys.exit(EX_TEMPFAIL)
        state = "stored" if created else "already stored"
        click.echo(f"Message {row_id} {state}; {summary}")

    app.cli.add_command(mail)
