"""Staff views of output reviews."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from engage.auth.permissions import deny, requires
from engage.calendar import today_london
from engage.extensions import db
from engage.forms import show_rule_error
from engage.outputs import access, bp, reviews
from engage.outputs.log_forms import ReviewForm
from engage.outputs.models import OutputReview
from engage.outputs.pages import output_or_404, readable_output


@bp.route("/staff/outputs/<slug>/reviews")
@requires("view_outputs")
def output_reviews(slug: str):
    output = readable_output(slug)
    items = list(
        db.session.execute(
            db.select(OutputReview)
            .where(OutputReview.output_id == output.id)
            .order_by(OutputReview.reviewed_on.desc(), OutputReview.id.desc())
        ).scalars()
    )
    today = today_london()
    overdue = output.next_review_due is not None and output.next_review_due < today
    return render_template(
        "outputs/reviews.html",
        output=output,
        reviews=items,
        overdue=overdue,
        can_review=access.can_review_output(current_user, output),
    )


@bp.route("/staff/outputs/<slug>/reviews/new", methods=["GET", "POST"])
@requires("edit_user_logs")
def review_new(slug: str):
    output = output_or_404(slug)
    if not access.can_review_output(current_user, output):
        deny("review:not_owner")
    summary = reviews.review_summary(output)
    form = ReviewForm()
    if not form.is_submitted():
        form.reviewed_on.data = today_london()
        form.findings.data = summary.as_text()
    if form.validate_on_submit():
        try:
            reviews.record_review(
                output,
                reviewed_on=form.reviewed_on.data,  # type: ignore[arg-type]
                findings=form.findings.data or "",
                actions=form.actions.data or "",
                reviewer=current_user._get_current_object(),
            )
        except reviews.ReviewError as error:
            db.session.rollback()
            show_rule_error(form, error)
        else:
            flash(
                f"Review recorded. The next review is due on {output.next_review_due:%d %B %Y}",
                "success",
            )
            return redirect(url_for("outputs.output_reviews", slug=output.slug))
    return render_template("outputs/review-form.html", form=form, output=output, summary=summary)
