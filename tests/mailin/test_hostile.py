"""Hostile mail: each is stored or refused with a reason, never a crash, never a stalled
fetch (the messages after it are still stored and read)."""

from __future__ import annotations

import io
import time
import zipfile
from email.message import EmailMessage

from engage.cases.attachments import attachments_of
from engage.extensions import db
from engage.mailin.cli import receive_bytes
from engage.mailin.imap import fetch_mailbox
from engage.mailin.inbox import read, to_case
from engage.mailin.models import InboundMessage
from engage.mailin.parse import MAX_PARTS, TOO_DEEP
from tests.factories.auth import cso

NORMAL = b"From: ok@example.org\r\nSubject: fine\r\nMessage-ID: <ok@example.org>\r\n\r\nHello\r\n"


def _rows() -> list[InboundMessage]:
    db.session.expire_all()
    return list(db.session.execute(db.select(InboundMessage).order_by(InboundMessage.id)).scalars())


def _many_parts(n: int) -> bytes:
    lines = [
        b"From: parts@example.org",
        b"Subject: many parts",
        b"Message-ID: <parts@example.org>",
        b'Content-Type: multipart/mixed; boundary="b"',
        b"",
    ]
    for i in range(n):
        lines += [b"--b", b"Content-Type: text/plain", b"", b"part %d" % i]
    lines.append(b"--b--")
    return b"\r\n".join(lines) + b"\r\n"


MALFORMED = [
    # invalid charset, broken base64, undecodable bytes, NUL and control characters in headers
    b"From: =?x-unknown?B?////?= <a@example.org>\r\nSubject: =?utf-8?B?!!!notbase64?=\r\n"
    b"Message-ID: <mal1@example.org>\r\nContent-Type: text/plain; charset=x-nonsense\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n!!!%%%not base64\r\n",
    b"From: \xff\xfe\x00<b@example.org>\r\nSubject: \x00\x01\x1b[31mred\r\n"
    b"Message-ID: <mal2@example.org>\r\n\r\n\xff\xfe body\r\n",
    b"no headers at all, just text\r\n",
    b"From: <<<@@@>>>\r\nSubject: " + b"x" * 20000 + b"\r\nMessage-ID: <mal4@example.org>\r\n"
    b"Content-Type: multipart/mixed\r\n\r\nno boundary\r\n",
    b"From: c@example.org\r\nMessage-ID: <mal5@example.org>\r\nIn-Reply-To: <"
    + b"r" * 5000
    + b">\r\n"
    b"References: " + b"<x@y> " * 5000 + b"\r\nSubject: [C-2026-99999999] refs\r\n\r\nhi\r\n",
]


def test_malformed_messages_are_stored_and_read_without_a_crash(app, imap):
    for raw in [*MALFORMED, NORMAL]:
        imap.append(raw)
    summary = fetch_mailbox()
    assert summary.startswith(f"{len(MALFORMED) + 1} stored")
    rows = _rows()
    # as the server holds them (an IMAP server turns a NUL into another byte on APPEND)
    assert [r.raw for r in rows] == imap.messages("Processed")
    assert all(r.status in ("new", "failed") for r in rows)
    assert rows[-1].status == "new"
    for row in rows:
        parsed = read(row)  # the page reads them too
        assert "\x00" not in parsed.subject and "\x1b" not in parsed.subject
        assert len(parsed.subject) <= 300
    assert imap.count("INBOX") == 0
    # through the pipe, a NUL reaches Engage as sent, and is stored as sent
    nul = (
        b"From: n@example.org\r\nSubject: a\x00b\r\nMessage-ID: <nul@example.org>\r\n\r\nx\x00y\r\n"
    )
    row_id, _, _ = receive_bytes(nul)
    row = db.session.get(InboundMessage, row_id)
    assert row.raw == nul and row.status == "new" and row.subject == "ab"


def test_a_10000_part_message_is_stored_and_read_quickly(app):
    raw = _many_parts(10_000)
    started = time.monotonic()
    row_id, created, _ = receive_bytes(raw)
    assert created and time.monotonic() - started < 30
    row = db.session.get(InboundMessage, row_id)
    assert row.status == "new"
    parsed = read(row)
    assert parsed.parts_skipped > 0 and parsed.text == "part 0"
    # Its page reads it each time it is shown: only the first parts are parsed at all (the
    # email package takes a millisecond or more a part: 10,000 parts cost seconds a view).
    assert len(list(parsed.message.walk())) <= 2 * MAX_PARTS + 1


