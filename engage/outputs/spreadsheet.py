"""The user-log spreadsheet format, shared by import and export: columns, value parsing and the
guard against spreadsheet formula injection."""

from __future__ import annotations

import re
from datetime import date, datetime

from engage.textpolicy import FORMULA_STARTS, clean_line
from engage.vocab import (
    ENGAGEMENT_LEVELS,
    LOG_SOURCES,
    USER_CATEGORIES,
    USER_CATEGORY_SHORT,
)

# (key, header, required, help) in file order.
COLUMNS: list[tuple[str, str, bool, str]] = [
    ("name", "Name", True, "The person's name (or a team's name). Up to 200 characters."),
    ("organisation", "Organisation", False, "Where they work or study. Up to 200 characters."),
    (
        "email",
        "Email",
        False,
        "The same email address is the same stakeholder, in every log. Rows without an email "
        "match a stakeholder in this log with the same name and organisation.",
    ),
    ("phone", "Phone", False, "Digits, spaces, +, brackets and hyphens."),
    (
        "category",
        "Category",
        True,
        "One of the seven user categories: its number (1 to 7), its short name or its full name.",
    ),
    (
        "engagement_level",
        "Engagement level",
        True,
        "Access, Informed, Consulted or Involved.",
    ),
    ("uses", "Uses", False, "What they use the statistics for. Up to 2,000 characters."),
    (
        "source",
        "Source",
        False,
        "How they came to us: " + ", ".join(LOG_SOURCES.values()) + ". Empty means Other.",
    ),
    ("first_contact_on", "First contact", False, "A date, like 2025-03-31 or 31/03/2025."),
    ("latest_contact_on", "Latest contact", False, "A date, like 2025-03-31 or 31/03/2025."),
    ("consent_to_contact", "Consent to contact", False, "Yes or No. Empty means No."),
]
HEADERS = [header for _, header, _, _ in COLUMNS]
KEYS = [key for key, _, _, _ in COLUMNS]


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.strip().lower())


HEADER_KEYS = {_norm(header): key for key, header, _, _ in COLUMNS} | {
    _norm(key): key for key in KEYS
}

_CATEGORY_NAMES: dict[str, str] = {}
for _n, (_key, _label) in enumerate(USER_CATEGORIES.items(), start=1):
    for _name in (_key, _label, USER_CATEGORY_SHORT[_key], str(_n)):
        _CATEGORY_NAMES[_norm(_name)] = _key
_LEVEL_NAMES = {_norm(k): k for k in ENGAGEMENT_LEVELS} | {
    _norm(label): k for k, label in ENGAGEMENT_LEVELS.items()
}
_SOURCE_NAMES = {_norm(k): k for k in LOG_SOURCES} | {_norm(v): k for k, v in LOG_SOURCES.items()}
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


def category_key(value: str) -> str | None:
    return _CATEGORY_NAMES.get(_norm(value))


def level_key(value: str) -> str | None:
    return _LEVEL_NAMES.get(_norm(value))


def source_key(value: str) -> str | None:
    return "other" if not value.strip() else _SOURCE_NAMES.get(_norm(value))


def consent_value(value: str) -> bool | None:
    text = value.strip().lower()
    if not text or text in _NO:
        return False
    if text in _YES:
        return True
    return None


def parse_date(value: str) -> date | None:
    """ISO (2025-03-31) or UK (31/03/2025) dates; raises ValueError for anything else."""
    text = value.strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def cell_text(value: object) -> str:
    """A cell from CSV or XLSX as text: dates as ISO, numbers without '.0', formula guard
    removed (exports prefix risky cells with an apostrophe)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = clean_line(str(value))  # the text policy, as for a form
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS:
        text = text[1:]
    return text


def header_keys(header_row: list[str]) -> list[str | None]:
    return [HEADER_KEYS.get(_norm(h)) if h else None for h in header_row]
