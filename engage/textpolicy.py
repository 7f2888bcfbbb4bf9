"""The one text policy for everything people type or import, and the guards every output uses.

At the edge (forms, imports): `clean_line` for single-line values, `clean_multiline` for
multi-line ones. Both remove NUL, the C0 and C1 control characters (tab and newline excepted,
newline only in multi-line text), DEL, lone surrogates and the non-characters U+FFFE/U+FFFF,
turn every other kind of line break (CR, CRLF, vertical tab, form feed, U+0085, U+2028, U+2029)
into a newline (multi-line) or a space (single-line), and normalise to NFC. Lengths are then
counted in characters (code points of the NFC text).

On the way out (email headers, XML, spreadsheets) the same characters are removed again, so
text stored before this policy existed, or written by code that skipped it, still cannot break
an output: `header_text`, `xml_text` and `spreadsheet_cell`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# Removed everywhere: C0 controls except tab (\t) and newline (\n), DEL, C1 controls except
# NEL (a line break, below), lone surrogates and the two non-characters XML refuses.
_REMOVED = re.compile("[\x00-\x08\x0e-\x1f\x7f\x80-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
# Every line break str.splitlines() knows apart from \n itself (the email package refuses any
# of them in a header).
_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def clean_multiline(value: str) -> str:
    """Text that may hold newlines (a message, a comment): one kind of line break, no control
    characters, NFC, surrounding space removed."""
    text = _REMOVED.sub("", _BREAKS.sub("\n", value))
    return unicodedata.normalize("NFC", text).strip()


def clean_line(value: str) -> str:
    """Single-line text (a name, a subject): line breaks and tabs become spaces, no control
    characters, NFC, surrounding space removed."""
    text = _REMOVED.sub("", _BREAKS.sub(" ", value)).replace("\n", " ").replace("\t", " ")
    return unicodedata.normalize("NFC", text).strip()


def clean_line_filter(value: Any) -> Any:
    """A WTForms filter: `clean_line` for strings, anything else unchanged."""
    return clean_line(value) if isinstance(value, str) else value


def clean_multiline_filter(value: Any) -> Any:
    return clean_multiline(value) if isinstance(value, str) else value


def header_text(value: str | None, limit: int = 900) -> str:
    """A value fit for an email header (subject, display name), whatever was stored: one
    line, no control characters, at most `limit` characters (RFC 5322 allows 998 per line)."""
    text = re.sub(r"\s+", " ", clean_line(value or ""))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def xml_text(value: Any) -> str:
    """Text XML 1.0 can carry (Atom feeds): the characters it forbids are removed."""
    return clean_multiline(str(value)) if value is not None else ""


# A spreadsheet treats a cell starting with one of these as a formula (or, for tab and CR, may
# shift it into a formula when pasted); OWASP's "CSV injection" guard.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """A value safe for a CSV or XLSX cell: text without the characters XLSX cannot store and,
    when it could be read as a formula, prefixed with an apostrophe. Numbers, dates and None
    pass unchanged."""
    if not isinstance(value, str):
        return value
    text = _REMOVED.sub("", value).replace("\x0b", " ").replace("\x0c", " ")
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


XLSX_MAX_CELL = 32_767  # Excel's limit on the characters of one cell


def xlsx_cell(value: Any) -> Any:
    """`spreadsheet_cell`, cut to what an XLSX cell holds (openpyxl refuses longer text, which
    would end the whole export)."""
    value = spreadsheet_cell(value)
    return value[:XLSX_MAX_CELL] if isinstance(value, str) else value
