"""Throwaway databases for tests: a SQLite file, or a new PostgreSQL database (created and
dropped here) when TEST_DATABASE_URL or DATABASE_URL names PostgreSQL, so parallel runs and a
developer's own data never collide."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa


def postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    return url if url.startswith("postgresql") else None


@contextmanager
def fresh_database(folder: Path, prefix: str) -> Iterator[str]:
    base = postgres_url()
    if base is None:
        yield f"sqlite:///{folder / f'{prefix}.sqlite'}"
        return
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = re.sub(r"/[^/?]*(\?|$)", f"/{name}\\1", base.rsplit("@", 1)[-1], count=1)
    url = base.rsplit("@", 1)[0] + "@" + url if "@" in base else url
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
