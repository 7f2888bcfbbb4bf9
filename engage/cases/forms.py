"""Forms of the cases area: public contact form, staff intake, workflow actions, calendar."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)

from engage.calendar import REGIONS
from engage.cases.intake import MESSAGE_MAX
from engage.forms import (
    EMAIL_MESSAGE,
    DateRequired,
    EngageForm,
    GovDateField,
    NotBeforeRecords,
    NotFuture,
    clean_text,
    strip_filter,
)
from engage.public.abuse import HoneypotForm
from engage.submissions import new_token
from engage.vocab import CASE_KINDS, TRANSFER_LABELS

# The six kinds in plain English, as the public sees them.
PUBLIC_KINDS: dict[str, str] = {
    "enquiry": "Ask a question about statistics we have published",
    "unpublished_statistics": "Ask for statistics we have not published",
    "different_format": "Ask for statistics in a different format, for example a spreadsheet "
    "or large print",
    "media": "Ask a question as a journalist or for the media",
    "service_complaint": "Complain about our service",
    "foi_complaint": "Complain about information we gave you under the Freedom of Information Act",
}
STAFF_CHANNELS = {"email": "Email", "letter": "Letter", "phone": "Phone call"}


def _required(message: str) -> DataRequired:
    # DataRequired checks the value after filters, so "   " counts as missing.
    return DataRequired(message=message)


# Made before the requester fields so the error summary lists it first, as on the page
# (WTForms orders fields by when they were created).
_PUBLIC_KIND = RadioField(
    "What would you like to do?",
    widget=GovRadioInput(),
    choices=list(PUBLIC_KINDS.items()),
    validators=[_required("Select what you would like to do")],
)


# The requester fields speak to whoever fills the form in: the public ("Enter your full name")
# or staff entering a letter, email or call for someone else ("Enter the requester's full
# name"). Each form names its wording; the validators look the message up when they run.
PUBLIC_NAME_MAX = 70
STAFF_NAME_MAX = 200
PUBLIC_WORDING: dict[str, str] = {
    "name_label": "Full name",
    "message_label": "Your message",
    "name_missing": "Enter your full name",
    "name_too_long": f"Full name must be {PUBLIC_NAME_MAX} characters or fewer",
    "name_lines": "Full name must be on one line",
    "name_link": "Full name must not contain a web address",
    "email_or_address": "Enter an email address or a postal address",
    "message_missing": "Enter your message",
    "message_too_long": f"Your message must be {MESSAGE_MAX:,} characters or fewer",
}
STAFF_WORDING: dict[str, str] = {
    "name_label": "Requester's full name",
    "message_label": "Message",
    "name_missing": "Enter the requester's full name",
    "name_too_long": f"Requester's full name must be {STAFF_NAME_MAX} characters or fewer",
    "name_lines": "Requester's full name must be on one line",
    "name_link": "Requester's full name must not contain a web address",
    "email_or_address": "Enter the requester's email address or postal address",
    "message_missing": "Enter the message",
    "message_too_long": f"Message must be {MESSAGE_MAX:,} characters or fewer",
}


class _Worded:
    """Runs `validator` with the message `form.WORDING[key]`."""

    def __init__(self, key: str, make: Any, **kwargs: Any) -> None:
        self.key, self.make, self.kwargs = key, make, kwargs
        self.field_flags = getattr(make(**kwargs), "field_flags", {})

    def __call__(self, form: Any, field: Any) -> None:
        self.make(message=form.WORDING[self.key], **self.kwargs)(form, field)


_LINK = re.compile(r"https?:|://|www\.|[<>]", re.IGNORECASE)


def _name_policy(form: Any, field: Any) -> None:
    """A name is one short line and no link: it is quoted back in the office's own emails and
    pages, so it must not carry a message of its own (the contact form was used as a relay)."""
    name = field.data or ""
    if any(ch in name for ch in "\r\n\v\f\x85\u2028\u2029") or any(
        ord(ch) < 32 or ord(ch) == 127 for ch in name
    ):
        raise StopValidation(form.WORDING["name_lines"])
    if _LINK.search(name):
        raise StopValidation(form.WORDING["name_link"])
    if len(name) > form.NAME_MAX:
        raise StopValidation(form.WORDING["name_too_long"])


class RequesterContactFields:
    """The requester's name, email address and postal address, as every form of a case asks for
    them (the public contact form, staff intake, correcting the requester's details): the same
    labels, filters, validators and messages. `WORDING` (PUBLIC_WORDING or STAFF_WORDING) and
    `NAME_MAX` say whom the form speaks to."""

    WORDING = PUBLIC_WORDING
    NAME_MAX = PUBLIC_NAME_MAX

    requester_name = StringField(
        "Full name",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            _Worded("name_missing", DataRequired),
            _name_policy,
        ],
    )
    requester_email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            Optional(),
            Email(message=EMAIL_MESSAGE),
            Length(max=254, message="Email address must be 254 characters or fewer"),
        ],
    )
    requester_address = TextAreaField(
        "Postal address",
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[
            Optional(),
            Length(max=500, message="Postal address must be 500 characters or fewer"),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.requester_name.label.text = self.WORDING["name_label"]  # type: ignore[attr-defined]


def requester_phone_field() -> StringField:
    """The requester's phone number, on the staff forms (made where the form lists it, so that
    the error summary keeps the form's order)."""
    return StringField(
        "Phone number (optional)",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=40, message="Phone number must be 40 characters or fewer"),
        ],
    )


