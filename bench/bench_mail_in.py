"""Ingest cost of mail in: 100 vs 1,000 messages fetched from a real IMAP server (Dovecot on
loopback, as in tests/mailin) into a fresh database, stored, moved and read.

    python bench/bench_mail_in.py                                   # SQLite
    python bench/bench_mail_in.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

(a database of its own is created next to the one named, and dropped afterwards)

Not part of the test suite. Each size runs on an emptied database and mailbox; the messages
are a mix of new enquiries and replies quoting an outbox Message-ID. Prints seconds per run
and the ratio (it must be at most 10: linear).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engage import create_app  # noqa: E402
from engage.extensions import db  # noqa: E402
from tests.databases import fresh_database  # noqa: E402
from tests.mailin.dovecot import Dovecot  # noqa: E402


def message(n: int) -> bytes:
    reply = f"In-Reply-To: <outbox-{n}@statistics.example.gov.uk>\r\n" if n % 3 == 0 else ""
    return (
        f"From: Person {n} <p{n}@example.org>\r\nTo: enquiries@example.gov.uk\r\n"
        f"Message-ID: <bench-{n}@example.org>\r\n{reply}Subject: Question {n}\r\n\r\n"
        + f"Please send me table {n}. " * 40
        + "\r\n"
    ).encode()


def run(url: str, server: Dovecot, size: int) -> float:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, **server.config()})
    with app.app_context():
        db.drop_all()
        db.create_all()
        server.reset()
        with server.client() as client:
            for n in range(size):
                client.append("INBOX", message(n))
        from engage.mailin.imap import fetch_mailbox

        started = time.perf_counter()
        summary = fetch_mailbox()
        elapsed = time.perf_counter() - started
        assert summary.startswith(f"{size} stored"), summary
        db.session.remove()
        db.engine.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="engage-bench-dovecot-"))
    root.chmod(0o755)  # noqa: S103 - Dovecot's users read it
    server = Dovecot(root)
    server.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            if args.database_url:
                import os

                os.environ["TEST_DATABASE_URL"] = args.database_url
            with fresh_database(Path(folder), "engage_bench_mailin") as url:
                small = run(url, server, 100)
                large = run(url, server, 1000)
        name = url.split(":", 1)[0]
        print(
            f"{name}: 100 messages {small:.2f} s, 1,000 messages {large:.2f} s, "
            f"ratio {large / small:.1f} (at most 10)"
        )
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
