"""Grow every large table by bulk inserts (no factories: thousands of rows in milliseconds).

`grow(n, owner)` adds n cases (with history), n stakeholders in the log of one output with a
contact each, n consultation responses with answers, n feedback items and n outbox emails, all
attached to the same output, consultation and people, so that a page showing them differs only
in how many rows there are.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from engage.auth.models import User
from engage.calendar import get_calendar, london_date
from engage.cases.models import Case, CaseEvent
from engage.consultations.models import (
    Consultation,
    ConsultationAnswer,
    ConsultationQuestion,
    ConsultationResponse,
)
from engage.extensions import db
from engage.mail.models import OutboxEmail
from engage.outputs.models import Contact, Feedback, LogEntry, Output, Stakeholder

CATEGORIES = ["government", "parliament", "academic", "media", "public"]
KINDS = ["enquiry", "service_complaint", "unpublished_statistics", "media", "different_format"]
SLUG = "perf-output"
CONSULTATION_SLUG = "perf-consultation"


def _next_id(model: Any) -> int:
    return (db.session.execute(sa.select(sa.func.max(model.id))).scalar() or 0) + 1


def base(owner: User) -> tuple[Output, Consultation]:
    """One output owned by `owner`, and one closed consultation on it with four questions."""
    today = london_date(datetime.now(UTC))
    output = Output(
        slug=SLUG,
        title="Performance test statistics",
        producing_body="Ministry of Justice",
        area="Courts",
        frequency="Quarterly",
        lead_statistician="Lead Statistician",
        lead_contact="lead@example.gov.uk",
        next_review_due=today + timedelta(days=90),
    )
    output.producers = [owner]
    consultation = Consultation(
        slug=CONSULTATION_SLUG,
        title="Merging the quarterly releases",
        summary="We propose to merge two releases.",
        proposal="Merge them.",
        reason="how_we_publish",
        opens_on=today - timedelta(days=60),
        closes_on=today - timedelta(days=4),
        contact_email="consult@example.gov.uk",
        state="closed",
        created_by_id=owner.id,
    )
    consultation.outputs = [output]
    consultation.questions = [
        ConsultationQuestion(
            position=1,
            text="Do you agree?",
            kind="single_choice",
            options=["Agree", "Disagree"],
            required=True,
        ),
        ConsultationQuestion(
            position=2,
            text="Which parts do you use?",
            kind="multiple_choice",
            options=["Tables", "Commentary", "Open data"],
        ),
        ConsultationQuestion(position=3, text="Anything else?", kind="free_text", options=[]),
    ]
    db.session.add_all([output, consultation])
    db.session.commit()
    return output, consultation


def grow(n: int, owner: User, office: User) -> None:
    """Add n rows to each large table (see the module docstring)."""
    output = db.session.execute(sa.select(Output).where(Output.slug == SLUG)).scalar_one()
    consultation = db.session.execute(
        sa.select(Consultation).where(Consultation.slug == CONSULTATION_SLUG)
    ).scalar_one()
    questions = list(consultation.questions)
    now = datetime.now(UTC)
    today = london_date(now)
    cal = get_calendar("ENG")
    case0, event0 = _next_id(Case), _next_id(CaseEvent)
    stake0, entry0, contact0 = _next_id(Stakeholder), _next_id(LogEntry), _next_id(Contact)
    resp0, answer0 = _next_id(ConsultationResponse), _next_id(ConsultationAnswer)
    fb0, mail0 = _next_id(Feedback), _next_id(OutboxEmail)
    cases, events = [], []
    for k in range(n):
        cid = case0 + k
        received_on = today - timedelta(days=k % 60)
        received_at = datetime.combine(received_on, datetime.min.time(), UTC) + timedelta(hours=12)
        deadlines = cal.deadlines(received_on)
        done = k % 3 == 0
        state = ["received", "acknowledged", "closed"][k % 3]
        cases.append(
            {
                "id": cid,
                "reference": f"P-{cid:06d}",
                "kind": KINDS[k % len(KINDS)],
                "channel": "email",
                "state": state,
                "requester_name": f"Requester {cid}",
                "requester_email": f"requester{cid}@example.com",
                "output_id": output.id,
                "subject": "A question",
                "message": "Please explain.",
                "received_at": received_at,
                "received_on": received_on,
                "acknowledge_by": deadlines.acknowledge_by,
                "respond_by": deadlines.respond_by,
                "original_acknowledge_by": deadlines.acknowledge_by,
                "original_respond_by": deadlines.respond_by,
                "assigned_to_id": (owner.id if k % 2 else office.id),
                "acknowledged_at": received_at if state != "received" else None,
                "acknowledged_on": received_on if state != "received" else None,
                "responded_at": received_at + timedelta(days=3) if done else None,
                "responded_on": received_on + timedelta(days=3) if done else None,
                "closed_at": received_at + timedelta(days=4) if done else None,
                "paused_working_days": 0,
                "created_at": received_at,
            }
        )
        events.append(
            {
                "id": event0 + k,
                "case_id": cid,
                "at": received_at,
                "actor_id": None,
                "action": "received",
                "from_state": None,
                "to_state": "received",
            }
        )
    stakeholders = [
        {
            "id": stake0 + k,
            "name": f"Stakeholder {stake0 + k}",
            "organisation": "Org",
            "email": f"s{stake0 + k}@example.org",
            "category": CATEGORIES[k % len(CATEGORIES)],
            "consent_to_contact": True,
            "created_at": now,
        }
        for k in range(n)
    ]
    entries = [
        {
            "id": entry0 + k,
            "output_id": output.id,
            "stakeholder_id": stake0 + k,
            "stakeholder_name": f"Stakeholder {stake0 + k}",  # copies of the stakeholder's
            "stakeholder_category": CATEGORIES[k % len(CATEGORIES)],
            "engagement_level": ["access", "informed", "consulted", "involved"][k % 4],
            "uses": "Analysis",
            "source": "event",
            "first_contact_on": today - timedelta(days=k),
            "latest_contact_on": today,
            "created_at": now,
            "updated_at": now,
        }
        for k in range(n)
    ]
    contacts = [
        {
            "id": contact0 + k,
            "output_id": output.id,
            "stakeholder_id": stake0 + k,
            "contacted_on": today - timedelta(days=k % 300),
            "channel": "email",
            "summary": "Talked about the release",
            "recorded_by_id": owner.id,
            "created_at": now,
        }
        for k in range(n)
    ]
    responses, answers = [], []
    for k in range(n):
        rid = resp0 + k
        responses.append(
            {
                "id": rid,
                "consultation_id": consultation.id,
                "reference": f"PR-{rid:06d}",
                "submitted_at": now - timedelta(days=10),
                "category": CATEGORIES[k % 5],
                "name": f"Respondent {rid}",
                "organisation": None,
                "email": None,
                "publish_name": bool(k % 2),
                "join_log": False,
            }
        )
        for q in questions:
            answers.append(
                {
                    "id": answer0 + len(answers),
                    "response_id": rid,
                    "question_id": q.id,
                    "text": "Useful" if q.kind == "free_text" else None,
                    "choices": None if q.kind == "free_text" else [q.options[k % len(q.options)]],
                }
            )
    feedback = [
        {
            "id": fb0 + k,
            "reference": f"FB-P{fb0 + k:06d}",
            "output_id": output.id,
            "received_at": now - timedelta(days=k % 200),
            "useful": "yes",
            "uses": "Research",
            "category": "public",
            "comments": "Thanks",
            "consent_to_log": False,
        }
        for k in range(n)
    ]
    emails = [
        {
            "id": mail0 + k,
            "created_at": now - timedelta(days=k % 365),
            "to_address": "a@b.org",
            "subject": "Hello",
            "body_text": "Hello",
            "template": "case_acknowledged",
            "dedup_key": f"perf:{mail0 + k}",
            "status": "sent",
            "attempts": 1,
            "next_attempt_at": now,
            "sent_at": now,
        }
        for k in range(n)
    ]
    for model, rows in (
        (Case, cases),
        (CaseEvent, events),
        (Stakeholder, stakeholders),
        (LogEntry, entries),
        (Contact, contacts),
        (ConsultationResponse, responses),
        (ConsultationAnswer, answers),
        (Feedback, feedback),
        (OutboxEmail, emails),
    ):
        table = model.__table__
        # executemany needs the same keys in every row: absent columns take their scalar
        # default (or NULL); generated columns (Case.sla_outcome) are the database's to fill.
        missing = {
            c.name: (c.default.arg if c.default is not None and c.default.is_scalar else None)
            for c in table.columns
            if c.computed is None
        }
        full = [{**missing, **r} for r in rows]
        if model is ConsultationAnswer:  # JSON column: None would store the JSON scalar null
            free = [
                {k: v for k, v in r.items() if k != "choices"} for r in full if r["choices"] is None
            ]
            full = [r for r in full if r["choices"] is not None]
            db.session.execute(table.insert(), free)
        db.session.execute(table.insert(), full)
    db.session.commit()
    _reset_sequences()


def _reset_sequences() -> None:
    if db.engine.dialect.name != "postgresql":
        return
    for model in (
        Case,
        CaseEvent,
        Stakeholder,
        LogEntry,
        Contact,
        ConsultationResponse,
        ConsultationAnswer,
        Feedback,
        OutboxEmail,
    ):
        name = model.__tablename__
        db.session.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {name}))"
            )
        )
    db.session.commit()


__all__ = ["CONSULTATION_SLUG", "SLUG", "base", "grow"]
