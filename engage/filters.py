"""Jinja filters: dates and times in Europe/London, GOV.UK style."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask

from engage import vocab

LONDON = ZoneInfo("Europe/London")


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


def register(app: Flask) -> None:
    app.add_template_filter(govuk_date, "govuk_date")
    app.add_template_filter(govuk_date_short, "govuk_date_short")
    app.add_template_filter(govuk_datetime, "govuk_datetime")
    app.add_template_filter(weekday_date, "weekday_date")
    app.jinja_env.globals["vocab"] = vocab
