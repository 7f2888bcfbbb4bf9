"""The message-count preview of a message to a log (issue 21 item 4) at 50,000 log entries:
p95 within 5x the start page's, on SQLite and PostgreSQL.

    python bench/bench_log_messages.py                  # SQLite (a file in a temporary folder)
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python bench/bench_log_messages.py
        # a database of its own is created next to the one named, and dropped afterwards

Not part of the test suite. The data: two outputs whose logs hold 30,000 and 20,000 entries
(10,000 people in both), news consents for most of them (per output, some for every output,
some withdrawn or pending), 20,000 sent emails and 200 bounced ones in the outbox. The CSO
previews a message to both logs with no filter (every entry counted) and with a category and
level filter, each POST right after a GET of the start page `/` (interleaved, so both see the
same machine noise), after one preview of each that counts afresh (timed and reported: the
cost of the first preview after a change to the logs or consents). Prints median and p95 of each and the ratio of p95s; writes the table to
bench/results-log-messages.md (--output) under a heading for the database kind.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from engage import create_app  # noqa: E402
from engage.extensions import db  # noqa: E402
from tests.databases import fresh_database  # noqa: E402

PASSWORD = "bench-password-2026"  # noqa: S105  # nosec B105 - local benchmark data only
CATEGORIES = ["government", "parliament", "international", "academic", "expert", "media", "public"]
LEVELS = ["access", "informed", "consulted", "involved"]
TARGET = 5.0
# The first preview of each audience, counted afresh (as after any change to the logs or consents)
FIRST: dict[str, float] = {}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def load(entries: int, rng: random.Random) -> tuple[int, int]:
    """Insert the data; returns the two outputs' ids."""
    from engage.auth.models import User, UserRole
    from engage.auth.passwords import hash_password
    from engage.consent.models import Consent
    from engage.mail.models import OutboxEmail
    from engage.outputs.models import LogEntry, Output, Stakeholder

    now = datetime.now(UTC)
    conn = db.session.connection()
    conn.execute(
        sa.insert(User),
        [
            {
                "id": 1,
                "email": "bench-cso@example.gov.uk",
                "name": "Bench CSO",
                "password_hash": hash_password(PASSWORD),
                "active": True,
                "failed_sign_ins": 0,
                "session_version": 0,
                "totp_enabled": False,
                "created_at": now,
            }
        ],
    )
    conn.execute(sa.insert(UserRole), [{"user_id": 1, "role": "cso"}])
    outputs = [
        {
            "id": i,
            "slug": f"bench-output-{i}",
            "title": f"Benchmark statistics {i}",
            "summary": "",
            "producing_body": "Ministry of Justice",
            "area": "Courts",
            "frequency": "Quarterly",
            "lead_statistician": "Lead",
            "lead_contact": "lead@example.gov.uk",
            "page_url": "",
            "status": "active",
            "review_interval_months": 12,
            "created_at": now,
        }
        for i in range(1, 21)  # 20 outputs: the form lists them all
    ]
    conn.execute(sa.insert(Output), outputs)
    first_size = entries * 3 // 5
    shared = entries // 5
    people = first_size + (entries - first_size - shared)
    stakeholders = []
    for sid in range(1, people + 1):
        stakeholders.append(
            {
                "id": sid,
                "name": f"Person {sid}",
                "organisation": "",
                "email": f"person{sid}@example.org",
                "category": rng.choice(CATEGORIES),
                "consent_to_contact": False,
                "created_at": now,
            }
        )
    category = {s["id"]: s["category"] for s in stakeholders}
    log = []
    members = {1: range(1, first_size + 1), 2: range(first_size - shared + 1, people + 1)}
    for output_id, ids in members.items():
        for sid in ids:
            log.append(
                {
                    "output_id": output_id,
                    "stakeholder_id": sid,
                    "stakeholder_name": f"Person {sid}",
                    "stakeholder_category": category[sid],
                    "engagement_level": rng.choice(LEVELS),
                    "uses": "",
                    "source": "other",
                    "first_contact_on": date(2025, 1, 1),
                    "latest_contact_on": date(2025, 1, 1),
                    "created_at": now,
                    "updated_at": now,
                }
            )
    consents = []
    for row in log:
        draw = rng.random()
        if draw < 0.25:
            continue
        status = "withdrawn" if draw < 0.3 else ("pending" if draw < 0.33 else "given")
        consents.append(
            {
                "stakeholder_id": row["stakeholder_id"],
                "purpose": "news",
                "output_id": None if draw > 0.95 else row["output_id"],
                "status": status,
                "source": "import",
                "source_detail": "Benchmark",
                "wording": "Consent to contact: Yes",
                "requested_at": now,
                "given_at": now if status != "pending" else None,
            }
        )
    emails = [
        {
            "to_address": f"person{rng.randrange(1, people + 1)}@example.org",
            "subject": "Earlier",
            "body_text": "x",
            "template": "log_message",
            "status": "failed" if n < 200 else "sent",
            "last_error": "Bounced: Undelivered Mail Returned to Sender" if n < 200 else None,
            "attempts": 1,
            "created_at": now,
            "next_attempt_at": now,
        }
        for n in range(20_000)
    ]
    for table, rows in (
        (Stakeholder, stakeholders),
        (LogEntry, log),
        (Consent, consents),
        (OutboxEmail, emails),
    ):
        for start in range(0, len(rows), 5000):
            conn.execute(sa.insert(table), rows[start : start + 5000])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    return 1, 2


