"""Stakeholder search (/staff/stakeholders?q=..., issue 21 item 1) at 10,000 stakeholders.

    python bench/bench_stakeholder_search.py            # SQLite bench/data/stakeholders-10000.sqlite
    python bench/bench_stakeholder_search.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/engage_bench_search
    python bench/bench_stakeholder_search.py --reuse    # measure again without rebuilding

Builds its own database (created afresh with the project's migrations): --stakeholders people
(10,000 by default) with realistic, varied names, organisations and email addresses (one in ten
without an email), each in the user logs of one to three of 40 outputs; a producer who owns
five of those outputs, and a CSO officer. Then it fetches each search through the Flask test
client, signed in through the real sign-in form, interleaved with Engage's start page `/` in
the same loop (so both see the same machine noise), and reports the median and 95th
percentile of each, the SQL statements of each fetch, and PASS when a search's p95 is within
5x the start page's p95 (issue 21's target). The searches run from broad (two letters that
start a few hundred names; an organisation word that starts a fifth of them) to narrow (a full
name, an email address) and to none, for the CSO (everyone) and for the producer (people in
their own logs, others' names withheld).

Results replace this database kind's section of bench/results.md (or --output).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from generate_data import (  # noqa: E402
    BENCH_PASSWORD,
    CATEGORIES,
    LEVELS,
    Loader,
    fresh_database,
    make_bench_app,
    sqlite_url,
)
from run_benchmarks import (  # noqa: E402
    bench_app,
    counting,
    database_version,
    git_commit,
    machine,
    percentile,
    sign_in,
    write_section,
)

RATIO_TARGET = 5.0
N_OUTPUTS = 40
FIRST = [
    "Aaliyah",
    "Adam",
    "Aisha",
    "Alfie",
    "Amelia",
    "Amir",
    "Anna",
    "Arthur",
    "Ava",
    "Ben",
    "Charlotte",
    "Chloe",
    "Daniel",
    "David",
    "Eleanor",
    "Elijah",
    "Ella",
    "Emily",
    "Ethan",
    "Evie",
    "Faith",
    "Finley",
    "Freya",
    "George",
    "Grace",
    "Hannah",
    "Harry",
    "Isabella",
    "Isla",
    "Jack",
    "Jacob",
    "James",
    "Jasmine",
    "Jessica",
    "Joseph",
    "Joshua",
    "Kai",
    "Leo",
    "Lily",
    "Logan",
    "Lucy",
    "Mason",
    "Mia",
    "Mohammed",
    "Noah",
    "Olivia",
    "Oscar",
    "Poppy",
    "Priya",
    "Rosie",
    "Ruby",
    "Samuel",
    "Sophia",
    "Theo",
    "Thomas",
    "Isaac",
    "William",
    "Yusuf",
    "Zara",
]
LAST = [
    "Adams",
    "Ahmed",
    "Ali",
    "Allen",
    "Anderson",
    "Bailey",
    "Baker",
    "Begum",
    "Bell",
    "Brown",
    "Campbell",
    "Carter",
    "Chapman",
    "Clark",
    "Clarke",
    "Cook",
    "Cooper",
    "Davies",
    "Davis",
    "Edwards",
    "Evans",
    "Fisher",
    "Green",
    "Griffiths",
    "Hall",
    "Harris",
    "Harrison",
    "Hill",
    "Hughes",
    "Hussain",
    "Jackson",
    "James",
    "Johnson",
    "Jones",
    "Khan",
    "King",
    "Lee",
    "Lewis",
    "Martin",
    "Mason",
    "Mitchell",
    "Moore",
    "Morgan",
    "Morris",
    "Murphy",
    "Owen",
    "Palmer",
    "Parker",
    "Patel",
    "Phillips",
    "Price",
    "Roberts",
    "Robinson",
    "Rogers",
    "Scott",
    "Shaw",
    "Singh",
    "Smith",
    "Taylor",
    "Thomas",
    "Thompson",
    "Turner",
    "Walker",
    "Ward",
    "Watson",
    "White",
    "Williams",
    "Wilson",
    "Wood",
    "Wright",
    "Young",
]
ORGANISATIONS = [
    *(f"University of {town}" for town in ("Leeds", "Bristol", "York", "Kent", "Essex", "Bath")),
    "Howard League for Penal Reform",
    "Prison Reform Trust",
    "Citizens Advice",
    "Law Society",
    "Bar Council",
    "Magistrates Association",
    "Local Government Association",
    "Office for National Statistics",
    "Home Office",
    "Crown Prosecution Service",
    "BBC News",
    "The Guardian",
    "Institute for Government",
    "Nuffield Foundation",
    "",
]


def searches(name: str, email: str) -> list[tuple[str, str, str]]:
    """(label, role, query) of each search measured; `name` and `email` are one person's."""
    return [
        ("two letters, a few hundred names (CSO)", "cso", "ja"),
        ("an organisation word, a fifth of everyone (CSO)", "cso", "university"),
        ("a full name (CSO)", "cso", name.lower()),
        ("an email address (CSO)", "cso", email),
        ("no match (CSO)", "cso", "zzzz"),
        ("two letters (producer, own logs)", "producer", "ja"),
        ("an organisation word (producer, own logs)", "producer", "university"),
        ("the start of an email address (producer, own logs)", "producer", "olivia."),
    ]


