"""Staff pages for messages to a log (issue 21 item 4): write, preview with the count, send."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from engage import submissions
from engage.auth.permissions import deny, requires
from engage.consent import bp, messages
from engage.consent.forms import LogMessageForm
from engage.extensions import db
from engage.vocab import ENGAGEMENT_LEVEL_SHORT, USER_CATEGORY_SHORT


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
@submissions.own_token  # its form carries its own submission_token
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
    # "Change the message" from the check page comes back here with everything typed.
    if form.validate_on_submit() and not form.change.data:
        audience = messages.Audience.of(
            form.output_ids.data or [], form.categories.data or [], form.levels.data or []
        )
        # The outputs the user may write to are `allowed` (read above): no second look-up.
        outputs = [o for o in allowed if o.id in audience.output_ids]
        if len(outputs) != len(audience.output_ids):
            deny("log_message:output_not_allowed")
        number = messages.count(audience)
        if number == 0:
            form.output_ids.errors = [
                *form.output_ids.errors,
                "Nobody in these logs, categories and levels agreed to hear news and can be "
                "emailed: choose other logs or fewer filters",
            ]
        elif form.send.data and str(number) == (form.previewed_count.data or ""):
            return _send(form, user, audience)
        else:  # a preview, or the audience changed since the preview: check it (again)
            preview = _preview(form, outputs, number, changed=bool(form.send.data))
            return render_template("consent/message-check.html", form=form, preview=preview)
    return render_template("consent/message-form.html", form=form)


def _preview(form: LogMessageForm, outputs, number: int, *, changed: bool):  # type: ignore[no-untyped-def]
    subject, text, _ = messages.render(
        form.subject.data or "", form.body.data or "", outputs, "(a link to unsubscribe)"
    )
    form.previewed_count.data = str(number)
    filters = [
        ", ".join(USER_CATEGORY_SHORT[c] for c in form.categories.data or []),
        ", ".join(ENGAGEMENT_LEVEL_SHORT[v] for v in form.levels.data or []),
    ]
    return {
        "count": number,
        "subject": subject,
        "text": text,
        "changed": changed,
        "outputs": outputs,
        "filters": "; ".join(f for f in filters if f),
    }


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
        return render_template("consent/message-form.html", form=form)
    submissions.finish(token, str(message.id))
    flash(f"Message sent to {message.recipients:,} people. It is being delivered.", "success")
    return redirect(url_for("consent.message_list"))
