"""The subject access pages: find everything Engage holds about one email address, and
download it (engage/admin/subject_access.py finds it and records the lookup)."""

from __future__ import annotations

import json

from flask import Response, render_template
from flask_login import current_user

from engage.admin import bp
from engage.admin import subject_access as sar
from engage.admin.forms import DownloadForm, SubjectAccessForm
from engage.auth.permissions import requires
from engage.db_types import utcnow


@bp.route("/subject-access", methods=["GET", "POST"])
@requires("subject_access")
def subject_access():
    # POST, not GET: the address must not land in URLs, browser history or access logs.
    form = SubjectAccessForm()
    if form.validate_on_submit():
        found = sar.find_everything(form.email.data)
        sar.record_lookup(found, download=False, actor=current_user._get_current_object())
        return render_template(
            "admin/subject-access-results.html",
            email=form.email.data,
            found=found,
            sections=sar.SECTIONS,
            total=sum(len(v) for v in found.values()),
            download=DownloadForm(email=form.email.data),
        )
    return render_template("admin/subject-access.html", form=form)


@bp.route("/subject-access/download", methods=["POST"])
@requires("subject_access")
def subject_access_download():
    form = DownloadForm()
    email = (form.email.data or "").strip() if form.validate_on_submit() else ""
    if not email or "@" not in email:
        return subject_access()
    found = sar.find_everything(email)
    sar.record_lookup(found, download=True, actor=current_user._get_current_object())
    body = json.dumps(
        {
            "email": email,
            "generated_at": utcnow().isoformat(),
            "generated_by": current_user.email,
            "records": found,
        },
        indent=2,
        ensure_ascii=False,
    )
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="subject-access-{stamp}.json"'},
    )