class _RequesterFields(RequesterContactFields):
    # default "": a POST without the field at all means "not about a particular output",
    # as choosing that option does (not "Not a valid choice").
    output_id = SelectField(
        "Which statistics is it about? (optional)", widget=GovSelect(), choices=[], default=""
    )
    message = TextAreaField(
        "Your message",
        widget=GovCharacterCount(),
        filters=[clean_text],
        validators=[
            _Worded("message_missing", DataRequired),
            _Worded("message_too_long", Length, max=MESSAGE_MAX),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.message.label.text = self.WORDING["message_label"]  # type: ignore[attr-defined]

    def validate(self, extra_validators: Any = None) -> bool:
        # Not a validate_requester_email method: Optional() stops the chain on an empty email,
        # so that check never ran and this error only came back on a second submission.
        valid = super().validate(extra_validators)  # type: ignore[misc]
        email, address = self.requester_email, self.requester_address  # type: ignore[attr-defined]
        if not email.data and not (address.data or "").strip():
            email.errors = [*email.errors, self.WORDING["email_or_address"]]
            return False
        return bool(valid)


class ContactForm(_RequesterFields, HoneypotForm):
    kind = _PUBLIC_KIND
    submit = SubmitField("Send", widget=GovSubmitInput())


class StaffIntakeForm(_RequesterFields, EngageForm):
    WORDING = STAFF_WORDING
    NAME_MAX = STAFF_NAME_MAX
    # The order of templates/cases/case-new.html, for the error summary.
    PAGE_ORDER = (
        "channel",
        "received_on",
        "kind",
        "requester_name",
        "requester_email",
        "requester_address",
        "requester_phone",
        "output_id",
        "subject",
        "message",
    )

    kind = RadioField(
        "Kind of case",
        widget=GovRadioInput(),
        choices=list(CASE_KINDS.items()),
        validators=[_required("Select the kind of case")],
    )
    channel = RadioField(
        "How it arrived",
        widget=GovRadioInput(),
        choices=list(STAFF_CHANNELS.items()),
        validators=[_required("Select how it arrived")],
    )
    received_on = GovDateField(
        "Date received",
        what="Date received",
        validators=[
            DateRequired("Enter the date it was received"),
            NotBeforeRecords(),
            NotFuture(),
        ],
        description="The date on the letter's postmark or stamp, the email or the call. "
        "For example, 27 3 2026",
    )
    requester_phone = requester_phone_field()
    subject = StringField(
        "Subject (optional)",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[Optional(), Length(max=300, message="Subject must be 300 characters or fewer")],
    )
    submission_token = HiddenField(default=new_token)  # one case however often it is sent
    submit = SubmitField("Save case", widget=GovSubmitInput())


def _note(label: str = "Note (optional)") -> TextAreaField:
    return TextAreaField(
        label,
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[
            Optional(),
            Length(max=2000, message="The note must be 2,000 characters or fewer"),
        ],
    )


def _long_text(label: str, missing: str, limit: int = 20000) -> TextAreaField:
    return TextAreaField(
        label,
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[
            _required(missing),
            Length(max=limit, message=f"{label} must be {limit:,} characters or fewer"),
        ],
    )


class NoteForm(EngageForm):
    note = _note()
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class AcknowledgeForm(EngageForm):
    method = RadioField(
        "How was the requester acknowledged?",
        widget=GovRadioInput(),
        choices=[
            ("email", "By email"),
            ("post", "By post"),
            ("phone", "By phone"),
            ("in_person", "In person"),
        ],
        validators=[_required("Select how the requester was acknowledged")],
    )
    on = GovDateField(
        "Date it was done",
        what="Date it was done",
        validators=[DateRequired("Enter the date it was done"), NotFuture()],
        description="Today, or the day it happened if you are recording it afterwards. By "
        "email today: Engage sends it, and it counts once delivered. For example, 27 3 2026",
    )
    note = _note()
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class TriageForm(EngageForm):
    kind = RadioField(
        "Kind of case",
        widget=GovRadioInput(),
        choices=list(CASE_KINDS.items()),
        validators=[_required("Select the kind of case")],
    )
    note = _note()
    submit = SubmitField("Save kind", widget=GovSubmitInput())


class AssignForm(EngageForm):
    assignee = SelectField(
        "Assign to",
        widget=GovSelect(),
        choices=[],
        validators=[_required("Select who to assign the case to")],
    )
    note = _note("Note for the assignee (optional)")
    submit = SubmitField("Assign", widget=GovSubmitInput())


class ClarificationForm(EngageForm):
    question = _long_text(
        "What do you need clarified?", "Enter what you need the requester to clarify", 5000
    )
    submit = SubmitField("Send request", widget=GovSubmitInput())


class ReplyForm(EngageForm):
    replied_on = GovDateField(
        "Date the reply was received",
        what="Date the reply was received",
        validators=[DateRequired("Enter the date the reply was received"), NotFuture()],
    )
    note = _note("Summary of the reply (optional)")
    submit = SubmitField("Restart the clock", widget=GovSubmitInput())


class ChargeForm(EngageForm):
    amount = StringField(
        "Charge in pounds",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[_required("Enter the charge")],
    )
    explanation = _long_text("What the charge is for", "Enter what the charge is for", 5000)
    submit = SubmitField("Send quote", widget=GovSubmitInput())

    def validate_amount(self, field: Any) -> None:
        try:
            value = Decimal(field.data.replace("£", "").replace(",", ""))
        except InvalidOperation:
            raise ValidationError("Charge must be an amount of money, like 25 or 25.50") from None
        if not value.is_finite() or value <= 0:
            raise ValidationError("Charge must be more than £0")
        if value >= 100000:
            raise ValidationError("Charge must be less than £100,000")
        self.amount_value = value


class ChargeAnswerForm(EngageForm):
    accepted = RadioField(
        "Did the requester agree to pay?",
        widget=GovRadioInput(),
        choices=[("yes", "Yes, they agreed to pay"), ("no", "No, they refused")],
        validators=[_required("Select whether the requester agreed to pay")],
    )
    replied_on = GovDateField(
        "Date of their answer",
        what="Date of their answer",
        validators=[DateRequired("Enter the date of their answer"), NotFuture()],
    )
    note = _note()
    submit = SubmitField("Save answer", widget=GovSubmitInput())


class DelayForm(EngageForm):
    reason = _long_text("Reason for the delay", "Enter the reason for the delay", 5000)
    revised_target_on = GovDateField(
        "Revised target date",
        what="Revised target date",
        validators=[DateRequired("Enter the revised target date")],
        description="A working day after the respond-by date, and no more than 20 working days "
        "after it unless you say why below",
    )
    long_delay_reason = TextAreaField(
        "Why it needs more than 20 more working days (only if it does)",
        widget=GovTextArea(),
        filters=[clean_text],
        validators=[
            Optional(),
            Length(max=2000, message="The explanation must be 2,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Send delay notice", widget=GovSubmitInput())


def _done_on(label: str = "Date it was done") -> GovDateField:
    return GovDateField(
        label,
        what=label,
        validators=[DateRequired(f"Enter the {label[0].lower()}{label[1:]}"), NotFuture()],
        description="Today, or the day it happened if you are recording it afterwards "
        "(not before the case was received). For example, 27 3 2026",
    )


class RespondForm(EngageForm):
    text = _long_text("Full response", "Enter the response")
    method = RadioField(
        "How is it sent?",
        widget=GovRadioInput(),
        choices=[("email", "By email"), ("post", "By post"), ("phone", "By phone")],
        validators=[_required("Select how the response is sent")],
    )
    on = _done_on("Date it was sent")
    submit = SubmitField("Record response", widget=GovSubmitInput())


class WithdrawForm(EngageForm):
    method = RadioField(
        "How did the requester tell us?",
        widget=GovRadioInput(),
        choices=[("email", "By email"), ("post", "By post"), ("phone", "By phone")],
        validators=[_required("Select how the requester told us")],
    )
    on = _done_on("Date they withdrew")
    note = _note()
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class ReopenForm(EngageForm):
    reason = _long_text(
        "Why is the case being reopened?", "Enter why the case is being reopened", 2000
    )
    submit = SubmitField("Reopen case", widget=GovSubmitInput())


class TransferForm(EngageForm):
    to = RadioField(
        "Transfer to",
        widget=GovRadioInput(),
        choices=list(TRANSFER_LABELS.items()),
        validators=[_required("Select where to transfer the case")],
    )
    reference = StringField(
        "Reference (needed for FoI)",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=100, message="Reference must be 100 characters or fewer"),
        ],
    )
    note = _note()
    submit = SubmitField("Transfer", widget=GovSubmitInput())


class ReferralForm(EngageForm):
    referred_on = GovDateField(
        "Date of referral",
        what="Date of referral",
        validators=[DateRequired("Enter the date of referral"), NotFuture()],
    )
    note = _note()
    submit = SubmitField("Record referral", widget=GovSubmitInput())


class UksaOutcomeForm(EngageForm):
    outcome = _long_text("The Authority's outcome", "Enter the Authority's outcome", 5000)
    outcome_on = GovDateField(
        "Date of the outcome",
        what="Date of the outcome",
        validators=[DateRequired("Enter the date of the outcome"), NotFuture()],
    )
    submit = SubmitField("Record outcome", widget=GovSubmitInput())


class DeadlineCalculatorForm(EngageForm):
    class Meta:
        csrf = False  # a read-only GET form

    received_on = GovDateField(
        "Date received",
        what="Date received",
        validators=[DateRequired("Enter the date received")],
        description="For example, 24 12 2026",
    )


class ClosureForm(EngageForm):
    closed_on = GovDateField(
        "Date the office is closed",
        what="Date the office is closed",
        validators=[DateRequired("Enter the date the office is closed")],
    )
    reason = StringField(
        "Reason",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            _required("Enter the reason the office is closed"),
            Length(max=200, message="Reason must be 200 characters or fewer"),
        ],
    )
    add_closure = SubmitField("Add closure day", widget=GovSubmitInput())


class RegionForm(EngageForm):
    region = RadioField(
        "Calendar region",
        widget=GovRadioInput(),
        choices=list(REGIONS.items()),
        validators=[_required("Select the calendar region")],
    )
    save_region = SubmitField("Save region", widget=GovSubmitInput())