def generate(url: str, n_people: int, seed: int) -> None:
    from flask_migrate import upgrade

    from engage.auth.passwords import hash_password
    from engage.extensions import db
    from engage.models import LogEntry, Output, Stakeholder, User, UserRole
    from engage.outputs.models import output_producers

    rng = random.Random(seed)
    fresh_database(url)
    app = make_bench_app(url)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        password_hash = hash_password(BENCH_PASSWORD)
        engine = db.engine
    loader = Loader(engine)
    now = datetime.now(UTC)
    today = now.date()
    staff = [("cso", 1), ("producer", 1), ("producer", 2)]
    loader.load(
        User.__table__,
        (
            {
                "id": i,
                "email": f"bench-{role}-{k}@example.gov.uk",
                "name": f"{role.title()} {k}",
                "password_hash": password_hash,
                "active": True,
                "failed_sign_ins": 0,
                "session_version": 0,
                "totp_enabled": False,
                "created_at": now,
            }
            for i, (role, k) in enumerate(staff, start=1)
        ),
    )
    loader.load(
        UserRole.__table__,
        ({"id": i, "user_id": i, "role": role} for i, (role, _) in enumerate(staff, start=1)),
    )
    loader.load(
        Output.__table__,
        (
            {
                "id": i,
                "slug": f"bench-output-{i:03d}",
                "title": f"Benchmark statistics series {i:03d}",
                "summary": "",
                "producing_body": "Ministry of Justice",
                "area": "Courts",
                "frequency": "Quarterly",
                "lead_statistician": "Lead Statistician",
                "lead_contact": "lead@example.gov.uk",
                "page_url": "",
                "status": "active",
                "review_interval_months": 12,
                "next_review_due": today + timedelta(days=100),
                "created_at": now,
            }
            for i in range(1, N_OUTPUTS + 1)
        ),
    )
    # Producer 1 (user 2) owns outputs 1-5; producer 2 (user 3) the rest.
    loader.load(
        output_producers,
        ({"output_id": i, "user_id": 2 if i <= 5 else 3} for i in range(1, N_OUTPUTS + 1)),
    )
    people = []
    for s in range(1, n_people + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        people.append(
            {
                "id": s,
                "name": f"{first} {last}",
                "organisation": rng.choice(ORGANISATIONS),
                "email": f"{first}.{last}{s}@example.org".lower() if s % 10 else None,
                "phone": None,
                "category": CATEGORIES[s % len(CATEGORIES)],
                "consent_to_contact": s % 3 != 0,
                "created_at": now - timedelta(days=rng.randrange(5 * 365)),
            }
        )
    loader.load(Stakeholder.__table__, people)
    entries = []
    for person in people:
        for output_id in rng.sample(range(1, N_OUTPUTS + 1), rng.randint(1, 3)):
            entries.append(
                {
                    "id": len(entries) + 1,
                    "output_id": output_id,
                    "stakeholder_id": person["id"],
                    "stakeholder_name": person["name"],
                    "stakeholder_category": person["category"],
                    "engagement_level": LEVELS[(person["id"] + output_id) % 4],
                    "uses": "Briefing and analysis",
                    "source": "user_request",
                    "first_contact_on": today - timedelta(days=rng.randrange(1800)),
                    "latest_contact_on": today - timedelta(days=rng.randrange(30)),
                    "created_at": now,
                    "updated_at": now,
                }
            )
    loader.load(LogEntry.__table__, entries)
    loader.fix_sequences()
    engine.dispose()


def measure(url: str, rounds: int) -> dict[str, Any]:
    from engage.extensions import db

    app = bench_app(url)
    clients = {
        "anonymous": app.test_client(),
        "cso": sign_in(app, "bench-cso-1@example.gov.uk"),
        "producer": sign_in(app, "bench-producer-1@example.gov.uk"),
    }
    with app.app_context():
        engine = db.engine
        people = db.session.execute(
            sa.select(sa.func.count()).select_from(sa.table("stakeholders"))
        ).scalar_one()
        entries = db.session.execute(
            sa.select(sa.func.count()).select_from(sa.table("log_entries"))
        ).scalar_one()
        name, email = db.session.execute(
            sa.text("SELECT name, email FROM stakeholders WHERE id = 4321")
        ).one()
    plan = [
        # The floor: the same page, signed in, with no search (no query of its own).
        ("the page without a search (CSO), for comparison", "cso", "/staff/stakeholders"),
        *(
            (label, role, f"/staff/stakeholders?q={q.replace(' ', '+')}")
            for label, role, q in searches(name, email)
        ),
    ]
    found: dict[str, int] = {}
    statements: dict[str, int] = {}
    for label, role, path in plan:  # warm up, check, count statements and results
        clients[role].get(path)
        with counting(engine) as seen:
            response = clients[role].get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} as {role}: {response.status_code}")
        statements[label] = len(seen)
        found[label] = response.get_data(as_text=True).count('href="/staff/stakeholders/')
    clients["anonymous"].get("/")
    times: dict[str, list[float]] = {label: [] for label, _, _ in plan}
    start: list[float] = []
    for _ in range(rounds):
        for label, role, path in plan:
            t0 = time.perf_counter()
            clients["anonymous"].get("/")
            t1 = time.perf_counter()
            clients[role].get(path)
            t2 = time.perf_counter()
            start.append(t1 - t0)
            times[label].append(t2 - t1)
    version = database_version(engine)
    with app.app_context():
        db.engine.dispose()
    return {
        "plan": plan,
        "times": times,
        "start": start,
        "found": found,
        "statements": statements,
        "people": people,
        "entries": entries,
        "version": version,
    }


