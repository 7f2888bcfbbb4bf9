from __future__ import annotations

from datetime import date, timedelta

import factory

from engage.consultations.models import (
    Consultation,
    ConsultationAnswer,
    ConsultationQuestion,
    ConsultationResponse,
)
from engage.extensions import db
from tests.factories.base import Factory


class ConsultationFactory(Factory):
    class Meta:
        model = Consultation

    slug = factory.Sequence(lambda n: f"consultation-{n}")
    title = factory.Sequence(lambda n: f"Changes to the statistics, proposal {n}")
    summary = "We propose to change how we publish these statistics."
    proposal = "We propose to publish twice a year instead of four times.\n\nThis saves effort."
    reason = "content"
    ad_hoc = False
    announced_where = "The output's page on GOV.UK"
    opens_on = date(2027, 3, 1)
    closes_on = factory.LazyAttribute(lambda o: o.opens_on + timedelta(days=56))
    contact_email = "consultations@justice.example.gov.uk"
    state = "draft"

    @factory.post_generation
    def outputs(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if extracted:
            self.outputs = list(extracted)
            if create:
                from engage.extensions import db

                db.session.commit()


class QuestionFactory(Factory):
    class Meta:
        model = ConsultationQuestion

    position = factory.Sequence(lambda n: n + 1)
    text = "Do you agree with the proposal?"
    kind = "single_choice"
    options = factory.LazyFunction(lambda: ["Yes", "No", "Not sure"])
    required = False


def response_with_answer(consultation, email="resp@example.org"):  # type: ignore[no-untyped-def]
    """A response by Robin Respondent of a university, with one free-text answer."""
    question = QuestionFactory(consultation=consultation, kind="free_text", options=[])
    response = ConsultationResponse(
        consultation=consultation,
        reference=f"CR-{consultation.id}-{email[:4]}",
        category="academic",
        name="Robin Respondent",
        organisation="University",
        email=email,
    )
    response.answers.append(
        ConsultationAnswer(question_id=question.id, text="My detailed view", choices=["Yes"])
    )
    db.session.add(response)
    db.session.commit()
    return response
