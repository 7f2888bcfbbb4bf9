"""Administration: staff accounts and roles. (Calendar, settings and outbox pages join here.)"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from engage.admin import bp
from engage.auth import service
from engage.auth.forms import UserForm
from engage.auth.models import User
from engage.auth.permissions import requires
from engage.extensions import db
from engage.forms import show_rule_error
from engage.pagination import paginate


@bp.route("")
@requires("manage_users")
def admin_index():
    return render_template("admin/index.html")


@bp.route("/users")
@requires("manage_users")
def user_list():
    page = paginate(db.select(User).order_by(User.name))
    return render_template("admin/user-list.html", page=page)


@bp.route("/users/new", methods=["GET", "POST"])
@requires("manage_users")
def user_new():
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = service.create_user(
                email=form.email.data,
                name=form.name.data,
                password=form.password.data or "",
                roles=form.roles.data,
                actor=current_user,
            )
        except service.AccountError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            flash(f"Account created for {user.name}", "success")
            return redirect(url_for("admin.user_list"))
    return render_template("admin/user-form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires("manage_users")
def user_edit(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = UserForm(obj=user)
    del form.password
    del form.email  # the email address is the account's identity: not editable
    if not form.is_submitted():
        form.roles.data = sorted(user.roles)
        form.active.data = user.active
    if form.validate_on_submit():
        try:
            service.update_user(
                user,
                name=form.name.data,
                roles=set(form.roles.data),
                active=bool(form.active.data),
                actor=current_user,
            )
        except service.AccountError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            flash(f"Account for {user.name} saved", "success")
            return redirect(url_for("admin.user_list"))
    return render_template("admin/user-form.html", form=form, user=user)


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@requires("manage_users")
def user_unlock(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    service.unlock_user(user, current_user)
    flash(f"Account for {user.name} unlocked", "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@requires("manage_users")
def user_reset_password(user_id: int):
    """Email the holder a reset link: the administrator never learns or sets the password."""
    from engage.auth import password_change

    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    password_change.send_reset_link(user, actor=current_user._get_current_object())
    flash(f"A password reset link has been emailed to {user.name}", "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))