def _nested(depth: int) -> bytes:
    head = b"".join(
        b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (i, i + 1)
        for i in range(depth)
    )
    tail = b"".join(b"--b%d--\r\n" % i for i in reversed(range(depth + 1)))
    return (
        b"From: deep@example.org\r\nSubject: deep\r\nMessage-ID: <deep@example.org>\r\n"
        b"Content-Type: multipart/mixed; boundary=b0\r\n\r\n"
        + head
        + b"--b%d\r\nContent-Type: text/plain\r\n\r\ndeep text\r\n" % depth
        + tail
    )


def test_a_message_nested_too_deeply_is_read_from_its_headers(app, login):
    # 3,000 nested multiparts: the email package recurses (RecursionError), in the fetch and
    # on the message's page, which answered 500.
    row_id, created, _ = receive_bytes(_nested(3000))
    row = db.session.get(InboundMessage, row_id)
    assert created and row.status == "new"
    assert (row.from_address, row.subject) == ("deep@example.org", "deep")
    assert read(row).text == TOO_DEEP
    page = login(cso()).get(f"/staff/mail-in/{row_id}")
    assert page.status_code == 200 and "nested too deeply" in page.get_data(as_text=True)


def test_a_25_mb_message_is_stored_and_a_larger_one_refused_with_a_reason(app, imap):
    big = NORMAL.replace(b"<ok@", b"<big@")[:-2] + (b"A" * 998 + b"\r\n") * 25_000
    assert len(big) > 25_000_000
    imap.append(big)
    app.config["MAIL_IN_MAX_BYTES"] = 30 * 1024 * 1024
    fetch_mailbox()
    (row,) = _rows()
    assert row.status == "new" and row.size_bytes == len(big) and row.raw == big
    app.config["MAIL_IN_MAX_BYTES"] = 20 * 1024 * 1024
    row_id, _, summary = receive_bytes(big.replace(b"<big@", b"<bigger@"))
    refused = db.session.get(InboundMessage, row_id)
    assert refused.status == "refused" and "Larger than the 20 MB limit" in refused.status_reason
    assert refused.raw is None and "Larger than" in summary


def test_script_exe_and_zip_bomb_attachments(app):
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\0" * 50_000_000)  # 50 MB of zeros, ~50 KB zipped
    message = EmailMessage()
    message["From"] = "evil@example.org"
    message["Subject"] = "attachments"
    message.set_content("<script>document.cookie</script><p>Read me</p>", subtype="html")
    message.add_attachment(
        b"MZ\x90\x00\x03" + b"\0" * 100,
        maintype="application",
        subtype="pdf",
        filename="invoice.pdf",
    )
    message.add_attachment(
        bomb.getvalue(), maintype="application", subtype="zip", filename="bomb.zip"
    )
    row_id, created, _ = receive_bytes(bytes(message))
    row = db.session.get(InboundMessage, row_id)
    made = to_case(row, cso(), kind="enquiry", requester_name="E", acknowledge=False)
    assert "document.cookie" not in made.case.message and "Read me" in made.case.message
    assert attachments_of(made.case) == []  # neither kept: checked by content, never unpacked
    assert len(made.attachments_refused) == 2
    notes = [e.note for e in made.case.history if e.action == "note"]
    assert any("invoice.pdf" in n and "bomb.zip" in n for n in notes)


def test_a_message_nested_deeper_than_the_limit_is_read_from_its_headers_at_any_depth(app):
    # Not only when Python's recursion gives out: 60 levels is well inside it.
    from engage.mailin.parse import MAX_DEPTH, parse

    assert parse(_nested(MAX_DEPTH + 10)).text == TOO_DEEP
    assert parse(_nested(MAX_DEPTH - 10)).text == "deep text"


def test_inbound_text_follows_the_one_text_policy(app):
    """An email's name, subject and text are read with the same rule as what people type: a
    bidirectional override cannot turn a subject around in the inbox, and a subject of
    zero-width characters alone is no subject."""
    message = EmailMessage()
    message["From"] = "Eve \u202eevil\u202c <eve@example.org>"
    message["Subject"] = "Invoice \u202egnp.exe\u202c"
    message["Message-ID"] = "<bidi@example.org>"
    message.set_content("Pay\u2066 now\u2069\r\nplease\u200b")
    row_id, created, _ = receive_bytes(message.as_bytes())
    row = db.session.get(InboundMessage, row_id)
    assert created
    assert row.subject == "Invoice gnp.exe"
    assert row.from_name == "Eve evil"
    text = read(row).text
    assert "\u2066" not in text and "\u2069" not in text and "Pay now" in text

    blank = EmailMessage()
    blank["From"] = "z@example.org"
    blank["Subject"] = "\u200b\u200d\u2060"
    blank["Message-ID"] = "<blank@example.org>"
    blank.set_content("hello")
    row_id, _, _ = receive_bytes(blank.as_bytes())
    assert not db.session.get(InboundMessage, row_id).subject  # stored as no subject
