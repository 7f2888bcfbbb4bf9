"""Shared fixtures: one database per test session (SQLite file, or a fresh PostgreSQL
database when TEST_DATABASE_URL/DATABASE_URL names one), emptied after every test; a test
client that checks every page it fetches; signed-in clients per role."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from engage import create_app
from engage.extensions import db
from tests.browser.report import pytest_terminal_summary  # noqa: F401  (screenshots folder)
from tests.databases import fresh_database
from tests.pagecheck import check_page

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    with fresh_database(tmp_path_factory.mktemp("db"), "engage_test") as url:
        yield url


class CheckedClient(FlaskClient):
    """A test client that checks the quality of every HTML page it gets."""

    check_pages = True

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().open(*args, **kwargs)
        content_type = response.headers.get("Content-Type", "")
        redirect = 300 <= response.status_code < 400
        if self.check_pages and content_type.startswith("text/html") and not redirect:
            path = args[0] if args and isinstance(args[0], str) else ""
            check_page(response.get_data(as_text=True), path)
        return response


TEST_CONFIG = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,
    "FAST_PASSWORD_HASHING": True,
    "RATELIMIT_ENABLED": False,
    "MAIL_TRANSPORT": "console",
    "SERVER_NAME": None,
    "PERFORMANCE_CACHE_SECONDS": 0,  # each test builds its own data; ids repeat between tests
    # Background exports' files: a folder of this test process, not instance/.
    "EXPORT_DIR": os.path.join(tempfile.gettempdir(), f"engage-test-exports-{os.getpid()}"),
}


def make_app(database_url: str, **overrides) -> Flask:
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **overrides})
    app.test_client_class = CheckedClient
    return app


@pytest.fixture(scope="session")
def _schema(database_url: str) -> Iterator[None]:
    app = make_app(database_url)
    with app.app_context():
        db.create_all()
    yield
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _empty_all_tables() -> None:
    db.session.remove()
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def app(database_url: str, _schema) -> Iterator[Flask]:
    app = make_app(database_url)
    with app.app_context():
        yield app
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def csrf_app(database_url: str, _schema) -> Iterator[Flask]:
    """An app with CSRF protection on, as in production."""
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> CheckedClient:
    return app.test_client()  # type: ignore[return-value]


def sign_in_client(app: Flask, user, password: str = "correct-horse-battery") -> FlaskClient:
    """A client signed in as `user` through the real sign-in form."""
    client = app.test_client()
    response = client.post("/staff/sign-in", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


@pytest.fixture
def login(app: Flask):
    """login(user) -> a client signed in as that user (factories use the default password)."""
    return lambda user, password="correct-horse-battery": sign_in_client(app, user, password)


@contextmanager
def count_queries(engine=None) -> Iterator[list[str]]:
    """Collect SQL statements run inside the block."""
    statements: list[str] = []
    engine = engine or db.engine

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
