"""Jinja filters: dates and times in Europe/London, GOV.UK style."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from flask import Flask
from markupsafe import Markup, escape

from engage import vocab
from engage.calendar import LONDON
from engage.pagination import pager_html


def govuk_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return f"{value.day} {value:%B %Y}"


def govuk_date_short(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return f"{value.day} {value:%b %Y}"


def govuk_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    hour = local.strftime("%I").lstrip("0") or "12"
    suffix = "am" if local.hour < 12 else "pm"
    minutes = "" if local.minute == 0 else f":{local:%M}"
    return f"{local.day} {local:%B %Y} at {hour}{minutes}{suffix}"


def weekday_date(value: date | None) -> str:
    if value is None:
        return ""
    return f"{value:%A} {value.day} {value:%B %Y}"


SLA_TAG_COLOURS = {
    "in_time": "green",
    "due_soon": "yellow",
    "overdue": "red",
    "met": "blue",
    "missed": "purple",
}


def sla_tag(status: str) -> Markup:
    """The GOV.UK tag of an SLA status (a list shows one per row: built here, not by a macro)."""
    colour = SLA_TAG_COLOURS.get(status, "grey")
    label = escape(vocab.SLA_STATUSES.get(status, status))
    # Safe: the colour is one of ours and the label is escaped.
    return Markup(f'<strong class="govuk-tag govuk-tag--{colour}">{label}</strong>')  # noqa: S704  # nosec B704


def select_options(options: Iterable[tuple[Any, Any]], current: Any) -> Markup:
    """The <option> elements of a filter's <select>, `current` selected (compared as text).
    Long lists (every output) are built here rather than by a template loop: each value and
    text is escaped (markupsafe's C escape), then joined."""
    chosen = "" if current is None else str(current)
    parts = []
    for value, text in options:
        value_text = str(value)
        selected = " selected" if value_text == chosen else ""
        parts.append(f'<option value="{escape(value_text)}"{selected}>{escape(text)}</option>')
    # Safe: every value and text was escaped above.
    return Markup("".join(parts))  # noqa: S704  # nosec B704


def register(app: Flask) -> None:
    app.add_template_filter(govuk_date, "govuk_date")
    app.add_template_filter(govuk_date_short, "govuk_date_short")
    app.add_template_filter(govuk_datetime, "govuk_datetime")
    app.add_template_filter(weekday_date, "weekday_date")
    app.jinja_env.globals["vocab"] = vocab
    app.jinja_env.globals["sla_tag_html"] = sla_tag
    app.jinja_env.globals["select_options"] = select_options
    app.jinja_env.globals["pager_html"] = pager_html