def report(result: dict[str, Any], rounds: int) -> str:
    start_p95 = percentile(result["start"], 0.95) * 1000
    start_median = statistics.median(result["start"]) * 1000
    lines = [
        f"## Stakeholder search: {result['version'].split()[0]}",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {git_commit()}",
        f"- Machine: {machine()}",
        f"- Database: {result['version']}",
        f"- Data: {result['people']:,} stakeholders in {result['entries']:,} log entries of "
        f"{N_OUTPUTS} outputs, made by `bench/bench_stakeholder_search.py`",
        f"- {rounds} fetches of each search, each right after a fetch of the start page `/` "
        f"(median {start_median:.1f} ms, p95 {start_p95:.1f} ms). Target: p95 within "
        f"{RATIO_TARGET:g}x the start page's p95.",
        "",
        "| Search | URL | Results shown | SQL statements | median ms | p95 ms | p95 / start p95 "
        "| Target |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for label, _role, path in result["plan"]:
        values = result["times"][label]
        p95 = percentile(values, 0.95) * 1000
        ratio = p95 / start_p95
        lines.append(
            f"| {label} | `{path}` | {result['found'][label]} | {result['statements'][label]} | "
            f"{statistics.median(values) * 1000:.1f} | {p95:.1f} | {ratio:.2f} | "
            f"{'PASS' if ratio <= RATIO_TARGET else 'FAIL'} |"
        )
    lines.append("")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: SQLite in bench/data")
    parser.add_argument("--stakeholders", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--reuse", action="store_true", help="measure the existing database")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results.md")
    args = parser.parse_args(argv)
    url = args.database_url or sqlite_url(
        ROOT / "bench" / "data" / f"stakeholders-{args.stakeholders}.sqlite"
    )
    if not args.reuse:
        print(f"Generating {args.stakeholders:,} stakeholders into {url}", flush=True)
        generate(url, args.stakeholders, args.seed)
    result = measure(url, args.rounds)
    text = report(result, args.rounds)
    kind = "postgresql" if result["version"].startswith("PostgreSQL") else "sqlite"
    write_section(args.output, f"stakeholder-search-{kind}", text)
    print(text)


if __name__ == "__main__":
    main()
