"""Fill a fresh database with a large, realistic Engage dataset, fast.

    python bench/generate_data.py                         # SQLite bench/data/engage-1.sqlite
    python bench/generate_data.py --scale 0.1             # 10,000 cases (bench/data/engage-0.1.sqlite)
    python bench/generate_data.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

At --scale 1: 100,000 cases over five years in every state (deadlines computed by
engage.calendar, acknowledged/responded dates consistent with them, some paused, delay notices,
transfers, withdrawals, UKSA referrals) with their history, 200 outputs, 50,000 stakeholders,
~150,000 log entries, 500,000 contacts, 200 consultations with 100,000 responses and their
answers, 20,000 feedback items and a year of outbox emails; staff users for every role (all with
the password printed at the end). Counts of outputs and consultations stay fixed; everything
else is multiplied by --scale.

The database is created afresh (an existing SQLite file is replaced; a PostgreSQL database is
dropped and re-created) and built with the project's migrations (`flask db upgrade`), then rows
are inserted with bulk `INSERT`s of explicit ids in chunks. It never touches
instance/engage.sqlite unless that path is given explicitly.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engage.calendar import london_date  # noqa: E402

BENCH_PASSWORD = "bench-password-2026"  # noqa: S105  # nosec B105 - local benchmark data only
CHUNK = 5000
CATEGORIES = [
    "government",
    "parliament",
    "international",
    "academic",
    "expert",
    "media",
    "public",
]
LEVELS = ["access", "informed", "consulted", "involved"]
SOURCES = ["user_request", "feedback_form", "consultation_response", "event", "correspondence"]
CHANNELS = ["email", "phone", "meeting", "event", "letter", "social_media", "feedback_form"]
KINDS = [
    ("enquiry", 50),
    ("unpublished_statistics", 15),
    ("different_format", 8),
    ("media", 10),
    ("service_complaint", 12),
    ("foi_complaint", 5),
]
TRANSFER_TO = {
    "unpublished_statistics": "foi_team",
    "foi_complaint": "internal_review",
    "media": "press_office",
}
ROLES = {
    "admin": 2,
    "chief_statistician": 1,
    "cso": 4,
    "producer": 60,
}


def default_sqlite_path(scale: float) -> Path:
    return ROOT / "bench" / "data" / f"engage-{scale:g}.sqlite"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


# ---------------------------------------------------------------------------------------------
# database creation


def fresh_database(url: str) -> None:
    """Remove whatever is at `url` and create an empty database there."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if path.resolve() == (ROOT / "instance" / "engage.sqlite").resolve():
            print("Refusing to replace the developer database instance/engage.sqlite")
            sys.exit(2)
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    name = parsed.database
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :n AND pid <> pg_backend_pid()"
            ),
            {"n": name},
        )
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def make_bench_app(url: str, **overrides: Any):  # type: ignore[no-untyped-def]
    from engage import create_app

    config = {
        "SQLALCHEMY_DATABASE_URI": url,
        "RATELIMIT_ENABLED": False,
        "MAIL_TRANSPORT": "console",
        "SERVER_NAME": None,
        **overrides,
    }
    return create_app(config)


# ---------------------------------------------------------------------------------------------
# helpers


