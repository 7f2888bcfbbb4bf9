"""Notes and attached files on a case: add a note, attach a file, download a file."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user

from engage import audit
from engage.auth.permissions import deny, requires
from engage.cases import attachments, bp
from engage.cases.access import record_view
from engage.cases.attachment_forms import AttachmentForm, CaseNoteForm
from engage.cases.desk_models import CaseAttachment, get_by_id
from engage.cases.pages import load_case
from engage.cases.workflow import CaseError
from engage.extensions import db
from engage.forms import show_rule_error


@dataclass(frozen=True)
class _Page:
    title: str
    hint: str = ""


NOTE_PAGE = _Page(
    "Add a note",
    "A note is internal: it is kept in the case history, never emailed and never shown to "
    "the requester.",
)
ATTACH_PAGE = _Page(
    "Attach a file",
    "For example a scanned letter, a PDF, a photo or an office document, up to 10 MB. "
    "Only people who may see this case can download it.",
)


def _case_for_adding(reference: str, what: str):  # type: ignore[no-untyped-def]
    case = load_case(reference)
    if not attachments.may_add(case, current_user):
        deny(f"case:{what}")
    return case


@bp.route("/staff/cases/<reference>/add-note", methods=["GET", "POST"])
@requires("work_cases")
def case_add_note(reference: str):
    case = _case_for_adding(reference, "note")
    form = CaseNoteForm()
    if form.validate_on_submit():
        try:
            attachments.add_note(case, current_user._get_current_object(), text=form.text.data)
        except CaseError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            flash("Note added", "success")
            return redirect(url_for("cases.case_page", reference=case.reference))
    return render_template("cases/case-action.html", case=case, form=form, spec=NOTE_PAGE)


@bp.route("/staff/cases/<reference>/attach", methods=["GET", "POST"])
@requires("work_cases")
def case_attach(reference: str):
    case = _case_for_adding(reference, "attach")
    form = AttachmentForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            attachments.add_attachment(
                case,
                current_user._get_current_object(),
                stream=upload.stream,
                filename=upload.filename,
                description=form.description.data,
            )
        except CaseError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            flash("File attached", "success")
            return redirect(url_for("cases.case_page", reference=case.reference))
    return render_template(
        "cases/case-action.html", case=case, form=form, spec=ATTACH_PAGE, multipart=True
    )


@bp.route("/staff/cases/<reference>/attachments/<int:attachment_id>")
@requires("view_cases")
def case_attachment(reference: str, attachment_id: int):
    case = load_case(reference)  # 403 for whoever may not see the case
    attachment = get_by_id(CaseAttachment, attachment_id)
    if attachment is None or attachment.case_id != case.id or attachment.removed_at is not None:
        abort(404)
    path = attachments.file_path(attachment)
    if not path.is_file():
        abort(404)
    record_view(current_user._get_current_object(), case, how="attachment")
    audit.commit_views()
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.original_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
