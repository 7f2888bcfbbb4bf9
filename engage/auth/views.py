"""Staff sign-in and sign-out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from engage.auth import bp, service
from engage.auth.forms import SignInForm
from engage.auth.pages import start_session
from engage.auth.permissions import public
from engage.extensions import limiter

GENERIC_FAILURE = "Enter a correct email address and password"


def safe_next(target: str | None) -> str:
    """Only local paths: never redirect off-site after sign-in."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and "\\" not in target:
            return target
    return url_for("staff.dashboard")


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["SIGN_IN_RATE_LIMIT"], methods=["POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("staff.dashboard"))
    form = SignInForm()
    if form.validate_on_submit():
        result = service.check_sign_in(form.email.data, form.password.data, request.remote_addr)
        if result.ok and result.user is not None:
            from engage.auth import second_factor

            next_url = safe_next(request.args.get("next"))
            if second_factor.needs_second_step(result.user):
                return second_factor.begin(result.user, next_url)
            service.complete_sign_in(result.user, request.remote_addr)
            start_session(result.user)
            return redirect(next_url)
        form.email.errors = [GENERIC_FAILURE]
        form.password.errors = [GENERIC_FAILURE]
    return render_template("auth/sign-in.html", form=form)


@bp.route("/sign-out", methods=["POST"])
@public
def sign_out():
    if current_user.is_authenticated:
        service.sign_out(current_user._get_current_object())
    logout_user()
    session.clear()
    return redirect(url_for("auth.signed_out"))


@bp.route("/signed-out")
@public
def signed_out():
    return render_template("auth/signed-out.html")
