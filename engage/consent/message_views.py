"""Staff pages for messages to a log (issue 21 item 4): write, preview with the count, send."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from engage import submissions
from engage.auth.permissions import deny, requires
from engage.consent import messages
from engage.consent.forms import LogMessageForm
from engage.consent.views import bp
from engage.extensions import db


def _user():  # type: ignore[no-untyped-def]
    return current_user._get_current_object()


@bp.route("/staff/user-log-messages")
@requires("message_user_logs")
def message_list():
    user = _user()
    sent = messages.sent_messages(user)
    return render_template(
        "consent/messages.html",
        sent=[(m, messages.message_outputs(m.id)) for m in sent],
        may_write=bool(messages.outputs_for(user)),
    )


@bp.route("/staff/user-log-messages/new", methods=["GET", "POST"])
@requires("message_user_logs")
def message_new():
    user = _user()
    allowed = messages.outputs_for(user)
    if not allowed:
        deny("log_message:no_outputs")
    form = LogMessageForm()
    form.output_ids.choices = [(o.id, o.title) for o in allowed]
    if request.method == "GET":
        wanted = request.args.getlist("output", type=int)
        form.output_ids.data = [o.id for o in allowed if o.id in wanted]
    preview = None
    if form.validate_on_submit():
        audience = messages.Audience.of(
            form.output_ids.data or [], form.categories.data or [], form.levels.data or []
        )
        try:
            outputs = messages.check_outputs(user, audience.output_ids)
        except PermissionError:
            deny("log_message:output_not_allowed")
        number = messages.count(audience)
        if form.send.data and str(number) == (form.previewed_count.data or ""):
            if number == 0:
                form.output_ids.errors = [*form.output_ids.errors, "Nobody would get this message"]
            else:
                return _send(form, user, audience)
        elif form.send.data:  # the audience changed since the preview: show it again
            preview = _preview(form, outputs, number, changed=True)
        else:
            preview = _preview(form, outputs, number, changed=False)
    return render_template("consent/message-form.html", form=form, preview=preview)


def _preview(form: LogMessageForm, outputs, number: int, *, changed: bool):  # type: ignore[no-untyped-def]
    subject, text, _ = messages.render(
        form.subject.data or "", form.body.data or "", outputs, "(a link to unsubscribe)"
    )
    form.previewed_count.data = str(number)
    return {"count": number, "subject": subject, "text": text, "changed": changed}


def _send(form: LogMessageForm, user, audience):  # type: ignore[no-untyped-def]
    token = form.submission_token.data
    outcome = submissions.begin(token, "log_message")
    if outcome.duplicate:  # a double click or resend: the first POST's message
        return redirect(url_for("consent.message_list"))
    try:
        message = messages.send(user, audience, form.subject.data or "", form.body.data or "")
    except messages.MessageError as error:
        db.session.rollback()
        submissions.abandon(token)
        getattr(form, error.field).errors = [error.message]
        return render_template("consent/message-form.html", form=form, preview=None)
    submissions.finish(token, str(message.id))
    flash(f"Message sent to {message.recipients:,} people. It is being delivered.")
    return redirect(url_for("consent.message_list"))
