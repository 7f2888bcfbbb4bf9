"""Staff views of the success stories register."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from engage.auth.permissions import requires
from engage.calendar import today_london
from engage.extensions import db
from engage.forms import show_rule_error
from engage.outputs import bp, stories
from engage.outputs.log_forms import StoryForm
from engage.outputs.models import Output, SuccessStory
from engage.pagination import paginate


def _output_choices(form: StoryForm) -> None:
    form.output_ids.choices = [
        (o.id, o.title)
        for o in db.session.execute(db.select(Output).order_by(Output.title)).scalars()
    ]


@bp.route("/staff/success-stories")
@requires("view_outputs")
def success_stories():
    page = paginate(
        db.select(SuccessStory).order_by(SuccessStory.happened_on.desc(), SuccessStory.id.desc()),
        per_page=25,
    )
    return render_template("outputs/success-stories.html", page=page)


def _save(form: StoryForm, story: SuccessStory | None):  # type: ignore[no-untyped-def]
    values = {
        "title": form.title.data or "",
        "description": form.description.data or "",
        "happened_on": form.happened_on.data,
        "output_ids": form.output_ids.data or [],
        "actor": current_user._get_current_object(),
        "today": today_london(),
    }
    if story is None:
        return stories.create_story(**values)
    stories.update_story(story, **values)
    return story


@bp.route("/staff/success-stories/new", methods=["GET", "POST"])
@requires("manage_success_stories")
def success_story_new():
    form = StoryForm()
    _output_choices(form)
    if form.validate_on_submit():
        try:
            _save(form, None)
        except stories.StoryError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            flash("Success story added", "success")
            return redirect(url_for("outputs.success_stories"))
    return render_template("outputs/success-story-form.html", form=form, story=None)


@bp.route("/staff/success-stories/<int:story_id>/edit", methods=["GET", "POST"])
@requires("manage_success_stories")
def success_story_edit(story_id: int):
    story = db.session.get(SuccessStory, story_id)
    if story is None:
        abort(404)
    form = StoryForm(obj=story)
    _output_choices(form)
    if not form.is_submitted():
        form.output_ids.data = [o.id for o in story.outputs]
    if form.validate_on_submit():
        try:
            _save(form, story)
        except stories.StoryError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            flash("Success story saved", "success")
            return redirect(url_for("outputs.success_stories"))
    return render_template("outputs/success-story-form.html", form=form, story=story)
