"""Exports at the benchmark's two sizes, side by side with the database's own CSV output.

    python bench/generate_data.py --scale 1 && python bench/generate_data.py --scale 0.1
    python bench/bench_exports.py                    # SQLite files from bench/data
    python bench/bench_exports.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/engage_bench_
        # uses the databases engage_bench_1 and engage_bench_01 made by generate_data.py

For each database it serves Engage with gunicorn as the README deploys it (one sync worker, the
default 30-second timeout), signs in as the benchmark's CSO officer through the real sign-in
form, and for each export measures, best of --repeat:

- streamed downloads (the case CSV of every case and of the *met* filter, the largest output's
  user-log CSV and XLSX, the largest consultation's responses CSV): the time to the response's
  first byte and to its last, over HTTP, and the worker's peak resident memory during the
  download (its VmHWM, reset before each download through /proc/PID/clear_refs);
- background exports (the all-logs workbook, the annual report's workbook, the largest
  consultation's responses workbook): asked for over HTTP, built by `flask jobs run
  build_exports` exactly as the scheduler runs it (build time from the job's record, the
  process's peak memory from wait4), then downloaded over HTTP;
- the floor: the database's own CSV output of the same query (the SQL Engage runs, compiled
  with its parameters): `sqlite3 -csv FILE "SQL"`, or `psql -c "COPY (SQL) TO STDOUT WITH CSV"`.

It writes its table to bench/results.md (or --output), replacing the previous exports section
of the same database kind and keeping everything else.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from generate_data import BENCH_PASSWORD, default_sqlite_path, sqlite_url  # noqa: E402
from run_benchmarks import git_commit, machine, write_section  # noqa: E402

VENV_BIN = ROOT / ".venv" / "bin"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSO_EMAIL = "bench-cso-1@example.gov.uk"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Measure:
    name: str
    kind: str  # "stream" or "background"
    first_byte: float = 0.0
    total: float = 0.0
    build: float = 0.0
    floor: float = 0.0
    size: int = 0
    peak_mb: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.total / self.floor if self.floor else 0.0


# -------------------------------------------------------------------------------- the server


class Server:
    """gunicorn with one sync worker (default timeout) on a benchmark database."""

    def __init__(self, url: str, export_dir: str) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": url,
            "RATELIMIT_ENABLED": "false",
            "SESSION_COOKIE_SECURE": "false",
            "EXPORT_DIR": export_dir,
            "BASE_URL": f"http://127.0.0.1:{self.port}",
            "MAIL_TRANSPORT": "console",
        }
        self.env.pop("REDIS_URL", None)
        self.process: subprocess.Popen[bytes] | None = None
        self.cookie = ""

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{self.port}", "wsgi:app"],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(Path(tempfile.gettempdir()) / "engage-bench-exports.log", "w"),  # noqa: SIM115
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2).read()
                break
            except Exception:
                time.sleep(0.3)
        self.sign_in()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)

    def worker_pid(self) -> int:
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return int(children.read_text().split()[0])

    def reset_peak(self) -> None:
        Path(f"/proc/{self.worker_pid()}/clear_refs").write_text("5")

    def peak_mb(self) -> float:
        for line in Path(f"/proc/{self.worker_pid()}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def sign_in(self) -> None:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        base = f"http://127.0.0.1:{self.port}"
        page = opener.open(f"{base}/staff/sign-in", timeout=30).read().decode()
        token = CSRF.search(page)
        body = urllib.parse.urlencode(
            {
                "csrf_token": token.group(1) if token else "",
                "email": CSO_EMAIL,
                "password": BENCH_PASSWORD,
            }
        ).encode()
        opener.open(f"{base}/staff/sign-in", data=body, timeout=30).read()
        self.cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
        self.opener = opener

    def get(self, path: str) -> tuple[int, float, float, int]:
        """(status, seconds to the first byte, seconds to the last, bytes) of one download."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        started = time.perf_counter()
        conn.request("GET", path, headers={"Cookie": self.cookie})
        response = conn.getresponse()
        first = response.read1(65536)
        first_byte = time.perf_counter() - started
        size = len(first)
        while chunk := response.read1(1 << 20):
            size += len(chunk)
        total = time.perf_counter() - started
        conn.close()
        return response.status, first_byte, total, size

    def post(self, path: str) -> str:
        """Ask for a background export through its page; returns the status page's path."""
        base = f"http://127.0.0.1:{self.port}"
        page = self.opener.open(base + path, timeout=30).read().decode()
        token = CSRF.search(page)
        data = urllib.parse.urlencode({"csrf_token": token.group(1) if token else ""}).encode()
        response = self.opener.open(base + path, data=data, timeout=30)
        return urllib.parse.urlparse(response.geturl()).path


