"""Output reviews, review reminders, the dashboard flag, success stories, and the query count of
the user-log page."""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert

from engage import caching
from engage.extensions import db
from engage.mail.models import OutboxEmail
from engage.outputs import reviews
from engage.outputs.models import Contact, LogEntry, Output, OutputReview, Stakeholder, SuccessStory
from tests.conftest import count_queries
from tests.factories.auth import admin, cso, producer
from tests.factories.outputs import FeedbackFactory, LogEntryFactory, OutputFactory


def test_recording_a_review_sets_the_next_due_date(app, login):
    owner = producer()
    output = OutputFactory(
        slug="o", producers=[owner], next_review_due=date(2025, 1, 1), review_interval_months=6
    )
    LogEntryFactory(output=output)
    FeedbackFactory(output=output, useful="no")
    client = login(owner)
    form = client.get("/staff/outputs/o/reviews/new").get_data(as_text=True)
    assert "The user log has 1 stakeholders." in form and "not useful 1" in form
    bad = client.post(
        "/staff/outputs/o/reviews/new", data={"reviewed_on": ["1", "1", "2099"], "findings": "x"}
    )
    assert "Date of the review must be today or in the past" in bad.get_data(as_text=True)
    response = client.post(
        "/staff/outputs/o/reviews/new",
        data={
            "reviewed_on": ["31", "8", "2025"],
            "findings": "Log healthy",
            "actions": "Add regional tables",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Output, output.id).next_review_due == date(2026, 2, 28)
    page = client.get("/staff/outputs/o/reviews").get_data(as_text=True)
    assert "Add regional tables" in page
    assert (
        login(producer())
        .post(
            "/staff/outputs/o/reviews/new",
            data={"reviewed_on": ["1", "1", "2025"], "findings": "x"},
        )
        .status_code
        == 403
    )
    assert db.session.scalar(db.select(db.func.count()).select_from(OutputReview)) == 1


def test_summary_counts_only_what_happened_since_the_last_review(app):
    owner = producer()
    output = OutputFactory(producers=[owner])
    reviews.record_review(
        output,
        reviewed_on=date(2025, 1, 1),
        findings="First",
        actions="",
        reviewer=owner,
        today=date(2025, 1, 1),
    )
    db.session.add(
        Contact(
            output_id=output.id,
            stakeholder_id=LogEntryFactory(output=output).stakeholder_id,
            contacted_on=date(2024, 12, 1),
            channel="email",
            summary="old",
        )
    )
    db.session.commit()
    summary = reviews.review_summary(output)
    assert summary.since == date(2025, 1, 1) and summary.contacts == 0


def test_review_reminders_are_queued_once_per_producer_and_due_date(app):
    first, second = producer(), producer()
    overdue = OutputFactory(
        title="Overdue Output", producers=[first, second], next_review_due=date(2025, 3, 1)
    )
    OutputFactory(producers=[first], next_review_due=date(2025, 9, 1))  # not yet due
    OutputFactory(producers=[first], next_review_due=date(2025, 1, 1), status="discontinued")
    assert reviews.queue_review_reminders(date(2025, 4, 1)) == 2
    assert reviews.queue_review_reminders(date(2025, 4, 2)) == 0
    emails = db.session.scalars(db.select(OutboxEmail)).all()
    assert sorted(e.to_address for e in emails) == sorted([first.email, second.email])
    assert all(e.subject == "Review due: Overdue Output" for e in emails)
    # A new due date (after a review) is a new reminder.
    reviews.record_review(
        overdue,
        reviewed_on=date(2025, 4, 2),
        findings="Done",
        actions="",
        reviewer=first,
        today=date(2025, 4, 2),
    )
    # ... and the output that was not yet due in April 2025 is overdue by May 2026.
    assert reviews.queue_review_reminders(date(2026, 5, 1)) == 3


def test_dashboard_flags_overdue_reviews_by_ownership(app, login):
    owner = producer()
    OutputFactory(title="My Late Output", producers=[owner], next_review_due=date(2020, 1, 1))
    OutputFactory(
        title="Their Late Output", producers=[producer()], next_review_due=date(2020, 1, 1)
    )
    mine = login(owner).get("/staff").get_data(as_text=True)
    assert "My Late Output" in mine and "Their Late Output" not in mine
    everything = login(cso()).get("/staff").get_data(as_text=True)
    assert "My Late Output" in everything and "Their Late Output" in everything


def test_success_stories_register(app, login):
    output = OutputFactory(title="Court Statistics")
    client = login(cso())
    assert client.get("/staff/success-stories").status_code == 200
    assert client.get("/staff/success-stories/new").status_code == 200
    bad = client.post("/staff/success-stories/new", data={"title": ""}).get_data(as_text=True)
    assert "Enter a title" in bad and "Enter the date" in bad
    client.post(
        "/staff/success-stories/new",
        data={
            "title": "User day in Leeds",
            "description": "Forty users met the team.",
            "happened_on": ["12", "3", "2025"],
            "output_ids": [str(output.id)],
        },
    )
    story = db.session.scalars(db.select(SuccessStory)).one()
    assert [o.title for o in story.outputs] == ["Court Statistics"]
    assert client.get(f"/staff/success-stories/{story.id}/edit").status_code == 200
    client.post(
        f"/staff/success-stories/{story.id}/edit",
        data={
            "title": "User day in Leeds and York",
            "description": "More users.",
            "happened_on": ["12", "3", "2025"],
        },
    )
    db.session.expire_all()
    assert db.session.get(SuccessStory, story.id).title == "User day in Leeds and York"
    reader = login(admin())
    assert "User day in Leeds and York" in reader.get("/staff/success-stories").get_data(
        as_text=True
    )
    assert reader.get("/staff/success-stories/new").status_code == 403


def _bulk_log(output_id: int, people: int, contacts: int, start: int) -> None:
    categories = [
        "government",
        "parliament",
        "international",
        "academic",
        "expert",
        "media",
        "public",
    ]
    levels = ["access", "informed", "consulted", "involved"]
    db.session.execute(
        insert(Stakeholder),
        [
            {
                "id": start + n,
                "name": f"Person {n}",
                "organisation": "Org",
                "email": f"p{start + n}@example.org",
                "category": categories[n % 7],
                "consent_to_contact": n % 2 == 0,
            }
            for n in range(people)
        ],
    )
    db.session.execute(
        insert(LogEntry),
        [
            {
                "output_id": output_id,
                "stakeholder_id": start + n,
                "stakeholder_name": f"Person {n}",  # copies of the stakeholder's
                "stakeholder_category": categories[n % 7],
                "engagement_level": levels[n % 4],
                "uses": "Research",
                "source": "user_request",
                "first_contact_on": date(2024, 1, 1),
                "latest_contact_on": date(2025, 1, 1),
            }
            for n in range(people)
        ],
    )
    db.session.execute(
        insert(Contact),
        [
            {
                "output_id": output_id,
                "stakeholder_id": start + (n % people),
                "contacted_on": date(2024, 6, 1),
                "channel": "email",
                "summary": "Asked about tables",
            }
            for n in range(contacts)
        ],
    )
    db.session.commit()


def test_user_log_page_query_count_does_not_grow_with_the_log(app, login):
    owner = producer()
    small = OutputFactory(slug="small", producers=[owner])
    large = OutputFactory(slug="large", producers=[owner])
    _bulk_log(small.id, 50, 500, start=1)
    _bulk_log(large.id, 5000, 50_000, start=1001)
    client = login(owner)
    client.get("/staff/outputs/small/user-log")  # warm up
    # Requests share the test's app context and so its session: start each count with an empty
    # identity map, as a real request does.
    # Each page is counted cold: nothing kept from an earlier view (engage.caching).
    db.session.remove()
    caching.clear()
    with count_queries() as few:
        small_page = client.get("/staff/outputs/small/user-log")
    db.session.remove()
    caching.clear()
    with count_queries() as many:
        large_page = client.get("/staff/outputs/large/user-log")
    assert small_page.status_code == large_page.status_code == 200
    assert "Showing 1 to 50 of 5000" in large_page.get_data(as_text=True)
    assert len(many) == len(few), (len(few), len(many))
    assert len(many) <= 10