def run(url: str, entries: int, rounds: int) -> dict[str, tuple[float, float, str]]:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "MAIL_TRANSPORT": "console",
            "WTF_CSRF_ENABLED": False,
            "REQUIRE_SECOND_FACTOR": False,
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=str(ROOT / "migrations"))
        first, second = load(entries, random.Random(21))
        from engage.consent import messages

        counted = {
            "no filter": messages.count(messages.Audience.of([first, second])),
            "filtered": messages.count(
                messages.Audience.of([first, second], ["academic", "media"], ["informed"])
            ),
        }
        db.session.remove()
    client = app.test_client()
    signed = client.post(
        "/staff/sign-in", data={"email": "bench-cso@example.gov.uk", "password": PASSWORD}
    )
    assert signed.status_code == 302, signed.status_code
    anon = app.test_client()
    base = {"subject": "New tables", "body": "We have added tables.", "preview": "Preview"}
    plans = {
        "no filter": {**base, "output_ids": [str(first), str(second)]},
        "filtered": {
            **base,
            "output_ids": [str(first), str(second)],
            "categories": ["academic", "media"],
            "levels": ["informed"],
        },
    }
    for data in plans.values():  # warm up, and check the page shows the count
        page = client.post("/staff/user-log-messages/new", data=data).get_data(as_text=True)
        assert "data-count>" in page, page[:500]
    with app.app_context():  # forget the kept counts: the next previews count afresh
        from engage import caching

        caching.clear()
    for label, data in plans.items():
        t0 = time.perf_counter()
        client.post("/staff/user-log-messages/new", data=data)
        FIRST[label] = time.perf_counter() - t0
    anon.get("/")
    start: list[float] = []
    times: dict[str, list[float]] = {label: [] for label in plans}
    for _ in range(rounds):
        for label, data in plans.items():
            t0 = time.perf_counter()
            anon.get("/")
            t1 = time.perf_counter()
            client.post("/staff/user-log-messages/new", data=data)
            t2 = time.perf_counter()
            start.append(t1 - t0)
            times[label].append(t2 - t1)
    with app.app_context():
        db.engine.dispose()
    start_p95 = percentile(start, 0.95)
    result = {"start page": (statistics.median(start), start_p95, "")}
    for label, values in times.items():
        result[label] = (statistics.median(values), percentile(values, 0.95), f"{counted[label]:,}")
    return result


def table(kind: str, entries: int, rounds: int, result: dict[str, tuple[float, float, str]]) -> str:
    start_p95 = result["start page"][1]
    lines = [
        f"## Message-count preview: {kind}",
        "",
        f"{entries:,} log entries in two outputs' logs; {rounds} rounds, each preview POST right "
        "after a GET of the start page `/`. Run on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs.",
        "",
        "| request | people counted | median ms | p95 ms | p95 / start p95 (target <= 5) | |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for label, (median, p95, people) in result.items():
        ratio = p95 / start_p95
        verdict = "" if label == "start page" else ("PASS" if ratio <= TARGET else "FAIL")
        lines.append(
            f"| {label} | {people} | {median * 1000:.1f} | {p95 * 1000:.1f} | {ratio:.2f} | "
            f"{verdict} |"
        )
    first = ", ".join(f"{label} {ms * 1000:.0f} ms" for label, ms in FIRST.items())
    lines += [
        "",
        "The rounds read the count kept per version of the logs and consents. The first preview "
        f"of each audience, counted afresh (as after any change to a log or a consent): {first}.",
    ]
    return "\n".join(lines) + "\n"


def write(output: Path, kind: str, text: str) -> None:
    sections: dict[str, str] = {}
    if output.exists():
        current = None
        for line in output.read_text().splitlines(keepends=True):
            if line.startswith("## Message-count preview: "):
                current = line.strip().rsplit(": ", 1)[1]
                sections[current] = ""
            if current:
                sections[current] += line
    sections[kind] = text + "\n"
    output.write_text(
        "# Messages to a log: the count preview at 50,000 log entries\n\n"
        "Made by `bench/bench_log_messages.py`.\n\n"
        + "".join(sections[k] for k in sorted(sections, key=lambda k: k != "SQLite"))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=150)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results-log-messages.md")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as folder,
        fresh_database(Path(folder), "engage_bench_msg") as url,
    ):
        kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        result = run(url, args.entries, args.rounds)
        text = table(kind, args.entries, args.rounds, result)
        print(text)
        write(args.output, kind, text)


if __name__ == "__main__":
    main()
