"""Case search at 100,000 cases, timed alone (issue 17): the search pages of
bench/run_benchmarks.py, each fetched right after the start page `/` as the main runner does,
with the case list beside them for comparison, and the load average before and after.

    python bench/bench_case_search.py                      # bench/data/engage-1.sqlite
    python bench/bench_case_search.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/
    python bench/bench_case_search.py --explain            # each search's SQL, timed alone

Target (issue 17): each search's p95 within 5 times the start page's p95, with the same
number of SQL statements on the 10,000 and the 100,000 case data.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from generate_data import default_sqlite_path, sqlite_url  # noqa: E402
from run_benchmarks import (  # noqa: E402
    PAGE_RATIO_TARGET,
    bench_app,
    clients_for,
    counting,
    interleaved,
    percentile,
)

PAGES: list[tuple[str, str, str]] = [
    ("case list (for comparison)", "cso", "/staff/cases"),
    ("search: a requester", "cso", "/staff/search?q=requester+4321"),
    ("search: a word in every message", "cso", "/staff/search?q=quarterly+figures"),
    ("search (producer)", "producer", "/staff/search?q=quarterly"),
    ("search: two letters", "cso", "/staff/search?q=qu"),
    ("search: no match", "cso", "/staff/search?q=zzzzqx"),
    ("search: an email address", "cso", "/staff/search?q=requester14321%40example.com"),
]


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def query_counts(url: str) -> dict[str, int]:
    from engage.extensions import db

    app = bench_app(url)
    clients = clients_for(app)
    with app.app_context():
        engine = db.engine
    out: dict[str, int] = {}
    for label, role, path in PAGES:
        clients[role].get(path)
        with counting(engine) as statements:
            response = clients[role].get(path)
        assert response.status_code == 200, (path, response.status_code)
        out[label] = len(statements)
    with app.app_context():
        db.engine.dispose()
    return out


def time_pages(url: str, rounds: int) -> tuple[dict[str, list[float]], list[float]]:
    from engage.extensions import db

    app = bench_app(url)
    times, start = interleaved(clients_for(app), PAGES, rounds)
    with app.app_context():
        db.engine.dispose()
    return times, start


def explain(url: str) -> None:
    """Each search's statements with their time, run alone (no start page between)."""
    from engage.extensions import db

    app = bench_app(url)
    clients = clients_for(app)
    with app.app_context():
        engine = db.engine
    import sqlalchemy as sa

    timings: list[tuple[float, str]] = []

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        conn.info["t0"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        timings.append((time.perf_counter() - conn.info["t0"], statement))

    for label, role, path in PAGES:
        clients[role].get(path)
        sa.event.listen(engine, "before_cursor_execute", before)
        sa.event.listen(engine, "after_cursor_execute", after)
        timings.clear()
        t0 = time.perf_counter()
        clients[role].get(path)
        whole = time.perf_counter() - t0
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
        print(f"\n## {label} {path}: page {whole * 1000:.1f} ms")
        for seconds, statement in timings:
            print(f"- {seconds * 1000:7.1f} ms  {' '.join(statement.split())[:160]}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", metavar="BASE_URL")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--large", help="SQLAlchemy URL of the 100,000-case database")
    parser.add_argument("--small", help="SQLAlchemy URL of the 10,000-case database")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args(argv)
    if args.postgres:
        base = args.postgres.rstrip("/")
        large, small = f"{base}/engage_bench_1", f"{base}/engage_bench_01"
    else:
        large = sqlite_url(default_sqlite_path(1))
        small = sqlite_url(default_sqlite_path(0.1))
    large, small = args.large or large, args.small or small
    if args.explain:
        explain(large)
        return
    before = load()
    counts_large, counts_small = query_counts(large), query_counts(small)
    times, start = time_pages(large, args.rounds)
    after = load()
    s50, s95 = statistics.median(start), percentile(start, 0.95)
    kind = "PostgreSQL" if large.startswith("postgresql") else "SQLite"
    print(
        f"### Case search, {kind}, {args.rounds} rounds; load average before {before}, after {after}"
    )
    print(f"start page `/`: median {s50 * 1000:.1f} ms, p95 {s95 * 1000:.1f} ms\n")
    print(
        "| page | URL | median ms | p95 ms | p95 / start p95 | queries large | queries small | result |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for label, _role, path in PAGES:
        samples: list[Any] = times[label]
        p50, p95 = statistics.median(samples), percentile(samples, 0.95)
        ratio = p95 / s95
        ok = ratio <= PAGE_RATIO_TARGET and counts_large[label] == counts_small[label]
        print(
            f"| {label} | `{path}` | {p50 * 1000:.1f} | {p95 * 1000:.1f} | {ratio:.2f} | "
            f"{counts_large[label]} | {counts_small[label]} | {'PASS' if ok else '**FAIL**'} |"
        )


if __name__ == "__main__":
    main()
