"""The view helper other areas use to offer a background export: GET shows what will be
prepared and a button; POST (CSRF-checked) queues the job and goes to its status page."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, url_for
from flask_login import current_user

from engage.exports import background
from engage.forms import EngageForm


class PrepareExportForm(EngageForm):
    pass


def offer_export(kind: str, params: dict[str, Any], *, title: str, back_url: str) -> Any:
    """The page of a background export (GET) and its request (POST)."""
    user = current_user._get_current_object()
    form = PrepareExportForm()
    if form.validate_on_submit():
        job = background.request_export(user, kind, params)  # Refusal: 403 + audit
        return redirect(url_for("exports.export_status", token=job.token))
    return render_template(
        "exports/prepare.html",
        form=form,
        title=title,
        back_url=back_url,
        hours=background.keep_hours(),
    )
