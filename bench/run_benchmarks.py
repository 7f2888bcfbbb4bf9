"""Engage performance benchmark: ratios that hold on a noisy machine.

    python bench/generate_data.py --scale 1 && python bench/generate_data.py --scale 0.1
    python bench/run_benchmarks.py                      # SQLite files from bench/data
    python bench/run_benchmarks.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/
        # uses the databases engage_bench_1 and engage_bench_01 made by generate_data.py

In one run it measures
1. the working-day arithmetic: ns per call of engage.calendar's add_working_days and
   working_days_between against numpy.busday_offset / busday_count called per date with the
   same holidays (the functions of bench/bench_calendar.py);
2. every main page on the large dataset through the Flask test client, signed in through the
   real sign-in form as the role that uses the page: median and 95th percentile, each page
   interleaved with Engage's own start page `/` in the same loop so both see the same machine
   noise, and the SQL query count of each page on the large and on the small dataset
   (a `before_cursor_execute` listener);
3. the SLA scan and the annual report figures on the small (10,000 cases) and the large
   (100,000 cases) dataset: best of N.

It writes its tables, with PASS/FAIL against the targets of issue 10, to bench/results.md (or
--output), replacing the previous section of the same database kind (SQLite or PostgreSQL) and
keeping the other.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess  # nosec B404 - fixed commands for the machine description
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_calendar import per_call_ns  # noqa: E402
from generate_data import BENCH_PASSWORD, default_sqlite_path, make_bench_app, sqlite_url  # noqa: E402

PAGE_RATIO_TARGET = 5.0
CALENDAR_RATIO_TARGET = 0.5
GROWTH_TARGET = 10.0


# ---------------------------------------------------------------------------------------------
# machine and statistics


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()}"


def database_version(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return "SQLite " + conn.execute(sa.text("select sqlite_version()")).scalar_one()
        version = conn.execute(sa.text("show server_version")).scalar_one()
        return f"PostgreSQL {version}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def git_commit() -> str:
    try:
        out = subprocess.run(  # noqa: S603  # nosec B603 B607
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


# ---------------------------------------------------------------------------------------------
# 1. calendar


def calendar_rows(n_dates: int = 2000) -> list[dict[str, Any]]:
    import random

    import numpy as np

    from engage.calendar import SPAN_END, SPAN_START, get_calendar

    rng = random.Random(1)
    span = (date(2000, 1, 1), date(2070, 12, 31))
    days = (span[1] - span[0]).days
    dates = [span[0] + timedelta(days=rng.randrange(days)) for _ in range(n_dates)]
    end_of = {d: d + timedelta(days=rng.randrange(1, 60)) for d in dates}
    cal = get_calendar("ENG")
    all_days = (SPAN_START + timedelta(days=k) for k in range((SPAN_END - SPAN_START).days + 1))
    hol = np.array(
        [d for d in all_days if d.weekday() < 5 and not cal.is_working_day(d)],
        dtype="datetime64[D]",
    )
    npcal = np.busdaycalendar(holidays=hol)
    one = timedelta(days=1)

    def row(name: str, ours: float, np_arr: float, np_cal: float) -> dict[str, Any]:
        ratio = ours / np_arr
        return {
            "name": name,
            "engage_ns": ours,
            "numpy_ns": np_arr,
            "numpy_cal_ns": np_cal,
            "ratio": ratio,
            "ratio_cal": ours / np_cal,
            "pass": ratio <= CALENDAR_RATIO_TARGET,
        }

    def measure(func: Callable[[date], Any]) -> float:
        return per_call_ns(func, dates)

    return [
        row(
            "add_working_days(d, 20) vs busday_offset",
            measure(lambda d: cal.add_working_days(d, 20)),
            measure(lambda d: np.busday_offset(d, 20, roll="backward", holidays=hol)),
            measure(lambda d: np.busday_offset(d, 20, roll="backward", busdaycal=npcal)),
        ),
        row(
            "working_days_between vs busday_count",
            measure(lambda d: cal.working_days_between(d, end_of[d])),
            measure(lambda d: np.busday_count(d + one, end_of[d] + one, holidays=hol)),
            measure(lambda d: np.busday_count(d + one, end_of[d] + one, busdaycal=npcal)),
        ),
    ]


# ---------------------------------------------------------------------------------------------
# 2. pages


@contextmanager
def counting(engine: sa.Engine):  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def bench_app(url: str):  # type: ignore[no-untyped-def]
    # CSRF off so the benchmark can sign in by posting the form; everything else as deployed.
    return make_bench_app(url, WTF_CSRF_ENABLED=False, SESSION_ABSOLUTE_HOURS=48)


def sign_in(app, email: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    response = client.post("/staff/sign-in", data={"email": email, "password": BENCH_PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"could not sign in as {email}: {response.status_code}")
    return client


def page_plan(app) -> list[tuple[str, str | None, str]]:  # type: ignore[no-untyped-def]
    """(label, role or None for anonymous, URL) of every main page, found in the data.

    The same plan is built on each dataset, so query counts compare like with like."""
    from engage.auth.models import User
    from engage.cases.models import Case, CaseEvent
    from engage.consultations.models import Consultation, ConsultationResponse
    from engage.extensions import db
    from engage.outputs.models import LogEntry, Output

    with app.app_context():
        producer = db.session.execute(
            sa.select(User).where(User.email == "bench-producer-1@example.gov.uk")
        ).scalar_one()
        biggest_output = db.session.execute(
            sa.select(Output.slug, Output.id)
            .join(LogEntry, LogEntry.output_id == Output.id)
            .group_by(Output.id, Output.slug)
            .order_by(sa.func.count().desc())
            .limit(1)
        ).one()
        biggest_consultation = db.session.execute(
            sa.select(Consultation.slug)
            .join(ConsultationResponse, ConsultationResponse.consultation_id == Consultation.id)
            .group_by(Consultation.id, Consultation.slug)
            .order_by(sa.func.count().desc())
            .limit(1)
        ).scalar_one()
        # The complaint with the longest history.
        case_ref = db.session.execute(
            sa.select(Case.reference)
            .join(CaseEvent, CaseEvent.case_id == Case.id)
            .where(Case.kind == "service_complaint")
            .group_by(Case.id, Case.reference)
            .order_by(sa.func.count().desc(), Case.id)
            .limit(1)
        ).scalar_one()
        received = db.session.execute(
            sa.select(sa.func.max(Case.received_on)).select_from(Case)
        ).scalar_one()
    last_page = 10**9  # the pager clamps to the last page, whatever its size
    frm, to = received - timedelta(days=91), received
    cases = "/staff/cases"
    plan: list[tuple[str, str | None, str]] = [
        ("staff dashboard (CSO)", "cso", "/staff"),
        ("staff dashboard (producer)", "producer", "/staff"),
        ("case list", "cso", cases),
        ("case list: kind", "cso", f"{cases}?kind=service_complaint"),
        ("case list: state", "cso", f"{cases}?state=acknowledged"),
    ]
    for sla in ("in_time", "due_soon", "overdue", "met", "missed"):
        plan.append((f"case list: SLA {sla}", "cso", f"{cases}?sla={sla}"))
    plan += [
        ("case list: assignee", "cso", f"{cases}?assignee={producer.id}"),
        ("case list: output", "cso", f"{cases}?output={biggest_output.id}"),
        (
            "case list: received 3 months",
            "cso",
            f"{cases}?received_from={frm.isoformat()}&received_to={to.isoformat()}",
        ),
        ("case list: sorted by received", "cso", f"{cases}?sort=received"),
        ("case list: last page", "cso", f"{cases}?page={last_page}"),
        ("case list (producer's own)", "producer", cases),
        ("case page (complaint)", "cso", f"{cases}/{case_ref}"),
        # Search (issue 17): a name, a word in every case's message (the worst case: every
        # case matches, counted and sorted), and a producer's search (their cases only).
        ("search: a requester", "cso", "/staff/search?q=requester+4321"),
        ("search: a word in every message", "cso", "/staff/search?q=quarterly+figures"),
        ("search (producer)", "producer", "/staff/search?q=quarterly"),
        ("user log of largest output", "cso", f"/staff/outputs/{biggest_output.slug}/user-log"),
        (
            "consultation analysis",
            "chief_statistician",
            f"/staff/consultations/{biggest_consultation}/responses",
        ),
        ("performance page", None, "/performance"),
        ("reports index", "cso", "/staff/reports"),
        ("outputs list", "cso", "/staff/outputs"),
        ("feedback list", "cso", "/staff/feedback"),
        ("outbox", "admin", "/staff/admin/outbox"),
    ]
    return plan


def clients_for(app) -> dict[str | None, Any]:  # type: ignore[no-untyped-def]
    clients: dict[str | None, Any] = {None: app.test_client()}
    for role in ("cso", "producer", "chief_statistician", "admin"):
        clients[role] = sign_in(app, f"bench-{role.replace('_', '-')}-1@example.gov.uk")
    return clients


def query_counts(url: str) -> dict[str, tuple[int, int]]:
    """label -> (status, number of SQL statements) for one fetch of each page."""
    from engage.extensions import db

    app = bench_app(url)
    plan = page_plan(app)
    clients = clients_for(app)
    out: dict[str, tuple[int, int]] = {}
    with app.app_context():
        engine = db.engine
    for label, role, path in [("start page", None, "/"), *plan]:
        clients[role].get(path)  # warm caches (calendar, templates) before counting
        with counting(engine) as statements:
            response = clients[role].get(path)
        out[label] = (response.status_code, len(statements))
    with app.app_context():
        db.engine.dispose()
    return out


def interleaved(
    clients: dict[Any, Any], plan: list[tuple[str, Any, str]], rounds: int
) -> tuple[dict[str, list[float]], list[float]]:
    """Each round, each page of `plan` fetched right after the start page `/` (so both see the
    same machine noise): the pages' times by label, and the start page's times."""
    anon = clients[None]
    times: dict[str, list[float]] = {label: [] for label, _, _ in plan}
    start_times: list[float] = []
    for _label, role, path in plan:  # warm up
        clients[role].get(path)
    anon.get("/")
    for _ in range(rounds):
        for label, role, path in plan:
            t0 = time.perf_counter()
            anon.get("/")
            t1 = time.perf_counter()
            clients[role].get(path)
            t2 = time.perf_counter()
            start_times.append(t1 - t0)
            times[label].append(t2 - t1)
    return times, start_times


def time_pages(url: str, rounds: int) -> tuple[dict[str, list[float]], list[float], dict[str, str]]:
    """Interleaved timings: for each round and page, fetch `/` then the page."""
    from engage.extensions import db

    app = bench_app(url)
    plan = page_plan(app)
    times, start_times = interleaved(clients_for(app), plan, rounds)
    with app.app_context():
        db.engine.dispose()
    return times, start_times, {label: path for label, _, path in plan}


# ---------------------------------------------------------------------------------------------
# 3. SLA scan and annual report


def best_of(func: Callable[[], Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - t0)
    return best


def jobs(url: str, repeat: int) -> dict[str, Any]:
    from engage.calendar import london_date
    from engage.cases.alerts import find_alerts, scan_sla
    from engage.cases.models import Case
    from engage.extensions import db
    from engage.vocab import OPEN_STATES

    app = bench_app(url)
    out: dict[str, Any] = {}
    today = london_date(datetime.now(UTC))
    with app.app_context(), app.test_request_context():
        out["cases"] = db.session.execute(sa.select(sa.func.count()).select_from(Case)).scalar_one()
        out["open"] = db.session.execute(
            sa.select(sa.func.count()).select_from(Case).where(Case.state.in_(OPEN_STATES))
        ).scalar_one()
        out["alerts"] = len(find_alerts(today))
        out["find_alerts"] = best_of(lambda: (find_alerts(today), db.session.rollback()), repeat)
        # The scheduler's sla_scan job. The first run of the day queues the warnings (kept in
        # the database, as in real use); every later run finds them already sent.
        t0 = time.perf_counter()
        first = scan_sla(today)
        out["scan_first"] = time.perf_counter() - t0
        out["scan_first_queued"] = first.queued
        out["scan_repeat"] = best_of(lambda: scan_sla(today), repeat)
        from engage.reports.figures import compute_figures, last_complete_year_start
        from engage.reports.models import AnnualReport
        from engage.reports.render import render_report_body

        year = last_complete_year_start(today)

        def build() -> None:
            figures = compute_figures(year, today)
            render_report_body(AnnualReport(year_start=year, state="draft"), figures)
            db.session.rollback()

        out["annual_report"] = best_of(build, repeat)
        db.session.remove()
        db.engine.dispose()
    return out


# ---------------------------------------------------------------------------------------------
# report


def verdict(ok: bool) -> str:
    return "PASS" if ok else "**FAIL**"


def run(large: str, small: str, rounds: int, repeat: int, output: Path) -> str:
    started = time.perf_counter()
    engine = sa.create_engine(large)
    db_version = database_version(engine)
    engine.dispose()
    print(f"Database: {db_version}; large {large}; small {small}", flush=True)

    print("1/4 calendar", flush=True)
    cal = calendar_rows()
    print("2/4 query counts", flush=True)
    counts_large = query_counts(large)
    counts_small = query_counts(small)
    print(f"3/4 page timings ({rounds} rounds)", flush=True)
    times, start_times, paths = time_pages(large, rounds)
    print("4/4 SLA scan and annual report", flush=True)
    job_small = jobs(small, repeat)
    job_large = jobs(large, repeat)

    lines: list[str] = []
    add = lines.append
    add(f"## Engage benchmark results: {db_version.split()[0]}")
    add("")
    add(f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {git_commit()}")
    add(f"- Machine: {machine()}")
    add(f"- Database: {db_version}")
    add(
        f"- Data: large = {job_large['cases']:,} cases ({job_large['open']:,} open), "
        f"small = {job_small['cases']:,} cases ({job_small['open']:,} open), made by "
        "`bench/generate_data.py` (--scale 1 and 0.1)"
    )
    add(
        f"- Pages: Flask test client in one process, signed in through the sign-in form; "
        f"{rounds} rounds, each page fetched right after the start page `/` (interleaved)"
    )
    add(f"- Run took {time.perf_counter() - started:.0f} s")
    add("")
    add("### Working-day arithmetic (ns per call, best of 5 over 2,000 dates)")
    add("")
    add(
        "| operation | Engage | numpy `holidays=` | numpy `busdaycal=` | ratio (target <= "
        f"{CALENDAR_RATIO_TARGET}) | ratio vs busdaycal | result |"
    )
    add("|---|---:|---:|---:|---:|---:|---|")
    for r in cal:
        add(
            f"| {r['name']} | {r['engage_ns']:,.0f} | {r['numpy_ns']:,.0f} | "
            f"{r['numpy_cal_ns']:,.0f} | {r['ratio']:.3f} | {r['ratio_cal']:.3f} | "
            f"{verdict(r['pass'])} |"
        )
    add("")
    start_p50 = statistics.median(start_times)
    start_p95 = percentile(start_times, 0.95)
    add(
        f"### Pages (large dataset; start page `/`: median {start_p50 * 1000:.1f} ms, "
        f"p95 {start_p95 * 1000:.1f} ms)"
    )
    add("")
    add(
        "| page | URL | median ms | p95 ms | p95 / start p95 (target <= "
        f"{PAGE_RATIO_TARGET:g}) | queries large | queries small | result |"
    )
    add("|---|---|---:|---:|---:|---:|---:|---|")
    page_fail = 0
    s_status, s_q = counts_large["start page"]
    s_q_small = counts_small["start page"][1]
    add(
        f"| start page | `/` | {start_p50 * 1000:.1f} | {start_p95 * 1000:.1f} | 1.00 | "
        f"{s_q} | {s_q_small} | {verdict(s_q == s_q_small)} |"
    )
    for label, samples in times.items():
        p50 = statistics.median(samples)
        p95 = percentile(samples, 0.95)
        ratio = p95 / start_p95
        status, q_large = counts_large.get(label, (0, -1))
        status_small, q_small = counts_small.get(label, (0, -1))
        ok = ratio <= PAGE_RATIO_TARGET and q_large <= q_small and status == 200
        page_fail += not ok
        note = "" if status == 200 else f" (HTTP {status})"
        add(
            f"| {label}{note} | `{paths[label]}` | {p50 * 1000:.1f} | {p95 * 1000:.1f} | "
            f"{ratio:.2f} | {q_large} | {q_small} | {verdict(ok)} |"
        )
    add("")
    add(f"### SLA scan and annual report: cost at 10x the data (best of {repeat})")
    add("")
    add(
        f"| job | small ({job_small['cases']:,} cases) s | large ({job_large['cases']:,}) s "
        f"| large / small (target <= {GROWTH_TARGET:g}) | result |"
    )
    add("|---|---:|---:|---:|---|")
    for key, name in (
        (
            "find_alerts",
            f"SLA scan query (`find_alerts`: {job_small['alerts']:,} / "
            f"{job_large['alerts']:,} deadlines due soon or breached)",
        ),
        ("scan_repeat", "SLA scan job (`scan_sla`, warnings already queued)"),
        ("annual_report", "annual report figures and body (last complete year)"),
    ):
        a, b = job_small.get(key), job_large.get(key)
        if a is None or b is None:
            add(f"| {name} | - | - | - | not available |")
            continue
        growth = b / a
        note = ""
        if key != "annual_report" and job_small["alerts"]:
            note = f" (deadlines to warn about: x{job_large['alerts'] / job_small['alerts']:.2f})"
        add(
            f"| {name} | {a:.3f} | {b:.3f} | {growth:.2f} | "
            f"{verdict(growth <= GROWTH_TARGET)}{note} |"
        )
    add(
        f"| first `scan_sla` run of the day (queues {job_small['scan_first_queued']:,} / "
        f"{job_large['scan_first_queued']:,} emails; once, not a target) | "
        f"{job_small['scan_first']:.3f} | {job_large['scan_first']:.3f} | "
        f"{job_large['scan_first'] / job_small['scan_first']:.2f} | - |"
    )
    add("")
    text = "\n".join(lines) + "\n"
    write_section(output, "postgresql" if "postgresql" in large else "sqlite", text)
    return text


def write_section(output: Path, kind: str, text: str) -> None:
    """Replace this database's section of `output`, keeping the other database's results."""
    begin, end = f"<!-- results:{kind} -->", f"<!-- /results:{kind} -->"
    old = output.read_text() if output.exists() else ""
    block = f"{begin}\n{text}{end}\n"
    if begin in old and end in old:
        before, rest = old.split(begin, 1)
        after = rest.split(end, 1)[1].lstrip("\n")
        new = before + block + after
    else:
        new = old + ("\n" if old else "") + block
    output.write_text(new)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--postgres",
        metavar="BASE_URL",
        help="PostgreSQL server URL ending in '/': use its engage_bench_1 and engage_bench_01",
    )
    parser.add_argument("--large", help="SQLAlchemy URL of the 100,000-case database")
    parser.add_argument("--small", help="SQLAlchemy URL of the 10,000-case database")
    parser.add_argument("--rounds", type=int, default=30, help="fetches of each page")
    parser.add_argument("--repeat", type=int, default=7, help="runs of each job (best of)")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results.md")
    args = parser.parse_args(argv)
    if args.postgres:
        base = args.postgres.rstrip("/")
        large = args.large or f"{base}/engage_bench_1"
        small = args.small or f"{base}/engage_bench_01"
    else:
        large = args.large or sqlite_url(default_sqlite_path(1))
        small = args.small or sqlite_url(default_sqlite_path(0.1))
    print(run(large, small, args.rounds, args.repeat, args.output))


if __name__ == "__main__":
    main()
