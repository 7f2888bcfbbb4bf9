"""Polling the office's mailbox over IMAP (IMAPClient).

For the messages in the folder, oldest first, in groups (at most BATCH messages and
FETCH_BYTES bytes):
1. fetch their sizes and INTERNALDATEs (when each reached the mailbox: the received time);
2. fetch the bytes (BODY.PEEK[], so nothing is marked read) and store them: committed, once
   (engage.mailin.store); a message larger than MAIL_IN_MAX_BYTES is recorded as refused,
   with the reason, from its headers alone;
3. only then claim their moves (engage.mailin.moves) and move them to
   MAIL_IN_PROCESSED_FOLDER ("Processed"), or to MAIL_IN_FAILED_FOLDER ("Engage failed")
   when refused. Never deleted.

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

from engage.db_types import utcnow
from engage.extensions import db
from engage.mailin import moves
from engage.mailin.models import MailFetch
from engage.mailin.process import process_pending
from engage.mailin.store import insert_raw

log = logging.getLogger(__name__)
BATCH = 200
FETCH_BYTES = 64 * 1024 * 1024  # bodies fetched together, at most


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


def _move(client: IMAPClient, uids: list[int], folder: str) -> None:
    """Move messages; those another fetcher moved meanwhile are left alone."""
    if client.has_capability("MOVE"):
        try:
            client.move(uids, folder)
        except IMAPClientError as error:
            if "EXPUNGEISSUED" not in str(error) and "no longer exist" not in str(error):
                raise
    else:
        client.copy(uids, folder)
        client.delete_messages(uids)
        client.uid_expunge(uids) if client.has_capability("UIDPLUS") else client.expunge()


def _aware(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return utcnow()


def _batches(uids: list[int], infos: dict[int, dict[bytes, Any]], budget: int) -> list[list[int]]:
    """Groups of UIDs whose bodies together stay within `budget` bytes (one FETCH each)."""
    groups: list[list[int]] = [[]]
    total = 0
    for uid in uids:
        size = int(infos[uid].get(b"RFC822.SIZE", 0))
        if groups[-1] and total + size > budget:
            groups.append([])
            total = 0
        groups[-1].append(uid)
        total += size
    return [g for g in groups if g]


def _store_batch(
    client: IMAPClient, uids: list[int], infos: dict[int, dict[bytes, Any]], fetch: MailFetch
) -> dict[int, str]:
    """Store the messages (one commit); {uid: destination folder} for those to move."""
    config = current_app.config
    limit = config["MAIL_IN_MAX_BYTES"]
    small = [u for u in uids if int(infos[u].get(b"RFC822.SIZE", 0)) <= limit]
    big = [u for u in uids if u not in small]
    bodies = client.fetch(small, ["BODY.PEEK[]"]) if small else {}
    heads = client.fetch(big, ["BODY.PEEK[HEADER]"]) if big else {}
    destination: dict[int, str] = {}
    for uid in uids:
        size = int(infos[uid].get(b"RFC822.SIZE", 0))
        received_at = _aware(infos[uid].get(b"INTERNALDATE"))
        if uid in heads:
            reason = f"Larger than the {limit // (1024 * 1024)} MB limit ({size:,} bytes)"
            raw = bytes(heads[uid].get(b"BODY[HEADER]", b""))
            insert_raw(raw, received_at=received_at, source="imap", size=size, refused=reason)
            destination[uid] = config["MAIL_IN_FAILED_FOLDER"]
            fetch.failed += 1
        elif uid in bodies and bodies[uid].get(b"BODY[]") is not None:
            raw = bytes(bodies[uid][b"BODY[]"])
            new_id, _ = insert_raw(raw, received_at=received_at, source="imap")
            destination[uid] = config["MAIL_IN_PROCESSED_FOLDER"]
            if new_id is None:
                fetch.duplicates += 1
            else:
                fetch.stored += 1
        # else: moved away by another fetcher meanwhile
    db.session.commit()  # stored, before anything is moved
    return destination


def _move_batch(client: IMAPClient, key: str, destination: dict[int, str]) -> None:
    """Move the stored messages whose moves this fetcher claims, one MOVE per folder."""
    claimed = moves.claim_many(key, sorted(destination))
    for folder in sorted(set(destination.values())):
        uids = [u for u in sorted(claimed) if destination[u] == folder]
        if uids:
            _move(client, uids, folder)
    moves.moved_many(key, claimed)


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
                infos = client.fetch(uids[start : start + BATCH], ["RFC822.SIZE", "INTERNALDATE"])
                present = [u for u in uids[start : start + BATCH] if u in infos]
                for group in _batches(present, infos, FETCH_BYTES):
                    destination = _store_batch(client, group, infos, fetch)
                    _pause_for_tests("stored")
                    _move_batch(client, key, destination)
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
    counts = (fetch.stored, fetch.duplicates, fetch.failed)
    read = process_pending(now)
    return f"{counts[0]} stored, {counts[1]} already stored, {counts[2]} refused or failed; {read}"
