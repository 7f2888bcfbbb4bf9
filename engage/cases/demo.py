"""Demo data for the cases area (called by `flask seed-demo`).

Cases in every state and every SLA status relative to ctx.today, and a few finished cases a week
over the last three reporting years (`seed_history`), built through the real intake and workflow
functions (so their history and emails are what staff would see), dated in the past
with `now=`: a Saturday receipt, a paused case, a resumed pause, a charge awaiting consent, a
delay notice, transfers to FoI, internal review and the press office, UKSA referrals, a
withdrawal, and a complaint about an output assigned independently of its producer.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from uuid import uuid4

from engage.calendar import LONDON, london_date
from engage.cases import workflow
from engage.cases.clock import current_calendar
from engage.cases.intake import create_case
from engage.cases.models import Case, CaseEvent
from engage.extensions import db


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON).astimezone(UTC)


def seed(ctx) -> None:  # type: ignore[no-untyped-def]
    """Add this area's demo records using ctx.users, ctx.outputs, ctx.today and ctx.rng."""
    cal = current_calendar()
    today = ctx.today

    def wd(n: int) -> date:
        return cal.add_working_days(today, n) if n else today

    cso = ctx.users["cso@demo.engage.test"]
    chief = ctx.users["chief@demo.engage.test"]
    producer = ctx.users["producer@demo.engage.test"]
    producer2 = ctx.users["producer2@demo.engage.test"]
    outputs = ctx.outputs
    output_a = outputs[0] if outputs else None  # produced by producer
    output_b = outputs[1] if len(outputs) > 1 else None  # produced by producer2

    def new(
        kind,
        received,
        *,
        channel="email",
        name,
        email=None,
        address=None,
        output=None,
        message,
        subject=None,
        actor=cso,
    ):  # type: ignore[no-untyped-def]
        when = _at(received)
        return create_case(
            kind=kind,
            channel=channel,
            requester_name=name,
            requester_email=email,
            requester_address=address,
            output=output,
            subject=subject,
            message=message,
            received_at=when,
            actor=None if channel == "web" else actor,
            now=when + timedelta(hours=1),
        )

    # In time: a web enquiry acknowledged automatically yesterday.
    new(
        "enquiry",
        wd(-1),
        channel="web",
        name="Alex Morgan",
        email="alex.morgan@example.com",
        output=output_a,
        message="Does the quarterly table include youth cautions?\n\nThanks.",
    )

    # In time, received by letter and not yet acknowledged.
    new(
        "enquiry",
        wd(-1),
        channel="letter",
        name="Mrs J Patel",
        address="14 Mill Lane\nLeeds\nLS1 4AB",
        output=output_b,
        message="Please could you explain why the 2019 figures were revised?",
    )

    # Due soon: acknowledgement due in 2 working days, assigned to a producer. Due soon only
    # from today, so the scheduler's first scan sends its warning (engage/seed.py).
    c = new(
        "enquiry",
        wd(-3),
        name="Sam Rivers",
        email="sam.rivers@example.com",
        output=output_a,
        message="Where can I find the regional breakdown?",
    )
    workflow.assign(c, cso, assignee=producer, now=_at(wd(-3), 14))

    # Overdue acknowledgement: a service complaint nobody acknowledged, due the last working
    # day, so the first scan sends its breach warning.
    c = new(
        "service_complaint",
        wd(-6),
        name="Dr Hannah Cole",
        email="h.cole@example.org",
        output=output_a,
        message="I asked for the methodology note three times and nobody replied.",
    )
    workflow.assign(
        c, cso, assignee=producer2, note="Independent of the output's producer", now=_at(wd(-5))
    )

    # Overdue response.
    c = new(
        "enquiry",
        wd(-25),
        name="Office of a Member of Parliament",
        email="caseworker@parliament.example",
        output=output_b,
        message="A constituent asks how many cases went to appeal last year.",
    )
    workflow.acknowledge(c, cso, now=_at(wd(-23)))
    workflow.assign(c, cso, assignee=producer2, now=_at(wd(-23), 11))

    # Response due soon.
    c = new(
        "enquiry",
        wd(-19),
        name="Priya Nair",
        email="p.nair@university.example",
        message="Is there a time series of the prison population by age back to 2000?",
    )
    workflow.acknowledge(c, cso, now=_at(wd(-18)))
    workflow.assign(c, cso, assignee=producer, now=_at(wd(-18), 11))

    # Met and closed.
    c = new(
        "enquiry",
        wd(-30),
        name="Tom Baker",
        email="tom.baker@example.com",
        output=output_a,
        message="When is the next release?",
    )
    workflow.acknowledge(c, cso, now=_at(wd(-28)))
    workflow.respond(
        c,
        cso,
        text="The next release is on the first Thursday of next month.",
        method="email",
        now=_at(wd(-15)),
    )
    workflow.close(c, cso, now=_at(wd(-14)))

    # Missed, with a delay notice sent in time.
    c = new(
        "service_complaint",
        wd(-40),
        channel="letter",
        name="Mr D Evans",
        address="2 Castle Street\nCardiff\nCF10 1AA",
        message="The figures you sent me did not match the published tables.",
    )
    workflow.assign(c, chief, assignee=cso, now=_at(wd(-39)))
    workflow.acknowledge(c, cso, note="Acknowledged by letter", now=_at(wd(-38)))
    workflow.send_delay_notice(
        c,
        cso,
        reason="We need to re-run the figures with the data team.",
        revised_target_on=wd(-14),
        now=_at(wd(-22)),
    )
    workflow.respond(
        c,
        cso,
        text="We have checked the figures and corrected table 3.",
        method="post",
        now=_at(wd(-15)),
    )

    # Received on a Saturday through the web form (same deadlines as the Friday before).
    saturday = today - timedelta(days=(today.weekday() - 5) % 7 or 7)
    new(
        "enquiry",
        saturday,
        channel="web",
        name="Jamie Fox",
        email="jamie.fox@example.com",
        output=output_b,
        message="Are the weekend court sittings counted separately?",
    )

    # Paused: waiting for clarification.
    c = new(
        "enquiry",
        wd(-8),
        name="Lee Chang",
        email="lee.chang@example.com",
        message="I need the numbers for my area.",
    )
    workflow.acknowledge(c, cso, now=_at(wd(-6)))
    workflow.request_clarification(
        c, cso, question="Which local authority area do you mean?", now=_at(wd(-3))
    )

    # A pause that has ended: respond-by moved later.
    c = new(
        "enquiry",
        wd(-12),
        name="Ruth Adams",
        email="ruth.adams@example.com",
        output=output_a,
        message="Could you break the table down further?",
    )
    workflow.acknowledge(c, cso, now=_at(wd(-11)))
    workflow.request_clarification(c, cso, question="By sex, age or both?", now=_at(wd(-10)))
    workflow.clarification_received(
        c, cso, replied_on=wd(-7), note="Both, please.", now=_at(wd(-7), 15)
    )

    # A charge quoted for a different format, waiting for consent.
    c = new(
        "different_format",
        wd(-5),
        name="Braille Readers Group",
        email="info@braille.example.org",
        output=output_b,
        message="Could we have the annual tables in braille?",
    )
    workflow.acknowledge(c, cso, now=_at(wd(-4)))
    workflow.quote_charge(
        c,
        cso,
        amount=Decimal("45.00"),
        explanation="Transcription of 12 tables by our supplier.",
        now=_at(wd(-2)),
    )

    # Transferred: unpublished statistics to FoI, FoI complaint to internal review, media.
    c = new(
        "unpublished_statistics",
        wd(-6),
        name="Chris Hill",
        email="c.hill@example.com",
        message="Please send me the number of tagged offenders by postcode district.",
    )
    workflow.transfer(c, cso, to="foi", reference="FOI-2026-0117", now=_at(wd(-4)))
    c = new(
        "foi_complaint",
        wd(-9),
        name="Morgan Lee",
        email="morgan.lee@example.com",
        message="Your FoI answer left out half of what I asked for.",
    )
    workflow.transfer(c, cso, to="internal_review", reference="IR-2026-031", now=_at(wd(-8)))
    c = new(
        "media",
        wd(-2),
        name="Daily Courier newsdesk",
        email="news@courier.example",
        message="Can you comment on today's release before 5pm?",
    )
    workflow.transfer(
        c, cso, to="press_office", note="Passed to the duty press officer", now=_at(wd(-2), 11)
    )

    # Referred to the UK Statistics Authority: one waiting for the outcome, one concluded.
    c = new(
        "service_complaint",
        wd(-60),
        name="Statistics Watch",
        email="team@statswatch.example",
        output=output_b,
        message="The release was published early to selected journalists.",
    )
    workflow.assign(c, cso, assignee=producer, now=_at(wd(-59)))
    workflow.acknowledge(c, producer, now=_at(wd(-57)))
    workflow.respond(
        c,
        cso,
        text="Release was at 9:30am to all; no pre-release access.",
        method="email",
        now=_at(wd(-45)),
    )
    workflow.refer_to_uksa(c, cso, referred_on=wd(-30), now=_at(wd(-30)))
    c = new(
        "service_complaint",
        wd(-120),
        name="Open Numbers Trust",
        email="hello@opennumbers.example",
        message="Your tables are not machine-readable.",
    )
    workflow.acknowledge(c, cso, now=_at(wd(-118)))
    workflow.respond(
        c,
        cso,
        text="We will publish CSV versions from the next release.",
        method="email",
        now=_at(wd(-101)),
    )
    workflow.close(c, cso, now=_at(wd(-100)))
    workflow.refer_to_uksa(c, chief, referred_on=wd(-90), now=_at(wd(-90)))
    workflow.record_uksa_outcome(
        c,
        chief,
        outcome="Complaint partly upheld: publish CSV files.",
        outcome_on=wd(-60),
        now=_at(wd(-60)),
    )
    workflow.close(c, chief, now=_at(wd(-59)))

    # Withdrawn.
    c = new(
        "enquiry",
        wd(-10),
        name="Nadia Rahman",
        email="n.rahman@example.com",
        message="Which table has the 2021 data?",
    )
    workflow.withdraw(c, cso, note="Found it on the website", now=_at(wd(-5)))

    seed_history(ctx)
    _acknowledgements_delivered_when_sent()


