"""Staff views for merging two records of one person and undoing a merge (rules in merge_rules.py,
the merge in merging.py, its undoing in merge_undo.py)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from engage.auth.permissions import deny, requires
from engage.db_types import utcnow
from engage.extensions import db
from engage.outputs import access, bp, logs, merge_rules, merge_undo, merging, search
from engage.outputs.merge_forms import UndoMergeForm, merge_form
from engage.outputs.models import Stakeholder, StakeholderMerge
from engage.vocab import USER_CATEGORIES


def _user():  # type: ignore[no-untyped-def]
    return current_user._get_current_object()


def _person_or_404(stakeholder_id: int) -> Stakeholder:
    person = db.session.get(Stakeholder, stakeholder_id)
    if person is None:
        abort(404)
    return person


def _refused(message: str, person: Stakeholder | None = None, status: int = 409):  # type: ignore[no-untyped-def]
    return (
        render_template("outputs/stakeholder-merge-refused.html", message=message, person=person),
        status,
    )


def _shown(field: str, value: Any) -> str:
    if field == "category":
        return USER_CATEGORIES.get(value, value or "")
    if field == "consent_to_contact":
        return "Yes" if value else "No"
    return value or "Not recorded"


def _describe(person: Stakeholder) -> dict[str, Any]:
    return {
        "person": person,
        "values": [
            (merge_rules.FIELD_LABELS[f].capitalize(), _shown(f, getattr(person, f)))
            for f in merge_rules.FIELDS
        ],
        "logs": [output.title for _, output in logs.stakeholder_entries(person.id)],
    }


@bp.route("/staff/stakeholders/<int:stakeholder_id>/merge")
@requires("edit_user_logs")
def stakeholder_merge_find(stakeholder_id: int):
    """Find the other record of the same person."""
    person = _person_or_404(stakeholder_id)
    user = _user()
    if person.merged_into_id is not None:
        return _already_merged(person)
    if not merge_rules.may_merge(user, person):
        deny("stakeholder:merge_not_allowed")
    text = request.args.get("q", "")
    query = search.clean_query(text)
    results = [r for r in search.search_people(user, text) if r.stakeholder_id != person.id]
    # A producer's results are people in their own logs; those also in a log they do not keep
    # cannot be merged by them (merge_rules.may_merge), so they are not offered.
    hidden = access.people_kept_elsewhere(user, [r.stakeholder_id for r in results])
    results = [r for r in results if r.stakeholder_id not in hidden]
    return render_template(
        "outputs/stakeholder-merge-find.html",
        person=person,
        query=query,
        results=results,
        too_short=bool(query) and len(query) < search.MIN_QUERY,
    )


def _already_merged(person: Stakeholder):  # type: ignore[no-untyped-def]
    """A record merged meanwhile (a second tab, someone else): a message to those who may merge
    the record it went into; 403 to anyone else, who learns nothing about it."""
    kept = db.session.get(Stakeholder, person.merged_into_id)
    if kept is None or not merge_rules.may_merge(_user(), kept):
        deny("stakeholder:merge_not_allowed")
    return _refused(
        f"Record {person.id} has already been merged into another record. "
        "Find the person again to see the record that was kept.",
        person,
    )


def _merge_form(a: Stakeholder, b: Stakeholder):  # type: ignore[no-untyped-def]
    """The questions for these two records (which to keep; each differing value) and the form."""
    labels = {
        field: (
            f"Which {merge_rules.FIELD_LABELS[field]} do you want to keep?",
            f"Choose which {merge_rules.FIELD_LABELS[field]} to keep",
            _shown(field, getattr(a, field)),
            _shown(field, getattr(b, field)),
        )
        for field in merge_rules.differing(a, b)
    }
    choices = [("a", f"{a.name} (record {a.id})"), ("b", f"{b.name} (record {b.id})")]
    return labels, merge_form(labels, choices)()


def _not_mergeable(a: Stakeholder, b: Stakeholder, user: Any):  # type: ignore[no-untyped-def]
    """The page refusing to merge these two records, or None (403 if the user may not)."""
    if a.id == b.id:
        return _refused("Choose two different records to merge.", a)
    for person in (a, b):
        if person.merged_into_id is not None:
            return _already_merged(person)
    if not merge_rules.may_merge(user, a, b):
        deny("stakeholder:merge_not_allowed")
    return None


def _merge_as_chosen(a: Stakeholder, b: Stakeholder, labels: dict, form: Any, user: Any):  # type: ignore[no-untyped-def]
    """Merge the record not kept into the kept one, taking each value chosen from it."""
    kept, other = (a, b) if form.keep.data == "a" else (b, a)
    other_letter = "b" if form.keep.data == "a" else "a"
    take = {f for f in labels if getattr(form, f"value_{f}").data == other_letter}
    return merging.merge_stakeholders(
        kept.id,
        other.id,
        take_from_other=take,
        actor=user,
        expected_version=form.version.data or "",
    )


@bp.route("/staff/stakeholders/<int:stakeholder_id>/merge/<int:other_id>", methods=["GET", "POST"])
@requires("edit_user_logs")
def stakeholder_merge(stakeholder_id: int, other_id: int):
    """Compare the two records, choose what to keep, and merge."""
    a, b = _person_or_404(stakeholder_id), _person_or_404(other_id)
    user = _user()
    refused = _not_mergeable(a, b, user)
    if refused is not None:
        return refused
    labels, form = _merge_form(a, b)
    if not form.is_submitted():
        form.version.data = merge_rules.version(*sorted((a, b), key=lambda p: p.id))
    if form.validate_on_submit():
        try:
            merge = _merge_as_chosen(a, b, labels, form, user)
        except merge_rules.MergeStale as error:
            labels, form = _stale_form(a, b, error)
        except merge_rules.MergeError as error:
            db.session.rollback()
            return _refused(error.message, a)
        else:
            flash(
                f"Records merged. You can undo this merge for {merge_rules.UNDO_DAYS} days.",
                "success",
            )
            return redirect(url_for("outputs.stakeholder_merge_detail", merge_id=merge.id))
    return _merge_page(a, b, labels, form)


def _stale_form(a: Stakeholder, b: Stakeholder, error: merge_rules.MergeStale):  # type: ignore[no-untyped-def]
    """A record changed since the page was shown: the new values, with the choices made so far
    where they still apply, and the message."""
    db.session.rollback()
    db.session.expire_all()
    labels, form = _merge_form(a, b)
    form.version.data = merge_rules.version(*sorted((a, b), key=lambda p: p.id))
    form.keep.errors = [error.message]
    return labels, form


def _merge_page(a: Stakeholder, b: Stakeholder, labels: dict, form: Any):  # type: ignore[no-untyped-def]
    return render_template(
        "outputs/stakeholder-merge.html",
        form=form,
        a=_describe(a),
        b=_describe(b),
        differing=list(labels),
        summary_a=merge_rules.summary(a, b),
        summary_b=merge_rules.summary(b, a),
    )


def _merge_or_404(merge_id: int) -> StakeholderMerge:
    merge = db.session.get(StakeholderMerge, merge_id)
    if merge is None:
        abort(404)
    user = _user()
    if not (merge_rules.may_undo(user) or merge.merged_by_id == user.id):
        deny("stakeholder:merge_not_visible")
    return merge


def _merged_name(merge: StakeholderMerge) -> str:
    merged = (merge.snapshot or {}).get("merged") or {}
    return merged.get("name") or "details removed once the merge could no longer be undone"


@bp.route("/staff/stakeholder-merges/<int:merge_id>")
@requires("edit_user_logs")
def stakeholder_merge_detail(merge_id: int):
    merge = _merge_or_404(merge_id)
    return render_template(
        "outputs/stakeholder-merge-detail.html",
        merge=merge,
        kept=db.session.get(Stakeholder, merge.kept_id),
        snap=merge.snapshot,
        until=merge_rules.undo_until(merge),
        can_undo=merge_rules.may_undo(_user())
        and merge_rules.why_not_undoable(merge, utcnow()) is None,
        merged_name=_merged_name(merge),
    )


@bp.route("/staff/stakeholder-merges/<int:merge_id>/undo", methods=["GET", "POST"])
@requires("edit_user_logs")
def stakeholder_merge_undo(merge_id: int):
    merge = _merge_or_404(merge_id)
    if not merge_rules.may_undo(_user()):
        deny("stakeholder:merge_undo_not_allowed")
    form = UndoMergeForm()
    refusal = merge_rules.why_not_undoable(merge, utcnow())
    if refusal is None and form.validate_on_submit():
        try:
            merge_undo.undo_merge(merge.id, actor=_user())
        except merge_rules.MergeError as error:
            db.session.rollback()
            refusal = error.message
        else:
            flash("Merge undone: the two records are separate again", "success")
            return redirect(url_for("outputs.stakeholder_detail", stakeholder_id=merge.merged_id))
    return render_template(
        "outputs/stakeholder-merge-undo.html",
        form=form,
        merge=merge,
        snap=merge.snapshot,
        merged_name=_merged_name(merge),
        refusal=refusal,
    ), (409 if refusal and request.method == "POST" else 200)
