"""Subscribing to an output's release notices (public): an email address, then a confirmation
email (engage.consent's double opt-in); nothing else is sent until it is confirmed."""

from __future__ import annotations

from flask import abort, redirect, render_template, session, url_for

from engage import consent, submissions
from engage.auth.permissions import public
from engage.extensions import db
from engage.outputs.models import Output
from engage.public.abuse import public_form_limit
from engage.releases import bp, listing
from engage.releases.forms import SubscribeForm

WORDING = "Email me when {title} is published, or its release date changes or it is cancelled."
SESSION_KEY = "release_subscription"


@bp.route("/statistics/<slug>/release-notices", methods=["GET", "POST"])
@submissions.own_token  # its form carries its own submission_token
@public
@public_form_limit
def subscribe(slug: str):
    output = listing.output_by_slug(slug)
    if output is None or output.status != "active":
        abort(404)
    return _subscribe(output, output.slug)


@bp.route("/releases/notices", methods=["GET", "POST"])
@submissions.own_token  # its form carries its own submission_token
@public
@public_form_limit
def subscribe_all():
    """Every release, ad hoc releases included: consent to release notices for every output."""
    return _subscribe(None, "")


def _subscribe(output: Output | None, slug: str):  # type: ignore[no-untyped-def]
    form = SubscribeForm()
    wording = WORDING.format(title=output.title if output else "any of these statistics")
    if form.validate_on_submit():
        if not form.is_bot():
            token = form.submission_token.data
            if not submissions.begin(token, "release_subscription").duplicate:
                consent.request(
                    form.email.data,
                    purpose="releases",
                    output=output,
                    source="public_form",
                    source_detail="Release notices sign-up for "
                    + (output.title if output else "every release"),
                    wording=wording,
                )
                submissions.finish(token, "requested")
                db.session.commit()
        session[SESSION_KEY] = slug
        if output is None:
            return redirect(url_for("releases.subscribe_all_sent"))
        return redirect(url_for("releases.subscribe_sent", slug=slug))
    return render_template("releases/subscribe.html", form=form, output=output, wording=wording)


@bp.route("/statistics/<slug>/release-notices/check-your-email")
@public
def subscribe_sent(slug: str):
    output = listing.output_by_slug(slug)
    if output is None or session.get(SESSION_KEY) != slug:
        abort(404)
    return render_template("releases/subscribe-sent.html", output=output)


@bp.route("/releases/notices/check-your-email")
@public
def subscribe_all_sent():
    if session.get(SESSION_KEY) != "":
        abort(404)
    return render_template("releases/subscribe-sent.html", output=None)
