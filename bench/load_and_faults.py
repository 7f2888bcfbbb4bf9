"""Load and fault run (not part of the test suite): gunicorn with 4 workers on a fresh PostgreSQL
database, the scheduler, and an SMTP sink, all on loopback.

    .venv/bin/python bench/load_and_faults.py [--seconds 60] [--users 50]

- 50 concurrent public submitters for 60 seconds (fetch /contact for the CSRF token, post it,
  read the reference on the confirmation page);
- PostgreSQL restarted in the middle (pg_ctlcluster ... restart);
- the SMTP sink down for part of the run;
- the scheduler killed (SIGKILL) while a job is running, then restarted.

Then it checks: every confirmation shown matches exactly one stored case; every email in the
outbox marked sent was delivered exactly once (by Message-ID, as the sink saw it); emails left
"uncertain" (the scheduler killed between recording "finishing" and recording the server's 250)
are counted apart, with whether the sink has them, and none was resent automatically (received
at most once); a final SLA scan finds no warning left to send (none missed) and no warning was
sent twice. It prints a table and writes bench/load-results.md.
"""

from __future__ import annotations

import argparse
import collections
import http.cookiejar
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime
from email import message_from_bytes
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PG_BASE = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
RESULTS = ROOT / "bench" / "load-results.md"
LOGS = Path(tempfile.gettempdir())  # gunicorn and scheduler output, for a look after a run


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------- SMTP sink


