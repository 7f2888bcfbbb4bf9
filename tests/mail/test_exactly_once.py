"""Exactly-once delivery across crashes of the deliverer, over a real SMTP server on loopback
and the real test database (SQLite or PostgreSQL).

Each outbox row goes queued -> sending (claimed) -> finishing (recorded just before the end of
the message) -> sent. A run that dies before "finishing" is resent exactly once by the next run
(the server discarded the unfinished message); a run that dies between "finishing" and recording
the server's 250 leaves the row "uncertain", which is never resent automatically.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from engage.extensions import db
from engage.mail.delivery import PhasedSMTP, deliver_due, recover_interrupted
from engage.mail.models import OutboxEmail
from engage.mail.outbox import queue_email

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def _queue(n: int = 1, body: str = "Body") -> list[OutboxEmail]:
    rows = [
        queue_email(f"person{i}@example.gov.uk", "generic", subject="Hello", body=body)
        for i in range(n)
    ]
    for row in rows:
        row.next_attempt_at = T0
    db.session.commit()
    return rows


def _rows() -> list[OutboxEmail]:
    db.session.rollback()
    db.session.expire_all()
    return list(db.session.execute(db.select(OutboxEmail).order_by(OutboxEmail.id)).scalars())


def _status_seen_by_another_connection(engine: sa.Engine, row_id: int) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(
                sa.text("SELECT status FROM outbox_emails WHERE id = :id"), {"id": row_id}
            ).scalar_one()
        )


def _leave_in_progress(row: OutboxEmail, status: str) -> None:
    """What a deliverer that died at that phase leaves behind (its claim, its own token)."""
    row.status = status
    row.claimed_at = T0
    row.claim_token = "a-run-that-died"
    row.attempts = 1
    db.session.commit()


# ------------------------------------------------------------------ database faults


@contextmanager
def database_refuses(status: str) -> Iterator[threading.Event]:
    """A real trigger in the test database that makes every write of `status` to an outbox row
    fail with an error (on PostgreSQL the "cannot connect now" error a restarting server gives).
    Setting the yielded event from any thread lifts the refusal at once."""
    engine = db.engine
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        if postgres:
            conn.execute(
                sa.text(
                    "CREATE OR REPLACE FUNCTION engage_test_refuse() RETURNS trigger "
                    "LANGUAGE plpgsql AS $$ BEGIN IF NEW.status = TG_ARGV[0] THEN RAISE "
                    "EXCEPTION 'database unavailable (test fault)' USING ERRCODE = '57P03'; "
                    "END IF; RETURN NEW; END $$"
                )
            )
            conn.execute(
                sa.text(
                    "CREATE TRIGGER engage_test_refuse BEFORE UPDATE ON outbox_emails "
                    f"FOR EACH ROW EXECUTE FUNCTION engage_test_refuse('{status}')"
                )
            )
        else:
            conn.execute(
                sa.text(
                    "CREATE TRIGGER engage_test_refuse BEFORE UPDATE OF status ON outbox_emails "
                    f"WHEN NEW.status = '{status}' BEGIN "
                    "SELECT RAISE(ABORT, 'database unavailable (test fault)'); END"
                )
            )
    lift = threading.Event()
    lifted = threading.Lock()

    def drop() -> None:
        with lifted, engine.begin() as conn:
            if postgres:
                conn.execute(sa.text("DROP TRIGGER IF EXISTS engage_test_refuse ON outbox_emails"))
                conn.execute(sa.text("DROP FUNCTION IF EXISTS engage_test_refuse()"))
            else:
                conn.execute(sa.text("DROP TRIGGER IF EXISTS engage_test_refuse"))

    watcher = threading.Thread(target=lambda: lift.wait() and drop(), daemon=True)
    watcher.start()
    try:
        yield lift
    finally:
        lift.set()
        watcher.join(10)
        drop()


class Outage:
    """The database really goes away for the deliverer. PostgreSQL: the test database stops
    accepting connections and every connection to it is ended (as in a restart). SQLite:
    another connection holds an exclusive lock, so every read and write waits and then fails
    with "database is locked"."""

    def __init__(self, database_url: str) -> None:
        self.url = sa.engine.make_url(database_url)
        self.started = False
        self._sqlite: sqlite3.Connection | None = None

    def _admin(self) -> sa.Engine:
        return sa.create_engine(self.url.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def start(self) -> None:
        if self.started:
            return
        self.started = True
        if self.url.get_backend_name() == "postgresql":
            admin = self._admin()
            with admin.connect() as conn:
                name = self.url.database
                conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
                conn.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                )
            admin.dispose()
        else:
            self._sqlite = sqlite3.connect(
                str(self.url.database), isolation_level=None, check_same_thread=False
            )
            self._sqlite.execute("BEGIN EXCLUSIVE")

    def end(self) -> None:
        if not self.started:
            return
        if self.url.get_backend_name() == "postgresql":
            admin = self._admin()
            with admin.connect() as conn:
                conn.execute(
                    sa.text(f'ALTER DATABASE "{self.url.database}" ALLOW_CONNECTIONS true')
                )
            admin.dispose()
        elif self._sqlite is not None:
            self._sqlite.rollback()
            self._sqlite.close()
        self.started = False


# ------------------------------------------------------------------ a normal run


def test_a_normal_run_goes_through_the_phases_and_sends_exactly_once(app, smtp_sink):
    body = "First line\n.A line that starts with a dot\n.\nLast line"
    (row,) = _queue(1, body=body)
    engine, row_id = db.engine, row.id
    seen: dict[str, str] = {}
    smtp_sink.on_rcpt = lambda: seen.setdefault(
        "rcpt", _status_seen_by_another_connection(engine, row_id)
    )
    smtp_sink.on_data = lambda: seen.setdefault(
        "data", _status_seen_by_another_connection(engine, row_id)
    )

    result = deliver_due(T0)

    assert (result.sent, result.retrying, result.failed, result.uncertain) == (1, 0, 0, 0)
    # Claimed and committed before SMTP; "finishing" committed before the end of the message.
    assert seen == {"rcpt": "sending", "data": "finishing"}
    (stored,) = _rows()
    assert stored.status == "sent" and stored.sent_at == T0 and stored.attempts == 1
    assert stored.claimed_at == T0 and stored.claim_token
    (message,) = smtp_sink.messages
    # The copied DATA logic still quotes lines that start with a dot (and unquotes at the server).
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.rstrip("\n") == body

    for later in (1, 60, 24 * 60):
        assert deliver_due(T0 + timedelta(minutes=later)).sent == 0
    assert len(smtp_sink.messages) == 1


def test_the_console_transport_goes_from_sending_to_sent(app, tmp_path, capsys):
    app.config.update(MAIL_TRANSPORT="console", MAIL_CONSOLE_DIR=str(tmp_path))
    (row,) = _queue(1)
    assert str(deliver_due(T0)) == "sent 1, retrying 0, failed 0"
    (stored,) = _rows()
    assert stored.status == "sent" and stored.claimed_at == T0
    assert (tmp_path / f"{row.id}.eml").exists()
    assert deliver_due(T0 + timedelta(hours=1)).sent == 0


# ------------------------------------------------------------------ recovery


def test_a_row_left_sending_by_a_dead_run_is_sent_exactly_once_by_the_next(app, smtp_sink, caplog):
    (row,) = _queue(1)
    _leave_in_progress(row, "sending")
    caplog.set_level(logging.WARNING, logger="engage.mail.delivery")

    result = deliver_due(T0 + timedelta(minutes=1))

    assert result.requeued == 1 and result.sent == 1
    assert "requeued 1 left by an interrupted run" in str(result)
    (stored,) = _rows()
    assert stored.status == "sent" and stored.attempts == 2
    assert stored.claim_token != "a-run-that-died"
    assert len(smtp_sink.messages) == 1
    assert deliver_due(T0 + timedelta(hours=1)).sent == 0
    assert len(smtp_sink.messages) == 1
    logged = caplog.text
    assert f"email {row.id}" in logged and "person0" not in logged


def test_a_row_left_sending_after_its_retry_window_fails(app, smtp_sink):
    (row,) = _queue(1)
    _leave_in_progress(row, "sending")
    row.attempts = 3
    row.retry_until = T0
    db.session.commit()
    result = deliver_due(T0)
    assert (result.sent, result.requeued, result.failed) == (0, 0, 1)
    (stored,) = _rows()
    assert stored.status == "failed" and stored.failed_at == T0
    assert smtp_sink.messages == []


def test_a_row_left_finishing_becomes_uncertain_and_is_never_resent(app, smtp_sink, caplog):
    (row,) = _queue(1)
    _leave_in_progress(row, "finishing")
    caplog.set_level(logging.WARNING, logger="engage.mail.delivery")

    result = deliver_due(T0 + timedelta(minutes=1))

    assert result.uncertain == 1 and result.sent == 0
    assert str(result) == "sent 0, retrying 0, failed 0, uncertain 1"
    (stored,) = _rows()
    assert stored.status == "uncertain" and "may or may not" in stored.last_error
    for days in (1, 7, 30):
        assert deliver_due(T0 + timedelta(days=days)).sent == 0
    assert smtp_sink.messages == []
    assert _rows()[0].status == "uncertain"
    logged = caplog.text
    assert f"email {row.id} is uncertain" in logged and "person0" not in logged


# ------------------------------------------------------------------ database failures


def test_a_failed_write_of_finishing_means_the_server_gets_nothing(app, smtp_sink):
    (row,) = _queue(1)
    with database_refuses("finishing"), pytest.raises(sa.exc.DBAPIError):
        deliver_due(T0)
    time.sleep(0.2)
    assert smtp_sink.messages == []  # the end of the message was never sent
    (stored,) = _rows()
    assert stored.status == "sending"  # left to recovery

    result = deliver_due(T0 + timedelta(minutes=1))
    assert result.requeued == 1 and result.sent == 1
    assert len(smtp_sink.messages) == 1
    assert _rows()[0].status == "sent"


def test_the_database_going_away_before_the_end_means_the_server_gets_nothing(
    app, smtp_sink, database_url
):
    (row,) = _queue(1)
    outage = Outage(database_url)
    smtp_sink.on_rcpt = outage.start  # claimed and committed; the database goes now
    try:
        with pytest.raises(sa.exc.OperationalError):
            deliver_due(T0)
        assert outage.started
        time.sleep(0.2)
        assert smtp_sink.messages == []
    finally:
        smtp_sink.on_rcpt = None
        outage.end()

    (stored,) = _rows()
    assert stored.status == "sending"
    result = deliver_due(T0 + timedelta(minutes=1))
    assert result.requeued == 1 and result.sent == 1
    assert len(smtp_sink.messages) == 1
    assert _rows()[0].status == "sent"


def test_recording_sent_is_retried_while_the_database_is_unavailable(app, smtp_sink, caplog):
    (row,) = _queue(1)
    caplog.set_level(logging.WARNING, logger="engage.mail.delivery")
    with database_refuses("sent") as lift:
        # The server has the message; the database refuses "sent" for about a second.
        smtp_sink.on_data = lambda: threading.Timer(1.0, lift.set).start()
        result = deliver_due(T0)
        smtp_sink.on_data = None
    assert result.sent == 1
    assert f"email {row.id} was accepted by the mail server; recording it failed" in caplog.text
    (stored,) = _rows()
    assert stored.status == "sent" and stored.sent_at == T0
    assert len(smtp_sink.messages) == 1


def test_sent_that_cannot_be_recorded_in_time_becomes_uncertain_not_resent(app, smtp_sink):
    app.config["MAIL_SENT_RECORD_SECONDS"] = 0.6
    (row,) = _queue(1)
    with database_refuses("sent"), pytest.raises(sa.exc.DBAPIError):
        deliver_due(T0)
    assert len(smtp_sink.messages) == 1
    assert _rows()[0].status == "finishing"

    result = deliver_due(T0 + timedelta(minutes=1))
    assert result.uncertain == 1 and result.sent == 0
    assert _rows()[0].status == "uncertain"
    assert len(smtp_sink.messages) == 1


# ------------------------------------------------------------------ the server's reply to the end


def test_a_4xx_reply_to_the_end_of_the_message_is_retried(app, smtp_sink):
    _queue(1)
    smtp_sink.mode = "tempfail-data"
    result = deliver_due(T0)
    assert result.retrying == 1
    (stored,) = _rows()
    assert stored.status == "queued" and stored.attempts == 1
    assert stored.last_error.startswith("SMTP 451")
    assert T0 + timedelta(seconds=30) <= stored.next_attempt_at <= T0 + timedelta(seconds=60)
    assert smtp_sink.messages == []

    smtp_sink.mode = "accept"
    assert deliver_due(stored.next_attempt_at).sent == 1
    assert len(smtp_sink.messages) == 1
    assert _rows()[0].status == "sent"


def test_a_5xx_reply_to_the_end_of_the_message_fails_for_good(app, smtp_sink):
    _queue(1)
    smtp_sink.mode = "permfail-data"
    result = deliver_due(T0)
    assert (result.sent, result.retrying, result.failed) == (0, 0, 1)
    (stored,) = _rows()
    assert stored.status == "failed" and stored.last_error.startswith("SMTP 554")
    smtp_sink.mode = "accept"
    assert deliver_due(T0 + timedelta(days=1)).sent == 0
    assert smtp_sink.messages == []


def test_no_reply_to_the_end_of_the_message_makes_it_uncertain(app, smtp_sink):
    app.config.update(SMTP_TIMEOUT=1.5, SMTP_END_OF_DATA_TIMEOUT=1.5)
    _queue(2)
    smtp_sink.mode = "slow-data"
    smtp_sink.reply_delay = 5.0
    result = deliver_due(T0)
    # The first message reached the server but its reply did not come in time; the second is
    # tried on a new connection and the server is just as slow.
    assert result.uncertain == 2 and result.sent == 0
    assert [r.status for r in _rows()] == ["uncertain", "uncertain"]
    assert "No reply after the end of the message" in _rows()[0].last_error

    smtp_sink.mode = "accept"
    assert deliver_due(T0 + timedelta(days=1)).sent == 0
    assert len(smtp_sink.messages) == 2  # received once each, never resent


def test_the_reply_to_the_end_of_the_message_is_awaited_longer_than_other_replies(app, smtp_sink):
    """A slow server is not taken for a lost reply: the wait after the end of the message is
    SMTP_END_OF_DATA_TIMEOUT (at least), not SMTP_TIMEOUT."""
    app.config.update(SMTP_TIMEOUT=1.0, SMTP_END_OF_DATA_TIMEOUT=10)
    _queue(1)
    smtp_sink.mode = "slow-data"
    smtp_sink.reply_delay = 2.5
    assert deliver_due(T0).sent == 1
    assert _rows()[0].status == "sent"


def test_a_connection_dropped_before_the_next_message_is_a_temporary_failure(app, smtp_sink):
    """The second message on a reused connection: the server closes it at MAIL FROM. Nothing of
    that message was ended, so it is retried (not uncertain), and sent once."""
    _queue(2)

    def drop_at_the_next_mail() -> None:
        smtp_sink.mode = "drop-at-mail"

    smtp_sink.on_data = drop_at_the_next_mail
    result = deliver_due(T0)
    smtp_sink.on_data = None
    assert (result.sent, result.retrying, result.uncertain) == (1, 1, 0)
    first, second = _rows()
    assert first.status == "sent" and second.status == "queued"
    assert deliver_due(second.next_attempt_at).sent == 1
    assert sorted(smtp_sink.recipients()) == ["person0@example.gov.uk", "person1@example.gov.uk"]


def test_the_end_of_the_message_is_not_held_back_by_nagles_algorithm(app, smtp_sink):
    """The few bytes of the end go out at once (TCP_NODELAY), not after a delayed ACK: that
    delay (~40 ms) would be added to every email and to the uncertain window."""
    connection = PhasedSMTP("127.0.0.1", smtp_sink.port, timeout=5)
    try:
        assert connection.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        connection.quit()


# ------------------------------------------------------------------ two runs at once


def test_a_run_whose_row_was_requeued_by_another_run_never_ends_its_message(app, smtp_sink):
    """If the job lock ever failed and a second run's recovery requeued this run's "sending"
    row, this run cannot record "finishing", so it closes the connection without the end."""
    (row,) = _queue(1)

    def another_run_recovers() -> None:
        with app.app_context():
            recover_interrupted(T0)
            db.session.remove()

    smtp_sink.on_rcpt = another_run_recovers
    result = deliver_due(T0)
    smtp_sink.on_rcpt = None
    assert result.sent == 0
    time.sleep(0.2)
    assert smtp_sink.messages == []
    assert _rows()[0].status == "queued"

    assert deliver_due(T0).sent == 1
    assert len(smtp_sink.messages) == 1


def test_a_row_marked_uncertain_by_another_run_is_put_right_by_its_owner(app, smtp_sink):
    (row,) = _queue(1)
    engine, row_id = db.engine, row.id
    seen: list[str] = []

    def another_run_recovers() -> None:
        with app.app_context():
            recover_interrupted(T0)
            db.session.remove()
        seen.append(_status_seen_by_another_connection(engine, row_id))

    smtp_sink.on_data = another_run_recovers
    result = deliver_due(T0)
    smtp_sink.on_data = None
    assert seen == ["uncertain"]  # the other run's recovery saw "finishing"
    assert result.sent == 1
    assert _rows()[0].status == "sent"  # the owner got the 250 and recorded it
    assert len(smtp_sink.messages) == 1


# ------------------------------------------------------------------ a real SIGKILL

DELIVERER = """
import json, sys
from datetime import datetime
from engage import create_app
from engage.mail.delivery import deliver_due

