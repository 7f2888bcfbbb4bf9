"""Mail in against a real IMAP server (Dovecot on loopback): stored first and once, moved to
Processed only after the commit, received time from INTERNALDATE in Europe/London."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime

from engage.calendar import london_date
from engage.extensions import db
from engage.mailin.imap import fetch_mailbox
from engage.mailin.models import InboundMessage, MailFetch
from tests.conftest import ROOT


def mail(n: int, *, message_id: bool = True, subject: str = "A question") -> bytes:
    head = f"From: Ann Person <ann{n}@example.org>\r\nTo: enquiries@example.gov.uk\r\n"
    if message_id:
        head += f"Message-ID: <m{n}@example.org>\r\n"
    head += f"Subject: {subject} {n}\r\nDate: Mon, 1 Jun 2026 09:00:00 +0000\r\n"
    return (head + f"\r\nPlease send me table {n}.\r\n").encode()


def rows() -> list[InboundMessage]:
    db.session.expire_all()
    return list(db.session.execute(db.select(InboundMessage).order_by(InboundMessage.id)).scalars())


def test_fetch_stores_each_message_then_moves_it_to_processed(app, imap):
    imap.append(mail(1))
    imap.append(mail(2, message_id=False))
    summary = fetch_mailbox()
    assert summary.startswith("2 stored, 0 already stored")
    stored = rows()
    assert [r.raw for r in stored] == [mail(1), mail(2, message_id=False)]
    assert [r.status for r in stored] == ["new", "new"]
    assert stored[0].from_address == "ann1@example.org"
    # moved, never deleted: the server keeps every message, byte for byte
    assert imap.count("INBOX") == 0
    assert imap.messages("Processed") == [mail(1), mail(2, message_id=False)]
    # a second run finds nothing new
    assert fetch_mailbox().startswith("0 stored, 0 already stored")
    assert len(rows()) == 2
    (first, second) = db.session.execute(db.select(MailFetch)).scalars().all()
    assert (first.stored, second.stored, first.error) == (2, 0, None)


def test_the_same_message_delivered_twice_is_stored_once(app, imap):
    imap.append(mail(1))
    imap.append(mail(1))  # the same Message-ID twice (a resend, a second delivery)
    imap.append(mail(2, message_id=False))
    imap.append(mail(2, message_id=False))  # no Message-ID: the same bytes
    assert fetch_mailbox().startswith("2 stored, 2 already stored")
    assert len(rows()) == 2
    assert imap.count("Processed") == 4  # the server keeps every copy


def test_a_message_id_used_again_for_another_message_loses_nothing(app, imap):
    # Software that sends every message with the same Message-ID (or "<>") must not have its
    # second message dropped as a duplicate; the same message with another Received: line
    # (delivered twice on the way) is still one.
    imap.append(mail(1))
    # another message, sent later with the same ID
    imap.append(mail(1).replace(b"table 1", b"table 99").replace(b"09:00:00", b"10:15:00"))
    imap.append(b"Received: from mx2 by mx; Mon, 1 Jun 2026 09:00:05 +0000\r\n" + mail(1))
    imap.append(mail(3).replace(b"<m3@example.org>", b"<>"))
    imap.append(mail(4).replace(b"<m4@example.org>", b"<>"))
    assert fetch_mailbox().startswith("4 stored, 1 already stored")
    assert [r.raw.rsplit(b"\r\n\r\n", 1)[1] for r in rows()] == [
        b"Please send me table 1.\r\n",
        b"Please send me table 99.\r\n",
        b"Please send me table 3.\r\n",
        b"Please send me table 4.\r\n",
    ]


def test_received_time_is_internaldate_in_london(app, imap):
    # 23:30 UTC on 15 June 2026 is 00:30 on 16 June in London (British Summer Time); the
    # sender's Date: says 1 June and is ignored.
    arrived = datetime(2026, 6, 15, 23, 30, tzinfo=UTC)
    imap.append(mail(1), when=arrived)
    fetch_mailbox()
    (row,) = rows()
    assert row.received_at == arrived
    assert london_date(row.received_at) == date(2026, 6, 16)


def test_an_oversized_message_is_refused_with_a_reason_and_kept_on_the_server(app, imap):
    app.config["MAIL_IN_MAX_BYTES"] = 2000
    big = mail(1)[:-2] + b"x" * 5000 + b"\r\n"
    imap.append(big)
    imap.append(mail(2))
    fetch_mailbox()
    refused, normal = rows()
    assert refused.status == "refused" and refused.raw is None
    assert "Larger than" in refused.status_reason and refused.message_id == "<m1@example.org>"
    assert normal.status == "new"
    assert imap.messages("Engage failed") == [big]
    assert imap.messages("Processed") == [mail(2)]


FETCHER = """
import json, sys
from engage import create_app
from engage.mailin.imap import fetch_mailbox