class Sink:
    """aiosmtpd on loopback that can be stopped and started; counts Message-IDs."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.seen: collections.Counter[str] = collections.Counter()
        self.lock = threading.Lock()
        self.controller = None

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        message = message_from_bytes(envelope.content)
        with self.lock:
            self.seen[str(message.get("Message-ID", "")).strip()] += 1
        return "250 OK"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


# ---------------------------------------------------------------- public submitters


REFERENCE = re.compile(r"Your reference number<br><strong>([^<]+)</strong>")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.confirmed: list[str] = []
        self.server_errors: list[tuple[float, int]] = []
        self.connection_errors: list[float] = []
        self.other: collections.Counter[int] = collections.Counter()
        self.attempts = 0


def submitter(base: str, stop_at: float, stats: Stats, n: int, t0: float) -> None:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    rng = random.Random(n)
    while time.time() < stop_at:
        with stats.lock:
            stats.attempts += 1
        try:
            page = opener.open(f"{base}/contact", timeout=30).read().decode()
            token = CSRF.search(page)
            body = urllib.parse.urlencode(
                {
                    "csrf_token": token.group(1) if token else "",
                    "kind": "enquiry",
                    "output_id": "",  # the select's first option, as a browser sends it
                    "requester_address": "",
                    "requester_name": f"Load Tester {n}",
                    "requester_email": f"load{n}-{uuid.uuid4().hex[:8]}@example.org",
                    "message": "How many cases were there in 2025? " * rng.randint(1, 5),
                    "website": "",
                }
            ).encode()
            response = opener.open(f"{base}/contact", data=body, timeout=30)
            html = response.read().decode()
            match = REFERENCE.search(html)
            with stats.lock:
                if match:
                    stats.confirmed.append(match.group(1))
                else:
                    stats.other[response.status] += 1
        except urllib.error.HTTPError as error:
            with stats.lock:
                if error.code >= 500:
                    stats.server_errors.append((time.time() - t0, error.code))
                else:
                    stats.other[error.code] += 1
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            with stats.lock:
                stats.connection_errors.append(time.time() - t0)
        time.sleep(rng.uniform(0.05, 0.3))


# ---------------------------------------------------------------- helpers


def run(cmd: list[str], env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, cwd=ROOT, check=check, capture_output=True, text=True)


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except Exception:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


def restart_postgres() -> float:
    version = sorted(os.listdir("/etc/postgresql"))[0]
    started = time.time()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        capture_output=True,
    )
    return time.time() - started


def running_job(engine: sa.Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return conn.execute(
                sa.text(
                    "SELECT job_name FROM job_runs WHERE finished_at IS NULL "
                    "ORDER BY id DESC LIMIT 1"
                )
            ).scalar()
    except Exception:
        return None


def emails_in_flight(engine: sa.Engine) -> int:
    """Outbox rows a delivery run has claimed and not yet finished."""
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    sa.text(
                        "SELECT count(*) FROM outbox_emails "
                        "WHERE status IN ('sending', 'finishing')"
                    )
                ).scalar_one()
            )
    except Exception:
        return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=50)
    args = parser.parse_args()

    name = f"engage_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_BASE, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    db_url = PG_BASE.rsplit("/", 1)[0] + "/" + name
    web_port, smtp_port = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SECRET_KEY": "bench-" + uuid.uuid4().hex + uuid.uuid4().hex,
        "MAIL_TRANSPORT": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "SMTP_TIMEOUT": "5",
        "PUBLIC_FORM_RATE_LIMIT": "1000000 per minute",  # one client address: 50 submitters
        "SESSION_COOKIE_SECURE": "false",
        "BASE_URL": f"http://127.0.0.1:{web_port}",
    }
    env.pop("REDIS_URL", None)
    flask = str(VENV_BIN / "flask")
    print(f"database {name}; migrating and seeding ...", flush=True)
    run([flask, "db", "upgrade"], env)
    run([flask, "seed-demo"], env)

    sink = Sink(smtp_port)
    sink.start()
    gunicorn = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "-w", "4", "-b", f"127.0.0.1:{web_port}", "wsgi:app"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(LOGS / "engage-bench-gunicorn.log", "w"),  # noqa: SIM115
    )
    scheduler_log = open(LOGS / "engage-bench-scheduler.log", "w")  # noqa: SIM115
    scheduler = subprocess.Popen(
        [flask, "scheduler"], env=env, cwd=ROOT, stdout=scheduler_log, stderr=scheduler_log
    )
    engine = sa.create_engine(db_url, pool_pre_ping=True)
    base = f"http://127.0.0.1:{web_port}"
    events: list[tuple[float, str]] = []
    figures: dict[str, object] = {}
    try:
        wait_for(f"{base}/healthz")
        stats = Stats()
        t0 = time.time()
        stop_at = t0 + args.seconds
        threads = [
            threading.Thread(target=submitter, args=(base, stop_at, stats, n, t0), daemon=True)
            for n in range(args.users)
        ]
        for thread in threads:
            thread.start()

        def at(fraction: float) -> None:
            time.sleep(max(0.0, t0 + args.seconds * fraction - time.time()))

        at(0.10)
        sink.stop()
        events.append((time.time() - t0, "SMTP sink stopped"))
        at(0.35)
        pg_down_from = time.time() - t0
        took = restart_postgres()
        events.append((pg_down_from, f"PostgreSQL restarted ({took:.1f} s)"))
        # Recovery: the first healthy answer after the restart.
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).read()
                break
            except Exception:
                time.sleep(0.1)
        recovered = time.time() - t0
        events.append((recovered, "app healthy again"))
        figures["Seconds from PostgreSQL restart to healthy app"] = round(
            recovered - pg_down_from, 1
        )
        at(0.55)
        sink.start()
        events.append((time.time() - t0, "SMTP sink started again"))
        # Kill the scheduler in the middle of the email delivery job, while it is handing an
        # email to the SMTP server: the job runs every minute and has a backlog by now, so wait
        # (up to 90 s) for a run that has an email claimed ("sending" or "finishing").
        deadline = time.time() + 90
        job = None
        while time.time() < deadline:
            job = running_job(engine)
            if job == "deliver_emails" and emails_in_flight(engine):
                break
            time.sleep(0.005)
        in_flight = emails_in_flight(engine)
        job = running_job(engine) or (f"{job} (had finished before the kill)" if job else None)
        scheduler.send_signal(signal.SIGKILL)
        if job:
            job = f"{job}, with {in_flight} email(s) being handed to the SMTP server"
        scheduler.wait()
        events.append(
            (time.time() - t0, f"scheduler killed (SIGKILL) during job: {job or 'none running'}")
        )
        figures["Scheduler killed in the middle of a job"] = job or "no job was running"
        time.sleep(2)
        scheduler = subprocess.Popen(
            [flask, "scheduler"], env=env, cwd=ROOT, stdout=scheduler_log, stderr=scheduler_log
        )
        events.append((time.time() - t0, "scheduler restarted"))
        for thread in threads:
            thread.join()
        events.append((time.time() - t0, "load finished"))

        # Let the scheduler deliver everything; also run the delivery job by hand (under the
        # same lock) so a large backlog drains faster than one batch a minute. Rows a killed run
        # left "sending" or "finishing" are settled by the next run's recovery (queued again,
        # or uncertain), so they count as not drained yet.
        drain_deadline = time.time() + 600
        while time.time() < drain_deadline:
            with engine.connect() as conn:
                left = conn.execute(
                    sa.text(
                        "SELECT count(*) FROM outbox_emails "
                        "WHERE status IN ('queued', 'sending', 'finishing')"
                    )
                ).scalar_one()
            if left == 0:
                break
            run([flask, "jobs", "run", "deliver_emails"], env, check=False)
            time.sleep(2)
        events.append((time.time() - t0, "outbox drained"))

        # A final SLA scan must find nothing left to warn about (no warning missed).
        with engine.connect() as conn:
            sla_before = conn.execute(
                sa.text("SELECT count(*) FROM outbox_emails WHERE template LIKE 'sla%'")
            ).scalar_one()
        run([flask, "jobs", "run", "sla_scan"], env, check=False)
        with engine.connect() as conn:
            sla_after = conn.execute(
                sa.text("SELECT count(*) FROM outbox_emails WHERE template LIKE 'sla%'")
            ).scalar_one()
            refs = stats.confirmed
            stored = dict(
                conn.execute(
                    sa.text(
                        "SELECT reference, count(*) FROM cases WHERE channel = 'web' "
                        "GROUP BY reference"
                    )
                ).all()
            )
            emails = conn.execute(sa.text("SELECT id, status, template FROM outbox_emails")).all()
            sla_dupes = conn.execute(
                sa.text(
                    "SELECT count(*) FROM (SELECT to_address, subject, count(*) AS n "
                    "FROM outbox_emails WHERE template LIKE 'sla%' "
                    "GROUP BY to_address, subject HAVING count(*) > 1) AS d"
                )
            ).scalar_one()
        domain = "statistics.example.gov.uk"
        with_sink = dict(sink.seen)
        ids = {row.id: f"<outbox-{row.id}@{domain}>" for row in emails}
        sent = [row for row in emails if row.status == "sent"]
        uncertain = [row for row in emails if row.status == "uncertain"]
        settled = sent + uncertain  # uncertain: left for an admin, never resent automatically
        delivered_once = sum(1 for row in sent if with_sink.get(ids[row.id], 0) == 1)
        # Received twice is a duplicate whatever the row says (an uncertain one included).
        doubled = sum(1 for row in settled if with_sink.get(ids[row.id], 0) > 1)
        # Lost: marked sent but never received. An uncertain email the sink does not have is not
        # lost: an admin sees it and sends it again.
        never = sum(1 for row in sent if with_sink.get(ids[row.id], 0) == 0)
        uncertain_received = sum(1 for row in uncertain if with_sink.get(ids[row.id], 0) == 1)
        uncertain_missing = sum(1 for row in uncertain if with_sink.get(ids[row.id], 0) == 0)
        window = (pg_down_from - 1, recovered + 1)
        in_window = [e for e in stats.server_errors if window[0] <= e[0] <= window[1]]
        outside = [e for e in stats.server_errors if not window[0] <= e[0] <= window[1]]
        # 503 (with Retry-After) is the app's deliberate answer while its database is gone.
        unavailable = [e for e in in_window if e[1] == 503]
        in_window = [e for e in in_window if e[1] != 503]

        figures.update(
            {
                "Concurrent submitters": args.users,
                "Duration of load (s)": args.seconds,
                "Submissions attempted": stats.attempts,
                "Confirmation pages shown": len(refs),
                "Confirmed references stored exactly once": sum(
                    1 for r in refs if stored.get(r) == 1
                ),
                "Confirmed references lost (not stored)": sum(1 for r in refs if r not in stored),
                "Confirmed references stored twice or more": sum(
                    1 for r in refs if stored.get(r, 0) > 1
                ),
                "Web cases stored without a confirmation shown": len(set(stored) - set(refs)),
                "Server errors (5xx) outside the PostgreSQL restart": len(outside),
                "Server errors (500) during the PostgreSQL restart": len(in_window),
                "'Service unavailable' pages (503) during the PostgreSQL restart": len(unavailable),
                "Connection errors": len(stats.connection_errors),
                "Other answers": dict(stats.other) or 0,
                "Emails in the outbox": len(emails),
                "Emails still queued, being sent or failed": len(emails) - len(settled),
                "Emails delivered exactly once": delivered_once,
                "Emails delivered twice or more": doubled,
                "Emails marked sent but never received": never,
                "Emails left uncertain for an admin": len(uncertain),
                "Uncertain emails the sink received (once)": uncertain_received,
                "Uncertain emails the sink never received": uncertain_missing,
                "SLA warnings queued by a final scan (missed)": sla_after - sla_before,
                "SLA warnings doubled": sla_dupes,
            }
        )
    finally:
        for process in (scheduler, gunicorn):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
        sink.stop()
        engine.dispose()
        admin.dispose()  # its connections died with the PostgreSQL restart
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    width = max(len(k) for k in figures)
    lines = [f"{k:<{width}}  {v}" for k, v in figures.items()]
    print("\n".join(lines))
    print("\nTimeline:")
    for t, what in events:
        print(f"  {t:6.1f} s  {what}")
    must_be_zero = [
        "Confirmed references lost (not stored)",
        "Confirmed references stored twice or more",
        "Server errors (5xx) outside the PostgreSQL restart",
        "Server errors (500) during the PostgreSQL restart",
        "Emails still queued, being sent or failed",
        "Emails delivered twice or more",
        "Emails marked sent but never received",
        "SLA warnings queued by a final scan (missed)",
        "SLA warnings doubled",
    ]
    ok = all(figures.get(k) == 0 for k in must_be_zero)
    md = [
        "# Load and fault run",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `.venv/bin/python bench/load_and_faults.py`"
        f" (gunicorn 4 workers, PostgreSQL, scheduler, aiosmtpd sink, loopback).",
        "",
        "| Figure | Value |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in figures.items()],
        "",
        "Timeline:",
        "",
        *[f"- {t:.1f} s: {what}" for t, what in events],
        "",
        f"Result: {'PASS - zero errors, nothing lost or doubled' if ok else 'FAIL - see the figures above'}",
        "",
    ]
    RESULTS.write_text("\n".join(md))
    print(f"\n{'PASS' if ok else 'FAIL'}; written to {RESULTS.relative_to(ROOT)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
