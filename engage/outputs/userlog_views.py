"""Staff views of user logs: the log, entries, contacts, stakeholders, import and export."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from jinja2.filters import do_truncate

from engage import submissions
from engage.auth.permissions import deny, requires
from engage.calendar import today_london
from engage.consent.pages import consent_history
from engage.exports.pages import offer_export
from engage.exports.streaming import csv_response, xlsx_response
from engage.extensions import db, limiter
from engage.filters import govuk_date_short
from engage.forms import show_rule_error
from engage.outputs import (
    access,
    bp,
    exporting,
    importing,
    log_charts,
    logs,
    merge_rules,
    search,
    userlog,
)
from engage.outputs.links import row_link
from engage.outputs.log_forms import ConfirmForm, ContactForm, ImportForm, LogEntryForm
from engage.outputs.models import LogEntry, Output, Stakeholder
from engage.outputs.pages import editable_output, me, readable_output
from engage.outputs.spreadsheet import COLUMNS, HEADERS
from engage.pagination import paginate
from engage.vocab import (
    ENGAGEMENT_LEVEL_SHORT,
    ENGAGEMENT_LEVELS,
    LOG_SOURCES,
    USER_CATEGORIES,
    USER_CATEGORY_SHORT,
)

IMPORT_SESSION_KEY = "user_log_imports"


@bp.app_context_processor
def _log_helpers() -> dict[str, Any]:
    return {
        "can_view_log": lambda output: access.can_view_log(current_user, output),
        "can_edit_log": lambda output: access.can_edit_log(current_user, output),
        "person_name": lambda person: access.person_label(
            person, restricted=not access.may_edit_person(current_user, person)
        ),
    }


def _entry_or_404(output: Output, entry_id: int) -> LogEntry:
    entry = db.session.get(LogEntry, entry_id)
    if entry is None or entry.output_id != output.id:
        abort(404)
    return entry


def _chosen(name: str, allowed: Collection[str]) -> str | None:
    """A filter of the page's address, if it is one of `allowed`."""
    value = request.args.get(name)
    return value if value in allowed else None


@bp.route("/staff/outputs/<slug>/user-log")
@requires("view_outputs")
def user_log(slug: str):
    output = readable_output(slug)
    category = _chosen("category", USER_CATEGORIES)
    level = _chosen("level", ENGAGEMENT_LEVELS)
    counts = logs.log_counts(output.id)
    page = paginate(
        logs.log_query(output.id, category=category, level=level),
        per_page=50,
        scalars=False,
        total=counts.selected(category, level),  # known from the counts: no COUNT query
        reversible=True,  # the name order ends with the entry id
    )
    editable = access.can_edit_log(me(), output)
    elsewhere = access.people_kept_elsewhere(me(), [item[6] for item in page.items])
    return render_template(
        "outputs/user-log.html",
        output=output,
        page=page,
        rows=_log_rows(page.items, output, editable, elsewhere),
        counts=counts,
        pictures=log_charts.log_pictures(output.id, counts, today_london()),
        category=category,
        level=level,
        editable=editable,
    )


def _log_rows(
    items: list[Any], output: Output, editable: bool, elsewhere: Collection[int] = ()
) -> list[tuple[Any, ...]]:
    """The text of each cell of the user log's rows (the template escapes it), worked out here
    rather than by filters and calls in the template, once per row: the same labels, dates,
    truncation and links as the template's filters and url_for would give. A person also in a
    log this user may not edit (`elsewhere`) shows as their email address."""
    env = current_app.jinja_env
    person = row_link("outputs.stakeholder_detail", "stakeholder_id")
    if editable:
        edit = row_link("outputs.log_entry_edit", "entry_id", slug=output.slug)
        contact = row_link("outputs.contact_new", "entry_id", slug=output.slug)
        remove = row_link("outputs.log_entry_remove", "entry_id", slug=output.slug)
        history = row_link("outputs.log_entry_history", "entry_id", slug=output.slug)
    rows = []
    for (
        entry_id,
        level,
        uses,
        source,
        first,
        latest,
        person_id,
        name,
        org,
        category,
        email,
    ) in items:
        rows.append(
            (
                person(person_id),
                (email or access.NAME_NOT_SHOWN) if person_id in elsewhere else name,
                "" if person_id in elsewhere else org,
                USER_CATEGORY_SHORT.get(category, category),
                ENGAGEMENT_LEVEL_SHORT.get(level, level),
                do_truncate(env, uses, 80),
                LOG_SOURCES.get(source, source),
                govuk_date_short(first) or "Not recorded",
                govuk_date_short(latest) or "Not recorded",
                *(
                    (email or "", edit(entry_id), contact(entry_id), remove(entry_id))
                    if editable
                    else ("", "", "", "")  # not shown
                ),
                entry_id,
                history(entry_id) if editable else "",
            )
        )
    return rows


