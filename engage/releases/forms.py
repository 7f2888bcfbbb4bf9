"""Forms for the release calendar (staff). Times are typed as 24-hour `9:30` or `14:00`;
months as `11 2027` or `November 2027`."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from engage.forms import DateRequired, EngageForm, GovDateField, clean_text, strip_filter
from engage.public.abuse import HoneypotForm
from engage.releases.rules import CHANGE_REASONS, RELEASE_KINDS

MONTHS = {
    name: number
    for number, name in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}


def parse_month(text: str) -> date:
    """`11 2027`, `11/2027`, `Nov 2027` or `November 2027` as the month's first day."""
    cleaned = (text or "").strip().lower()
    match = re.fullmatch(r"(\d{1,2})\s*[/ -]\s*(\d{4})", cleaned)
    if match:
        month, year = int(match.group(1)), int(match.group(2))
    else:
        match = re.fullmatch(r"([a-z]{3,9})\s+(\d{4})", cleaned)
        if not match:
            raise ValueError("not a month")
        name = match.group(1)
        found = [n for word, n in MONTHS.items() if word.startswith(name) and len(name) >= 3]
        if len(found) != 1:
            raise ValueError("not a month")
        month, year = found[0], int(match.group(2))
    if not 1 <= month <= 12 or not 2000 <= year <= 2199:
        raise ValueError("not a month")
    return date(year, month, 1)


def parse_time(text: str) -> time:
    """`9:30`, `09:30`, `9.30`, `9:30am` or `14:00`."""
    cleaned = (text or "").strip().lower().replace(".", ":").replace(" ", "")
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(am|pm)?", cleaned)
    if not match:
        raise ValueError("not a time")
    hour, minute, half = int(match.group(1)), int(match.group(2)), match.group(3)
    if half:
        if not 1 <= hour <= 12:
            raise ValueError("not a time")
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ValueError("not a time")
    return time(hour, minute)


class MonthField(StringField):
    def post_validate(self, form: Any, validation_stopped: bool) -> None:
        self.month = None
        if validation_stopped or not self.data:
            return
        try:
            self.month = parse_month(self.data)
        except ValueError:
            self.errors.append("Enter the month and year, like 11 2027")


class TimeField(StringField):
    def post_validate(self, form: Any, validation_stopped: bool) -> None:
        self.time = None
        if validation_stopped or not self.data:
            return
        try:
            self.time = parse_time(self.data)
        except ValueError:
            self.errors.append("Enter a time like 9:30 or 14:00")


def _time_field(label: str = "Time (UK time)") -> TimeField:
    return TimeField(
        label,
        widget=GovTextInput(),
        default="9:30",
        description="9:30 unless announced otherwise. 24-hour clock, like 9:30 or 14:00.",
        validators=[DataRequired(message="Enter the time of release"), Length(max=10)],
    )


class AcceptWarnings:
    """A checkbox shown with the warnings: saving anyway records the missed commitment."""

    accept_warnings = BooleanField(
        "Save anyway. I understand this is recorded and published as a missed commitment.",
        widget=GovCheckboxInput(),
    )


class ReleaseForm(EngageForm, AcceptWarnings):
    output_id = SelectField("Output", widget=GovSelect(), choices=[], default="")
    title = StringField(
        "Title",
        widget=GovTextInput(),
        filters=[strip_filter],
        description="For example, Offender management statistics quarterly: April to June 2027",
        validators=[DataRequired(message="Enter a title"), Length(max=300)],
    )
    kind = RadioField(
        "Type of release",
        widget=GovRadioInput(),
        choices=list(RELEASE_KINDS.items()),
        default="routine",
        validators=[InputRequired(message="Select routine or ad hoc")],
    )
    month = MonthField(
        "Month of release",
        widget=GovTextInput(),
        description="For a provisional date, like 11 2027. Leave empty when you give the date.",
        validators=[Optional(), Length(max=20)],
    )
    day = GovDateField(
        "Date of release (if confirmed)",
        what="Date of release",
        description="For example, 14 1 2027",
    )
    time = _time_field()
    submit = SubmitField("Announce the release", widget=GovSubmitInput())

    def validate_output_id(self, field: Any) -> None:
        if field.data and not str(field.data).isdigit():
            raise ValidationError("Select an output")

    def data_for_domain(self) -> dict[str, Any]:
        return {
            "title": self.title.data,
            "kind": self.kind.data,
            "output_id": int(self.output_id.data) if self.output_id.data else None,
            "month": self.month.month,  # type: ignore[attr-defined]
            "day": self.day.data,
            "time": self.time.time,  # type: ignore[attr-defined]
        }


