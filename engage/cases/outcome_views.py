"""Complaint outcome, what we learned, and the administrators' list of themes. Rules in
complaint_outcomes.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from engage.auth.models import User
from engage.auth.permissions import deny, requires
from engage.calendar import today_london
from engage.cases import bp
from engage.cases import complaint_outcomes as outcomes
from engage.cases.desk_models import ComplaintTheme, LessonAction, get_by_id
from engage.cases.models import Case
from engage.cases.outcome_forms import LessonDoneForm, LessonForm, OutcomeForm, ThemeForm
from engage.cases.pages import load_case
from engage.cases.workflow import CaseError
from engage.extensions import db
from engage.forms import show_rule_error


@dataclass(frozen=True)
class _Page:
    title: str
    hint: str = ""


def _me() -> User:
    return current_user._get_current_object()


def _outcome_form(case: Case) -> tuple[OutcomeForm, list[Any]]:
    """The outcome form, filled in with the outcome recorded so far; and the active themes. A
    theme retired since it was chosen stays a choice."""
    current = outcomes.outcome_of(case)
    themes = outcomes.active_themes()
    kept = [t for t in (current.themes if current else []) if not t.active]
    form = OutcomeForm()
    form.themes.choices = [(str(t.id), t.name) for t in themes + kept]
    if not form.is_submitted() and current is not None:
        form.outcome.data = current.outcome
        form.themes.data = [str(t.id) for t in current.themes]
    return form, themes


@bp.route("/staff/cases/<reference>/outcome", methods=["GET", "POST"])
@requires("work_cases")
def case_outcome(reference: str):
    case = load_case(reference)
    if not outcomes.may_record_outcome(case, _me()):
        deny("case:outcome")
    form, themes = _outcome_form(case)
    if form.validate_on_submit():
        try:
            outcomes.record_outcome(
                case,
                _me(),
                outcome=form.outcome.data,
                theme_ids=[int(i) for i in form.themes.data if i.isdigit()],
            )
        except CaseError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            flash("Outcome saved", "success")
            return redirect(url_for("cases.case_page", reference=case.reference))
    spec = _Page(
        "Record how the complaint ended",
        "Under the Complaint Standards, each complaint's outcome and themes are reported. "
        + ("" if themes else "No themes have been set up yet: ask an administrator."),
    )
    return render_template("cases/case-action.html", case=case, form=form, spec=spec)


@bp.route("/staff/cases/<reference>/lessons/new", methods=["GET", "POST"])
@requires("work_cases")
def lesson_new(reference: str):
    case = load_case(reference)
    if not outcomes.may_record_outcome(case, _me()):
        deny("case:lesson")
    form = LessonForm()
    # Only people who may see the complaint are offered; a posted other is let through to the
    # rule, which says why not.
    form.owner.choices = [("", "Select a person")] + [
        (str(u.id), u.name) for u in outcomes.lesson_owners(case)
    ]
    raw = form.owner.data if form.is_submitted() else None
    owner = (
        get_by_id(User, int(raw))
        if raw and raw.isascii() and raw.isdigit() and len(raw) < 12
        else None
    )
    if owner is not None and raw not in dict(form.owner.choices):
        form.owner.choices.append((raw, owner.name))
    if form.validate_on_submit():
        try:
            outcomes.add_lesson(
                case,
                _me(),
                learned=form.learned.data,
                action=form.action.data,
                owner=owner,
                due_on=form.due_on.data,
            )
        except CaseError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            flash("Action added", "success")
            return redirect(url_for("cases.case_page", reference=case.reference))
    spec = _Page(
        "Add what we learned",
        "What the complaint taught us, the action we will take and who owns it. The annual "
        "report says what was learned.",
    )
    return render_template("cases/case-action.html", case=case, form=form, spec=spec)


@bp.route("/staff/cases/<reference>/lessons/<int:lesson_id>/done", methods=["GET", "POST"])
@requires("view_cases")
def lesson_done(reference: str, lesson_id: int):
    case = load_case(reference)
    lesson = get_by_id(LessonAction, lesson_id)
    if lesson is None or lesson.case_id != case.id:
        abort(404)
    if not outcomes.may_complete(lesson, case, _me()):
        if lesson.done_on is not None:
            flash("This action is already done", "error")
            return redirect(url_for("cases.case_page", reference=case.reference))
        deny("lesson:not-owner")
    form = LessonDoneForm()
    form.today = today_london()
    if form.validate_on_submit() and form.done_on.data is not None:
        try:
            outcomes.complete_lesson(
                lesson, case, _me(), done_on=form.done_on.data, note=form.note.data or ""
            )
        except CaseError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            flash("Action marked as done", "success")
            return redirect(url_for("cases.case_page", reference=case.reference))
    spec = _Page("Mark the action as done", f"The action: {lesson.action}")
    return render_template("cases/case-action.html", case=case, form=form, spec=spec)


# --- administrators: the list of themes -------------------------------------------------------


@bp.route("/staff/admin/complaint-themes", methods=["GET", "POST"])
@requires("manage_settings")
def complaint_themes():
    form = ThemeForm()
    if form.validate_on_submit():
        try:
            theme = outcomes.add_theme(_me(), form.name.data)
        except CaseError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            flash(f"Theme ‘{theme.name}’ added", "success")
            return redirect(url_for("cases.complaint_themes"))
    themes = list(
        db.session.execute(
            db.select(ComplaintTheme).order_by(ComplaintTheme.active.desc(), ComplaintTheme.name)
        ).scalars()
    )
    return render_template("cases/admin-themes.html", form=form, themes=themes)


@bp.route("/staff/admin/complaint-themes/<int:theme_id>/<change>", methods=["POST"])
@requires("manage_settings")
def complaint_theme_change(theme_id: int, change: str):
    theme = get_by_id(ComplaintTheme, theme_id)
    if theme is None or change not in ("retire", "restore"):
        abort(404)
    outcomes.set_theme_active(_me(), theme, change == "restore")
    flash(f"Theme ‘{theme.name}’ {'retired' if change == 'retire' else 'brought back'}", "success")
    return redirect(url_for("cases.complaint_themes"))
