"""One database lock per job run, so a second scheduler (or `flask jobs run` beside a running
scheduler) never runs the same job at the same time.

- PostgreSQL: a session advisory lock (`pg_try_advisory_lock`) on a 64-bit hash of the job name,
  taken on a dedicated connection and released when the run ends (or when the process dies and
  PostgreSQL drops its connection).
- SQLite (and others): a lease row in `job_leases`, taken by one atomic UPDATE (free when
  expired, or already ours) or an INSERT when missing, in its own committed transaction. The
  holder is "host:pid": a lease whose holder is a process on this machine that no longer
  exists (killed mid-run) is taken over at once, so a killed delivery run blocks email only
  until the next run (a minute), not until the lease expires. (SQLite is one machine's file,
  so every holder is on this machine.)
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from engage.db_types import utcnow
from engage.extensions import db
from engage.scheduler.models import JobLease

DEFAULT_LEASE = timedelta(hours=1)


def this_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def holder_is_dead(held_by: str) -> bool:
    """True when `held_by` ("host:pid") names a process on this machine that no longer runs."""
    host, _, pid = held_by.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def advisory_key(name: str) -> int:
    """Stable signed 64-bit key for a job name (Python's hash() changes between processes)."""
    return int.from_bytes(hashlib.sha256(f"engage-job:{name}".encode()).digest()[:8], signed=True)


def acquire_lease(
    name: str, holder: str, now: datetime | None = None, duration: timedelta = DEFAULT_LEASE
) -> bool:
    """Take the job's lease row if it is free, expired, or already ours. Commits at once."""
    now = now or utcnow()
    table = cast(sa.Table, JobLease.__table__)
    with db.engine.begin() as conn:
        taken = conn.execute(
            sa.update(table)
            .where(
                table.c.job_name == name,
                sa.or_(table.c.expires_at < now, table.c.holder == holder),
            )
            .values(holder=holder, expires_at=now + duration)
        ).rowcount
        if taken:
            return True
        held_by = conn.execute(
            sa.select(table.c.holder).where(table.c.job_name == name)
        ).scalar_one_or_none()
        if held_by is not None and holder_is_dead(held_by):
            taken = conn.execute(
                sa.update(table)
                .where(table.c.job_name == name, table.c.holder == held_by)
                .values(holder=holder, expires_at=now + duration)
            ).rowcount
            if taken:
                return True
    try:
        with db.engine.begin() as conn:
            conn.execute(
                sa.insert(table).values(job_name=name, holder=holder, expires_at=now + duration)
            )
    except IntegrityError:
        return False  # someone else holds it (or took it between our UPDATE and INSERT)
    return True


def release_lease(name: str, holder: str) -> None:
    table = cast(sa.Table, JobLease.__table__)
    with db.engine.begin() as conn:
        conn.execute(sa.delete(table).where(table.c.job_name == name, table.c.holder == holder))


@contextmanager
def job_lock(name: str, holder: str | None = None) -> Iterator[bool]:
    """`with job_lock(name) as acquired:` — run the job only when `acquired` is True."""
    holder = holder or this_holder()
    if db.engine.dialect.name == "postgresql":
        key = advisory_key(name)
        with db.engine.connect() as conn:
            acquired = bool(conn.execute(sa.select(sa.func.pg_try_advisory_lock(key))).scalar())
            conn.commit()
            try:
                yield acquired
            finally:
                if acquired:
                    conn.execute(sa.select(sa.func.pg_advisory_unlock(key)))
                    conn.commit()
        return
    acquired = acquire_lease(name, holder)
    try:
        yield acquired
    finally:
        if acquired:
            release_lease(name, holder)
