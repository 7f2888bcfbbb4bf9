"""One page per workflow action: /staff/cases/<reference>/<action>. GET shows the form, POST
calls the domain function the action names (engage/cases/actions.py); a refusal by role is
answered by the app's Refusal handler."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from engage import audit
from engage.auth.permissions import requires
from engage.calendar import today_london
from engage.cases import bp, forms, workflow
from engage.cases.access import record_view
from engage.cases.actions import ACTIONS, NAME_FOR_SLUG
from engage.cases.models import Case
from engage.cases.pages import assignee_choices, load_case
from engage.cases.workflow import CaseError
from engage.extensions import db
from engage.forms import show_rule_error


def _action_form(spec: Any, case: Case) -> Any:
    """The action's form, with the action's defaults for this case when first shown."""
    form = spec.form()
    today = today_london()
    form.today = today
    if isinstance(form, forms.AssignForm):
        form.assignee.choices = assignee_choices(case, form.is_submitted())
    if not form.is_submitted():
        for field_name, value in spec.defaults(case, today).items():
            getattr(form, field_name).data = value
    return form


@bp.route("/staff/cases/<reference>/<action>", methods=["GET", "POST"])
@requires("view_cases")
def case_action(reference: str, action: str):
    name = NAME_FOR_SLUG.get(action)
    if name is None:
        abort(404)
    spec = ACTIONS[name]
    case = load_case(reference)
    actor = current_user._get_current_object()
    try:
        workflow.check(case, actor, name)
    except CaseError as error:
        flash(error.message, "error")
        return redirect(url_for("cases.case_page", reference=case.reference))
    form = _action_form(spec, case)
    if form.validate_on_submit():
        try:
            spec.run(case, actor, form)
        except CaseError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            flash(spec.done, "success")
            return redirect(url_for("cases.case_page", reference=case.reference))
    # The action page shows the case: a complaint's view is recorded, as on the case page.
    record_view(actor, case, how=f"action:{action}")
    page = render_template("cases/case-action.html", case=case, form=form, spec=spec)
    audit.commit_views()
    return page