app = create_app(json.loads(sys.argv[1]))
with app.app_context():
    print(fetch_mailbox(), flush=True)
"""


def _fetcher(app, database_url, imap, **extra):  # type: ignore[no-untyped-def]
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_ENABLED": False,
        "MAIL_FROM": app.config["MAIL_FROM"],
        **imap.config(),
        **extra,
    }
    return subprocess.Popen(
        [sys.executable, "-c", FETCHER, json.dumps(config)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_fetcher_killed_between_storing_and_moving(app, imap, database_url, tmp_path):
    imap.append(mail(1))
    marker = tmp_path / "stored"
    pause = {"phase": "stored", "marker": str(marker), "seconds": 60}
    fetcher = _fetcher(app, database_url, imap, MAIL_IN_TEST_PAUSE=pause)
    try:
        deadline = time.monotonic() + 60
        while not (marker.exists() and marker.read_text() == "stored"):
            assert fetcher.poll() is None, fetcher.communicate()
            assert time.monotonic() < deadline, "the fetcher never stored the message"
            time.sleep(0.02)
        os.kill(fetcher.pid, signal.SIGKILL)
    finally:
        if fetcher.poll() is None:
            fetcher.kill()
        fetcher.communicate()
    assert fetcher.returncode == -signal.SIGKILL
    # stored (committed) but not moved, not yet read
    (row,) = rows()
    assert row.status == "pending"
    assert imap.count("INBOX") == 1 and imap.count("Processed") == 0
    # the next run stores nothing new, moves it once, and reads it
    assert fetch_mailbox().startswith("0 stored, 1 already stored")
    (row,) = rows()
    assert row.status == "new"
    assert imap.count("INBOX") == 0
    assert imap.messages("Processed") == [mail(1)]


def test_two_fetchers_at_once_store_and_move_each_message_once(app, imap, database_url):
    sent = [mail(n) for n in range(60)]  # more than one commit group when read
    for raw in sent:
        imap.append(raw)
    fetchers = [_fetcher(app, database_url, imap) for _ in range(2)]
    outputs = [f.communicate(timeout=120) for f in fetchers]
    assert [f.returncode for f in fetchers] == [0, 0], outputs
    stored = rows()
    assert sorted(r.raw for r in stored) == sorted(sent)
    assert {r.status for r in stored} == {"new"}
    assert imap.count("INBOX") == 0
    assert sorted(imap.messages("Processed")) == sorted(sent)


def test_flask_mail_fetch_with_the_server_down_says_so_in_one_line(app):
    from tests.mailin.dovecot import free_port

    app.config.update(
        MAIL_IN_IMAP_HOST="127.0.0.1",
        MAIL_IN_IMAP_PORT=free_port(),  # nothing listens there
        MAIL_IN_IMAP_TLS=False,
        MAIL_IN_IMAP_USER="engage",
        MAIL_IN_IMAP_PASSWORD="x",
        MAIL_IN_IMAP_TIMEOUT=5.0,
    )
    result = app.test_cli_runner().invoke(args=["mail", "fetch"])
    assert result.exit_code == 1
    assert "Mail fetch failed (recorded for administrators): ConnectionRefusedError" in (
        result.output
    )
    assert "Traceback" not in result.output
    (fetch,) = db.session.execute(db.select(MailFetch)).scalars().all()
    assert fetch.error.startswith("ConnectionRefusedError")
