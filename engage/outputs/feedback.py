"""Public feedback on outputs (and general feedback): storing it, joining the output's user log
with consent only, marking it reviewed, and turning it into an enquiry or complaint."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import func

from engage import audit
from engage.calendar import london_date
from engage.db_types import utcnow
from engage.errors import Refusal, RuleError
from engage.extensions import db
from engage.outputs.models import Feedback, Output
from engage.outputs.userlog import join_log, normalise_email

LOG_LEVEL_CHOICES = ("informed", "consulted")
# The feedback form's question about keeping in touch, in the words the person sees (kept with
# their consent: engage.consent).
JOIN_QUESTION = "Would you like us to keep in touch about these statistics?"
JOIN_HINT = (
    "If you say yes, we add you to the list of users of these statistics. "
    "You can ask us to remove you at any time."
)
JOIN_CHOICES = [
    ("informed", "Yes, tell me about new publications and developments"),
    ("consulted", "Yes, and also ask my views on changes to methods and publication"),
    ("no", "No"),
]
# What each answer consents to (release notices and news about this output; consultation
# invitations too for "consulted").
JOIN_PURPOSES = {
    "informed": ("releases", "news"),
    "consulted": ("releases", "news", "consultations"),
}
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: references are read aloud


class FeedbackError(RuleError):
    """A rule refused the change (engage/errors.py)."""


def random_reference() -> str:
    """A reference in the feedback form's shape ("FB-" and six characters read aloud easily)."""
    return "FB-" + "".join(secrets.choice(_ALPHABET) for _ in range(6))


def new_reference() -> str:
    while True:
        reference = random_reference()
        taken = db.session.execute(
            db.select(Feedback.id).where(Feedback.reference == reference)
        ).first()
        if taken is None:
            return reference


def submit_feedback(
    *,
    output: Output | None,
    useful: str | None,
    uses: str,
    category: str | None,
    comments: str,
    email: str | None,
    join_level: str | None,
) -> Feedback:
    """Store feedback. With an email address and a chosen level (the person's consent), the
    person joins the output's user log at that level; without consent, never."""
    email = normalise_email(email)
    consent = join_level in LOG_LEVEL_CHOICES
    if consent and output is None:
        raise FeedbackError("General feedback cannot join a user log", "join_level")
    if consent and email is None:
        raise FeedbackError("Enter your email address so we can add you to the list", "email")
    if consent and category is None:
        raise FeedbackError("Select the description that fits you best", "category")
    feedback = Feedback(
        reference=new_reference(),
        output_id=output.id if output else None,
        useful=useful or None,
        uses=uses.strip(),
        category=category or None,
        comments=comments.strip(),
        email=email,
        consent_to_log=consent,
        log_level=join_level if consent else None,
    )
    db.session.add(feedback)
    db.session.flush()
    if consent and output is not None:
        join_log(
            output=output,
            email=email,
            name="",
            category=category,  # type: ignore[arg-type]
            level=join_level,  # type: ignore[arg-type]
            source="feedback_form",
            on=london_date(feedback.received_at or utcnow()),
            uses=uses.strip(),
        )
        # Nothing is sent to them but a confirmation email until they confirm (issue 21).
        from engage.consent import service as consent_service

        answer = dict(JOIN_CHOICES)[join_level]  # type: ignore[index]
        consent_service.request(
            email,  # type: ignore[arg-type]
            purpose=JOIN_PURPOSES[join_level],  # type: ignore[index]
            output=output,
            source="public_form",
            source_detail=f"Feedback {feedback.reference} on {output.title}",
            wording=f"{JOIN_QUESTION} {JOIN_HINT}\nAnswer: {answer}",
        )
    audit.record(
        "feedback.received",
        object_type="feedback",
        object_id=feedback.id,
        detail={"output": output.slug if output else None, "joined_log": consent},
    )
    db.session.commit()
    return feedback


def mark_reviewed(feedback: Feedback, actor: Any) -> None:
    if feedback.reviewed_at is not None:
        return
    feedback.reviewed_at = utcnow()
    feedback.reviewed_by_id = actor.id
    audit.record("feedback.reviewed", actor=actor, object_type="feedback", object_id=feedback.id)
    db.session.commit()


