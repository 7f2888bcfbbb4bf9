"""Drafting, the Chief Statistician's decision, withdrawal and extension (domain functions)."""

from __future__ import annotations

from datetime import date

import pytest

from engage.audit import AuditEvent
from engage.consultations import service
from engage.consultations.rules import ConsultationError
from engage.extensions import db
from engage.mail.models import OutboxEmail
from tests.consultations.helpers import at, consultation_with_questions
from tests.factories.auth import UserFactory, admin, chief, cso, producer
from tests.factories.consultations import ConsultationFactory
from tests.factories.outputs import OutputFactory

TODAY = date(2027, 2, 1)


def _data(**overrides):  # type: ignore[no-untyped-def]
    data = {
        "title": "Merging the prison population bulletins",
        "summary": "We propose to merge two bulletins.",
        "proposal": "Merge them.",
        "reason": "how_we_publish",
        "ad_hoc": False,
        "announced_where": "The output's page",
        "opens_on": date(2027, 3, 1),
        "closes_on": date(2027, 4, 26),
        "contact_email": "stats@justice.example.gov.uk",
    }
    data.update(overrides)
    return data


def test_a_producer_drafts_a_consultation_on_their_own_output(app):
    author = producer()
    output = OutputFactory(producers=[author])
    consultation = service.create_consultation(_data(), [output.id], author, TODAY)
    assert consultation.state == "draft"
    assert consultation.slug == "merging-the-prison-population-bulletins"
    assert [o.id for o in consultation.outputs] == [output.id]
    assert db.session.execute(
        db.select(AuditEvent).where(AuditEvent.action == "consultation.created")
    ).scalar_one()


def test_a_producer_cannot_name_another_producers_output(app):
    author = producer()
    theirs = OutputFactory(producers=[producer()])
    with pytest.raises(ConsultationError) as refused:
        service.create_consultation(_data(), [theirs.id], author, TODAY)
    assert refused.value.field == "output_ids"


def test_the_cso_may_draft_on_any_output_and_ad_hoc(app):
    officer = cso()
    output = OutputFactory(producers=[producer()])
    assert service.create_consultation(_data(), [output.id], officer, TODAY).outputs
    ad_hoc = service.create_consultation(_data(title="Ad hoc", ad_hoc=True), [], officer, TODAY)
    assert ad_hoc.ad_hoc and ad_hoc.outputs == []


def test_outputs_or_ad_hoc_is_required(app):
    with pytest.raises(ConsultationError) as refused:
        service.create_consultation(_data(), [], cso(), TODAY)
    assert refused.value.field == "output_ids"


@pytest.mark.parametrize(("days", "ok"), [(41, False), (42, True), (91, True), (92, False)])
def test_the_length_rule_is_enforced_at_every_save(app, days, ok):
    from datetime import timedelta

    officer = cso()
    opens = date(2027, 3, 1)
    data = _data(ad_hoc=True, closes_on=opens + timedelta(days=days))
    if ok:
        consultation = service.create_consultation(data, [], officer, TODAY)
        service.update_consultation(consultation, data, [], officer, TODAY)
    else:
        with pytest.raises(ConsultationError, match="The closing date must be between"):
            service.create_consultation(data, [], officer, TODAY)
        db.session.rollback()
        consultation = service.create_consultation(_data(ad_hoc=True), [], officer, TODAY)
        with pytest.raises(ConsultationError) as refused:
            service.update_consultation(consultation, data, [], officer, TODAY)
        assert "12 April 2027 and 31 May 2027" in refused.value.message


def test_the_opening_date_cannot_be_in_the_past(app):
    with pytest.raises(ConsultationError) as refused:
        service.create_consultation(_data(ad_hoc=True), [], cso(), date(2027, 3, 2))
    assert refused.value.field == "opens_on"


def test_submitting_emails_every_chief_statistician_once(app):
    first, second = chief(), chief()
    author = producer()
    output = OutputFactory(producers=[author])
    consultation = consultation_with_questions(outputs=[output], created_by_id=author.id)
    service.submit_for_approval(consultation, author, at(2027, 2, 1))
    assert consultation.state == "awaiting_approval"
    emails = db.session.execute(db.select(OutboxEmail)).scalars().all()
    assert sorted(e.to_address for e in emails) == sorted([first.email, second.email])
    assert all(e.template == "consultation_awaiting_approval" for e in emails)


