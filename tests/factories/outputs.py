from __future__ import annotations

from datetime import date

import factory

from engage.outputs.models import Feedback, LogEntry, Output, Stakeholder
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


class StakeholderFactory(Factory):
    class Meta:
        model = Stakeholder

    name = factory.Sequence(lambda n: f"Stakeholder {n}")
    organisation = "University of Leeds"
    email = factory.Sequence(lambda n: f"user{n}@example.org")
    category = "academic"
    consent_to_contact = True


class LogEntryFactory(Factory):
    class Meta:
        model = LogEntry

    output = factory.SubFactory(OutputFactory)
    stakeholder = factory.SubFactory(StakeholderFactory)
    engagement_level = "informed"
    uses = "Research on reoffending"
    source = "user_request"
    first_contact_on = date(2025, 1, 10)
    latest_contact_on = date(2025, 6, 1)


class FeedbackFactory(Factory):
    class Meta:
        model = Feedback

    reference = factory.Sequence(lambda n: f"FB-T{n:05d}")
    output = factory.SubFactory(OutputFactory)
    useful = "yes"
    uses = "Teaching"
    category = "academic"
    comments = "Very helpful tables."
    email = None
    consent_to_log = False
