"""Second-factor pages: the code step of sign-in, setting up an authenticator app (forced at
first sign-in for roles that need one), and the staff member's own account page."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from engage.auth import bp, second_factor, service
from engage.auth.forms import ReauthForm
from engage.auth.pages import start_session
from engage.auth.permissions import public, requires
from engage.auth.second_factor_forms import ButtonForm, ConfirmCodeForm, SignInCodeForm
from engage.extensions import db, limiter


def _sign_in_limit() -> str:
    return str(current_app.config["SIGN_IN_RATE_LIMIT"])


def _start_again():  # type: ignore[no-untyped-def]
    flash("Your sign-in has timed out or was stopped. Sign in again", "info")
    return redirect(url_for("auth.sign_in"))


@bp.route("/sign-in/code", methods=["GET", "POST"])
@public
@limiter.limit(_sign_in_limit, methods=["POST"])
def sign_in_code():
    pending = second_factor.pending()
    if pending is None:
        return _start_again()
    user = pending.user
    if not user.totp_enabled:
        return redirect(url_for("auth.set_up_authenticator"))
    form = SignInCodeForm()
    if form.validate_on_submit():
        try:
            method = second_factor.verify_sign_in_code(user, form.code.data, pending.failures)
        except second_factor.CodeError as error:
            if second_factor.record_failure_in_session(pending):
                flash("You entered a wrong code too many times. Sign in again", "info")
                return redirect(url_for("auth.sign_in"))
            form.code.errors = [error.message]
        else:
            service.complete_sign_in(user, request.remote_addr)
            start_session(user)
            if method == "recovery":
                left = second_factor.unused_recovery_codes(user)
                flash(
                    f"You signed in with a recovery code. You have {left} left. "
                    "Get new codes from your account page",
                    "info",
                )
            return redirect(pending.next_url)
    return render_template("auth/sign-in-code.html", form=form)


def _setup_page(user, form, template: str, **extra):  # type: ignore[no-untyped-def]
    secret = second_factor.setup_secret(user)
    uri = second_factor.provisioning_uri(user, secret)
    return render_template(
        template,
        form=form,
        secret=secret,
        uri=uri,
        qr=Markup(second_factor.qr_svg(uri)),  # noqa: S704  # nosec B704 - SVG drawn by segno
        **extra,
    )


@bp.route("/sign-in/set-up-authenticator", methods=["GET", "POST"])
@public
@limiter.limit(_sign_in_limit, methods=["POST"])
def set_up_authenticator():
    pending = second_factor.pending()
    if pending is None:
        return _start_again()
    user = pending.user
    if user.totp_enabled:
        return redirect(url_for("auth.sign_in_code"))
    form = ConfirmCodeForm()
    if form.validate_on_submit():
        try:
            codes = second_factor.enable(user, user.totp_secret or "", form.code.data)
        except second_factor.CodeError as error:
            second_factor.count_wrong_setup_code(user)
            if second_factor.record_failure_in_session(pending):
                flash("You entered a wrong code too many times. Sign in again", "info")
                return redirect(url_for("auth.sign_in"))
            form.code.errors = [error.message]
        else:
            service.complete_sign_in(user, request.remote_addr)
            start_session(user)
            return render_template(
                "auth/recovery-codes.html", codes=codes, next_url=pending.next_url
            )
    return _setup_page(user, form, "auth/set-up-authenticator.html")


@bp.route("/account")
@requires("manage_own_account")
def account():
    user = current_user._get_current_object()
    return render_template(
        "auth/account.html",
        user=user,
        required=second_factor.is_required(user),
        codes_left=second_factor.unused_recovery_codes(user) if user.totp_enabled else 0,
        button=ButtonForm(),
    )


@bp.route("/account/authenticator", methods=["GET", "POST"])
@requires("manage_own_account")
@limiter.limit(_sign_in_limit, methods=["POST"])
def account_authenticator():
    user = current_user._get_current_object()
    if user.totp_enabled:
        return redirect(url_for("auth.account"))
    form = ConfirmCodeForm()
    if form.validate_on_submit():
        try:
            codes = second_factor.enable(user, user.totp_secret or "", form.code.data)
        except second_factor.CodeError as error:
            form.code.errors = [error.message]
        else:
            return render_template(
                "auth/recovery-codes.html", codes=codes, next_url=url_for("auth.account")
            )
    return _setup_page(user, form, "auth/account-authenticator.html")


@bp.route("/account/recovery-codes", methods=["GET", "POST"])
@requires("manage_own_account")
@limiter.limit(_sign_in_limit, methods=["POST"])
def account_recovery_codes():
    user = current_user._get_current_object()
    if not user.totp_enabled:
        return redirect(url_for("auth.account"))
    form = ReauthForm()
    if form.validate_on_submit():
        try:
            codes = second_factor.regenerate_recovery_codes(user, form.password.data or "")
        except second_factor.CodeError as error:
            form.password.errors = [error.message]
        else:
            return render_template(
                "auth/recovery-codes.html", codes=codes, next_url=url_for("auth.account")
            )
    return render_template(
        "auth/confirm-with-password.html",
        form=form,
        title="Get new recovery codes",
        explanation="Your old recovery codes stop working. Enter your password to continue.",
    )


@bp.route("/account/authenticator/turn-off", methods=["GET", "POST"])
@requires("manage_own_account")
@limiter.limit(_sign_in_limit, methods=["POST"])
def account_authenticator_off():
    user = current_user._get_current_object()
    if not user.totp_enabled:
        return redirect(url_for("auth.account"))
    form = ReauthForm()
    if form.validate_on_submit():
        try:
            second_factor.disable(user, actor=user, password=form.password.data or "")
        except second_factor.CodeError as error:
            db.session.rollback()
            form.password.errors = [error.message]
        else:
            flash("Authenticator app turned off", "success")
            return redirect(url_for("auth.account"))
    return render_template(
        "auth/confirm-with-password.html",
        form=form,
        title="Turn off the authenticator app",
        explanation="Signing in will need only your password. Enter your password to continue.",
    )
