"""Polling the office's mailbox over IMAP (IMAPClient).

For each message in the folder, oldest first:
1. fetch its size and INTERNALDATE (when it reached the mailbox: the received time);
2. fetch the bytes (BODY.PEEK[], so nothing is marked read) and store them: committed, once
   (engage.mailin.store); a message larger than MAIL_IN_MAX_BYTES is recorded as refused,
   with the reason, from its headers alone;
3. only then move it to MAIL_IN_PROCESSED_FOLDER ("Processed"), or to MAIL_IN_FAILED_FOLDER
   ("Engage failed") when it was refused or could not be stored. Never deleted.

Killed between 2 and 3, the next run finds the message already stored (its dedup key) and just
moves it; two fetchers at once store it once (the unique key) and the server moves it once
(MOVE of a UID already moved does nothing). Then every stored, unread message is read
(engage.mailin.process.process_pending).
"""

from __future__ import annotations

import contextlib
import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from sqlalchemy.exc import SQLAlchemyError

from engage.db_types import utcnow
from engage.extensions import db
from engage.mailin import moves
from engage.mailin.models import MailFetch
from engage.mailin.process import process_pending
from engage.mailin.store import store_raw

log = logging.getLogger(__name__)
BATCH = 50


class MailInNotConfigured(Exception):
    pass


def _pause_for_tests(phase: str) -> None:
    """Tests only (ignored unless TESTING): MAIL_IN_TEST_PAUSE = {"phase": "stored",
    "marker": path, "seconds": n} writes the marker and sleeps, so a test can SIGKILL the
    fetcher between storing a message and moving it."""
    setting = current_app.config.get("MAIL_IN_TEST_PAUSE")
    if not setting or not current_app.testing or setting.get("phase") != phase:
        return
    Path(setting["marker"]).write_text(phase)
    time.sleep(float(setting.get("seconds", 30)))


def connect() -> IMAPClient:
    config = current_app.config
    if not config.get("MAIL_IN_IMAP_HOST"):
        raise MailInNotConfigured("MAIL_IN_IMAP_HOST is not set")
    client = IMAPClient(
        config["MAIL_IN_IMAP_HOST"],
        port=config["MAIL_IN_IMAP_PORT"],
        ssl=config["MAIL_IN_IMAP_TLS"],
        timeout=config["MAIL_IN_IMAP_TIMEOUT"],
    )
    client.normalise_times = False  # INTERNALDATE as an aware datetime
    if config.get("MAIL_IN_IMAP_OAUTH_TOKEN"):
        client.oauth2_login(config["MAIL_IN_IMAP_USER"], config["MAIL_IN_IMAP_OAUTH_TOKEN"])
    else:
        client.login(config["MAIL_IN_IMAP_USER"], config["MAIL_IN_IMAP_PASSWORD"])
    return client


def _ensure_folder(client: IMAPClient, name: str) -> None:
    if client.folder_exists(name):
        return
    try:
        client.create_folder(name)
    except IMAPClientError:
        if not client.folder_exists(name):  # another fetcher created it meanwhile: fine
            raise


def _move(client: IMAPClient, uid: int, folder: str) -> None:
    """Move one message; one that another fetcher moved meanwhile is left alone."""
    if client.has_capability("MOVE"):
        try:
            client.move([uid], folder)
        except IMAPClientError as error:
            if "EXPUNGEISSUED" not in str(error) and "no longer exist" not in str(error):
                raise
    else:
        client.copy([uid], folder)
        client.delete_messages([uid])
        client.uid_expunge([uid]) if client.has_capability("UIDPLUS") else client.expunge()


def _aware(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return utcnow()


def _claimed_move(client: IMAPClient, key: str, uid: int, folder: str) -> None:
    """Move the message unless another fetcher has claimed its move."""
    token = moves.claim(key, uid)
    if token is None:
        return
    _move(client, uid, folder)
    moves.moved(key, uid, token)


def _one(client: IMAPClient, key: str, uid: int, info: dict[bytes, Any], fetch: MailFetch) -> None:
    config = current_app.config
    size = int(info.get(b"RFC822.SIZE", 0))
    received_at = _aware(info.get(b"INTERNALDATE"))
    limit = config["MAIL_IN_MAX_BYTES"]
    if size > limit:
        head = client.fetch([uid], ["BODY.PEEK[HEADER]"]).get(uid, {}).get(b"BODY[HEADER]", b"")
        reason = f"Larger than the {limit // (1024 * 1024)} MB limit ({size:,} bytes)"
        _, created = store_raw(
            head, received_at=received_at, source="imap", size=size, refused=reason
        )
        _pause_for_tests("stored")
        _claimed_move(client, key, uid, config["MAIL_IN_FAILED_FOLDER"])
        fetch.failed += 1
        return
    data = client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {}).get(b"BODY[]")
    if data is None:  # expunged by another fetcher meanwhile
        return
    _, created = store_raw(bytes(data), received_at=received_at, source="imap")
    _pause_for_tests("stored")
    _claimed_move(client, key, uid, config["MAIL_IN_PROCESSED_FOLDER"])
    if created:
        fetch.stored += 1
    else:
        fetch.duplicates += 1


def fetch_mailbox(now: datetime | None = None) -> str:
    """The scheduler's job and `flask mail fetch`: store and move every message waiting in
    the folder, then read the stored ones. Returns a summary."""
    config = current_app.config
    if not config.get("MAIL_IN_IMAP_HOST"):
        return "mail in not configured (MAIL_IN_IMAP_HOST)"
    fetch = MailFetch(started_at=now or utcnow(), stored=0, duplicates=0, failed=0)
    try:
        client = connect()
        try:
            for folder in (config["MAIL_IN_PROCESSED_FOLDER"], config["MAIL_IN_FAILED_FOLDER"]):
                _ensure_folder(client, folder)
            selected = client.select_folder(config["MAIL_IN_FOLDER"])
            key = "/".join(
                str(part)
                for part in (
                    config["MAIL_IN_IMAP_HOST"],
                    config["MAIL_IN_IMAP_USER"],
                    config["MAIL_IN_FOLDER"],
                    selected.get(b"UIDVALIDITY", 0),
                )
            )[:300]
            uids = sorted(client.search(["ALL"]))
            for start in range(0, len(uids), BATCH):
                batch = uids[start : start + BATCH]
                infos = client.fetch(batch, ["RFC822.SIZE", "INTERNALDATE"])
                for uid in batch:
                    if uid not in infos:
                        continue  # moved by another fetcher
                    try:
                        _one(client, key, uid, infos[uid], fetch)
                    except (IMAPClientError, OSError, SQLAlchemyError):
                        raise  # the server or the database: stop, move nothing
                    except Exception as error:  # noqa: BLE001 - never stall on one message
                        db.session.rollback()
                        log.exception("mail in: message uid %s not stored", uid)
                        fetch.failed += 1
                        fetch.error = f"uid {uid}: {type(error).__name__}: {error}"[:2000]
                        _claimed_move(client, key, uid, config["MAIL_IN_FAILED_FOLDER"])
        finally:
            with contextlib.suppress(IMAPClientError, OSError):
                client.logout()
    except Exception as error:
        db.session.rollback()
        fetch.error = f"{type(error).__name__}: {error}"[:2000]
        fetch.finished_at = utcnow()
        db.session.add(fetch)
        db.session.commit()
        raise
    fetch.finished_at = utcnow()
    db.session.add(fetch)
    db.session.commit()
    read = process_pending(now)
    return (
        f"{fetch.stored} stored, {fetch.duplicates} already stored, {fetch.failed} refused or "
        f"failed; {read}"
    )
