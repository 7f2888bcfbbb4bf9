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
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from engage.forms import (
    EngageForm,
    date_field,
    email_field,
    line_field,
    paragraphs_field,
    submit_button,
)
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
    title = line_field(
        "Title",
        required="Enter a title",
        max_length=300,
        description="For example, Offender management statistics quarterly: April to June 2027",
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
    day = date_field(
        "Date of release (if confirmed)",
        what="Date of release",
        description="For example, 14 1 2027",
    )
    time = _time_field()
    submit = submit_button("Announce the release")

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
    day = date_field("Date of release", required="Enter the date of release")
    time = _time_field()
    submit = submit_button("Confirm the date")


class MonthChangeForm(EngageForm, AcceptWarnings):
    month = MonthField(
        "New month of release",
        widget=GovTextInput(),
        description="Like 11 2027",
        validators=[DataRequired(message="Enter the new month"), Length(max=20)],
    )
    reason = paragraphs_field(
        "Why is the month changing?",
        required="Enter the reason for changing the month",
        description="Published with the release's history.",
    )
    submit = submit_button("Change the month")


class DateChangeForm(EngageForm):
    day = date_field("New date of release", required="Enter the new date of release")
    time = _time_field()
    reason_kind = RadioField(
        "Why must the date change?",
        widget=GovRadioInput(),
        choices=list(CHANGE_REASONS.items()),
        validators=[InputRequired(message="Select why the date must change")],
    )
    reason = paragraphs_field(
        "Explain the change",
        required="Enter the reason for the change",
        description="Published beside the change, as the statement requires.",
    )
    submit = submit_button("Ask the Chief Statistician to approve")


class DecisionForm(EngageForm):
    decision = RadioField(
        "Your decision",
        widget=GovRadioInput(),
        choices=[("approve", "Approve the new date"), ("reject", "Reject: keep the date")],
        validators=[InputRequired(message="Select approve or reject")],
    )
    note = paragraphs_field("Note (optional)")
    submit = submit_button("Save the decision")


class PublicationForm(EngageForm):
    day = date_field("Date published", required="Enter the date it was published")
    time = TimeField(
        "Time published (UK time)",
        widget=GovTextInput(),
        description="The minute it went live, 24-hour clock, like 9:30.",
        validators=[DataRequired(message="Enter the time it was published"), Length(max=10)],
    )
    submit = submit_button("Record publication")


class ReasonForm(EngageForm):
    reason = paragraphs_field(
        "Why is the release cancelled?",
        required="Enter the reason for cancelling the release",
        description="Published on the release calendar.",
    )
    submit = submit_button("Cancel the release")


class ExplanationForm(EngageForm):
    explanation = paragraphs_field(
        "Explanation",
        required="Enter the explanation",
        description="Published in the list of missed commitments.",
    )
    submit = submit_button("Publish the explanation")


class ImportForm(EngageForm):
    file = FileField(
        "Upload a CSV or XLSX file",
        widget=GovFileInput(),
        validators=[FileRequired(message="Select a CSV or XLSX file")],
    )
    submit = submit_button("Check the file")


class ImportConfirmForm(EngageForm):
    submit = submit_button("Import")


class SubscribeForm(HoneypotForm):
    email = email_field(
        "Email address",
        required="Enter your email address",
        description="We will send you an email to confirm it first.",
    )
    submit = submit_button("Subscribe")


class PreReleaseForm(EngageForm, AcceptWarnings):
    name = line_field("Name", required="Enter the person's name")
    role = line_field("Job title or role", required="Enter their job title or role")
    organisation = line_field("Organisation", required="Enter their organisation")
    access_day = date_field(
        "Access from (date)", what="Access from", required="Enter the date access began"
    )
    access_time = TimeField(
        "Access from (time, UK time)",
        widget=GovTextInput(),
        description="24-hour clock, like 9:30. At most 24 hours before publication.",
        validators=[DataRequired(message="Enter the time access began"), Length(max=10)],
    )
    submit = submit_button("Add to the list")