PERSON_FIELDS = ("name", "organisation", "email", "phone", "category", "consent_to_contact")


def _entry_data(form: LogEntryForm) -> dict[str, Any]:
    data = {
        "engagement_level": form.engagement_level.data,
        "uses": form.uses.data or "",
        "source": form.source.data,
        "first_contact_on": form.first_contact_on.data,
    }
    if "name" in form:  # the person's own details are on the form (see log_entry_edit)
        data |= {
            "name": form.name.data,
            "organisation": form.organisation.data or "",
            "email": form.email.data or None,
            "phone": form.phone.data or None,
            "category": form.category.data,
            "consent_to_contact": bool(form.consent_to_contact.data),
        }
    return data


@bp.route("/staff/outputs/<slug>/user-log/add", methods=["GET", "POST"])
@requires("edit_user_logs")
def log_entry_add(slug: str):
    output = editable_output(slug)
    form = LogEntryForm()
    compare: list[dict[str, Any]] = []
    if form.validate_on_submit():
        use_typed, missing = _kept_choices()
        compare = _comparison(form, None) if missing else []
        added = False
        if not compare:
            try:
                logs.add_entry(output, _entry_data(form), me(), use_typed=use_typed)
                added = True
            except logs.LogError as error:
                db.session.rollback()
                show_rule_error(form, error)
            except userlog.PersonExists as exists:
                db.session.rollback()
                compare = _comparison(form, exists.differences)
        if added:
            # The name as typed: to someone who may not see an email address's recorded
            # details, this message must not reveal them.
            flash(f"{form.name.data} added to the user log", "success")
            return redirect(url_for("outputs.user_log", slug=output.slug))
    return render_template(
        "outputs/log-entry-form.html", form=form, output=output, entry=None, compare=compare
    )


_CHOICE_LABELS = {
    "name": "name",
    "organisation": "organisation",
    "phone": "phone",
    "category": "category",
    "consent_to_contact": "consent to contact",
}


def _kept_choices() -> tuple[set[str] | None, list[str]]:
    """The field-by-field choices of a comparison form: the fields to take as typed (None when
    no comparison was shown) and the compared fields left unchosen."""
    compared = [f for f in request.form.getlist("compared") if f in userlog.CHOOSABLE]
    if not compared:
        return None, []
    choices = {f: request.form.get(f"keep_{f}") for f in compared}
    missing = [f for f, v in choices.items() if v not in ("recorded", "typed")]
    return {f for f, v in choices.items() if v == "typed"}, missing


def _shown_value(field: str, value: Any) -> str:
    if field == "category":
        return USER_CATEGORY_SHORT.get(value, value or "")
    if field == "consent_to_contact":
        return "Yes" if value else "No"
    return value or "(none)"


