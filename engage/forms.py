"""Shared form plumbing: the GOV.UK error summary and common field helpers."""

from __future__ import annotations

from datetime import date
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import Field, Form
from wtforms.validators import StopValidation, ValidationError


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


class GovDateField(Field):
    """A day/month/year date with the GOV.UK Design System's error messages.

    `what` names the date in messages ("Date received must include a month").
    """

    widget = GovDateInput()

    def __init__(self, label: str = "", validators: Any = None, *, what: str = "", **kw: Any):
        super().__init__(label, validators, **kw)
        self.what = what or label
        self._problem: str | None = None

    def _value(self) -> str:
        return self.data.strftime("%d %m %Y") if self.data else ""

    def process_formdata(self, valuelist: list[str]) -> None:
        parts = [(v or "").strip() for v in valuelist][:3]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        self.data = None
        self._problem = None
        day, month, year = parts
        if not any(parts):
            return
        missing = [n for n, v in zip(("day", "month", "year"), parts, strict=True) if not v]
        if missing:
            self._problem = f"{self.what} must include a {' and a '.join(missing)}"
            return
        if not (day.isdigit() and month.isdigit() and year.isdigit()):
            self._problem = f"{self.what} must be a real date"
            return
        if len(year) != 4:
            self._problem = "Year must include 4 numbers"
            return
        try:
            self.data = date(int(year), int(month), int(day))
        except ValueError:
            self._problem = f"{self.what} must be a real date"

    def pre_validate(self, form: Any) -> None:
        if self._problem:
            raise StopValidation(self._problem)

    def process(self, formdata: Any, data: Any = None, extra_filters: Any = None) -> None:
        super().process(formdata, data, extra_filters)
        if self.raw_data is not None and len(self.raw_data) != 3:  # field absent from the POST
            self.raw_data = ["", "", ""]


class DateRequired:
    """'Enter the date ...' when all three boxes are empty (partial dates get their own message)."""

    field_flags = {"required": True}

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form: Any, field: GovDateField) -> None:
        if not any(field.raw_data or []):
            raise StopValidation(self.message)


class NotFuture:
    def __call__(self, form: Any, field: GovDateField) -> None:
        today = getattr(form, "today", None) or date.today()
        if field.data and field.data > today:
            raise ValidationError(f"{field.what} must be today or in the past")
