from __future__ import annotations

from datetime import date

import factory

from engage.outputs.models import Output
from tests.factories.base import Factory


class OutputFactory(Factory):
    class Meta:
        model = Output

    slug = factory.Sequence(lambda n: f"output-{n}")
    title = factory.Sequence(lambda n: f"Justice Statistics Output {n}")
    summary = "Official statistics."
    producing_body = "Ministry of Justice"
    area = "Criminal justice"
    frequency = "Quarterly"
    lead_statistician = "Aisha Khan"
    lead_contact = "aisha.khan@justice.example.gov.uk"
    page_url = "https://www.gov.uk/government/statistics/example"
    status = "active"
    review_interval_months = 12
    next_review_due = date(2027, 6, 1)

    @factory.post_generation
    def producers(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if extracted:
            self.producers = list(extracted)
            if create:
                from engage.extensions import db

                db.session.commit()
