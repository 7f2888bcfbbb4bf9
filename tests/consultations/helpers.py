"""Builders shared by the consultation tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from engage.consultations.models import Consultation
from engage.extensions import db
from engage.outputs.models import LogEntry, Output, Stakeholder
from tests.factories.consultations import ConsultationFactory, QuestionFactory


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def consultation_with_questions(**kw) -> Consultation:  # type: ignore[no-untyped-def]
    consultation = ConsultationFactory(**kw)
    QuestionFactory(consultation=consultation, position=1)
    QuestionFactory(
        consultation=consultation,
        position=2,
        text="Which formats do you use?",
        kind="multiple_choice",
        options=["CSV", "ODS", "PDF"],
    )
    QuestionFactory(
        consultation=consultation, position=3, text="Anything else?", kind="free_text", options=[]
    )
    db.session.refresh(consultation)
    return consultation


def follower(
    output: Output, email: str | None, level: str, consent: bool = True, name: str = "Follower"
) -> Stakeholder:
    stakeholder = db.session.execute(
        db.select(Stakeholder).where(Stakeholder.email == email)
    ).scalar_one_or_none()
    if stakeholder is None:
        stakeholder = Stakeholder(
            name=name, email=email, category="academic", consent_to_contact=consent
        )
        db.session.add(stakeholder)
        db.session.flush()
    db.session.add(
        LogEntry(
            output_id=output.id,
            stakeholder_id=stakeholder.id,
            engagement_level=level,
            source="other",
            first_contact_on=date(2026, 1, 1),
            latest_contact_on=date(2026, 1, 1),
        )
    )
    db.session.commit()
    return stakeholder
