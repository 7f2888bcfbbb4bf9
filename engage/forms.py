"""Shared form plumbing: the GOV.UK error summary and common field helpers."""

from __future__ import annotations

from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import Form


def error_summary(form: Form, **params: Any) -> dict[str, Any]:
    """Params for govukErrorSummary. Each link points at the first input of the field: for a
    date input that is the day box, not the wrapper (a known trap of govuk-frontend-wtf)."""
    items = []
    for field in form:
        if not field.errors:
            continue
        anchor = field.id
        if isinstance(field.widget, GovDateInput):
            anchor = f"{field.name}-day"
        elif getattr(field.widget, "input_type", None) in {"radio", "checkbox"} and getattr(
            field, "choices", None
        ):
            anchor = field.id
        message = field.errors[0] if isinstance(field.errors, list) else str(field.errors)
        items.append({"text": message, "href": f"#{anchor}"})
    return {"titleText": "There is a problem", "errorList": items, **params}


def strip_filter(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def clean_text(value: Any) -> Any:
    """Strip surrounding space and drop control characters other than newlines and tabs."""
    if not isinstance(value, str):
        return value
    cleaned = "".join(ch for ch in value if ch in "\n\t" or (ord(ch) >= 32 and ord(ch) != 127))
    return cleaned.replace("\r\n", "\n").strip()