def _acknowledgements_delivered_when_sent() -> None:
    """In the demo, every acknowledgement email reached the requester when it was sent (an
    emailed acknowledgement counts once delivered: engage.cases.sla.delivered)."""
    from engage.cases.sla.delivered import ACK_TEMPLATE, pending_email_acknowledgements
    from engage.extensions import db
    from engage.mail.models import OutboxEmail

    for case in pending_email_acknowledgements():
        assert case.acknowledged_at is not None  # nosec B101 - set when the email was queued
        case.acknowledged_on = london_date(case.acknowledged_at)
        db.session.execute(
            db.update(OutboxEmail)
            .where(OutboxEmail.case_id == case.id, OutboxEmail.template == ACK_TEMPLATE)
            .values(status="sent", sent_at=case.acknowledged_at)
        )
    db.session.commit()


HISTORY_KINDS = (
    ("enquiry", 12),
    ("service_complaint", 10),
    ("unpublished_statistics", 4),
    ("different_format", 2),
    ("media", 3),
    ("foi_complaint", 4),
)
HISTORY_PER_WEEK = 8


def seed_history(ctx) -> int:  # type: ignore[no-untyped-def]
    """Finished cases over the last three reporting years (from 1 April two years before the
    year in progress, up to six weeks ago), several a week: most answered in time, some
    acknowledged or answered late (some after a delay notice), transfers in time and late,
    withdrawals. Enough for the performance page and the signed annual report to show real
    figures. Written as rows (with their history) rather than through the workflow, which would
    take a minute for a thousand cases; the requesters wrote by post, so nothing is emailed.
    Returns the number of cases."""
    cal = current_calendar()
    rng = ctx.rng
    cso = ctx.users["cso@demo.engage.test"]
    today = ctx.today
    start = date(today.year - (2 if today.month >= 4 else 3), 4, 1)
    kinds = [kind for kind, weight in HISTORY_KINDS for _ in range(weight)]
    cases = []
    day = start
    while day <= today - timedelta(days=42):
        for _ in range(HISTORY_PER_WEEK):
            received = day + timedelta(days=rng.randrange(7))
            cases.append(_history_case(rng.choice(kinds), received, cal, cso, rng))
        day += timedelta(days=7)
    db.session.add_all(cases)
    db.session.flush()
    for case in cases:
        case.reference = f"C-{case.received_on.year}-{case.id:05d}"
    return len(cases)


