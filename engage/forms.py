"""Shared form plumbing: the one base form (text policy, named length messages, bounded
numbers), the GOV.UK error summary and the one GOV.UK date field.

Every form in Engage derives from `EngageForm` (a test walks every form class to keep it so).
Its Meta binds each text field with the text policy of engage/textpolicy.py as its first
filter: single-line fields (`StringField` and kin) get `clean_line`, multi-line ones
(`TextAreaField`) `clean_multiline`; passwords are left exactly as typed. A `Length` without a
message gets one that names the field, and a text field without any `Length` gets a generous
one, so no value is longer than its column. An `IntegerField` without a `NumberRange` is
bounded to what a database integer holds.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    Field,
    Form,
    HiddenField,
    IntegerField,
    PasswordField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from engage.errors import RuleError
from engage.extensions import db
from engage.textpolicy import clean_line_filter, clean_multiline_filter

# Lengths for text fields that set none (characters): a single line, and a multi-line text.
DEFAULT_LINE_MAX = 300
DEFAULT_MULTILINE_MAX = 50_000
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def _label_text(unbound: Any) -> str:
    label = unbound.kwargs.get("label", unbound.args[0] if unbound.args else "")
    text = str(getattr(label, "text", label) or "This field")
    return text.removesuffix(" (optional)").strip() or "This field"


class BlankIsOptional(Optional):
    """`Optional` that also stops at a value the text policy has cleaned to "" (only zero-width
    characters, say), so a blank optional field is never checked as an email address."""

    def __call__(self, form: Any, field: Any) -> None:
        if field.data == "":
            field.errors[:] = []
            raise StopValidation()
        super().__call__(form, field)


def _bounded_validators(unbound: Any, field_class: type, label: str) -> list[Any] | None:
    """The field's validators with named length messages and the default bounds, or None when
    nothing needs to change."""
    validators = list(unbound.kwargs.get("validators") or [])
    changed = False
    if issubclass(field_class, StringField) and not issubclass(
        field_class, (PasswordField, HiddenField)
    ):
        if not any(isinstance(v, Length) for v in validators):
            multiline = issubclass(field_class, TextAreaField)
            validators.append(Length(max=DEFAULT_MULTILINE_MAX if multiline else DEFAULT_LINE_MAX))
            changed = True
        for index, validator in enumerate(validators):
            if isinstance(validator, Length) and not validator.message and validator.max > 0:
                validators[index] = Length(
                    min=validator.min,
                    max=validator.max,
                    message=f"{label} must be {validator.max:,} characters or fewer",
                )
                changed = True
        for index, validator in enumerate(validators):
            # InputRequired and Optional read the raw input, so "   " or a zero-width space
            # would pass as typed and be stored as "" once the text policy cleans it: a text
            # field is required, or left blank, by its cleaned value.
            if isinstance(validator, InputRequired) and not isinstance(validator, DataRequired):
                validators[index] = DataRequired(message=validator.message)
                changed = True
            elif type(validator) is Optional:
                validators[index] = BlankIsOptional()
                changed = True
    if issubclass(field_class, IntegerField) and not any(
        isinstance(v, NumberRange) for v in validators
    ):
        validators.append(
            NumberRange(INT_MIN, INT_MAX, message=f"{label} must be a smaller number")
        )
        changed = True
    return validators if changed else None


class EngageForm(FlaskForm):
    """The base of every form: see the module docstring."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            field_class = unbound_field.field_class
            if unbound_field.args[1:]:  # validators given by position: leave as written
                return super().bind_field(form, unbound_field, options)
            extra: dict[str, Any] = {}
            policy = None
            if issubclass(field_class, TextAreaField):
                policy = clean_multiline_filter
            elif issubclass(field_class, StringField) and not issubclass(
                field_class,
                (PasswordField, HiddenField),  # tokens: checked by their users
            ):
                policy = clean_line_filter
            if policy is not None:
                extra["filters"] = (policy, *(unbound_field.kwargs.get("filters") or ()))
            validators = _bounded_validators(unbound_field, field_class, _label_text(unbound_field))
            if validators is not None:
                extra["validators"] = validators
            return unbound_field.bind(form=form, **options, **extra)


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
        items.append((field.name, {"text": message, "href": f"#{anchor}"}))
    # The summary lists the problems in the order the page shows the fields (GOV.UK): a form
    # whose fields come partly from a shared set names that order in PAGE_ORDER.
    order = {name: i for i, name in enumerate(getattr(form, "PAGE_ORDER", ()))}
    items.sort(key=lambda item: order.get(item[0], len(order)))
    return {
        "titleText": "There is a problem",
        "errorList": [item for _, item in items],
        **params,
    }


# The requester's email address on every case form (engage.cases.forms: `Email` with its
# defaults and this message, at most 254 characters). `email_problem` applies the very same
# validators to an address that did not come from a form (an email's sender in Mail in).
EMAIL_MESSAGE = "Enter an email address in the correct format, like name@example.com"
EMAIL_MAX = 254


class _EmailCheck(Form):
    address = StringField(
        validators=[
            DataRequired(message=EMAIL_MESSAGE),
            Email(message=EMAIL_MESSAGE),
            Length(max=EMAIL_MAX, message=f"Email address must be {EMAIL_MAX} characters or fewer"),
        ]
    )


def email_problem(address: str | None) -> str | None:
    """Why `address` is not an email address the case forms accept (their message), or None."""
    check = _EmailCheck(data={"address": address})
    return None if check.validate() else check.address.errors[0]


