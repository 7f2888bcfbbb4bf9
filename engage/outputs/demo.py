"""Demo data for the outputs area (called by `flask seed-demo`): user logs for the 22 outputs,
contacts across the last two years, reviews (some overdue), feedback and success stories."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from engage.extensions import db
from engage.outputs.catalogue import add_months
from engage.outputs.models import (
    Contact,
    Feedback,
    LogEntry,
    OutputReview,
    Stakeholder,
    SuccessStory,
)
from engage.vocab import CONTACT_CHANNELS, LOG_SOURCES

FIRST = [
    "Amira",
    "Ben",
    "Chloe",
    "Dev",
    "Ellen",
    "Femi",
    "Gita",
    "Hamish",
    "Iris",
    "Jon",
    "Kiran",
    "Lena",
    "Marek",
    "Nia",
    "Owen",
    "Priti",
    "Rhys",
    "Sofia",
    "Tariq",
    "Uma",
]
LAST = [
    "Ahmed",
    "Brown",
    "Clarke",
    "Davies",
    "Evans",
    "Fraser",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
    "Nowak",
    "Owusu",
    "Patel",
    "Roberts",
    "Singh",
]
ORGANISATIONS = {
    "government": ["Home Office", "HM Treasury", "Ministry of Justice policy", "Cabinet Office"],
    "parliament": ["House of Commons Library", "Justice Committee", "House of Lords Library"],
    "international": ["Council of Europe", "Eurostat", "UNODC"],
    "academic": ["University of Leeds", "LSE", "University of Cardiff", "King's College London"],
    "expert": ["Howard League", "Prison Reform Trust", "Transform Justice", "JUSTICE"],
    "media": ["The Guardian", "BBC News", "Law Gazette", "Inside Time"],
    "public": [""],
}
# Weighted towards analysts and researchers, as real logs are.
CATEGORY_WEIGHTS = {
    "government": 25,
    "parliament": 8,
    "international": 4,
    "academic": 25,
    "expert": 16,
    "media": 10,
    "public": 12,
}
LEVEL_WEIGHTS = {"access": 40, "informed": 35, "consulted": 18, "involved": 7}
USES = [
    "Policy development",
    "Academic research",
    "Briefing ministers",
    "Parliamentary questions",
    "News reporting",
    "Campaigning for reform",
    "Local service planning",
    "Teaching",
    "International comparisons",
    "Personal interest",
]
COMMENTS = [
    "Please add regional breakdowns.",
    "The tables were easy to use.",
    "Hard to find the technical guide.",
    "Could you publish the data as CSV?",
    "Very useful for my dissertation.",
    "Release dates moved without notice.",
    "",
]


def _pick(rng, weights: dict[str, int]) -> str:  # type: ignore[no-untyped-def]
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def seed(ctx) -> None:  # type: ignore[no-untyped-def]
    """Add this area's demo records using ctx.users, ctx.outputs, ctx.today and ctx.rng."""
    rng, today, outputs = ctx.rng, ctx.today, ctx.outputs
    people: list[Stakeholder] = []
    for n in range(320):
        category = _pick(rng, CATEGORY_WEIGHTS)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        has_email = rng.random() < 0.85
        people.append(
            Stakeholder(
                name=f"{first} {last}",
                organisation=rng.choice(ORGANISATIONS[category]),
                email=f"{first}.{last}.{n}@example.org".lower() if has_email else None,
                phone=f"020 7946 {n:04d}" if rng.random() < 0.3 else None,
                category=category,
                consent_to_contact=has_email and rng.random() < 0.7,
            )
        )
    db.session.add_all(people)
    db.session.flush()

    staff = list(ctx.users.values())
    for output in outputs:
        members = rng.sample(people, rng.randint(8, 30))  # some people are in several logs
        for person in members:
            first_on = today - timedelta(days=rng.randint(30, 730))
            entry = LogEntry(
                output_id=output.id,
                stakeholder_id=person.id,
                engagement_level=_pick(rng, LEVEL_WEIGHTS),
                uses=rng.choice(USES),
                source=rng.choice(list(LOG_SOURCES)),
                first_contact_on=first_on,
                latest_contact_on=first_on,
            )
            db.session.add(entry)
            if person.consent_to_contact:  # as staff would record it (engage.consent)
                from engage.consent import service as consent

                consent.give(
                    person,
                    purpose=consent.STAFF_PURPOSES,
                    output=output,
                    source="staff",
                    wording=consent.STAFF_WORDING,
                    source_detail="Demo data",
                )
            for _ in range(rng.randint(0, 3)):
                on = first_on + timedelta(days=rng.randint(0, (today - first_on).days))
                db.session.add(
                    Contact(
                        output_id=output.id,
                        stakeholder_id=person.id,
                        contacted_on=on,
                        channel=rng.choice(list(CONTACT_CHANNELS)),
                        summary=rng.choice(
                            [
                                "Asked about the release calendar",
                                "Discussed a change of method",
                                "Sent the new tables",
                                "Met at the user event",
                                "Query about definitions",
                            ]
                        ),
                        recorded_by_id=output.producers[0].id if output.producers else None,
                    )
                )
                entry.latest_contact_on = max(entry.latest_contact_on, on)
        # Reviews: most outputs were reviewed one interval before their next due date.
        if output.next_review_due and rng.random() < 0.7:
            reviewed_on = add_months(output.next_review_due, -output.review_interval_months)
            if reviewed_on <= today:
                db.session.add(
                    OutputReview(
                        output_id=output.id,
                        reviewed_on=reviewed_on,
                        reviewer_id=output.producers[0].id if output.producers else None,
                        findings=f"The log had {len(members)} users; demand for regional "
                        "breakdowns from analysts.",
                        actions="Publish regional tables; invite expert users to a workshop.",
                    )
                )
        # Feedback on the output, over the last year.
        for _ in range(rng.randint(0, 5)):
            received = datetime.combine(
                today - timedelta(days=rng.randint(0, 365)), time(11), tzinfo=UTC
            )
            db.session.add(_feedback(rng, output.id, received, today))
    for _ in range(6):  # general feedback
        received = datetime.combine(
            today - timedelta(days=rng.randint(0, 200)), time(15), tzinfo=UTC
        )
        db.session.add(_feedback(rng, None, received, today))

    stories = [
        (
            "User day on prison statistics",
            "Forty users from government, academia and charities "
            "met the team; three changes to the bulletin followed.",
            0,
        ),
        ("Open data in CSV", "After feedback, every table is now also published as CSV.", 3),
        (
            "Working group with the judiciary",
            "A standing group of expert users now reviews "
            "proposed changes to court statistics before consultation.",
            5,
        ),
    ]
    for title, description, index in stories:
        story = SuccessStory(
            title=title,
            description=description,
            happened_on=today - timedelta(days=rng.randint(20, 500)),
            created_by_id=staff[0].id if staff else None,
        )
        story.outputs = [outputs[index % len(outputs)]] if outputs else []
        db.session.add(story)
    db.session.commit()


_reference_counter = iter(range(1, 10_000))


def _feedback(rng, output_id, received, today) -> Feedback:  # type: ignore[no-untyped-def]
    reviewed = rng.random() < 0.6
    return Feedback(
        reference=f"FB-DEMO{next(_reference_counter):03d}",
        output_id=output_id,
        received_at=received,
        useful=rng.choice(["yes", "yes", "partly", "no"]) if output_id else None,
        uses=rng.choice(USES) if output_id else "",
        category=rng.choice(list(CATEGORY_WEIGHTS)),
        comments=rng.choice(COMMENTS) or "No comment.",
        email=None,
        consent_to_log=False,
        reviewed_at=received + timedelta(days=3) if reviewed else None,
    )
