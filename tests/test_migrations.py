"""`flask db upgrade` builds the database, and the models and migrations never drift."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent


def _flask(args: list[str], database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_APP": "engage"}
    return subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _fresh_database(tmp_path) -> tuple[str, callable]:
    base = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    if not base.startswith("postgresql"):
        return f"sqlite:///{tmp_path / 'migrations.sqlite'}", lambda: None
    name = f"engage_mig_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = re.sub(r"/[^/?]+(\?|$)", f"/{name}\\1", base.split("@", 1)[1], count=1)
    url = base.split("@", 1)[0] + "@" + url

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def test_migrations_build_the_schema_and_match_the_models(tmp_path):
    url, drop = _fresh_database(tmp_path)
    try:
        heads = _flask(["db", "heads"], url)
        assert heads.stdout.count("(head)") == 1, f"one migration head expected:\n{heads.stdout}"
        upgrade = _flask(["db", "upgrade"], url)
        assert upgrade.returncode == 0, upgrade.stderr[-2000:]
        check = _flask(["db", "check"], url)
        output = check.stdout + check.stderr
        assert check.returncode == 0 and "No new upgrade operations detected" in output, output[
            -3000:
        ]
    finally:
        drop()
