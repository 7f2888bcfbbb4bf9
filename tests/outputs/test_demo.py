"""The demo data: logs for every output with a spread of categories and levels."""

from __future__ import annotations

from datetime import date

from engage.extensions import db
from engage.outputs.models import Feedback, LogEntry, Output, OutputReview, Stakeholder
from engage.seed import seed_demo


def test_demo_seed_fills_every_log(app, login):
    seed_demo(today=date(2026, 6, 1))
    outputs = db.session.scalars(db.select(Output)).all()
    assert len(outputs) == 22
    rows = db.session.execute(
        db.select(LogEntry.output_id, db.func.count()).group_by(LogEntry.output_id)
    ).all()
    sizes = dict(list(map(tuple, rows)))
    assert len(sizes) == 22 and all(n >= 8 for n in sizes.values())
    categories = set(db.session.scalars(db.select(Stakeholder.category).distinct()))
    levels = set(db.session.scalars(db.select(LogEntry.engagement_level).distinct()))
    assert len(categories) == 7 and len(levels) == 4
    assert db.session.scalar(db.select(db.func.count()).select_from(OutputReview)) > 5
    assert (
        db.session.scalar(
            db.select(db.func.count()).select_from(Feedback).where(Feedback.output_id.is_(None))
        )
        > 0
    )
    overdue = [o for o in outputs if o.next_review_due and o.next_review_due < date(2026, 6, 1)]
    assert overdue