def _comparison(
    form: LogEntryForm, diff: dict[str, tuple[Any, Any]] | None
) -> list[dict[str, Any]]:
    """Rows of 'recorded beside typed' for the form. Without `diff` (choices were left out),
    compare again against the record and show an error for each unchosen field."""
    checking = diff is None
    if diff is None:
        person = userlog.find_stakeholder_by_email(form.email.data)
        data = _entry_data(form)
        diff = (
            userlog.differences(
                person,
                userlog.PersonData(
                    name=data["name"],
                    email=data["email"],
                    category=data["category"],
                    organisation=data["organisation"],
                    phone=data["phone"],
                    consent_to_contact=data["consent_to_contact"],
                ),
            )
            if person is not None and access.may_edit_person(me(), person)
            else {}
        )
    rows = []
    for field, (recorded, typed) in diff.items():
        chosen = request.form.get(f"keep_{field}")
        rows.append(
            {
                "field": field,
                "label": _CHOICE_LABELS[field],
                "recorded": _shown_value(field, recorded),
                "typed": _shown_value(field, typed),
                "chosen": chosen,
                "error": (
                    f"Choose which {_CHOICE_LABELS[field]} to keep"
                    if checking and chosen not in ("recorded", "typed")
                    else None
                ),
            }
        )
    if any(r["error"] for r in rows):
        form.email.errors = [r["error"] for r in rows if r["error"]]
    return rows


def _entry_form(entry: LogEntry, person_editable: bool) -> LogEntryForm:
    """The entry's form, filled in from the entry and its person when first shown. Someone who
    may not change the person (also in a log they may not edit) changes only their own entry."""
    form = LogEntryForm()
    if not person_editable:
        for name in PERSON_FIELDS:
            delattr(form, name)
    if not form.is_submitted():
        person = entry.stakeholder
        form.process(
            data={
                "name": person.name,
                "organisation": person.organisation,
                "email": person.email,
                "phone": person.phone,
                "category": person.category,
                "consent_to_contact": person.consent_to_contact,
                "engagement_level": entry.engagement_level,
                "uses": entry.uses,
                "source": entry.source,
                "first_contact_on": entry.first_contact_on,
            }
        )
    return form


@bp.route("/staff/outputs/<slug>/user-log/<int:entry_id>/edit", methods=["GET", "POST"])
@requires("edit_user_logs")
def log_entry_edit(slug: str, entry_id: int):
    output = editable_output(slug)
    entry = _entry_or_404(output, entry_id)
    person_editable = access.may_edit_person(me(), entry.stakeholder)
    form = _entry_form(entry, person_editable)
    if form.validate_on_submit():
        try:
            logs.update_entry(entry, _entry_data(form), me())
        except logs.LogError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            flash("Changes saved", "success")
            return redirect(url_for("outputs.user_log", slug=output.slug))
    return render_template(
        "outputs/log-entry-form.html",
        form=form,
        output=output,
        entry=entry,
        person_editable=person_editable,
    )


