"""Every workflow transition, allowed and refused, per state and per role; the independence
rule; history; and the requester's email queued in the same transaction as the change."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from engage.audit import AuditEvent
from engage.cases import workflow
from engage.cases.models import Case, CaseEvent
from engage.extensions import db
from engage.mail.models import OutboxEmail
from tests.factories.auth import admin, chief, cso, producer
from tests.factories.cases import at, make_case, put_in_state
from tests.factories.outputs import OutputFactory

NOW = at(date(2026, 3, 4), 14)
DAY = date(2026, 3, 4)
STATES = [
    "received",
    "acknowledged",
    "awaiting_clarification",
    "responded",
    "closed",
    "transferred",
    "withdrawn",
    "referred_to_uksa",
]
OPEN = {"received", "acknowledged", "awaiting_clarification"}

# The product rules, written out independently of workflow.RULES:
# action -> (kind of case it applies to, states in which it is allowed, who: office/worker).
EXPECTED = {
    "triage": ("enquiry", OPEN, "office"),
    "assign": ("enquiry", OPEN, "office"),
    "acknowledge": ("enquiry", {"received"}, "worker"),
    "request_clarification": ("enquiry", {"received", "acknowledged"}, "worker"),
    "clarification_received": ("enquiry", {"awaiting_clarification"}, "worker"),
    "quote_charge": ("different_format", {"received", "acknowledged"}, "worker"),
    "record_charge_answer": ("different_format", {"awaiting_clarification"}, "worker"),
    "send_delay_notice": ("enquiry", OPEN, "worker"),
    "respond": ("enquiry", {"received", "acknowledged"}, "worker"),
    "close": ("enquiry", {"responded", "referred_to_uksa"}, "office"),
    "withdraw": ("enquiry", OPEN, "office"),
    "reopen": ("enquiry", {"closed", "withdrawn"}, "office"),
    "transfer": ("unpublished_statistics", OPEN, "office"),
    "refer_to_uksa": ("service_complaint", {"responded", "closed"}, "office"),
    "record_uksa_outcome": ("service_complaint", {"referred_to_uksa"}, "office"),
}


def run(action: str, case: Case, actor, other) -> Case:  # type: ignore[no-untyped-def]
    """Call the domain function for `action` with valid input."""
    calls = {
        "triage": lambda: workflow.triage(case, actor, kind=case.kind, now=NOW),
        "assign": lambda: workflow.assign(case, actor, assignee=other, now=NOW),
        "acknowledge": lambda: workflow.acknowledge(case, actor, now=NOW),
        "request_clarification": lambda: workflow.request_clarification(
            case, actor, question="Which year?", now=NOW
        ),
        "clarification_received": lambda: workflow.clarification_received(
            case, actor, replied_on=DAY, now=NOW
        ),
        "quote_charge": lambda: workflow.quote_charge(
            case, actor, amount=Decimal("12.50"), explanation="Large print", now=NOW
        ),
        "record_charge_answer": lambda: workflow.record_charge_answer(
            case, actor, accepted=True, replied_on=DAY, now=NOW
        ),
        "send_delay_notice": lambda: workflow.send_delay_notice(
            case, actor, reason="Busy", revised_target_on=date(2026, 4, 20), now=NOW
        ),
        "respond": lambda: workflow.respond(case, actor, text="Answer", method="email", now=NOW),
        "close": lambda: workflow.close(case, actor, now=NOW),
        "withdraw": lambda: workflow.withdraw(case, actor, now=NOW),
        "reopen": lambda: workflow.reopen(case, actor, reason="Came back", now=NOW),
        "transfer": lambda: workflow.transfer(case, actor, to="foi", reference="FOI-7", now=NOW),
        "refer_to_uksa": lambda: workflow.refer_to_uksa(case, actor, referred_on=DAY, now=NOW),
        "record_uksa_outcome": lambda: workflow.record_uksa_outcome(
            case, actor, outcome="Not upheld", outcome_on=DAY, now=NOW
        ),
    }
    return calls[action]()


def _case_for(action: str, state: str, assignee) -> Case:  # type: ignore[no-untyped-def]
    kind, _, _ = EXPECTED[action]
    case = make_case(kind=kind, assigned_to=assignee)
    return put_in_state(case, state, charge=action == "record_charge_answer")


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_each_action_in_each_state_for_the_cso(app, action, state):
    officer = cso()
    worker = producer()
    case = _case_for(action, state, assignee=worker)
    events_before = len(case.history)
    allowed = state in EXPECTED[action][1]
    # On a day the case is in time (a delay notice is not offered after respond-by).
    on_day = case.received_on + timedelta(days=1)
    assert (action in workflow.allowed_actions(case, officer, on_day)) == allowed
    if allowed:
        run(action, case, officer, worker)
        db.session.expire_all()
        case = db.session.get(Case, case.id)
        assert len(case.history) == events_before + 1
        assert case.history[-1].actor_id == officer.id
    else:
        before = case.state
        with pytest.raises(workflow.CaseError):
            run(action, case, officer, worker)
        db.session.rollback()
        case = db.session.get(Case, case.id)
        assert case.state == before and len(case.history) == events_before


@pytest.mark.parametrize(
    "role", ["chief", "assignee", "other_producer", "admin", "cso_not_assigned"]
)
@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_each_action_per_role(app, action, role):
    worker = producer()
    other = producer()
    actors = {
        "chief": chief,
        "assignee": lambda: worker,
        "other_producer": lambda: other,
        "admin": admin,
        "cso_not_assigned": cso,
    }
    actor = actors[role]()
    state = sorted(EXPECTED[action][1])[0]
    case = _case_for(action, state, assignee=worker)
    who = EXPECTED[action][2]
    allowed = role in ("chief", "cso_not_assigned") or (role == "assignee" and who == "worker")
    assignee_for_assign = cso() if role == "assignee" else worker
    if allowed:
        run(action, case, actor, assignee_for_assign)
        assert case.history[-1].actor_id == actor.id
    else:
        state_before = case.state
        with pytest.raises(workflow.CaseForbidden):
            run(action, case, actor, assignee_for_assign)
        db.session.rollback()
        assert db.session.get(Case, case.id).state == state_before
        assert action not in workflow.allowed_actions(case, actor)


def test_kind_rules(app):
    officer = cso()
    enquiry = make_case(kind="enquiry")
    with pytest.raises(workflow.CaseError, match="different format"):
        workflow.quote_charge(enquiry, officer, amount=Decimal("5"), explanation="x", now=NOW)
    with pytest.raises(workflow.CaseError, match="transferred"):
        workflow.transfer(enquiry, officer, to="foi", reference="F", now=NOW)
    foi = make_case(kind="unpublished_statistics")
    with pytest.raises(workflow.CaseError, match="FoI reference"):
        workflow.transfer(foi, officer, to="foi", reference="  ", now=NOW)
    with pytest.raises(workflow.CaseError, match="goes to the Freedom of Information team"):
        workflow.transfer(foi, officer, to="press_office", now=NOW)
    responded_enquiry = put_in_state(make_case(kind="enquiry"), "responded")
    with pytest.raises(workflow.CaseError, match="complaint"):
        workflow.refer_to_uksa(responded_enquiry, officer, referred_on=DAY, now=NOW)


def test_transfers_stop_the_clock_and_media_is_closed_as_redirected(app):
    officer = cso()
    media = make_case(kind="media")
    workflow.transfer(media, officer, to="press_office", now=NOW)
    assert media.state == "transferred" and media.closed_at is not None
    assert "closed as redirected" in media.history[-1].note
    complaint = make_case(kind="foi_complaint")
    workflow.transfer(complaint, officer, to="internal_review", reference="IR-1", now=NOW)
    assert (complaint.transferred_to, complaint.transfer_reference) == ("internal_review", "IR-1")
    assert complaint.transferred_on == DAY


def test_uksa_referral_and_outcome(app):
    officer = cso()
    case = put_in_state(make_case(kind="service_complaint"), "responded")
    with pytest.raises(workflow.CaseError, match="on or after"):
        workflow.refer_to_uksa(case, officer, referred_on=date(2026, 3, 1), now=NOW)
    with pytest.raises(workflow.CaseError, match="today or in the past"):
        workflow.refer_to_uksa(case, officer, referred_on=date(2026, 3, 5), now=NOW)
    workflow.refer_to_uksa(case, officer, referred_on=DAY, now=NOW)
    assert (case.state, case.uksa_referred_on) == ("referred_to_uksa", DAY)
    workflow.record_uksa_outcome(case, officer, outcome="Upheld in part", outcome_on=DAY, now=NOW)
    assert case.uksa_outcome == "Upheld in part"
    with pytest.raises(workflow.CaseError, match="already recorded"):
        workflow.record_uksa_outcome(case, officer, outcome="Again", outcome_on=DAY, now=NOW)
    workflow.close(case, officer, now=NOW)
    assert case.state == "closed"


def test_reopen_returns_to_the_previous_state(app):
    officer = cso()
    case = make_case()
    workflow.acknowledge(case, officer, now=NOW)
    workflow.withdraw(case, officer, note="Changed their mind", now=NOW)
    assert case.withdrawn_on == DAY
    workflow.reopen(case, officer, reason="They wrote again", now=NOW)
    assert case.state == "acknowledged" and case.withdrawn_on is None
    workflow.respond(case, officer, text="Answer", method="email", now=NOW)
    workflow.close(case, officer, now=NOW)
    workflow.reopen(case, officer, reason="Follow-up question", now=NOW)
    assert case.state == "responded" and case.closed_at is None
    workflow.close(case, officer, now=NOW)
    with pytest.raises(workflow.CaseError, match="why"):
        workflow.reopen(case, officer, reason=" ")


def test_delay_notice_rules(app):
    officer = cso()
    case = make_case()  # respond by 30 March 2026
    with pytest.raises(workflow.CaseError, match="after the respond-by date"):
        workflow.send_delay_notice(
            case, officer, reason="x", revised_target_on=date(2026, 3, 30), now=NOW
        )
    with pytest.raises(workflow.CaseError, match="must be sent by the respond-by date"):
        workflow.send_delay_notice(
            case,
            officer,
            reason="x",
            revised_target_on=date(2026, 4, 30),
            now=at(date(2026, 3, 31)),
        )
    workflow.send_delay_notice(
        case, officer, reason="Data supplier late", revised_target_on=date(2026, 4, 10), now=NOW
    )
    assert (case.delay_notice_on, case.revised_target_on) == (DAY, date(2026, 4, 10))
    assert case.respond_by == date(2026, 3, 30)  # the deadline itself does not move
    email = db.session.execute(db.select(OutboxEmail)).scalars().all()[-1]
    assert email.template == "case_delay" and "Data supplier late" in email.body_text
    assert "Friday 10 April 2026" in email.body_text


def test_response_methods(app):
    officer = cso()
    postal = make_case(email=None, address="1 High Street\nYork")
    with pytest.raises(workflow.CaseError, match="no email address"):
        workflow.respond(postal, officer, text="Answer", method="email", now=NOW)
    workflow.respond(postal, officer, text="Answer by letter", method="post", now=NOW)
    assert postal.response_method == "post" and postal.response_text == "Answer by letter"
    assert postal.acknowledged_on == DAY  # a full response is also the acknowledgement
    assert db.session.execute(db.select(OutboxEmail)).first() is None


class TestIndependence:
    def test_a_complaint_about_an_output_may_not_go_to_its_producer(self, app):
        officer = cso()
        owner, outsider = producer(), producer()
        output = OutputFactory(producers=[owner])
        case = make_case(kind="service_complaint", output=output)
        with pytest.raises(workflow.CaseError, match="independent"):
            workflow.assign(case, officer, assignee=owner, now=NOW)
        db.session.rollback()
        assert db.session.get(Case, case.id).assigned_to_id is None
        assert db.session.execute(db.select(OutboxEmail)).first() is None
        workflow.assign(case, officer, assignee=outsider, now=NOW)
        assert case.assigned_to_id == outsider.id

    def test_an_enquiry_may_go_to_the_producer(self, app):
        owner = producer()
        output = OutputFactory(producers=[owner])
        case = make_case(kind="enquiry", output=output)
        workflow.assign(case, cso(), assignee=owner, now=NOW)
        assert case.assigned_to_id == owner.id

    def test_triage_into_a_complaint_is_refused_while_assigned_to_the_producer(self, app):
        owner = producer()
        output = OutputFactory(producers=[owner])
        case = make_case(kind="enquiry", output=output, assigned_to=owner)
        with pytest.raises(workflow.CaseError, match="independent"):
            workflow.triage(case, cso(), kind="service_complaint", now=NOW)
        db.session.rollback()
        assert db.session.get(Case, case.id).kind == "enquiry"

    def test_admins_and_inactive_staff_cannot_be_assigned(self, app):
        case = make_case()
        with pytest.raises(workflow.CaseError, match="works on cases"):
            workflow.assign(case, cso(), assignee=admin(), now=NOW)
        gone = producer(active=False)
        with pytest.raises(workflow.CaseError, match="works on cases"):
            workflow.assign(case, cso(), assignee=gone, now=NOW)


class TestEmails:
    def test_web_case_with_email_is_acknowledged_at_once_by_email(self, app):
        case = make_case(channel="web", email="web@example.com")
        # The email is on its way: it counts (acknowledged_on) once delivered (issue 17).
        assert case.state == "acknowledged" and case.acknowledged_on is None
        assert case.acknowledgement_method == "email"
        emails = db.session.execute(db.select(OutboxEmail)).scalars().all()
        assert [(e.to_address, e.template) for e in emails] == [
            ("web@example.com", "case_acknowledged")
        ]
        assert case.reference in emails[0].subject
        assert "Monday 30 March 2026" in emails[0].body_text
        assert [e.action for e in case.history] == ["received", "acknowledged"]

    def test_letters_and_web_cases_without_email_wait_for_staff(self, app):
        letter = make_case(channel="letter", email=None, address="1 Road")
        web = make_case(channel="web", email=None, address="2 Road")
        assert (letter.state, web.state) == ("received", "received")
        assert db.session.execute(db.select(OutboxEmail)).first() is None

    @pytest.mark.parametrize(
        ("action", "template"),
        [
            ("acknowledge", "case_acknowledged"),
            ("request_clarification", "case_clarification"),
            ("respond", "case_response"),
            ("send_delay_notice", "case_delay"),
            ("transfer", "case_transferred"),
            ("quote_charge", "case_charge_quote"),
        ],
    )
    def test_requester_email_is_queued_with_the_change(self, app, action, template):
        officer = cso()
        kind = EXPECTED[action][0]
        case = make_case(kind=kind, email="req@example.com")
        run(action, case, officer, None)
        db.session.expire_all()  # read back what was committed
        emails = db.session.execute(db.select(OutboxEmail)).scalars().all()
        assert [(e.to_address, e.template) for e in emails] == [("req@example.com", template)]
        assert db.session.get(Case, case.id).history[-1].action != "received"

    def test_assignee_is_emailed(self, app):
        worker = producer()
        case = make_case()
        workflow.assign(case, cso(), assignee=worker, note="Please take this", now=NOW)
        email = db.session.execute(db.select(OutboxEmail)).scalar_one()
        assert email.to_address == worker.email and email.template == "case_assigned"
        assert f"/staff/cases/{case.reference}" in email.body_text
        assert "Please take this" in email.body_text

    def test_a_refused_change_queues_nothing_and_writes_no_history(self, app):
        officer = cso()
        case = make_case(email="req@example.com")
        with pytest.raises(workflow.CaseError):
            workflow.respond(case, officer, text="   ", method="email", now=NOW)
        with pytest.raises(workflow.CaseForbidden):
            workflow.respond(case, producer(), text="Answer", method="email", now=NOW)
        db.session.rollback()
        assert db.session.execute(db.select(OutboxEmail)).first() is None
        assert db.session.execute(db.select(CaseEvent.action)).scalars().all() == ["received"]
        assert db.session.get(Case, case.id).state == "received"

    def test_email_and_change_commit_together(self, app):
        """The outbox row is written in the same transaction: a rollback before the commit
        loses both (nothing is sent for a change that did not happen)."""
        officer = cso()
        case = make_case(email="req@example.com")
        from engage.mail.outbox import queue_email

        case.state = "acknowledged"
        queue_email("req@example.com", "case_acknowledged", case=case)
        db.session.rollback()
        assert db.session.execute(db.select(OutboxEmail)).first() is None
        workflow.acknowledge(db.session.get(Case, case.id), officer, now=NOW)
        db.session.rollback()  # nothing pending: both were committed by the domain function
        assert (
            db.session.execute(db.select(OutboxEmail)).scalar_one().template == "case_acknowledged"
        )
        assert db.session.get(Case, case.id).state == "acknowledged"


def test_no_audit_rows_from_domain_refusals(app):
    # Refusals in domain functions raise; views turn them into deny() (403 + audit).
    case = make_case()
    with pytest.raises(workflow.CaseForbidden):
        workflow.close(case, producer(), now=NOW)
    assert db.session.execute(db.select(AuditEvent)).first() is None