def chunks(rows: Iterable[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class Loader:
    """Bulk inserts with explicit ids, one transaction per table."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.counts: dict[str, int] = {}
        self.timings: list[tuple[str, int, float]] = []

    def load(self, table: sa.Table, rows: Iterable[dict[str, Any]]) -> int:
        started = time.perf_counter()
        n = 0
        with self.engine.begin() as conn:
            for batch in chunks(rows):
                conn.execute(table.insert(), batch)
                n += len(batch)
        elapsed = time.perf_counter() - started
        self.counts[table.name] = self.counts.get(table.name, 0) + n
        self.timings.append((table.name, n, elapsed))
        print(f"  {table.name:<28} {n:>9,} rows  {elapsed:6.1f} s", flush=True)
        return n

    def fix_sequences(self) -> None:
        """PostgreSQL: move each id sequence past the explicit ids, then VACUUM ANALYZE: the
        state autovacuum keeps a running server in (visibility map set, so index-only scans
        need not read the table; fresh statistics). Without it a freshly bulk-loaded database
        reads the table for every count, which no deployed Engage would."""
        if self.engine.dialect.name != "postgresql":
            return
        with self.engine.begin() as conn:
            for name in self.counts:
                if not any(c["name"] == "id" for c in sa.inspect(conn).get_columns(name)):
                    continue  # association tables have no id sequence
                seq = conn.execute(
                    sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": name}
                ).scalar()
                if seq:
                    conn.execute(
                        sa.text(
                            f"SELECT setval('{seq}', "  # noqa: S608  # nosec B608 - our table names
                            f'COALESCE((SELECT max(id) FROM "{name}"), 1))'
                        )
                    )
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))


def at(day: date, rng: random.Random, start_hour: int = 8, end_hour: int = 18) -> datetime:
    """An aware UTC datetime during the (London) working hours of `day`."""
    seconds = rng.randrange(start_hour * 3600, end_hour * 3600)
    naive = datetime.combine(day, dtime()) + timedelta(seconds=seconds)
    # London is UTC or UTC+1: subtracting an hour in summer keeps london_date(...) == day.
    utc = naive.replace(tzinfo=UTC)
    if london_date(utc) != day:
        utc -= timedelta(hours=1)
    return utc


# ---------------------------------------------------------------------------------------------
# generators


def generate(url: str, scale: float, seed: int, today: date) -> dict[str, Any]:
    from flask_migrate import upgrade

    from engage.auth.passwords import hash_password
    from engage.calendar import get_calendar
    from engage.consultations.models import consultation_outputs
    from engage.extensions import db
    from engage.models import (
        AuditEvent,  # noqa: F401
        Case,
        CaseEvent,
        Consultation,
        ConsultationAnswer,
        ConsultationQuestion,
        ConsultationResponse,
        Contact,
        Feedback,
        LogEntry,
        OutboxEmail,
        Output,
        Stakeholder,
        User,
        UserRole,
    )
    from engage.outputs.models import output_producers

    rng = random.Random(seed)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    fresh_database(url)
    app = make_bench_app(url)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        password_hash = hash_password(BENCH_PASSWORD)
        engine = db.engine
    timings["create and migrate"] = time.perf_counter() - started
    print(f"Database ready ({timings['create and migrate']:.1f} s): {engine.url!r}")
    loader = Loader(engine)
    cal = get_calendar("ENG")
    n_cases = int(100_000 * scale)
    n_stakeholders = int(50_000 * scale)
    n_contacts = int(500_000 * scale)
    n_responses = int(100_000 * scale)
    n_feedback = int(20_000 * scale)
    n_emails = int(60_000 * scale)
    n_outputs = 200
    n_consultations = 200
    t0 = time.perf_counter()

    # --- staff -----------------------------------------------------------------------------
    now = datetime.now(UTC)
    users: list[dict[str, Any]] = []
    roles: list[dict[str, Any]] = []
    by_role: dict[str, list[int]] = {}
    for role, count in ROLES.items():
        for k in range(1, count + 1):
            uid = len(users) + 1
            users.append(
                {
                    "id": uid,
                    "email": f"bench-{role.replace('_', '-')}-{k}@example.gov.uk",
                    "name": f"{role.replace('_', ' ').title()} {k}",
                    "password_hash": password_hash,
                    "active": True,
                    "failed_sign_ins": 0,
                    "session_version": 0,
                    "totp_enabled": False,
                    "created_at": now,
                }
            )
            roles.append({"id": len(roles) + 1, "user_id": uid, "role": role})
            by_role.setdefault(role, []).append(uid)
    loader.load(User.__table__, users)
    loader.load(UserRole.__table__, roles)
    producers = by_role["producer"]
    office = by_role["cso"] + by_role["chief_statistician"]

    # --- outputs -----------------------------------------------------------------------------
    outputs = [
        {
            "id": i,
            "slug": f"bench-output-{i:03d}",
            "title": f"Benchmark statistics series {i:03d}",
            "summary": "Quarterly figures used to benchmark Engage.",
            "producing_body": "Ministry of Justice",
            "area": rng.choice(["Courts", "Prisons", "Probation", "Legal aid", "Tribunals"]),
            "frequency": rng.choice(["Quarterly", "Annual", "Monthly"]),
            "lead_statistician": f"Lead Statistician {i}",
            "lead_contact": f"lead{i}@example.gov.uk",
            "page_url": f"https://www.gov.uk/government/collections/bench-{i}",
            "status": "active" if i % 20 else "discontinued",
            "review_interval_months": 12,
            "next_review_due": today + timedelta(days=rng.randrange(-200, 365)),
            "created_at": now - timedelta(days=5 * 365),
        }
        for i in range(1, n_outputs + 1)
    ]
    loader.load(Output.__table__, outputs)
    loader.load(
        output_producers,
        (
            {"output_id": i, "user_id": uid}
            for i in range(1, n_outputs + 1)
            for uid in {producers[(i - 1) % len(producers)], producers[(i * 7) % len(producers)]}
        ),
    )

    # --- stakeholders, log entries, contacts --------------------------------------------------
    loader.load(
        Stakeholder.__table__,
        (
            {
                "id": s,
                "name": f"Stakeholder {s}",
                "organisation": f"Organisation {s % 5000}",
                "email": f"user{s}@example.org" if s % 10 else None,
                "phone": None,
                "category": CATEGORIES[s % len(CATEGORIES)],
                "consent_to_contact": s % 3 != 0,
                "created_at": now - timedelta(days=rng.randrange(5 * 365)),
            }
            for s in range(1, n_stakeholders + 1)
        ),
    )
    # Output 1 is the largest log (a fifth of all stakeholders); the rest share a skewed spread.
    log_pairs: list[tuple[int, int]] = []
    largest = max(1, n_stakeholders // 5)
    log_pairs.extend((1, s) for s in rng.sample(range(1, n_stakeholders + 1), largest))
    per_output_total = int(150_000 * scale) - largest
    weights = [1.0 / (k**0.8) for k in range(1, n_outputs)]
    wsum = sum(weights)
    for k, w in enumerate(weights, start=2):
        size = min(n_stakeholders, max(3, int(per_output_total * w / wsum)))
        log_pairs.extend((k, s) for s in rng.sample(range(1, n_stakeholders + 1), size))
    loader.load(
        LogEntry.__table__,
        (
            {
                "id": i,
                "output_id": o,
                "stakeholder_id": s,
                "stakeholder_name": f"Stakeholder {s}",  # copies of the stakeholder's
                "stakeholder_category": CATEGORIES[s % len(CATEGORIES)],
                "engagement_level": LEVELS[(s + o) % 4],
                "uses": "Briefing and analysis",
                "source": SOURCES[(s * 3 + o) % len(SOURCES)],
                "first_contact_on": today - timedelta(days=(s * 13 + o) % 1800 + 30),
                "latest_contact_on": today - timedelta(days=(s * 7 + o) % 30),
                "created_at": now,
                "updated_at": now,
            }
            for i, (o, s) in enumerate(log_pairs, start=1)
        ),
    )
    loader.load(
        Contact.__table__,
        (
            {
                "id": i,
                "output_id": pair[0],
                "stakeholder_id": pair[1],
                "contacted_on": today - timedelta(days=rng.randrange(5 * 365)),
                "channel": CHANNELS[i % len(CHANNELS)],
                "summary": "Discussed the latest release and planned changes.",
                "recorded_by_id": producers[i % len(producers)],
                "created_at": now,
            }
            for i, pair in enumerate(
                (log_pairs[rng.randrange(len(log_pairs))] for _ in range(n_contacts)), start=1
            )
        ),
    )

    # --- cases and their history -------------------------------------------------------------
    first_day = today - timedelta(days=5 * 365)
    span_days = (today - first_day).days
    kinds = [k for k, _ in KINDS]
    kind_weights = [w for _, w in KINDS]
    events: list[dict[str, Any]] = []
    cases: list[dict[str, Any]] = []
    state_counts: dict[str, int] = {}
    per_year: dict[int, int] = {}  # references are C-YYYY-NNNNN, counted per year (as Engage does)
    for cid in range(1, n_cases + 1):
        received_on = first_day + timedelta(days=int(span_days * (cid - 1) / max(1, n_cases - 1)))
        received_at = at(received_on, rng, 0, 23)
        received_on = london_date(received_at)
        kind = rng.choices(kinds, kind_weights)[0]
        per_year[received_on.year] = per_year.get(received_on.year, 0) + 1
        acknowledge_by = cal.add_working_days(received_on, 5)
        respond_by = cal.add_working_days(received_on, 20)
        age = cal.working_days_between(received_on, today)
        channel = rng.choice(["web", "web", "email", "letter", "phone", "feedback"])
        assignee = (
            rng.choice(office) if kind.endswith("complaint") else rng.choice(producers + office)
        )
        row: dict[str, Any] = {
            "id": cid,
            "reference": f"C-{received_on.year}-{per_year[received_on.year]:05d}",
            "kind": kind,
            "channel": channel,
            "state": "received",
            "requester_name": f"Requester {cid}",
            "requester_email": f"requester{cid % 40_000}@example.com" if cid % 9 else None,
            "requester_address": None,
            "requester_phone": None,
            "output_id": rng.randrange(1, n_outputs + 1) if cid % 4 else None,
            "subject": f"Question about series {cid % 200:03d}",
            "message": "Please explain the change in the latest quarterly figures.",
            "received_at": received_at,
            "received_on": received_on,
            "acknowledge_by": acknowledge_by,
            "respond_by": respond_by,
            "original_acknowledge_by": acknowledge_by,
            "original_respond_by": respond_by,
            "assigned_to_id": assignee if rng.random() < 0.93 or age > 3 else None,
            "paused_working_days": 0,
            "created_at": received_at,
        }
        history = [("received", None, "received", None, received_at)]

        def day_at(offset: int, base: date = received_on) -> tuple[date, datetime]:
            day = cal.add_working_days(base, max(0, offset))
            return day, at(day, rng)

        r = rng.random()
        # Open (recent) cases are the ones still running; a few old stragglers stay open late.
        still_open = age <= 25 and r < 0.8 or (age > 25 and r < 0.004)
        if kind in TRANSFER_TO and r >= 0.3 and not still_open:
            day, stamp = day_at(rng.randrange(0, 4))
            if day <= today:
                row.update(
                    state="transferred",
                    transferred_to=TRANSFER_TO[kind],
                    transfer_reference=f"FOI-{cid}",
                    transferred_at=stamp,
                    transferred_on=day,
                    closed_at=stamp,
                )
                history.append(("transferred", "received", "transferred", None, stamp))
        elif not still_open and r < 0.02:
            day, stamp = day_at(rng.randrange(0, 6))
            if day <= today:
                row.update(
                    state="withdrawn",
                    withdrawn_at=stamp,
                    withdrawn_on=day,
                    closed_at=stamp,
                )
                history.append(("withdrawn", "received", "withdrawn", None, stamp))
        if row["state"] == "received":
            # Acknowledgement: automatic at once for web cases with an email address.
            if channel == "web" and row["requester_email"]:
                ack_day, ack_at = received_on, received_at
            else:
                ack_day, ack_at = day_at(rng.choice([1, 2, 3, 4, 5, 5, 6, 8]))
            if ack_day <= today and not (still_open and rng.random() < 0.3):
                row.update(state="acknowledged", acknowledged_at=ack_at, acknowledged_on=ack_day)
                history.append(("acknowledged", "received", "acknowledged", None, ack_at))
            paused = 0
            if row["state"] == "acknowledged" and rng.random() < 0.08:
                pause_day, pause_at = day_at(rng.randrange(2, 10))
                if pause_day <= today:
                    if still_open and rng.random() < 0.5:
                        row.update(
                            state="awaiting_clarification",
                            paused_on=pause_day,
                            clarification_request="Which quarter do you mean?",
                        )
                        history.append(
                            (
                                "clarification_requested",
                                "acknowledged",
                                "awaiting_clarification",
                                None,
                                pause_at,
                            )
                        )
                    else:
                        paused = rng.randrange(2, 8)
                        reply_day = cal.add_working_days(pause_day, paused)
                        if reply_day <= today:
                            row["paused_working_days"] = paused
                            row["respond_by"] = cal.add_working_days(respond_by, paused)
                            history.append(
                                (
                                    "clarification_requested",
                                    "acknowledged",
                                    "awaiting_clarification",
                                    None,
                                    pause_at,
                                )
                            )
                            history.append(
                                (
                                    "clarification_received",
                                    "awaiting_clarification",
                                    "acknowledged",
                                    None,
                                    at(reply_day, rng),
                                )
                            )
            if row["state"] == "acknowledged" and not still_open:
                late = rng.random() < 0.12
                offset = rng.randrange(21, 35) if late else rng.randrange(3, 21)
                offset = max(offset, 1) + paused
                if late and rng.random() < 0.5:
                    notice_day, notice_at = day_at(rng.randrange(12, 19))
                    row.update(
                        delay_notice_sent_at=notice_at,
                        delay_notice_on=notice_day,
                        delay_reason="We need data from another department.",
                        revised_target_on=cal.add_working_days(row["respond_by"], 10),
                    )
                    history.append(
                        ("delay_notice_sent", "acknowledged", "acknowledged", None, notice_at)
                    )
                resp_day, resp_at = day_at(offset)
                if resp_day <= today:
                    row.update(
                        state="responded",
                        responded_at=resp_at,
                        responded_on=resp_day,
                        response_text="Thank you for your question. Here is the answer.",
                        response_method="email",
                    )
                    history.append(("responded", "acknowledged", "responded", None, resp_at))
                    close_day, close_at = day_at(5, resp_day)
                    if close_day <= today and rng.random() < 0.9:
                        row.update(state="closed", closed_at=close_at)
                        history.append(("closed", "responded", "closed", None, close_at))
                    if (
                        kind == "service_complaint"
                        and rng.random() < 0.05
                        and (close_day + timedelta(days=30) <= today)
                    ):
                        row.update(
                            state="referred_to_uksa",
                            uksa_referred_on=close_day + timedelta(days=10),
                            uksa_outcome="Not upheld" if rng.random() < 0.7 else None,
                            uksa_outcome_on=close_day + timedelta(days=28),
                        )
                        history.append(
                            (
                                "referred_to_uksa",
                                row["state"],
                                "referred_to_uksa",
                                None,
                                close_at + timedelta(days=10),
                            )
                        )
        if row["state"] == "received" and not still_open:
            # Nobody ever acknowledged it: an old straggler, now overdue.
            pass
        if kind == "media" and row["state"] in ("responded", "closed"):
            row["transferred_to"] = None
        state_counts[row["state"]] = state_counts.get(row["state"], 0) + 1
        cases.append(row)
        for action, from_state, to_state, note, when in history:
            events.append(
                {
                    "id": len(events) + 1,
                    "case_id": cid,
                    "at": when,
                    "actor_id": row["assigned_to_id"] if action != "received" else None,
                    "action": action,
                    "from_state": from_state,
                    "to_state": to_state,
                    "note": note,
                }
            )
    # Not the generated column (sla_outcome): the database computes it.
    case_columns = {c.name for c in Case.__table__.columns if c.computed is None}
    for row in cases:  # every row needs the same keys for executemany
        for name in case_columns - row.keys():
            row[name] = None
    loader.load(Case.__table__, cases)
    loader.load(CaseEvent.__table__, events)
    print(f"  case states: {dict(sorted(state_counts.items()))}")

    # --- consultations, questions, responses, answers ----------------------------------------
    consultation_rows = []
    question_rows = []
    for k in range(1, n_consultations + 1):
        opens = first_day + timedelta(days=int(span_days * (k - 1) / n_consultations))
        closes = opens + timedelta(days=rng.choice([42, 56, 84, 91]))
        if closes < today - timedelta(days=100):
            state = "response_published" if k % 10 else "closed"
        elif opens <= today <= closes:
            state = "open"
        elif closes < today:
            state = "closed"
        else:
            state = "approved"
        if k == n_consultations:
            opens, closes, state = today + timedelta(days=14), today + timedelta(days=70), "draft"
        published = state == "response_published"
        consultation_rows.append(
            {
                "id": k,
                "slug": f"bench-consultation-{k:03d}",
                "title": f"Proposed change to benchmark series {k:03d}",
                "summary": "We propose to change how these statistics are published.",
                "proposal": "Merge the quarterly and annual releases.",
                "reason": rng.choice(
                    ["content", "method_of_publication", "methodology", "how_we_publish"]
                ),
                "ad_hoc": k % 15 == 0,
                "announced_where": "The output's page",
                "opens_on": opens,
                "closes_on": closes,
                "contact_email": "consultations@example.gov.uk",
                "state": state,
                "created_by_id": producers[k % len(producers)],
                "created_at": at(opens - timedelta(days=30), rng),
                "submitted_at": at(opens - timedelta(days=25), rng),
                "decided_by_id": by_role["chief_statistician"][0],
                "decided_at": at(opens - timedelta(days=20), rng),
                "decision_reason": None,
                "withdrawn_at": None,
                "withdrawal_reason": None,
                "opened_at": at(opens, rng, 0, 1) if state not in ("approved", "draft") else None,
                "closed_at": at(closes + timedelta(days=1), rng, 0, 1)
                if state in ("closed", "response_published")
                else None,
                "response_summary": "Most respondents agreed." if published else None,
                "response_way_forward": "We will merge the releases." if published else None,
                "response_rationale": "Users preferred one release." if published else None,
                "response_published_at": at(closes + timedelta(days=60), rng)
                if published
                else None,
                "response_published_by_id": by_role["chief_statistician"][0] if published else None,
            }
        )
        for pos, (kind, options) in enumerate(
            [
                ("single_choice", ["Agree", "Disagree", "Neither"]),
                ("multiple_choice", ["Tables", "Commentary", "Open data", "Dashboards"]),
                ("free_text", []),
                ("single_choice", ["Yes", "No"]),
            ],
            start=1,
        ):
            question_rows.append(
                {
                    "id": len(question_rows) + 1,
                    "consultation_id": k,
                    "position": pos,
                    "text": f"Question {pos}",
                    "kind": kind,
                    "options": options,
                    "required": pos == 1,
                }
            )
    loader.load(Consultation.__table__, consultation_rows)
    loader.load(
        consultation_outputs,
        (
            {"consultation_id": k, "output_id": o}
            for k in range(1, n_consultations + 1)
            for o in {((k - 1) % n_outputs) + 1, (k * 13) % n_outputs + 1}
        ),
    )
    loader.load(ConsultationQuestion.__table__, question_rows)
    # Consultation 1 gets a fifth of all responses (the largest analysis page); the rest a
    # skewed spread over the consultations that have opened.
    opened = [c["id"] for c in consultation_rows if c["state"] not in ("approved", "draft")]
    response_owner: list[int] = [1] * (n_responses // 5)
    cw = [1.0 / (k**0.7) for k in range(1, len(opened) + 1)]
    response_owner += rng.choices(opened, cw, k=n_responses - len(response_owner))
    questions_of: dict[int, list[dict[str, Any]]] = {}
    for q in question_rows:
        questions_of.setdefault(q["consultation_id"], []).append(q)
    by_id = {c["id"]: c for c in consultation_rows}
    responses = []
    answers = []
    for rid, cid in enumerate(response_owner, start=1):
        cons = by_id[cid]
        length = (cons["closes_on"] - cons["opens_on"]).days
        day = cons["opens_on"] + timedelta(days=rng.randrange(max(1, length)))
        responses.append(
            {
                "id": rid,
                "consultation_id": cid,
                "reference": f"R-{rid:07d}",
                "submitted_at": at(min(day, today), rng, 0, 23),
                "category": CATEGORIES[rng.randrange(len(CATEGORIES))],
                "name": f"Respondent {rid}" if rid % 3 else None,
                "organisation": f"Organisation {rid % 900}" if rid % 2 else None,
                "email": f"respondent{rid}@example.org" if rid % 4 else None,
                "publish_name": rid % 5 == 0,
                "join_log": rid % 6 == 0,
                "anonymised_at": None,
            }
        )
        for q in questions_of[cid]:
            if q["kind"] == "free_text":
                text, choices = "I rely on the quarterly tables for my work.", None
            elif q["kind"] == "single_choice":
                text, choices = None, [rng.choice(q["options"])]
            else:
                text, choices = None, rng.sample(q["options"], rng.randrange(1, 3))
            answers.append(
                {
                    "id": len(answers) + 1,
                    "response_id": rid,
                    "question_id": q["id"],
                    "text": text,
                    "choices": choices,
                }
            )
    loader.load(ConsultationResponse.__table__, responses)
    # Free-text answers leave `choices` out (SQL NULL; None would store the JSON scalar null).
    loader.load(ConsultationAnswer.__table__, [a for a in answers if a["choices"] is not None])
    loader.load(
        ConsultationAnswer.__table__,
        [{k: v for k, v in a.items() if k != "choices"} for a in answers if a["choices"] is None],
    )
    del responses, answers

    # --- feedback ------------------------------------------------------------------------------
    loader.load(
        Feedback.__table__,
        (
            {
                "id": i,
                "reference": f"FB-{i:07d}",
                "output_id": rng.randrange(1, n_outputs + 1) if i % 5 else None,
                "received_at": at(today - timedelta(days=rng.randrange(5 * 365)), rng, 0, 23),
                "useful": rng.choice(["yes", "partly", "no"]),
                "uses": "Research",
                "category": CATEGORIES[i % len(CATEGORIES)],
                "comments": "Helpful tables, please add regional breakdowns.",
                "email": f"fb{i}@example.org" if i % 3 == 0 else None,
                "consent_to_log": i % 3 == 0,
                "log_level": "informed" if i % 3 == 0 else None,
                "reviewed_at": None if i % 4 == 0 else now,
                "reviewed_by_id": None if i % 4 == 0 else producers[i % len(producers)],
                "case_id": None,
                "anonymised_at": None,
            }
            for i in range(1, n_feedback + 1)
        ),
    )

    # --- a year of outbox emails ---------------------------------------------------------------
    def email(i: int) -> dict[str, Any]:
        created = now - timedelta(seconds=rng.randrange(365 * 86400))
        sent = i % 50 != 0
        template = rng.choice(["case_acknowledged", "sla_due_soon", "consultation_opened"])
        # Emails about a case name it (the case page and the case list read them by case).
        about = rng.randrange(1, n_cases + 1) if template != "consultation_opened" else None
        return {
            "id": i,
            "created_at": created,
            "to_address": f"person{i % 20_000}@example.org",
            "subject": "We have received your enquiry",
            "body_text": None if created < now - timedelta(days=90) else "Thank you.",
            "body_html": None,
            "template": template,
            "case_id": about,
            "dedup_key": f"bench:{i}",
            "status": "sent" if sent else ("failed" if i % 100 == 0 else "queued"),
            "attempts": 1 if sent else 3,
            "next_attempt_at": created,
            "last_error": None if sent else "Connection refused",
            "sent_at": created + timedelta(seconds=30) if sent else None,
            "failed_at": created + timedelta(hours=1) if i % 100 == 0 else None,
            "body_removed_at": now if created < now - timedelta(days=90) else None,
        }

    loader.load(OutboxEmail.__table__, (email(i) for i in range(1, n_emails + 1)))
    loader.fix_sequences()
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    timings["insert rows"] = time.perf_counter() - t0
    timings["total"] = time.perf_counter() - started
    engine.dispose()
    return {
        "counts": loader.counts,
        "timings": timings,
        "users": {role: f"bench-{role.replace('_', '-')}-1@example.gov.uk" for role in ROLES},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 100,000 cases (default)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--database-url",
        default=None,
        help="SQLAlchemy URL of the database to (re)create; default: a SQLite file in bench/data",
    )
    parser.add_argument(
        "--today", type=date.fromisoformat, default=None, help="reference date (default today)"
    )
    args = parser.parse_args(argv)
    url = args.database_url or sqlite_url(default_sqlite_path(args.scale))
    os.environ.setdefault("FLASK_APP", "engage")
    today = args.today or london_date(datetime.now(UTC))
    print(f"Generating scale {args.scale:g} (seed {args.seed}, today {today}) into {url}")
    result = generate(url, args.scale, args.seed, today)
    print()
    for name, seconds in result["timings"].items():
        print(f"{name:<20} {seconds:7.1f} s")
    print(f"{'rows':<20} {sum(result['counts'].values()):>9,}")
    print(f"Staff sign-in (password {BENCH_PASSWORD}):")
    for role, email in result["users"].items():
        print(f"  {role:<20} {email}")


if __name__ == "__main__":
    main()