# -------------------------------------------------------------------------------- the floor


def floor_seconds(url: str, sql: str, repeat: int) -> float:
    """The database's own CSV output of `sql`, best of `repeat`, written to /dev/null."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        command = ["sqlite3", "-csv", str(parsed.database), sql]
    else:
        command = [
            "psql",
            "-X",
            "-q",
            "-h",
            parsed.host or "127.0.0.1",
            "-p",
            str(parsed.port or 5432),
            "-U",
            parsed.username or "postgres",
            "-d",
            str(parsed.database),
            "-c",
            f"COPY ({sql}) TO STDOUT WITH CSV",
        ]
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - started)
    return best


# -------------------------------------------------------------------------------- the plan


def plan(url: str) -> dict[str, Any]:
    """The exports to measure on this database, with the SQL each one runs (compiled with its
    parameters), worked out in the app as the server would."""
    from generate_data import make_bench_app

    app = make_bench_app(url)
    with app.app_context():
        from sqlalchemy import func

        from engage.auth.models import User
        from engage.calendar import london_date, reporting_year_of
        from engage.cases import clock
        from engage.cases.listing import CaseFilters, export_query
        from engage.consultations.models import ConsultationResponse
        from engage.db_types import utcnow
        from engage.extensions import db
        from engage.outputs.exporting import LOG_COLUMNS, log_query
        from engage.outputs.models import LogEntry, Output, Stakeholder
        from engage.reports import annual

        dialect = db.engine.dialect

        def sql(query: Any) -> str:
            return str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))

        officer = db.session.execute(db.select(User).where(User.email == CSO_EMAIL)).scalar_one()
        today, cal = london_date(utcnow()), clock.current_calendar()
        cases_all = export_query(CaseFilters().query(officer, today, cal), today, cal)
        cases_met = export_query(CaseFilters(sla="met").query(officer, today, cal), today, cal)
        output_id, slug = db.session.execute(
            db.select(Output.id, Output.slug)
            .join(LogEntry, LogEntry.output_id == Output.id)
            .group_by(Output.id, Output.slug)
            .order_by(func.count(LogEntry.id).desc())
            .limit(1)
        ).one()
        log_rows = db.session.execute(
            db.select(func.count(LogEntry.id)).where(LogEntry.output_id == output_id)
        ).scalar_one()
        from engage.consultations.models import Consultation

        consultation_id, consultation_slug, responses = db.session.execute(
            db.select(Consultation.id, Consultation.slug, func.count(ConsultationResponse.id))
            .join(ConsultationResponse, ConsultationResponse.consultation_id == Consultation.id)
            .group_by(Consultation.id, Consultation.slug)
            .order_by(func.count(ConsultationResponse.id).desc())
            .limit(1)
        ).one()
        consultation = db.session.get(Consultation, consultation_id)
        from engage.consultations.responses import RESPONSE_COLUMNS, ConsultationAnswer

        responses_query = (
            db.select(*RESPONSE_COLUMNS)
            .join_from(
                ConsultationResponse,
                ConsultationAnswer,
                ConsultationAnswer.response_id == ConsultationResponse.id,
                isouter=True,
            )
            .where(ConsultationResponse.consultation_id == consultation.id)
            .order_by(ConsultationResponse.submitted_at, ConsultationResponse.id)
        )
        all_logs = (
            db.select(*LOG_COLUMNS)
            .join(Stakeholder, Stakeholder.id == LogEntry.stakeholder_id)
            .join(Output, Output.id == LogEntry.output_id)
            .order_by(Output.title, Output.id, Stakeholder.name, LogEntry.id)
        )
        all_log_rows = db.session.execute(db.select(func.count(LogEntry.id))).scalar_one()
        year = reporting_year_of(today)
        report = annual.unsigned_report_for(year) or annual.start_draft(year, officer)
        counts = {
            "cases": db.session.execute(
                db.select(func.count()).select_from(cases_all.subquery())
            ).scalar_one(),
            "met": db.session.execute(
                db.select(func.count()).select_from(cases_met.subquery())
            ).scalar_one(),
        }
        from engage.cases.models import Case

        case_report = db.select(
            Case.reference,
            Case.kind,
            Case.state,
            Case.received_on,
            Case.acknowledge_by,
            Case.acknowledged_on,
            Case.respond_by,
            Case.responded_on,
            Case.transferred_on,
            Case.withdrawn_on,
        ).where(Case.received_on >= datetime(year, 4, 1).date())
        return {
            "streams": [
                (
                    f"Case list CSV, every case ({counts['cases']:,})",
                    "/staff/cases/export.csv",
                    sql(cases_all),
                ),
                (
                    f"Case list CSV, *met* filter ({counts['met']:,})",
                    "/staff/cases/export.csv?sla=met",
                    sql(cases_met),
                ),
                (
                    f"User log CSV, largest log ({log_rows:,} rows)",
                    f"/staff/outputs/{slug}/user-log.csv",
                    sql(log_query(output_id)),
                ),
                (
                    f"User log XLSX, largest log ({log_rows:,} rows)",
                    f"/staff/outputs/{slug}/user-log.xlsx",
                    sql(log_query(output_id)),
                ),
                (
                    f"Consultation responses CSV, largest ({responses:,})",
                    f"/staff/consultations/{consultation_slug}/responses.csv",
                    sql(responses_query),
                ),
            ],
            "background": [
                (
                    f"All user logs XLSX ({all_log_rows:,} rows)",
                    "/staff/user-logs.xlsx",
                    sql(all_logs),
                ),
                (
                    "Annual report XLSX (this year's draft)",
                    f"/staff/reports/{report.id}/download/xlsx",
                    sql(case_report),
                ),
                (
                    f"Consultation responses XLSX, largest ({responses:,})",
                    f"/staff/consultations/{consultation_slug}/responses.xlsx",
                    sql(responses_query),
                ),
            ],
        }


def build_in_scheduler(env: dict[str, str]) -> float:
    """`flask jobs run build_exports` as the scheduler runs it; the process's peak RSS in MB."""
    process = subprocess.Popen(
        [str(VENV_BIN / "flask"), "--app", "engage", "jobs", "run", "build_exports"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError("flask jobs run build_exports failed")
    return usage.ru_maxrss / 1024


def last_job_build_seconds(url: str) -> tuple[float, str]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        started, finished, state = conn.execute(
            sa.text(
                "SELECT started_at, finished_at, state FROM export_jobs ORDER BY id DESC LIMIT 1"
            )
        ).one()
    engine.dispose()
    if isinstance(started, str):
        started, finished = datetime.fromisoformat(started), datetime.fromisoformat(finished)
    return (finished - started).total_seconds(), state


def measure(url: str, repeat: int) -> list[Measure]:
    todo = plan(url)
    export_dir = tempfile.mkdtemp(prefix="engage-bench-exports-")
    results: list[Measure] = []
    try:
        with Server(url, export_dir) as server:
            for name, path, sql in todo["streams"]:
                m = Measure(name, "stream", first_byte=float("inf"), total=float("inf"))
                for _ in range(repeat):
                    server.reset_peak()
                    status, first_byte, total, size = server.get(path)
                    if status != 200:
                        raise RuntimeError(f"{path} answered {status}")
                    m.first_byte, m.total = min(m.first_byte, first_byte), min(m.total, total)
                    m.size, m.peak_mb = size, max(m.peak_mb, server.peak_mb())
                m.floor = floor_seconds(url, sql, repeat)
                results.append(m)
                print(f"  {name}: {m.total:.2f} s, floor {m.floor:.3f} s", flush=True)
            for name, path, sql in todo["background"]:
                m = Measure(name, "background", first_byte=float("inf"), total=float("inf"))
                for _ in range(repeat):
                    started = time.perf_counter()
                    status_path = server.post(path)
                    asked = time.perf_counter() - started
                    peak = build_in_scheduler(server.env)
                    build, state = last_job_build_seconds(url)
                    if state != "ready":
                        raise RuntimeError(f"{path}: the job ended {state}")
                    code, _, download, size = server.get(status_path + "/download")
                    if code != 200:
                        raise RuntimeError(f"{status_path}/download answered {code}")
                    m.first_byte = min(m.first_byte, asked)
                    m.build = build if m.total == float("inf") else min(m.build, build)
                    m.total = min(m.total, build + download)
                    m.size, m.peak_mb = size, max(m.peak_mb, peak)
                m.floor = floor_seconds(url, sql, repeat)
                results.append(m)
                print(f"  {name}: build {m.build:.2f} s, floor {m.floor:.3f} s", flush=True)
    finally:
        shutil.rmtree(export_dir, ignore_errors=True)
    return results


def table(label: str, results: list[Measure]) -> str:
    lines = [
        f"### {label}",
        "",
        "| Export | First byte | Whole export | Database's own CSV | Ratio | Size | Peak memory |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in results:
        first = (
            f"{m.first_byte:.3f} s"
            if m.kind == "stream"
            else f"{m.first_byte:.3f} s (the *being prepared* page)"
        )
        whole = (
            f"{m.total:.2f} s"
            if m.kind == "stream"
            else f"{m.total:.2f} s (built in {m.build:.2f} s by the scheduler's job, then sent)"
        )
        who = "worker" if m.kind == "stream" else "job process"
        lines.append(
            f"| {m.name} | {first} | {whole} | {m.floor:.3f} s | {m.ratio:.1f}x | "
            f"{m.size / 1e6:.1f} MB | {m.peak_mb:.0f} MB ({who}) |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    # A SIGTERM ends the run through the `with Server(...)` blocks, so gunicorn is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", help="URL prefix of engage_bench_1 / engage_bench_01")
    parser.add_argument("--large", help="SQLAlchemy URL of the 100,000-case database")
    parser.add_argument("--small", help="SQLAlchemy URL of the 10,000-case database")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each export (best of)")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results.md")
    args = parser.parse_args(argv)
    if args.postgres:
        large, small = args.postgres + "1", args.postgres + "01"
    else:
        large = args.large or sqlite_url(default_sqlite_path(1))
        small = args.small or sqlite_url(default_sqlite_path(0.1))
    kind = "postgresql" if "postgresql" in large else "sqlite"
    started = time.time()
    sections = []
    for label, url in (("100,000 cases (--scale 1)", large), ("10,000 cases (--scale 0.1)", small)):
        print(f"{label}: {url}", flush=True)
        sections.append(table(label, measure(url, args.repeat)))
    title = "PostgreSQL" if kind == "postgresql" else "SQLite"
    load = os.getloadavg()
    text = (
        f"## Exports: {title}\n\n"
        f"- Run on {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, commit {git_commit()}\n"
        f"- Machine: {machine()}; load average at the end {load[0]:.1f} "
        "(the machine is shared: other work ran at the same time)\n"
        f"- gunicorn, 1 sync worker, default 30 s timeout; best of {args.repeat} runs; "
        f"run took {time.time() - started:.0f} s\n"
        "- *Database's own CSV*: the same SQL as the export, run by "
        + (
            '`psql -c "COPY (...) TO STDOUT WITH CSV"`'
            if kind == "postgresql"
            else "`sqlite3 -csv`"
        )
        + " (for the annual report: its cases' dated columns); *Ratio*: whole export / that\n"
        "- Peak memory: the gunicorn worker's VmHWM during the download (reset before each), or "
        "the `flask jobs run build_exports` process's maximum RSS\n\n" + "\n".join(sections)
    )
    write_section(args.output, f"exports-{kind}", text)
    print(text)


if __name__ == "__main__":
    main()