settings = json.loads(sys.argv[1])
app = create_app(settings["config"])
with app.app_context():
    print(deliver_due(datetime.fromisoformat(settings["now"])), flush=True)
"""


@pytest.mark.parametrize(
    ("phase", "left", "received_before", "after_next_run", "received_after"),
    [
        # Killed after the claim, before any SMTP: the next run sends it, once.
        ("claimed", "sending", 0, "sent", 1),
        # Killed after "finishing", before the end of the message: the server discarded it, but
        # the next run cannot know that: uncertain, not resent.
        ("finishing", "finishing", 0, "uncertain", 0),
        # Killed after the server's 250, before recording it: uncertain, not resent.
        ("accepted", "finishing", 1, "uncertain", 1),
    ],
)
def test_a_deliverer_killed_at_each_phase(
    app,
    smtp_sink,
    database_url,
    tmp_path,
    phase,
    left,
    received_before,
    after_next_run,
    received_after,
):
    (row,) = _queue(1)
    marker = tmp_path / "paused"
    settings = {
        "now": T0.isoformat(),
        "config": {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": False,
            "MAIL_TRANSPORT": "smtp",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": smtp_sink.port,
            "SMTP_TIMEOUT": 5,
            "SMTP_STARTTLS": False,
            "SMTP_USERNAME": "",
            "MAIL_FROM": app.config["MAIL_FROM"],
            "MAIL_TEST_PAUSE": {"phase": phase, "marker": str(marker), "seconds": 60},
        },
    }
    deliverer = subprocess.Popen(
        [sys.executable, "-c", DELIVERER, json.dumps(settings)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        # The marker is created, then written: wait for its text, not just the file.
        while not (marker.exists() and marker.read_text() == phase):
            assert deliverer.poll() is None, deliverer.communicate()
            assert time.monotonic() < deadline, "the deliverer never reached the phase"
            time.sleep(0.02)
        os.kill(deliverer.pid, signal.SIGKILL)
    finally:
        if deliverer.poll() is None:
            deliverer.kill()
        deliverer.communicate()
    assert deliverer.returncode == -signal.SIGKILL
    time.sleep(0.3)  # the server sees the connection close

    assert len(smtp_sink.messages) == received_before
    (stored,) = _rows()
    assert stored.status == left

    deliver_due(T0 + timedelta(minutes=1))
    assert _rows()[0].status == after_next_run
    assert len(smtp_sink.messages) == received_after
    deliver_due(T0 + timedelta(days=1))  # and nothing more, ever
    assert len(smtp_sink.messages) == received_after
    domain = app.config["MAIL_FROM"].rpartition("@")[2]
    assert set(smtp_sink.message_ids()) <= {f"<outbox-{row.id}@{domain}>"}