MAX_BULK = 100


def mark_many_reviewed(ids: list[int], actor: Any) -> int:
    """Mark several feedback items reviewed in one transaction (issue 21 item 9); the number
    newly marked. Every item must be one the actor may see, or nothing is marked
    (a Refusal); items already reviewed are left as they are."""
    from engage.outputs.access import can_view_feedback

    wanted = sorted(set(ids))[:MAX_BULK]
    items = list(db.session.execute(db.select(Feedback).where(Feedback.id.in_(wanted))).scalars())
    if len(items) != len(wanted) or not all(can_view_feedback(actor, f) for f in items):
        raise Refusal("feedback:not_visible")
    marked = 0
    now = utcnow()
    for item in items:
        if item.reviewed_at is None:
            item.reviewed_at = now
            item.reviewed_by_id = actor.id
            audit.record(
                "feedback.reviewed",
                actor=actor,
                object_type="feedback",
                object_id=item.id,
                detail={"bulk": True},
            )
            marked += 1
    db.session.commit()
    return marked


def case_defaults(item: Feedback) -> dict[str, str]:
    """What the form that makes feedback into a case starts with: the sender is unnamed, and
    the subject is the first line of the comments (or what the feedback was about)."""
    first_line = (item.comments or "").strip().splitlines()
    subject = (first_line[0][:120] if first_line else "") or (
        f"Feedback on {item.output.title}" if item.output else "General feedback"
    )
    return {"requester_name": "Feedback sender", "subject": subject}


def feedback_to_case(
    feedback: Feedback, *, kind: str, subject: str, requester_name: str, actor: Any
) -> Any:
    """Open an enquiry or complaint from feedback. The SLA clock runs from the day the feedback
    was received, not the day staff noticed it. The case, its link from the feedback, the review
    mark and the audit entry are committed together: if the link cannot be made (the feedback
    was made into a case meanwhile), nothing is stored and FeedbackError is raised."""
    from engage.cases.intake import create_case

    if feedback.case_id is not None:
        raise FeedbackError("This feedback has already been made into a case", "kind")
    message_parts = [feedback.comments]
    if feedback.uses:
        message_parts.append(f"What they use the statistics for: {feedback.uses}")
    try:
        case = create_case(
            kind=kind,
            channel="feedback",
            requester_name=requester_name,
            requester_email=feedback.email,
            requester_address="",
            output=feedback.output,
            subject=subject,
            message="\n\n".join(p for p in message_parts if p) or "(no comments)",
            received_at=feedback.received_at,
            actor=actor,
            commit=False,
            without_contact=feedback.email is None,
        )
        # Only link feedback that is still unlinked in the database: another member of staff
        # may have made it into a case since this page loaded.
        linked = db.session.execute(
            db.update(Feedback)
            .where(Feedback.id == feedback.id, Feedback.case_id.is_(None))
            .values(case_id=case.id)
            .execution_options(synchronize_session=False)
        )
        if linked.rowcount != 1:  # type: ignore[attr-defined]
            raise FeedbackError("This feedback has already been made into a case", "kind")
    except Exception:
        db.session.rollback()
        raise
    feedback.case_id = case.id
    if feedback.reviewed_at is None:
        feedback.reviewed_at = utcnow()
        feedback.reviewed_by_id = actor.id
    audit.record(
        "feedback.made_case",
        actor=actor,
        object_type="feedback",
        object_id=feedback.id,
        detail={"case": case.id, "kind": kind},
    )
    db.session.commit()
    return case


def unreviewed_count(output_ids: set[int] | None) -> int:
    """Feedback not yet reviewed; output_ids None means all feedback (general included)."""
    query = db.select(func.count()).select_from(Feedback).where(Feedback.reviewed_at.is_(None))
    if output_ids is not None:
        query = query.where(Feedback.output_id.in_(output_ids or {-1}))
    return db.session.execute(query).scalar_one()
