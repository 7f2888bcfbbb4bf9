"""Factories for the reports area: UKSA recommendations, annual reports, and builders for the
records the reports count (cases with real deadlines, log entries, contacts, feedback...)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time
from typing import Any

import factory

from engage.calendar import get_calendar
from engage.cases.models import Case
from engage.consultations.models import ConsultationResponse
from engage.extensions import db
from engage.outputs.models import (
    Contact,
    Feedback,
    LogEntry,
    OutputReview,
    Stakeholder,
    SuccessStory,
)
from engage.reports.models import AnnualReport, RecommendationNote, UksaRecommendation
from tests.factories.base import Factory

_seq = itertools.count(1)


def at(day: date, hour: int = 12) -> datetime:
    """Midday UTC on a day: the same London date whatever the clocks say."""
    return datetime.combine(day, time(hour), tzinfo=UTC)


def calendar():  # type: ignore[no-untyped-def]
    return get_calendar("ENG", frozenset())


def working_days_after(day: date, n: int) -> date:
    return calendar().add_working_days(day, n)


def case_row(kind: str, received_on: date, **fields: Any) -> dict[str, Any]:
    """Column values of a case received on `received_on`, with its real deadlines."""
    deadlines = calendar().deadlines(received_on)
    n = next(_seq)
    row: dict[str, Any] = {
        "reference": f"T{n:07d}",
        "kind": kind,
        "channel": "email",
        "state": "received",
        "requester_name": f"Requester {n}",
        "message": "A question about the statistics.",
        "received_at": at(received_on),
        "received_on": received_on,
        "acknowledge_by": deadlines.acknowledge_by,
        "respond_by": deadlines.respond_by,
        "original_acknowledge_by": deadlines.acknowledge_by,
        "original_respond_by": deadlines.respond_by,
        "paused_working_days": 0,
    }
    row.update(fields)
    return row


def make_case(kind: str, received_on: date, **fields: Any) -> Case:
    case = Case(**case_row(kind, received_on, **fields))
    db.session.add(case)
    db.session.commit()
    return case


def make_stakeholder(category: str, created: date, **fields: Any) -> Stakeholder:
    n = next(_seq)
    person = Stakeholder(
        name=f"User {n}",
        organisation="",
        email=f"user{n}@example.org",
        category=category,
        created_at=at(created),
        **fields,
    )
    db.session.add(person)
    db.session.flush()
    return person


def add_to_log(output, person: Stakeholder, level: str, created: date) -> LogEntry:  # type: ignore[no-untyped-def]
    entry = LogEntry(
        output_id=output.id,
        stakeholder_id=person.id,
        engagement_level=level,
        source="user_request",
        created_at=at(created),
        updated_at=at(created),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def add_contact(output, person: Stakeholder, on: date, channel: str = "email") -> Contact:  # type: ignore[no-untyped-def]
    contact = Contact(
        output_id=output.id,
        stakeholder_id=person.id,
        contacted_on=on,
        channel=channel,
        summary="Talked about the statistics.",
    )
    db.session.add(contact)
    db.session.flush()
    return contact


def add_review(output, on: date) -> OutputReview:  # type: ignore[no-untyped-def]
    review = OutputReview(output_id=output.id, reviewed_on=on, findings="Still relevant.")
    db.session.add(review)
    db.session.flush()
    return review


def add_feedback(on: date, useful: str | None, output=None) -> Feedback:  # type: ignore[no-untyped-def]
    row = Feedback(
        reference=f"F{next(_seq):07d}",
        output_id=output.id if output else None,
        received_at=at(on),
        useful=useful,
    )
    db.session.add(row)
    db.session.flush()
    return row


def add_responses(consultation, n: int, on: date) -> None:  # type: ignore[no-untyped-def]
    for _ in range(n):
        db.session.add(
            ConsultationResponse(
                consultation_id=consultation.id,
                reference=f"R{next(_seq):07d}",
                submitted_at=at(on),
                category="public",
            )
        )
    db.session.flush()


def add_story(on: date, title: str, outputs=()) -> SuccessStory:  # type: ignore[no-untyped-def]
    story = SuccessStory(title=title, description="We ran a user event.", happened_on=on)
    story.outputs = list(outputs)
    db.session.add(story)
    db.session.flush()
    return story


class RecommendationFactory(Factory):
    class Meta:
        model = UksaRecommendation

    reference = factory.Sequence(lambda n: f"R{n + 1}")
    text = "Publish more information on the quality of the statistics."
    source_report = "Assessment report 321: Criminal court statistics"
    source_date = date(2025, 2, 1)
    target_on = date(2026, 1, 31)
    status = "not_started"


class RecommendationNoteFactory(Factory):
    class Meta:
        model = RecommendationNote

    noted_on = date(2025, 10, 1)
    note = "Met the lead statistician to agree the plan."


class AnnualReportFactory(Factory):
    class Meta:
        model = AnnualReport

    year_start = 2025
    state = "draft"
    commentary = ""


# --- a known reporting year (2025-26) -------------------------------------------------------

AS_OF = date(2026, 5, 15)  # figures computed after the year end


def build_year() -> dict[str, Any]:
    """A year of known cases, logs, consultations, recommendations and stories for 2025-26
    (1 April 2025 to 31 March 2026), with records either side of it that must not count."""
    from tests.factories.auth import cso
    from tests.factories.consultations import ConsultationFactory
    from tests.factories.outputs import OutputFactory

    wd = working_days_after
    out: dict[str, Any] = {}

    # Enquiries and complaints ------------------------------------------------------------
    # c1: acknowledged and answered on the last day allowed (met, met); referred to UKSA.
    received = date(2025, 4, 10)
    d = calendar().deadlines(received)
    out["c1"] = make_case(
        "service_complaint",
        received,
        state="referred_to_uksa",
        acknowledged_on=d.acknowledge_by,
        responded_on=d.respond_by,
        uksa_referred_on=date(2025, 6, 15),
        uksa_outcome="Not upheld: the Authority found the statistics met the Code.",
        uksa_outcome_on=date(2025, 8, 1),
    )
    # c2: acknowledged a day late; answered late after a delay notice, by the revised date.
    received = date(2025, 6, 2)
    d = calendar().deadlines(received)
    out["c2"] = make_case(
        "service_complaint",
        received,
        state="referred_to_uksa",
        acknowledged_on=wd(d.acknowledge_by, 1),
        delay_notice_on=wd(d.respond_by, -2),
        revised_target_on=wd(d.respond_by, 10),
        responded_on=wd(d.respond_by, 3),
        uksa_referred_on=date(2026, 2, 1),
    )
    # c3: received in March 2026, answered in April 2026 (the next year), in time.
    received = date(2026, 3, 25)
    d = calendar().deadlines(received)
    out["c3"] = make_case(
        "service_complaint",
        received,
        state="closed",
        acknowledged_on=received,
        responded_on=d.respond_by,
    )
    assert d.respond_by >= date(2026, 4, 1)
    # c4: paused 5 working days for clarification: answered after the original deadline but
    # before the moved one -> in time.
    received = date(2025, 9, 1)
    d = calendar().deadlines(received)
    out["c4"] = make_case(
        "service_complaint",
        received,
        state="responded",
        acknowledged_on=wd(received, 1),
        paused_working_days=5,
        respond_by=wd(d.respond_by, 5),
        responded_on=wd(d.respond_by, 3),
    )
    # c5: never acknowledged nor answered: both deadlines passed by AS_OF.
    out["c5"] = make_case("service_complaint", date(2025, 11, 3), state="received")
    # c6: complaint about an FoI answer, transferred to the internal review.
    out["c6"] = make_case(
        "foi_complaint",
        date(2025, 7, 3),
        state="transferred",
        transferred_to="internal_review",
        transferred_on=date(2025, 7, 4),
    )
    # e1-e6: enquiries acknowledged next working day, answered within 10 working days.
    for n in range(6):
        received = date(2025, 10, 6 + n)
        make_case(
            "enquiry",
            received,
            state="closed",
            acknowledged_on=wd(received, 1),
            responded_on=wd(received, 10),
        )
    # e7: withdrawn before it was acknowledged.
    make_case(
        "enquiry",
        date(2025, 12, 1),
        state="withdrawn",
        withdrawn_at=at(date(2025, 12, 2)),
        withdrawn_on=date(2025, 12, 2),
    )
    # Transfers to the FoI team and the press office.
    make_case(
        "unpublished_statistics",
        date(2026, 1, 12),
        state="transferred",
        transferred_to="foi",
        transferred_on=date(2026, 1, 13),
    )
    make_case(
        "media",
        date(2026, 2, 16),
        state="transferred",
        transferred_to="press_office",
        transferred_on=date(2026, 2, 16),
    )
    # Outside the year: must not count.
    make_case("service_complaint", date(2025, 3, 31), state="received")
    make_case("enquiry", date(2026, 4, 1), state="received")

    # User logs ---------------------------------------------------------------------------
    a = OutputFactory(title="Alpha statistics", next_review_due=date(2027, 6, 1))
    b = OutputFactory(title="Beta statistics", next_review_due=date(2025, 12, 1))
    c = OutputFactory(title="Gamma statistics", next_review_due=date(2027, 6, 1))
    e = OutputFactory(title="Delta statistics", next_review_due=date(2026, 1, 1))
    out["outputs"] = [a, b, c, e]
    old = date(2024, 6, 1)
    for _ in range(6):  # 6 government users at access level, added before the year
        add_to_log(a, make_stakeholder("government", old), "access", old)
    for _ in range(2):  # 2 government users told of publications, new in the year
        add_to_log(
            a, make_stakeholder("government", date(2025, 5, 1)), "informed", date(2025, 5, 1)
        )
    public_people = [make_stakeholder("public", date(2025, 8, 1)) for _ in range(10)]
    for person in public_people:
        add_to_log(b, person, "access", date(2025, 8, 1))
    academics = [make_stakeholder("academic", old) for _ in range(5)]
    for person in academics:
        add_to_log(a, person, "consulted", old)
    add_to_log(b, academics[0], "involved", date(2026, 1, 5))  # existing user, new log entry
    add_to_log(c, make_stakeholder("media", date(2026, 4, 2)), "informed", date(2026, 4, 2))
    # Contacts: 3 emails and 1 meeting in the year, 1 after it.
    for day in (date(2025, 4, 1), date(2025, 9, 9), date(2026, 3, 31)):
        add_contact(a, academics[1], day, "email")
    add_contact(b, public_people[0], date(2025, 10, 10), "meeting")
    add_contact(b, public_people[0], date(2026, 4, 1), "phone")
    # Reviews: Alpha reviewed twice in the year (not overdue); Beta last reviewed Dec 2024
    # (due Dec 2025: overdue at the year end); Gamma never reviewed, due 2027; Delta never
    # reviewed, due Jan 2026 (overdue).
    add_review(a, date(2025, 6, 1))
    add_review(a, date(2025, 11, 1))
    add_review(b, date(2024, 12, 1))
    # Feedback: yes 3, no 1, unanswered 1 in the year; 1 before it.
    for useful in ("yes", "yes", "yes", "no", None):
        add_feedback(date(2025, 7, 7), useful, a)
    add_feedback(date(2025, 3, 1), "yes", a)

    # Consultations -----------------------------------------------------------------------
    held = ConsultationFactory(
        title="Publishing quarterly instead of monthly",
        opens_on=date(2025, 5, 1),
        closes_on=date(2025, 7, 10),
        state="response_published",
        response_published_at=at(date(2025, 9, 1)),
    )
    add_responses(held, 3, date(2025, 6, 1))
    ConsultationFactory(
        title="Merging two bulletins",
        opens_on=date(2026, 2, 2),
        closes_on=date(2026, 4, 13),
        state="closed",
    )
    ConsultationFactory(
        title="A draft never approved",
        opens_on=date(2025, 6, 1),
        closes_on=date(2025, 8, 1),
        state="draft",
    )
    out["consultation"] = held

    # Recommendations and success stories -------------------------------------------------
    owner = cso(name="Olu Owner")
    out["owner"] = owner
    r1 = RecommendationFactory(
        reference="R1",
        status="in_progress",
        target_on=date(2025, 12, 31),
        owner_id=owner.id,
    )
    r1.outputs = [a]
    RecommendationNoteFactory(recommendation_id=r1.id, noted_on=date(2025, 10, 1))
    RecommendationNoteFactory(
        recommendation_id=r1.id, noted_on=date(2026, 5, 1), note="After the year end."
    )
    RecommendationFactory(reference="R2", status="implemented", target_on=date(2025, 9, 30))
    RecommendationFactory(reference="R3", source_date=date(2026, 4, 20))
    add_story(date(2025, 11, 20), "User event in Leeds", [a])
    add_story(date(2026, 4, 20), "After the year")
    db.session.commit()
    return out
