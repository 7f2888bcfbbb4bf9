"""Browser test harness: Engage served by a real gunicorn process on 127.0.0.1 with its own
database (migrated with `flask db upgrade`, seeded with `flask seed-demo`), driven by Debian's
Chromium through Playwright. One server and one browser per test session (so one per
pytest-xdist worker); a fresh browser context and page per test."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from engage.seed import DEMO_STAFF
from tests.browser.helpers import sign_in
from tests.browser.report import SCREENSHOTS
from tests.databases import fresh_database

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BROWSER_DIR = Path(__file__).resolve().parent
# Demo staff (engage/seed.py) by the name before the @: admin, chief, cso, producer, producer2.
STAFF = {email.split("@")[0]: (email, password) for email, _name, _roles, password in DEMO_STAFF}


def pytest_collection_modifyitems(config, items) -> None:  # type: ignore[no-untyped-def]
    for item in items:
        if BROWSER_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    server = item.funcargs.get("engage_server") if hasattr(item, "funcargs") else None
    if report.failed and server is not None:
        report.sections.append(("Engage server log (last lines)", server.log_tail()))


# ---------------------------------------------------------------- the server and its database


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class EngageServer:
    url: str
    database_url: str
    log: Path

    def log_tail(self, lines: int = 60) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _server_env(database_url: str, base_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "ENGAGE_ENV"}}
    env.update(
        {
            "FLASK_APP": "engage",
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_urlsafe(32),
            "MAIL_TRANSPORT": "console",
            "RATELIMIT_ENABLED": "false",
            "REQUIRE_SECOND_FACTOR": "false",
            "SESSION_COOKIE_SECURE": "false",
            "BASE_URL": base_url,
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _run(args: list[str], env: dict[str, str], log: Path) -> None:
    with log.open("a") as out:
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-m", *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=180,
            check=False,
        )
    if done.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
        raise RuntimeError(f"`{' '.join(args)}` failed ({done.returncode}):\n{tail}")


def _wait_until_healthy(url: str, process: subprocess.Popen, server: EngageServer) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Engage server exited ({process.returncode}):\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"Engage server did not answer /healthz in 30s:\n{server.log_tail()}")


@pytest.fixture(scope="session")
def engage_server(tmp_path_factory) -> Iterator[EngageServer]:
    """Engage on a free port of 127.0.0.1, its own migrated and seeded database, served by
    gunicorn; stopped (and its database dropped) at the end of the session."""
    folder = tmp_path_factory.mktemp("engage-server")
    log = folder / "server.log"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with fresh_database(folder, "engage_browser") as database_url:
        env = _server_env(database_url, url)
        _run(["flask", "db", "upgrade"], env, log)
        _run(["flask", "seed-demo"], env, log)
        server = EngageServer(url=url, database_url=database_url, log=log)
        with log.open("a") as out:
            process = subprocess.Popen(  # noqa: S603
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "1",
                    "--worker-class",
                    "gthread",
                    "--threads",
                    "4",
                    "--timeout",
                    "60",
                    # Two xdist workers each run a server: no shared control socket.
                    "--no-control-socket",
                    "wsgi:app",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            _wait_until_healthy(url, process, server)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


# ---------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        raise RuntimeError(
            f"{CHROMIUM} is missing: run `make system-deps` (apt-get install chromium)"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


CONTEXT_OPTIONS = {
    "locale": "en-GB",
    "timezone_id": "Europe/London",
    "viewport": {"width": 1280, "height": 900},
}


class BrowserErrors:
    """JavaScript errors, Content-Security-Policy refusals and missing assets seen by a page:
    a real user would meet a broken page, so the test fails."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def watch(self, page) -> None:  # type: ignore[no-untyped-def]
        page.on("pageerror", lambda error: self.messages.append(f"page error: {error}"))
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, msg) -> None:  # type: ignore[no-untyped-def]
        # A page answered 404 on purpose logs "Failed to load resource"; broken assets are
        # caught by _response instead.
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            self.messages.append(f"console {msg.type}: {msg.text}")

    def _response(self, response) -> None:  # type: ignore[no-untyped-def]
        if response.status >= 400 and not response.request.is_navigation_request():
            self.messages.append(f"{response.status} for {response.url}")


@pytest.fixture
def browser_errors() -> Iterator[BrowserErrors]:
    errors = BrowserErrors()
    yield errors
    assert not errors.messages, "The browser reported errors:\n" + "\n".join(errors.messages)


def _new_context(browser, server: EngageServer, **options):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=server.url, **{**CONTEXT_OPTIONS, **options})
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def context(browser, engage_server) -> Iterator:
    ctx = _new_context(browser, engage_server)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context, browser_errors) -> Iterator:
    """A fresh page (own cookies) on the live server; relative URLs work: page.goto('/')."""
    tab = context.new_page()
    browser_errors.watch(tab)
    yield tab


@pytest.fixture
def no_js_page(browser, engage_server) -> Iterator:
    """A page in a browser context with JavaScript turned off."""
    ctx = _new_context(browser, engage_server, java_script_enabled=False)
    yield ctx.new_page()
    ctx.close()


@pytest.fixture(scope="session")
def _staff_sessions() -> dict[str, dict]:
    return {}


@pytest.fixture
def staff_page(
    browser, engage_server, browser_errors, _staff_sessions
) -> Iterator[Callable[[str], object]]:
    """staff_page("cso") -> a page signed in as that demo account (signed in through the real
    form once per session; later calls reuse the cookies). Signing out ends every session of
    an account, so journeys that sign out use "producer2", which is never cached here."""
    contexts = []

    def open_as(role: str):  # type: ignore[no-untyped-def]
        assert role != "producer2", "producer2 is kept for the sign-in and sign-out journey"
        email, password = STAFF[role]
        state = _staff_sessions.get(role)
        ctx = _new_context(browser, engage_server, storage_state=state)
        contexts.append(ctx)
        tab = ctx.new_page()
        browser_errors.watch(tab)
        if state is None:
            sign_in(tab, email, password)
            _staff_sessions[role] = ctx.storage_state()
        return tab

    yield open_as
    for ctx in contexts:
        ctx.close()


@pytest.fixture(scope="session", autouse=True)
def _screenshot_folder() -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
