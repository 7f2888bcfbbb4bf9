"""`scripts/run-local.sh` (what `make run` serves with) as a newcomer meets it, in a real
pseudo-terminal: the banner names the address actually served, links in emails follow PORT,
Ctrl+C stops the web app and the scheduler with status 0 and nothing alarming printed, and a
port already in use is said plainly."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.smtp import free_port

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "run-local.sh"
FLASK = ROOT / ".venv" / "bin" / "flask"
ALARMING = ("Traceback", "Error", "error:", "Segmentation", "Terminated", "Killed", "make: ***")


def _build_demo_database(tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    """A SQLite database built the way `make run` builds it (a file of its own, not the test
    session's database)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('run-local') / 'engage.sqlite'}"
    env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "engage"}
    for command in (["db", "upgrade"], ["seed-demo"]):
        done = subprocess.run(  # noqa: S603 - our own CLI
            [str(FLASK), *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stdout + done.stderr
    return url


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory) -> str:
    return _build_demo_database(tmp_path_factory)


@pytest.fixture
def fresh_demo_database(tmp_path_factory) -> str:
    """Seeded and never served yet: the scheduler's first scan still has warnings to send."""
    return _build_demo_database(tmp_path_factory)


@dataclass
class Terminal:
    """A process on the child side of a pseudo-terminal, as if typed at a shell prompt."""

    pid: int
    fd: int
    output: str = ""
    status: int | None = field(default=None)

    def read_until(self, text: str, timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} within {timeout}s:\n{self.output}")
            if not self._read(1):
                raise AssertionError(f"ended before {text!r}:\n{self.output}")
        return self.output

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if ready:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:  # the child side closed
                return False
            if not chunk:
                return False
            self.output += chunk.decode(errors="replace").replace("\r\n", "\n")
        return True

    def press_ctrl_c(self) -> None:
        """What a terminal does on Ctrl+C: its line discipline sends SIGINT to the foreground
        process group (the script, the web app and the scheduler, and make when it is there)."""
        os.write(self.fd, b"\x03")

    def wait(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while self.status is None:
            self._read(0.2)
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                while self._read(0.2):
                    pass
                self.status = os.waitstatus_to_exitcode(status)
            elif time.monotonic() > deadline:
                os.killpg(self.pid, signal.SIGKILL)
                raise AssertionError(f"still running after {timeout}s:\n{self.output}")
        return self.status


@pytest.fixture
def terminal() -> Iterator:  # type: ignore[type-arg]
    started: list[Terminal] = []

    def start(argv: list[str], env: dict[str, str]) -> Terminal:
        pid, fd = pty.fork()
        if pid == 0:  # the child: a session leader with the pty as its controlling terminal
            try:
                os.chdir(ROOT)
                os.execve(argv[0], argv, env)  # noqa: S606 - our own script, no shell
            finally:
                os._exit(127)
        started.append(Terminal(pid, fd))
        return started[-1]

    yield start
    for term in started:
        if term.status is None:
            try:
                os.killpg(term.pid, signal.SIGKILL)
                os.waitpid(term.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        os.close(term.fd)


def _env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BASE_URL", "HOST", "PORT")}
    return {**env, "DATABASE_URL": database_url, "MAIL_TRANSPORT": "console", **extra}


def _children(pid: int) -> list[int]:
    """Every descendant of `pid` (from /proc), e.g. the two `flask` processes."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == parent]
        found += kids
        frontier += kids
    return found


def _flask_processes(pid: int) -> dict[str, int]:
    named = {}
    for child in _children(pid):
        try:
            argv = (Path("/proc") / str(child) / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        words = [a.decode() for a in argv]
        if any(w.endswith("flask") for w in words[:2]) and ("run" in words or "scheduler" in words):
            named["web" if "run" in words else "scheduler"] = child
    return named


def _environment(pid: int) -> dict[str, str]:
    raw = (Path("/proc") / str(pid) / "environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


def _gone(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


def _sla_email_bodies(database_url: str, after_id: int = 0) -> list[str]:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return list(
                conn.execute(
                    sa.text(
                        "SELECT body_text FROM outbox_emails WHERE template IN "
                        "('sla_breach', 'sla_due_soon') AND body_text IS NOT NULL AND id > :id"
                    ),
                    {"id": after_id},
                ).scalars()
            )
    finally:
        engine.dispose()


def _last_email_id(database_url: str) -> int:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT MAX(id) FROM outbox_emails")).scalar() or 0)
    finally:
        engine.dispose()


def _stop_cleanly(term: Terminal, processes: dict[str, int]) -> str:
    term.press_ctrl_c()
    assert term.wait() == 0, term.output
    for name, pid in processes.items():
        assert _gone(pid), f"the {name} still runs after Ctrl+C"
    after = term.output
    assert after.rstrip().endswith("Engage stopped."), after
    for word in ALARMING:
        assert word not in after, (word, after)
    return after


def test_the_banner_names_the_port_served_and_email_links_follow_it(terminal, fresh_demo_database):
    demo_database = fresh_demo_database
    port = free_port()
    seeded = _last_email_id(demo_database)  # the demo's history, linking to the default
    term = terminal([str(SCRIPT)], _env(demo_database, PORT=str(port)))
    output = term.read_until("Ctrl+C stops the web app and the scheduler.")
    url = f"http://127.0.0.1:{port}"
    assert f"Engage is running: {url}  (staff sign-in: {url}/staff/sign-in)" in output
    assert f"Links in emails use BASE_URL={url}." in output
    assert ":5000" not in output

    # The banner is printed once the address answers: the public and staff pages are there.
    for path in ("/", "/staff/sign-in"):
        with urllib.request.urlopen(url + path, timeout=10) as response:  # noqa: S310 - loopback
            assert response.status == 200

    processes = _flask_processes(term.pid)
    assert set(processes) == {"web", "scheduler"}
    for pid in processes.values():
        assert _environment(pid)["BASE_URL"] == url

    # The scheduler's first scan (it runs at start) wrote warnings linking to this port.
    deadline = time.monotonic() + 60
    while not (bodies := _sla_email_bodies(demo_database, seeded)):
        assert time.monotonic() < deadline, term.output
        time.sleep(0.5)
    links = {m for body in bodies for m in re.findall(r"https?://\S+/staff/cases/\S+", body)}
    assert links and all(link.startswith(f"{url}/staff/cases/C-") for link in links), links

    _stop_cleanly(term, processes)


def test_an_explicit_base_url_and_host_are_kept(terminal, demo_database):
    port = free_port()
    env = _env(demo_database, PORT=str(port), HOST="0.0.0.0")  # noqa: S104 - the test of HOST
    env["BASE_URL"] = "https://engage.example.gov.uk"
    term = terminal([str(SCRIPT)], env)
    output = term.read_until("Ctrl+C stops the web app and the scheduler.")
    # Served on every interface; the banner gives the address that reaches it from here.
    assert f"Engage is running: http://127.0.0.1:{port}  " in output
    assert "Links in emails use BASE_URL=https://engage.example.gov.uk." in output
    processes = _flask_processes(term.pid)
    assert _environment(processes["web"])["BASE_URL"] == "https://engage.example.gov.uk"
    _stop_cleanly(term, processes)


def test_ctrl_c_pressed_three_times_still_stops_cleanly(terminal, demo_database):
    term = terminal([str(SCRIPT)], _env(demo_database, PORT=str(free_port())))
    term.read_until("Ctrl+C stops the web app and the scheduler.")
    processes = _flask_processes(term.pid)
    for _ in range(3):
        term.press_ctrl_c()
        time.sleep(0.05)
    assert term.wait() == 0, term.output
    assert all(_gone(pid) for pid in processes.values())
    assert term.output.count("Engage stopped.") == 1
    for word in ALARMING:
        assert word not in term.output, (word, term.output)


def test_a_supervisors_sigterm_stops_both_with_status_0(terminal, demo_database):
    term = terminal([str(SCRIPT)], _env(demo_database, PORT=str(free_port())))
    term.read_until("Ctrl+C stops the web app and the scheduler.")
    term.read_until("Scheduler started with")
    processes = _flask_processes(term.pid)
    os.kill(term.pid, signal.SIGTERM)
    assert term.wait() == 0, term.output
    assert all(_gone(pid) for pid in processes.values())
    assert "Scheduler stopped" in term.output


def test_ctrl_c_under_make_run_prints_nothing_alarming(terminal, demo_database):
    """`make run` (setup taken as done): the script ends with 0 and says so; make itself,
    like any program interrupted by Ctrl+C, ends by the interrupt (shells show 130) and, as the
    script succeeded, prints no error of its own."""
    port = free_port()
    make = shutil.which("make")
    assert make is not None
    term = terminal([make, "-o", "setup", "run"], _env(demo_database, PORT=str(port)))
    term.read_until("Ctrl+C stops the web app and the scheduler.", timeout=180)
    processes = _flask_processes(term.pid)
    assert set(processes) == {"web", "scheduler"}
    term.press_ctrl_c()
    assert term.wait() == -signal.SIGINT, term.output
    assert all(_gone(pid) for pid in processes.values())
    assert term.output.rstrip().endswith("Engage stopped."), term.output
    for word in ALARMING:
        assert word not in term.output, (word, term.output)


def test_a_port_already_in_use_is_said_plainly(terminal, demo_database):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        term = terminal([str(SCRIPT)], _env(demo_database, PORT=str(port)))
        assert term.wait() == 1
    assert f"Something is already serving http://127.0.0.1:{port}" in term.output
    assert "PORT=5050 make run" in term.output
    assert "Engage is running" not in term.output


@pytest.mark.parametrize("port", ["abc", "0", "70000", "5000;rm", "-1", "9" * 5000])
def test_an_impossible_port_is_refused(terminal, demo_database, port):
    term = terminal([str(SCRIPT)], _env(demo_database, PORT=port))
    assert term.wait() == 2
    assert "PORT must be a number from 1 to 65535" in term.output


def test_the_script_is_what_make_run_calls():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "./scripts/run-local.sh" in recipe


@pytest.mark.parametrize("host", ["a b", "$(id)", "x" * 300, "127.0.0.1;id", "\x01"])
def test_an_impossible_host_is_refused(terminal, demo_database, host):
    term = terminal([str(SCRIPT)], _env(demo_database, PORT=str(free_port()), HOST=host))
    assert term.wait() == 2
    assert "HOST must be a host name or an IP address" in term.output
    assert "Engage is running" not in term.output
