"""Opening and closing by themselves, stakeholder emails, and response reminders."""

from __future__ import annotations

from datetime import date

import time_machine

from engage.consultations import lifecycle
from engage.db_types import utcnow
from engage.extensions import db
from engage.mail.models import OutboxEmail
from tests.consultations.helpers import at, consultation_with_questions, follower
from tests.factories.auth import cso, producer
from tests.factories.outputs import OutputFactory


def _emails(template: str) -> list[str]:
    return sorted(
        db.session.execute(
            db.select(OutboxEmail.to_address).where(OutboxEmail.template == template)
        ).scalars()
    )


def test_an_approved_consultation_opens_on_its_opening_date_in_london(app):
    consultation = consultation_with_questions(
        ad_hoc=True, state="approved", opens_on=date(2027, 4, 1), closes_on=date(2027, 5, 20)
    )
    # 22:59 UTC on 31 March is still 31 March in London (BST): not yet.
    with time_machine.travel(at(2027, 3, 31, 22, 59), tick=False):
        assert lifecycle.open_due_consultations(utcnow()) == 0
    assert consultation.state == "approved"
    # 23:00 UTC on 31 March is midnight on 1 April in London.
    with time_machine.travel(at(2027, 3, 31, 23, 0), tick=False):
        assert lifecycle.open_due_consultations(utcnow()) == 1
        assert lifecycle.open_due_consultations(utcnow()) == 0  # idempotent
    db.session.refresh(consultation)
    assert consultation.state == "open"
    assert consultation.opened_at == at(2027, 3, 31, 23, 0)


def test_an_open_consultation_closes_at_the_end_of_its_closing_date(app):
    consultation = consultation_with_questions(
        ad_hoc=True, state="open", opens_on=date(2027, 3, 1), closes_on=date(2027, 4, 12)
    )
    with time_machine.travel(at(2027, 4, 12, 22, 59), tick=False):
        assert lifecycle.close_due_consultations(utcnow()) == 0
    with time_machine.travel(at(2027, 4, 12, 23, 0), tick=False):
        assert lifecycle.close_due_consultations(utcnow()) == 1
        assert lifecycle.close_due_consultations(utcnow()) == 0
    db.session.refresh(consultation)
    assert consultation.state == "closed"


def test_closing_in_winter_time_is_at_midnight_utc(app):
    consultation = consultation_with_questions(
        ad_hoc=True, state="open", opens_on=date(2027, 10, 1), closes_on=date(2027, 11, 12)
    )
    assert lifecycle.close_due_consultations(at(2027, 11, 12, 23, 59)) == 0
    assert lifecycle.close_due_consultations(at(2027, 11, 13, 0, 0)) == 1
    assert consultation.state == "closed"


def test_drafts_and_rejected_consultations_never_open(app):
    for state in ("draft", "awaiting_approval", "rejected", "withdrawn"):
        consultation_with_questions(ad_hoc=True, state=state, opens_on=date(2027, 3, 1))
    assert lifecycle.open_due_consultations(at(2027, 3, 10)) == 0


def test_opening_emails_exactly_the_consenting_followers_once_each(app):
    first, second, other = OutputFactory(), OutputFactory(), OutputFactory()
    follower(first, "informed@example.com", "informed")
    follower(first, "consulted@example.com", "consulted")
    follower(first, "involved@example.com", "involved")
    follower(second, "involved@example.com", "consulted")  # in both logs: one email
    follower(second, "both@example.com", "informed")
    follower(first, "both@example.com", "informed")
    follower(first, "access@example.com", "access")  # level too shallow
    follower(first, "no-consent@example.com", "involved", consent=False)
    follower(first, None, "involved")  # no email address
    follower(other, "other-output@example.com", "involved")  # not affected
    consultation_with_questions(
        outputs=[first, second], state="approved", opens_on=date(2027, 3, 1)
    )
    assert lifecycle.open_due_consultations(at(2027, 3, 1, 6)) == 1
    assert _emails("consultation_opened") == [
        "both@example.com",
        "consulted@example.com",
        "informed@example.com",
        "involved@example.com",
    ]
    db.session.commit()


def test_opening_twice_never_emails_twice(app):
    output = OutputFactory()
    follower(output, "reader@example.com", "informed")
    consultation = consultation_with_questions(
        outputs=[output], state="approved", opens_on=date(2027, 3, 1)
    )
    lifecycle.open_due_consultations(at(2027, 3, 1))
    consultation.state = "approved"  # as if a second scheduler had picked it up too
    db.session.commit()
    lifecycle.open_due_consultations(at(2027, 3, 1))
    assert _emails("consultation_opened") == ["reader@example.com"]


def test_response_reminders_go_to_the_owner_and_cso_once_per_state(app):
    owner, officer = producer(), cso()
    consultation = consultation_with_questions(
        ad_hoc=True,
        state="closed",
        opens_on=date(2027, 3, 1),
        closes_on=date(2027, 4, 30),
        created_by_id=owner.id,
    )
    due = date(2027, 7, 23)  # 12 weeks after closing
    assert lifecycle.queue_response_reminders(date(2027, 7, 8)) == 0  # 15 days before
    assert lifecycle.queue_response_reminders(date(2027, 7, 9)) == 2  # 14 days before
    assert lifecycle.queue_response_reminders(date(2027, 7, 10)) == 0
    assert lifecycle.queue_response_reminders(due) == 0
    assert lifecycle.queue_response_reminders(date(2027, 7, 24)) == 2  # overdue
    assert lifecycle.queue_response_reminders(date(2027, 8, 24)) == 0
    assert _emails("consultation_response_due_soon") == sorted([owner.email, officer.email])
    assert _emails("consultation_response_overdue") == sorted([owner.email, officer.email])
    consultation.state = "response_published"
    db.session.commit()


def test_no_reminder_once_the_response_is_published(app):
    cso()
    consultation_with_questions(
        ad_hoc=True, state="response_published", closes_on=date(2027, 4, 30)
    )
    assert lifecycle.queue_response_reminders(date(2027, 8, 1)) == 0