def test_a_consultation_needs_a_question_before_approval(app):
    consultation = ConsultationFactory(ad_hoc=True)
    with pytest.raises(ConsultationError, match="at least one question"):
        service.submit_for_approval(consultation, cso(), at(2027, 2, 1))


@pytest.mark.parametrize(
    "make_user",
    [producer, cso, admin, lambda: UserFactory(roles=["cso", "producer", "admin"])],
    ids=["producer", "cso", "admin", "every-other-role"],
)
def test_only_the_chief_statistician_may_approve_or_reject(app, make_user):
    consultation = consultation_with_questions(ad_hoc=True, state="awaiting_approval")
    someone = make_user()
    with pytest.raises(service.NotAllowed):
        service.approve(consultation, someone, at(2027, 2, 1))
    with pytest.raises(service.NotAllowed):
        service.reject(consultation, someone, "No", at(2027, 2, 1))
    assert consultation.state == "awaiting_approval"


def test_the_chief_statisticians_decision_is_kept(app):
    the_chief = chief()
    author = producer()
    consultation = consultation_with_questions(
        ad_hoc=True, state="awaiting_approval", created_by_id=author.id
    )
    service.approve(consultation, the_chief, at(2027, 2, 1))
    assert consultation.state == "approved"
    assert consultation.decided_by_id == the_chief.id
    assert consultation.decided_at == at(2027, 2, 1)
    event = db.session.execute(
        db.select(AuditEvent).where(AuditEvent.action == "consultation.approved")
    ).scalar_one()
    assert event.actor_id == the_chief.id
    assert (
        db.session.execute(db.select(OutboxEmail).where(OutboxEmail.to_address == author.email))
        .scalar_one()
        .template
        == "consultation_decision"
    )


def test_rejecting_needs_a_reason(app):
    the_chief = chief()
    consultation = consultation_with_questions(ad_hoc=True, state="awaiting_approval")
    with pytest.raises(ConsultationError):
        service.reject(consultation, the_chief, "  ", at(2027, 2, 1))
    service.reject(consultation, the_chief, "Not the right time", at(2027, 2, 1))
    assert consultation.state == "rejected"
    assert consultation.decision_reason == "Not the right time"


def test_approval_rechecks_the_length_rule(app):
    consultation = consultation_with_questions(
        ad_hoc=True,
        state="awaiting_approval",
        opens_on=date(2027, 3, 1),
        closes_on=date(2027, 3, 20),
    )
    with pytest.raises(ConsultationError, match="between 12 April 2027 and 31 May 2027"):
        service.approve(consultation, chief(), at(2027, 2, 1))


def test_approving_on_or_after_the_opening_date_opens_at_once(app):
    consultation = consultation_with_questions(
        ad_hoc=True,
        state="awaiting_approval",
        opens_on=date(2027, 3, 1),
        closes_on=date(2027, 5, 1),
    )
    service.approve(consultation, chief(), at(2027, 3, 3, 9))
    assert consultation.state == "open"
    # It opened two days late, so its recorded opening date is the real one.
    assert consultation.opens_on == date(2027, 3, 3)
    assert consultation.opened_at == at(2027, 3, 3, 9)


def test_late_approval_refuses_when_the_remaining_time_is_under_6_weeks(app):
    consultation = consultation_with_questions(
        ad_hoc=True,
        state="awaiting_approval",
        opens_on=date(2027, 3, 1),
        closes_on=date(2027, 4, 12),
    )
    with pytest.raises(ConsultationError, match="opening date has passed"):
        service.approve(consultation, chief(), at(2027, 3, 3))
    db.session.rollback()
    db.session.refresh(consultation)
    assert consultation.state == "awaiting_approval"


