"""engage/forms.py: the common field shapes every area's forms ask with (one line, paragraphs,
an email address, a GOV.UK date, a submit button) and `RuleErrorsShown`, the one way a view
shows a rule's refusal on its form."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from engage.audit import AuditEvent
from engage.errors import Refusal, RuleError
from engage.extensions import db
from engage.forms import (
    EMAIL_MESSAGE,
    EngageForm,
    RuleErrorsShown,
    date_field,
    email_field,
    line_field,
    paragraphs_field,
    submit_button,
)


class SampleForm(EngageForm):
    name = line_field("Name", required="Enter the name")
    nickname = line_field("Nickname (optional)", max_length=20)
    reason = paragraphs_field("Reason", required="Enter the reason", max_length=50)
    email = email_field("Email address")
    day = date_field("Date of release", required="Enter the date of release")
    submit = submit_button("Save")


def _form(app, **data):  # type: ignore[no-untyped-def]
    values = MultiDict({"day": ["", "", ""], **data})
    if isinstance(data.get("day"), list):
        values.setlist("day", data["day"])
    with app.test_request_context(method="POST", data=values):
        form = SampleForm(meta={"csrf": False})
        form.validate()
        return form


def test_required_fields_say_what_to_enter(app):
    form = _form(app, name="  ", reason="\n")
    assert form.errors == {
        "name": ["Enter the name"],
        "reason": ["Enter the reason"],
        "day": ["Enter the date of release"],
    }


def test_bounds_and_formats_name_the_field(app):
    form = _form(
        app,
        name="Alex",
        nickname="x" * 21,
        reason="y" * 51,
        email="not an address",
        day=["31", "2", "2027"],
    )
    assert form.errors == {
        "nickname": ["Nickname must be 20 characters or fewer"],
        "reason": ["Reason must be 50 characters or fewer"],
        "email": [EMAIL_MESSAGE],
        "day": ["Date of release must be a real date"],
    }


def test_text_is_cleaned_and_optional_fields_may_be_empty(app):
    form = _form(
        app, name="  Alex  ", nickname="", reason=" One\r\ntwo\x07 ", day=["14", "1", "2027"]
    )
    assert form.errors == {}
    assert (form.name.data, form.reason.data, form.nickname.data) == ("Alex", "One\ntwo", "")
    assert str(form.day.data) == "2027-01-14"


def test_a_rule_error_is_rolled_back_and_shown_on_its_field(app):
    with app.test_request_context(method="POST"):
        form = SampleForm(meta={"csrf": False})
        db.session.add(AuditEvent(action="half.done"))
        with RuleErrorsShown(form, "name") as attempt:
            raise RuleError("Enter a different date", "day")
        assert attempt.failed
        assert form.day.errors == ["Enter a different date"]
        with RuleErrorsShown(form, "name") as unnamed:
            raise RuleError("Something about the whole form")
        assert unnamed.failed and form.name.errors == ["Something about the whole form"]
        with RuleErrorsShown(form, "name") as fine:
            pass
        assert not fine.failed
    assert db.session.execute(db.select(AuditEvent)).first() is None  # rolled back


def test_a_refusal_goes_on_to_the_apps_handler(app):
    with app.test_request_context(method="POST"):
        form = SampleForm(meta={"csrf": False})
        with pytest.raises(Refusal), RuleErrorsShown(form, "name"):
            raise Refusal("release:not-yours")
        assert form.errors == {}