@bp.route("/staff/outputs/<slug>/user-log/<int:entry_id>/remove", methods=["GET", "POST"])
@requires("edit_user_logs")
def log_entry_remove(slug: str, entry_id: int):
    output = editable_output(slug)
    entry = _entry_or_404(output, entry_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = access.person_label(
            entry.stakeholder, restricted=not access.may_edit_person(me(), entry.stakeholder)
        )
        logs.remove_entry(entry, me())
        flash(f"{name} removed from the user log", "success")
        return redirect(url_for("outputs.user_log", slug=output.slug))
    return render_template("outputs/log-entry-remove.html", form=form, output=output, entry=entry)


@bp.route("/staff/outputs/<slug>/user-log/<int:entry_id>/contacts/new", methods=["GET", "POST"])
@requires("edit_user_logs")
def contact_new(slug: str, entry_id: int):
    output = editable_output(slug)
    entry = _entry_or_404(output, entry_id)
    form = ContactForm()
    if not form.is_submitted():
        form.contacted_on.data = today_london()
    if form.validate_on_submit():
        try:
            logs.record_contact(
                output,
                entry.stakeholder,
                contacted_on=form.contacted_on.data,  # type: ignore[arg-type]
                channel=form.channel.data,  # type: ignore[arg-type]
                summary=form.summary.data or "",
                actor=me(),
            )
        except logs.LogError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            flash("Contact recorded", "success")
            return redirect(
                url_for("outputs.stakeholder_detail", stakeholder_id=entry.stakeholder_id)
            )
    return render_template("outputs/contact-form.html", form=form, output=output, entry=entry)


@bp.route("/staff/stakeholders")
@requires("view_outputs")
def stakeholder_search():
    user = me()
    if not search.may_search(user):
        deny("stakeholder:search_not_allowed")
    text = request.args.get("q", "")
    query = search.clean_query(text)
    results = search.search_people(user, text)
    return render_template(
        "outputs/stakeholder-search.html",
        query=query,
        results=results,
        too_short=bool(query) and len(query) < search.MIN_QUERY,
        limit=search.LIMIT,
        can_merge=access.keeps_every_log(user),
        person_link=row_link("outputs.stakeholder_detail", "stakeholder_id"),
    )


@bp.route("/staff/stakeholders/<int:stakeholder_id>")
@requires("view_outputs")
def stakeholder_detail(stakeholder_id: int):
    person = db.session.get(Stakeholder, stakeholder_id)
    if person is None:
        abort(404)
    user = me()
    if person.merged_into_id is not None:  # merged (engage/outputs/merging.py): the kept one,
        # for those who may see it (anyone else learns nothing, not even which record it became)
        if not access.sees_all_logs(user) and not any(
            access.can_view_log(user, output)
            for _, output in logs.stakeholder_entries(person.merged_into_id)
        ):
            deny("stakeholder:no_visible_log")
        flash("This record was merged into the record shown here", "info")
        return redirect(url_for("outputs.stakeholder_detail", stakeholder_id=person.merged_into_id))
    entries = [
        (entry, output)
        for entry, output in logs.stakeholder_entries(person.id)
        if access.can_view_log(user, output)
    ]
    if not entries and not access.sees_all_logs(user):
        deny("stakeholder:no_visible_log")
    visible = {output.id for _, output in entries}
    editable = {output.id for _, output in entries if access.can_edit_log(user, output)}
    contacts = logs.stakeholder_contacts(person.id, visible)
    personal = access.can_see_personal_data(user, person, editable)
    return render_template(
        "outputs/stakeholder.html",
        person=person,
        name=access.person_label(person, restricted=not personal),
        entries=entries,
        contacts=contacts,
        editable=editable,
        personal=personal,
        can_merge=merge_rules.may_merge(user, person),
        merges=merge_rules.merges_into(person.id) if merge_rules.may_undo(user) else [],
        consents=consent_history(person.id) if personal else [],
    )


# --- export -------------------------------------------------------------------------------------


def _dated(stem: str, ext: str) -> str:
    return f"{stem}-{today_london().isoformat()}.{ext}"


@bp.route("/staff/outputs/<slug>/user-log.csv")
@requires("edit_user_logs")
def user_log_csv(slug: str):
    output = editable_output(slug)
    hidden = access.people_kept_elsewhere_in_log(me(), output)
    batches = exporting.log_csv_batches(output.id, hidden)
    return csv_response(_dated(f"user-log-{output.slug}", "csv"), HEADERS, batches, bom=True)


@bp.route("/staff/outputs/<slug>/user-log.xlsx")
@requires("edit_user_logs")
def user_log_xlsx(slug: str):
    output = editable_output(slug)
    hidden = access.people_kept_elsewhere_in_log(me(), output)
    return xlsx_response(
        _dated(f"user-log-{output.slug}", "xlsx"),
        lambda handle: exporting.write_log_xlsx(handle, output.id, output.title, hidden),
    )


@bp.route("/staff/user-logs.xlsx", methods=["GET", "POST"])
@requires("view_all_user_logs")
def all_user_logs_xlsx():
    """Built in the background (engage.exports): a page to ask for it, then its status page."""
    if not access.has_edit_permission(me()):
        deny("user_log:personal_data")
    return offer_export(
        "all_user_logs", {}, title="every user log (XLSX)", back_url=url_for("outputs.output_list")
    )


@bp.route("/staff/user-log-template.csv")
@requires("edit_user_logs")
def user_log_template_csv():
    return csv_response("user-log-template.csv", HEADERS, exporting.log_csv_batches(None), bom=True)


@bp.route("/staff/user-log-template.xlsx")
@requires("edit_user_logs")
def user_log_template_xlsx():
    return xlsx_response(
        "user-log-template.xlsx", lambda handle: exporting.write_log_xlsx(handle, None)
    )


# --- import -------------------------------------------------------------------------------------


def _per_user() -> str:
    return f"user:{current_user.get_id()}"


@bp.route("/staff/outputs/<slug>/user-log/import", methods=["GET", "POST"])
@requires("edit_user_logs")
@limiter.limit(
    lambda: current_app.config["STAFF_UPLOAD_RATE_LIMIT"], methods=["POST"], key_func=_per_user
)
def user_log_import(slug: str):
    output = editable_output(slug)
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            rows = importing.read_rows(upload.filename or "", upload.read())
        except importing.ImportFileError as error:
            form.file.errors = [str(error)]
        else:
            token = importing.save_upload(
                rows, output_id=output.id, user_id=current_user.id, filename=upload.filename or ""
            )
            tokens = [t for t in session.get(IMPORT_SESSION_KEY, []) if t != token][-4:]
            session[IMPORT_SESSION_KEY] = [*tokens, token]
            return redirect(url_for("outputs.user_log_import_preview", slug=slug, token=token))
    return render_template(
        "outputs/user-log-import.html", form=form, output=output, columns=COLUMNS
    )


def _upload_or_404(output: Output, token: str) -> dict[str, Any]:
    if token not in session.get(IMPORT_SESSION_KEY, []):
        abort(404)
    payload = importing.load_upload(token, output_id=output.id, user_id=current_user.id)
    if payload is None:
        abort(404)
    return payload


@bp.route("/staff/outputs/<slug>/user-log/import/<token>")
@requires("edit_user_logs")
def user_log_import_preview(slug: str, token: str):
    output = editable_output(slug)
    payload = _upload_or_404(output, token)
    plan = importing.plan_import(output, payload["rows"], me())
    db.session.rollback()  # planning never writes; make sure nothing lingers
    show = request.args.get("show") or "all"
    rows = plan.rows if show == "all" else [r for r in plan.rows if r.action == show]
    return render_template(
        "outputs/user-log-import-preview.html",
        output=output,
        plan=plan,
        rows=rows[:1000],
        shown_all=len(rows) <= 1000,
        show=show,
        version=importing.plan_version(output, plan),
        token=token,
        filename=payload.get("filename", ""),
        form=ConfirmForm(),
    )


@bp.route("/staff/outputs/<slug>/user-log/import/<token>/confirm", methods=["POST"])
@requires("edit_user_logs")
def user_log_import_confirm(slug: str, token: str):
    output = editable_output(slug)
    payload = _upload_or_404(output, token)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    # Confirmed twice at once (a double click, two tabs): the first applies it, the other
    # waits for it and shows the log (engage/submissions.py).
    outcome = submissions.begin(token, "user_log_import")
    if outcome.duplicate:
        flash("This import has already been applied", "info")
        return redirect(url_for("outputs.user_log", slug=output.slug))
    try:
        plan = importing.apply_import(
            output, payload["rows"], me(), version=request.form.get("version", "")
        )
    except importing.LogChangedError:
        submissions.abandon(token)  # the new preview can be confirmed
        flash(
            "The user log changed after you checked this import. Nothing has been imported: "
            "check what the import will do now and confirm again.",
            "error",
        )
        return redirect(url_for("outputs.user_log_import_preview", slug=slug, token=token))
    except Exception:
        db.session.rollback()
        submissions.abandon(token)
        raise
    submissions.finish(token, "applied")
    importing.discard_upload(token)
    session[IMPORT_SESSION_KEY] = [t for t in session.get(IMPORT_SESSION_KEY, []) if t != token]
    counts = plan.counts
    flash(
        f"Import complete: {counts['add']} added, {counts['update']} updated, "
        f"{counts['unchanged']} unchanged, {counts['refuse']} refused",
        "success",
    )
    return redirect(url_for("outputs.user_log", slug=output.slug))
