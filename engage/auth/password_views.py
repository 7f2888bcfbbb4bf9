"""Password pages: change your own (forced at first sign-in of an account an administrator
made), forgotten password (a reset link by email), and the reset link's page."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from engage.auth import bp, password_change, service
from engage.auth.forms import ChangePasswordForm, ForgotPasswordForm, ResetPasswordForm
from engage.auth.pages import start_session
from engage.auth.permissions import public, requires
from engage.extensions import db, limiter
from engage.forms import show_rule_error


def _sign_in_limit() -> str:
    return str(current_app.config["SIGN_IN_RATE_LIMIT"])


@bp.route("/account/password", methods=["GET", "POST"])
@requires("manage_own_account")
@limiter.limit(_sign_in_limit, methods=["POST"])
def change_password():
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            password_change.change_password(
                user, form.current_password.data or "", form.new_password.data or ""
            )
        except service.AccountError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            # Every session ended with the change; this one starts again.
            start_session(user)
            flash("Your password has been changed. Other sessions have been signed out", "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/change-password.html", form=form, forced=user.must_change_password)


@bp.route("/sign-in/forgot-password", methods=["GET", "POST"])
@public
@limiter.limit(_sign_in_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        password_change.request_reset(form.email.data or "")
        return render_template("auth/reset-link-sent.html")
    return render_template("auth/forgot-password.html", form=form)


@bp.route("/sign-in/reset-password/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_sign_in_limit, methods=["POST"])
def reset_password(token: str):
    if password_change.user_for_token(token) is None:
        return render_template("auth/reset-link-expired.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            password_change.reset_password(token, form.new_password.data or "")
        except service.AccountError as error:
            db.session.rollback()
            if error.field == "token":
                return render_template("auth/reset-link-expired.html"), 404
            form.new_password.errors = [error.message]
        else:
            flash("Your password has been set. Sign in with it", "success")
            return redirect(url_for("auth.sign_in"))
    return render_template("auth/reset-password.html", form=form)


ALLOWED_WHILE_CHANGE_IS_DUE = {"auth.change_password", "auth.sign_out", "auth.signed_out", "static"}


@bp.before_app_request
def require_new_password():  # type: ignore[no-untyped-def]
    """An account made by an administrator reaches nothing else until its holder has chosen a
    password the administrator does not know."""
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in ALLOWED_WHILE_CHANGE_IS_DUE
        and request.path.startswith("/staff")
    ):
        return redirect(url_for("auth.change_password"))
    return None
