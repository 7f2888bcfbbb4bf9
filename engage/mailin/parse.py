"""Reading a stored message safely: bounded headers, text only (HTML turned into text, never
rendered), attachments listed; malformed parts never raise."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import Message
from email.utils import getaddresses
from html.parser import HTMLParser
from typing import Any

from engage.textpolicy import clean_line, clean_multiline

MAX_PARTS = 500  # parts looked at; a 10,000-part tree is read no further
MAX_DEPTH = 50  # multiparts inside multiparts; deeper is read from the headers alone
BOUNDARY_LINES = 2 * MAX_PARTS  # lines starting "--" parsed at all (see _bounded)
TOO_DEEP = (
    "(The parts of this email are nested too deeply to be read here. The whole message is "
    "kept as it arrived.)"
)
TEXT_MAX = 100_000


def clean(text: str, limit: int) -> str:
    """A header value or a name: the one text policy's single-line rule (engage.textpolicy:
    no control characters, no bidirectional overrides, "" when nothing would show), cut to
    `limit` characters."""
    return clean_line(text or "")[:limit]


def clean_body(text: str, limit: int) -> str:
    """A message's text: the one text policy's multi-line rule, cut to `limit` characters."""
    return clean_multiline(text or "")[:limit]


def header(message: Message, name: str, limit: int = 998) -> str:
    try:
        values = message.get_all(name) or []
        return clean(" ".join(str(v) for v in values), limit)
    except Exception:  # noqa: BLE001 - a malformed header reads as empty, never a crash
        return ""


class _Text(HTMLParser):
    """HTML to plain text: tags dropped, script/style content dropped, blocks on new lines."""

    SKIP = {"script", "style", "head", "title", "template", "noscript"}
    BLOCKS = {"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "blockquote", "table"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:  # type: ignore[type-arg]
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self.BLOCKS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(data)


def html_to_text(html: str) -> str:
    parser = _Text()
    try:
        parser.feed(html[: TEXT_MAX * 4])
        parser.close()
    except Exception:  # noqa: BLE001
        return ""
    text = "".join(parser.out)
    text = re.sub(r"[ \t]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Parsed:
    from_address: str = ""
    from_name: str = ""
    subject: str = ""
    message_id: str = ""
    references: list[str] = field(default_factory=list)
    text: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    parts_skipped: int = 0
    message: Message | None = None


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        return b""
    return data if isinstance(data, bytes) else b""


def _decode(part: Message) -> str:
    data = _payload(part)
    charset = "utf-8"
    try:
        charset = part.get_content_charset() or "utf-8"
        return data.decode(charset, "replace")
    except (LookupError, ValueError):
        return data.decode("utf-8", "replace")


def _bounded(raw: bytes) -> tuple[bytes, bool]:
    """The message cut before its (BOUNDARY_LINES + 1)th line starting `--` (a MIME
    boundary): the email package takes a millisecond or more for each part, and a message is
    read each time its page is shown, so a 10,000-part tree would cost seconds every time."""
    count, at = 0, raw.find(b"\n--")
    while at != -1:
        count += 1
        if count > BOUNDARY_LINES:
            return raw[: at + 1], True
        at = raw.find(b"\n--", at + 3)
    return raw, False


def _headers_only(raw: bytes) -> bytes:
    for end in (b"\r\n\r\n", b"\n\n"):
        at = raw.find(end)
        if at != -1:
            return raw[: at + len(end)]
    return raw


def parse(raw: bytes) -> Parsed:
    """Never raises on what a sender can write: a tree nested too deeply for the email
    package (RecursionError) is read from its headers alone, and says so."""
    bounded, cut = _bounded(raw)
    try:
        found = _parse(bounded)
    except (RecursionError, _TooDeep):
        found = _parse(_headers_only(raw))
        found.text = TOO_DEEP
        return found
    if cut:
        found.parts_skipped += 1
    return found


class _TooDeep(Exception):
    pass


def _check_depth(message: Message) -> None:
    """Whether the tree is deeper than MAX_DEPTH, found without recursion (so the answer does
    not depend on how deep Python may recurse at the moment)."""
    stack: list[tuple[Any, int]] = [(message, 0)]
    while stack:
        part, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _TooDeep
        payload = part.get_payload() if part.is_multipart() else None
        if isinstance(payload, list):
            stack.extend((child, depth + 1) for child in payload)


def _parse(raw: bytes) -> Parsed:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    _check_depth(message)
    found = Parsed(message=message)
    try:
        pairs = getaddresses([header(message, "From")])
    except Exception:  # noqa: BLE001
        pairs = []
    if pairs:
        found.from_name = clean(pairs[0][0], 200)
        found.from_address = clean(pairs[0][1], 254).lower()
    found.subject = clean(" ".join(header(message, "Subject").split()), 300)
    found.message_id = header(message, "Message-ID", 300)
    refs = header(message, "In-Reply-To", 20_000) + " " + header(message, "References", 20_000)
    found.references = re.findall(r"<[^<>\s]{1,300}>", refs)[:100]
    plain, html = "", ""
    for index, part in enumerate(message.walk()):
        if index >= MAX_PARTS:
            found.parts_skipped += 1
            continue
        if part.is_multipart():
            continue
        try:
            content_type = part.get_content_type()
            filename = part.get_filename()
            disposition = part.get_content_disposition()
        except Exception:  # noqa: BLE001, S112  # nosec B112 - a malformed part is skipped
            continue
        if filename or disposition == "attachment":
            found.attachments.append(
                Attachment(clean(filename or "attachment", 150), content_type, _payload(part))
            )
        elif content_type == "text/plain" and not plain:
            plain = _decode(part)
        elif content_type == "text/html" and not html:
            html = _decode(part)
    found.text = clean_body(plain or html_to_text(html), TEXT_MAX)
    return found