def _history_case(kind, received, cal, cso, rng) -> Case:  # type: ignore[no-untyped-def]
    def on(n: int) -> date:
        return cal.add_working_days(received, n)

    due = cal.deadlines(received)
    case = Case(
        reference=f"NEW-{uuid4().hex[:16]}",
        kind=kind,
        channel="letter",
        state="received",
        requester_name=f"Requester {rng.randrange(10000)}",
        requester_address="1 High Street, Anytown",
        subject="A question about the published statistics",
        message="A question about the published statistics.",
        received_at=_at(received),
        received_on=received,
        acknowledge_by=due.acknowledge_by,
        respond_by=due.respond_by,
        original_acknowledge_by=due.acknowledge_by,
        original_respond_by=due.respond_by,
        created_by_id=cso.id,
        created_at=_at(received, 12),
    )
    events: list[tuple[str, str | None, str, date, str | None]] = [
        ("received", None, "received", received, "Received by letter")
    ]
    roll = rng.random()
    if kind in workflow.TRANSFER_FOR_KIND and roll < 0.8:
        stop = on(rng.choice((0, 1, 1, 2, 3, 6, 7)))  # after acknowledge-by: that clock missed
        case.transferred_to = workflow.TRANSFER_FOR_KIND[kind]
        case.transfer_reference = "FOI-H" if case.transferred_to == "foi" else None
        case.transferred_at, case.transferred_on = _at(stop, 11), stop
        case.state = "transferred"
        events.append(("transferred", "received", "transferred", stop, "Transferred"))
    elif roll < 0.06:
        stop = on(rng.randrange(1, 9))
        case.withdrawn_at, case.withdrawn_on, case.state = _at(stop, 11), stop, "withdrawn"
        events.append(("withdrawn", "received", "withdrawn", stop, "Withdrawn"))
    else:
        acknowledged = on(rng.choice((1, 1, 2, 2, 3, 4, 5, 6, 7, 9)))
        answered = max(on(rng.choice((6, 9, 12, 15, 17, 19, 20, 22, 25, 30))), acknowledged)
        if answered > due.respond_by and rng.random() < 0.6:
            case.delay_notice_on = on(18)
            case.delay_notice_sent_at = _at(case.delay_notice_on, 11)
            case.delay_reason = "Waiting for data from another team"
            case.revised_target_on = on(rng.choice((24, 28)))
        case.acknowledged_at, case.acknowledged_on = _at(acknowledged, 11), acknowledged
        case.responded_at, case.responded_on = _at(answered, 11), answered
        case.response_text, case.response_method = "Our full answer.", "post"
        case.closed_at, case.state = _at(answered, 15), "closed"
        events += [
            ("acknowledged", "received", "acknowledged", acknowledged, "Acknowledged by post"),
            ("responded", "acknowledged", "responded", answered, "Full response sent by post"),
            ("closed", "responded", "closed", answered, None),
        ]
    case.history = [
        CaseEvent(at=_at(day, 12), actor_id=cso.id, action=a, from_state=f, to_state=t, note=n)
        for a, f, t, day, n in events
    ]
    return case
