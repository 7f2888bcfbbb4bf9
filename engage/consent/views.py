"""Public consent pages: confirm an email address (double opt-in) and unsubscribe (one click).

A GET never changes anything (link scanners follow links): each page shows a button that
POSTs. The unsubscribe URL also takes a mail program's RFC 8058 one-click POST
(`List-Unsubscribe=One-Click`), so it is the one view exempt from CSRF: the signed token in
its URL is what authenticates it.
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from engage.auth.permissions import public
from engage.consent import bp, service
from engage.consent.forms import ConfirmEmailForm, UnsubscribeForm
from engage.consent.models import PURPOSES
from engage.consent.tokens import BadToken
from engage.extensions import csrf


def _not_valid():  # type: ignore[no-untyped-def]
    return render_template("consent/link-not-valid.html"), 404


@bp.route("/confirm-email/<token>", methods=["GET", "POST"])
@public
def confirm_email(token: str):
    form = ConfirmEmailForm()
    try:
        stakeholder, pending = service.pending_for(token)
    except BadToken:
        return _not_valid()
    if form.validate_on_submit():
        service.confirm(token)
        return redirect(url_for("consent.confirm_email", token=token, done=1))
    return render_template(
        "consent/confirm-email.html",
        form=form,
        pending=pending,
        done=bool(request.args.get("done")) and not pending,
        purposes=PURPOSES,
        outputs=service.outputs_named(c.output_id for c in pending),
    )


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
@csrf.exempt
def unsubscribe(token: str):
    try:
        stakeholder, unsub, outputs = service.describe_unsubscribe(token)
    except BadToken:
        return _not_valid()
    if request.method == "POST":
        one_click = request.form.get("List-Unsubscribe") == "One-Click"
        service.unsubscribe(token, how="one_click" if one_click else "unsubscribe_link")
        if one_click:  # a mail program: it shows nothing of the page
            return "Unsubscribed\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
        return redirect(url_for("consent.unsubscribe", token=token, done=1))
    return render_template(
        "consent/unsubscribe.html",
        form=UnsubscribeForm(),
        purpose=PURPOSES[unsub.purpose],
        outputs=outputs,
        done=bool(request.args.get("done")),
    )