def strip_filter(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def clean_text(value: Any) -> Any:
    """Strip surrounding space and drop control characters other than newlines and tabs."""
    if not isinstance(value, str):
        return value
    cleaned = "".join(ch for ch in value if ch in "\n\t" or (ord(ch) >= 32 and ord(ch) != 127))
    return cleaned.replace("\r\n", "\n").strip()


# Years any date in Engage may have (a typo like 0202 or 20266 is refused with a message).
EARLIEST_YEAR, LATEST_YEAR = 1900, 2199


def real_date(day: str, month: str, year: str) -> date:
    """The date three boxes name, or ValueError: digits only, a day and month of at most two
    digits and a four-digit year from EARLIEST_YEAR to LATEST_YEAR, so no typed value can
    reach date() as a number it cannot hold (OverflowError)."""
    parts = (day.strip(), month.strip(), year.strip())
    if not all(p.isascii() and p.isdigit() for p in parts):
        raise ValueError("not a date")
    if len(parts[0]) > 2 or len(parts[1]) > 2 or len(parts[2]) != 4:
        raise ValueError("not a date")
    if not EARLIEST_YEAR <= int(parts[2]) <= LATEST_YEAR:
        raise ValueError("year out of range")
    return date(int(parts[2]), int(parts[1]), int(parts[0]))


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
        parts = [clean_line_filter(v or "") for v in valuelist][:3]
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
        if not all(part.isascii() and part.isdigit() for part in parts):
            self._problem = f"{self.what} must be a real date"
            return
        if len(year) != 4:
            self._problem = "Year must include 4 numbers"
            return
        if len(day) > 2 or len(month) > 2:  # never hand 19 digits to date(): OverflowError
            self._problem = f"{self.what} must be a real date"
            return
        if not EARLIEST_YEAR <= int(year) <= LATEST_YEAR:
            self._problem = f"Year must be between {EARLIEST_YEAR} and {LATEST_YEAR}"
            return
        try:
            self.data = date(int(year), int(month), int(day))
        except (ValueError, OverflowError):
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


class NotBeforeRecords:
    """Not before the office's records begin (the RECORDS_BEGIN setting): a received date of
    1899 is a typo, and working-day arithmetic that far back means nothing."""

    def __call__(self, form: Any, field: GovDateField) -> None:
        from flask import current_app

        earliest = date.fromisoformat(current_app.config["RECORDS_BEGIN"])
        if field.data and field.data < earliest:
            raise ValidationError(
                f"{field.what} must be on or after {earliest.day} {earliest:%B %Y}, "
                "when the office's records begin"
            )


# The common field shapes, so forms of every area ask alike (each returns an unbound field).


def _text(kind: type, label: str, required: str | None, description: str, *checks: Any) -> Any:
    area = kind is TextAreaField
    return kind(
        label,
        widget=GovTextArea() if area else GovTextInput(),
        filters=[clean_text if area else strip_filter],
        description=description,
        validators=[DataRequired(message=required) if required else Optional(), *checks],
    )


def line_field(
    label: str, *, required: str | None = None, max_length: int = 200, description: str = ""
) -> Any:
    """One line of text (a GOV.UK text input), stripped; required with the message `required`,
    else optional."""
    return _text(StringField, label, required, description, Length(max=max_length))


def paragraphs_field(
    label: str, *, required: str | None = None, max_length: int = 2000, description: str = ""
) -> Any:
    """Text of one or more paragraphs (a GOV.UK textarea), control characters dropped;
    required with the message `required`, else optional."""
    return _text(TextAreaField, label, required, description, Length(max=max_length))


def email_field(label: str, *, required: str | None = None, description: str = "") -> Any:
    """An email address, checked for its format; required with the message `required`, else
    optional."""
    checks = (Email(message=EMAIL_MESSAGE), Length(max=254))
    return _text(StringField, label, required, description, *checks)


def date_field(
    label: str, *, required: str | None = None, what: str = "", description: str = ""
) -> Any:
    """A GOV.UK date (GovDateField): required with the message `required` when all three boxes
    are empty; `what` names it in the other messages (the label by default)."""
    return GovDateField(
        label,
        what=what or label,
        description=description,
        validators=[DateRequired(required)] if required else [],
    )


def submit_button(label: str) -> Any:
    return SubmitField(label, widget=GovSubmitInput())


def show_rule_error(form: Form, error: Any, fallback: str | None = None) -> None:
    """Show a `RuleError` (engage/errors.py) on its form: on the field it names, else on
    `fallback`, else on the form's first field, so the error summary links to it."""
    field = getattr(form, error.field or "", None)
    if field is None and fallback:
        field = getattr(form, fallback)
    if field is None:
        field = next(f for f in form if f.name not in ("csrf_token", "website"))
    field.errors = [*list(field.errors or []), error.message]


class RuleErrorsShown:
    """Around a domain call in a view: a `RuleError` it raises is rolled back and shown on its
    form field (`show_rule_error`), and `failed` is then True; anything else (a `Refusal`
    included, for the app's handler) goes on up.

        with RuleErrorsShown(form, "day") as attempt:
            return saved(service.confirm_release(...))
        # here on a rule error: the page is shown again with the message on its field
    """

    def __init__(self, form: Form, fallback: str | None = None) -> None:
        self.form = form
        self.fallback = fallback
        self.failed = False

    def __enter__(self) -> RuleErrorsShown:
        return self

    def __exit__(self, kind: Any, error: BaseException | None, trace: Any) -> bool:
        if not isinstance(error, RuleError):
            return False
        db.session.rollback()
        show_rule_error(self.form, error, self.fallback)
        self.failed = True
        return True