def test_questions_are_editable_until_open_then_frozen(app):
    officer = cso()
    consultation = consultation_with_questions(ad_hoc=True, state="approved")
    question = service.add_question(
        consultation, {"text": "New?", "kind": "free_text", "options": ""}, officer
    )
    service.move_question(question, "up", officer)
    assert [q.position for q in consultation.questions] == [1, 2, 3, 4]
    assert consultation.questions[2].text == "New?"
    consultation.state = "open"
    db.session.commit()
    with pytest.raises(ConsultationError, match="once a consultation opens"):
        service.add_question(
            consultation, {"text": "Late?", "kind": "free_text", "options": ""}, officer
        )
    with pytest.raises(ConsultationError):
        service.remove_question(consultation.questions[0], officer)


def test_choice_questions_need_two_options(app):
    consultation = ConsultationFactory(ad_hoc=True)
    with pytest.raises(ConsultationError) as refused:
        service.add_question(
            consultation, {"text": "Pick", "kind": "single_choice", "options": "Only"}, cso()
        )
    assert refused.value.field == "options"


def test_extension_while_open_keeps_to_13_weeks(app):
    officer = cso()
    consultation = consultation_with_questions(
        ad_hoc=True, state="open", opens_on=date(2027, 3, 1), closes_on=date(2027, 4, 12)
    )
    service.extend(consultation, date(2027, 5, 31), officer, at(2027, 4, 1))  # 91 days
    assert consultation.closes_on == date(2027, 5, 31)
    with pytest.raises(ConsultationError, match="between 12 April 2027 and 31 May 2027"):
        service.extend(consultation, date(2027, 6, 1), officer, at(2027, 4, 1))  # 92 days
    with pytest.raises(ConsultationError, match="after the current closing date"):
        service.extend(consultation, date(2027, 5, 1), officer, at(2027, 4, 1))


def test_withdraw_needs_a_reason_and_is_refused_after_publication(app):
    officer = cso()
    consultation = consultation_with_questions(ad_hoc=True, state="open")
    with pytest.raises(ConsultationError):
        service.withdraw(consultation, officer, "", at(2027, 3, 5))
    service.withdraw(consultation, officer, "Superseded by a review", at(2027, 3, 5))
    assert consultation.state == "withdrawn"
    published = consultation_with_questions(ad_hoc=True, state="response_published")
    with pytest.raises(ConsultationError):
        service.withdraw(published, officer, "Too late", at(2027, 3, 5))


def test_a_producer_cannot_manage_another_producers_consultation(app):
    mine, theirs = producer(), producer()
    output = OutputFactory(producers=[theirs])
    consultation = consultation_with_questions(outputs=[output], created_by_id=theirs.id)
    assert not service.can_manage(mine, consultation)
    with pytest.raises(service.NotAllowed):
        service.withdraw(consultation, mine, "Mine now", at(2027, 2, 1))


def test_publishing_the_response_needs_all_three_parts(app):
    officer = cso()
    consultation = consultation_with_questions(ad_hoc=True, state="closed")
    with pytest.raises(service.ResponseIncomplete) as refused:
        service.publish_response(
            consultation, {"response_summary": "We heard from 3 people"}, officer, at(2027, 6, 1)
        )
    assert set(refused.value.errors) == {"response_way_forward", "response_rationale"}
    db.session.rollback()
    db.session.refresh(consultation)
    assert consultation.state == "closed"
    service.publish_response(
        consultation,
        {
            "response_summary": "We heard from 3 people",
            "response_way_forward": "We will merge the bulletins",
            "response_rationale": "Most users agreed",
        },
        officer,
        at(2027, 6, 1),
    )
    assert consultation.state == "response_published"
    assert consultation.response_published_by_id == officer.id


def test_a_producer_may_keep_an_output_the_cso_added(app):
    author = producer()
    mine, theirs = OutputFactory(producers=[author]), OutputFactory(producers=[producer()])
    consultation = service.create_consultation(_data(), [mine.id, theirs.id], cso(), TODAY)
    consultation.created_by_id = author.id
    db.session.commit()
    service.update_consultation(
        consultation, _data(title="Renamed"), [mine.id, theirs.id], author, TODAY
    )
    assert consultation.title == "Renamed"
    assert {o.id for o in consultation.outputs} == {mine.id, theirs.id}
