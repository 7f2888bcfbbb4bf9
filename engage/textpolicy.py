"""The one text policy for everything people type or import, and the guards every output uses.

At the edge (forms, imports): `clean_line` for single-line values, `clean_multiline` for
multi-line ones. Both remove NUL, the C0 and C1 control characters (tab and newline excepted,
newline only in multi-line text), DEL, lone surrogates and the non-characters U+FFFE/U+FFFF,
turn every other kind of line break (CR, CRLF, vertical tab, form feed, U+0085, U+2028, U+2029)
into a newline (multi-line) or a space (single-line), and normalise to NFC. Lengths are then
counted in characters (code points of the NFC text).

Two kinds of invisible text are dealt with too. The bidirectional embedding, override and
isolate controls (U+202A to U+202E, U+2066 to U+2069) are removed, in single-line and
multi-line text alike: they turn the text after them around ("Trojan Source"), so a name,
subject or message could read differently in a page, an email or a spreadsheet from what it is,
and nothing in Engage needs them, since Arabic and Hebrew are shown in their own direction by
the Unicode bidirectional algorithm without them (the marks U+200E, U+200F and U+061C, which
turn nothing around, stay). And a value made only of white space and characters that show
nothing (zero-width space, joiners, word joiner, byte order mark, soft hyphen and the other
format characters, variation selectors, Hangul fillers, the blank Braille pattern) is empty,
so a required field says "Enter ..." for it; zero-width characters at either end are removed,
those inside the text (a joiner in an emoji sequence or in Persian or Indic writing) stay.

On the way out (email headers, XML, spreadsheets) the same characters are removed again, so
text stored before this policy existed, or written by code that skipped it, still cannot break
an output: `header_text`, `xml_text` and `spreadsheet_cell`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# Removed everywhere: C0 controls except tab (\t) and newline (\n), DEL, C1 controls except
# NEL (a line break, below), lone surrogates, the two non-characters XML refuses, and the
# bidirectional embeddings, overrides and isolates.
_REMOVED = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f\x80-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]"
)
# Every line break str.splitlines() knows apart from \n itself (the email package refuses any
# of them in a header).
_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


# Removed at either end of a value: white space and the zero-width characters.
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_ENDS = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + _ZERO_WIDTH
# What shows nothing on its own besides white space and the format characters (category Cf):
# combining grapheme joiner, Hangul fillers, blank Braille pattern, variation selectors.
_BLANK = re.compile("[\u034f\u115f\u1160\u2800\u3164\uffa0\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def _shown(text: str) -> str:
    """NFC `text` without white space or zero-width characters at its ends; "" when nothing in
    it would show. (str.strip and one pass over the text: linear, whatever the input.)"""
    text = unicodedata.normalize("NFC", text).strip(_ENDS)
    for ch in text:
        if not (ch.isspace() or unicodedata.category(ch) == "Cf" or _BLANK.match(ch)):
            return text
    return ""


def clean_multiline(value: str) -> str:
    """Text that may hold newlines (a message, a comment): one kind of line break, no control
    characters, NFC, surrounding space removed, "" when nothing would show."""
    return _shown(_REMOVED.sub("", _BREAKS.sub("\n", value)))


def clean_line(value: str) -> str:
    """Single-line text (a name, a subject): line breaks and tabs become spaces, no control
    characters, NFC, surrounding space removed, "" when nothing would show."""
    text = _REMOVED.sub("", _BREAKS.sub(" ", value)).replace("\n", " ").replace("\t", " ")
    return _shown(text)


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
