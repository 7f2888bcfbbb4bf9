"""`flask db upgrade` builds the database, and the models and migrations never drift."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.databases import fresh_database

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


def test_migrations_build_the_schema_and_match_the_models(tmp_path):
    with fresh_database(tmp_path, "engage_mig") as url:
        heads = _flask(["db", "heads"], url)
        assert heads.stdout.count("(head)") == 1, f"one migration head expected:\n{heads.stdout}"
        upgrade = _flask(["db", "upgrade"], url)
        assert upgrade.returncode == 0, upgrade.stderr[-2000:]
        check = _flask(["db", "check"], url)
        output = check.stdout + check.stderr
        assert check.returncode == 0 and "No new upgrade operations detected" in output, output[
            -3000:
        ]