class ConfirmForm(EngageForm, AcceptWarnings):
    day = GovDateField(
        "Date of release",
        what="Date of release",
        validators=[DateRequired("Enter the date of release")],
    )
    time = _time_field()
    submit = SubmitField("Confirm the date", widget=GovSubmitInput())


class MonthChangeForm(EngageForm, AcceptWarnings):
    month = MonthField(
        "New month of release",
        widget=GovTextInput(),
        description="Like 11 2027",
        validators=[DataRequired(message="Enter the new month"), Length(max=20)],
    )
    reason = TextAreaField(
        "Why is the month changing?",
        widget=GovTextArea(),
        filters=[clean_text],
        description="Published with the release's history.",
        validators=[
            DataRequired(message="Enter the reason for changing the month"),
            Length(max=2000),
        ],
    )
    submit = SubmitField("Change the month", widget=GovSubmitInput())


class DateChangeForm(EngageForm):
    day = GovDateField(
        "New date of release",
        what="New date of release",
        validators=[DateRequired("Enter the new date of release")],
    )
    time = _time_field()
    reason_kind = RadioField(
        "Why must the date change?",
        widget=GovRadioInput(),
        choices=list(CHANGE_REASONS.items()),
        validators=[InputRequired(message="Select why the date must change")],
    )
    reason = TextAreaField(
        "Explain the change",
        widget=GovTextArea(),
        filters=[clean_text],
        description="Published beside the change, as the statement requires.",
        validators=[DataRequired(message="Enter the reason for the change"), Length(max=2000)],
    )
    submit = SubmitField("Ask the Chief Statistician to approve", widget=GovSubmitInput())


class DecisionForm(EngageForm):
    decision = RadioField(
        "Your decision",
        widget=GovRadioInput(),
        choices=[("approve", "Approve the new date"), ("reject", "Reject: keep the date")],
        validators=[InputRequired(message="Select approve or reject")],
    )
    note = TextAreaField(
        "Note (optional)",
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[Optional(), Length(max=2000)],
    )
    submit = SubmitField("Save the decision", widget=GovSubmitInput())


class PublicationForm(EngageForm):
    day = GovDateField(
        "Date published",
        what="Date published",
        validators=[DateRequired("Enter the date it was published")],
    )
    time = TimeField(
        "Time published (UK time)",
        widget=GovTextInput(),
        description="The minute it went live, 24-hour clock, like 9:30.",
        validators=[DataRequired(message="Enter the time it was published"), Length(max=10)],
    )
    submit = SubmitField("Record publication", widget=GovSubmitInput())


class ReasonForm(EngageForm):
    reason = TextAreaField(
        "Why is the release cancelled?",
        widget=GovTextArea(),
        filters=[clean_text],
        description="Published on the release calendar.",
        validators=[
            DataRequired(message="Enter the reason for cancelling the release"),
            Length(max=2000),
        ],
    )
    submit = SubmitField("Cancel the release", widget=GovSubmitInput())


class ExplanationForm(EngageForm):
    explanation = TextAreaField(
        "Explanation",
        widget=GovTextArea(),
        filters=[clean_text],
        description="Published in the list of missed commitments.",
        validators=[DataRequired(message="Enter the explanation"), Length(max=2000)],
    )
    submit = SubmitField("Publish the explanation", widget=GovSubmitInput())


class ImportForm(EngageForm):
    file = FileField(
        "Upload a CSV or XLSX file",
        widget=GovFileInput(),
        validators=[FileRequired(message="Select a CSV or XLSX file")],
    )
    submit = SubmitField("Check the file", widget=GovSubmitInput())


class ImportConfirmForm(EngageForm):
    submit = SubmitField("Import", widget=GovSubmitInput())


class SubscribeForm(HoneypotForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip_filter],
        description="We will send you an email to confirm it first.",
        validators=[
            DataRequired(message="Enter your email address"),
            Email(message="Enter an email address in the correct format, like name@example.com"),
            Length(max=254),
        ],
    )
    submit = SubmitField("Subscribe", widget=GovSubmitInput())


class PreReleaseForm(EngageForm, AcceptWarnings):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[DataRequired(message="Enter the person's name"), Length(max=200)],
    )
    role = StringField(
        "Job title or role",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[DataRequired(message="Enter their job title or role"), Length(max=200)],
    )
    organisation = StringField(
        "Organisation",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[DataRequired(message="Enter their organisation"), Length(max=200)],
    )
    access_day = GovDateField(
        "Access from (date)",
        what="Access from",
        validators=[DateRequired("Enter the date access began")],
    )
    access_time = TimeField(
        "Access from (time, UK time)",
        widget=GovTextInput(),
        description="24-hour clock, like 9:30. At most 24 hours before publication.",
        validators=[DataRequired(message="Enter the time access began"), Length(max=10)],
    )
    submit = SubmitField("Add to the list", widget=GovSubmitInput())
