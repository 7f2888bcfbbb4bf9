"""Demo data for the consultations area (called by `flask seed-demo`).

Consultations in every state relative to ctx.today, built by replaying the real domain functions
at past moments (drafted, sent for approval, approved, opened, answered by the public, closed,
responded to), so their history, emails and counts are what staff would really see.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from engage.consultations import lifecycle, responses, service
from engage.consultations.models import Consultation
from engage.consultations.rules import LONDON

QUESTIONS: list[dict[str, Any]] = [
    {
        "text": "Do you agree with the proposal?",
        "kind": "single_choice",
        "options": "Yes\nNo\nNot sure",
        "required": True,
    },
    {
        "text": "Which formats do you use?",
        "kind": "multiple_choice",
        "options": "Tables in ODS\nCSV data files\nPDF bulletin\nInteractive dashboard",
    },
    {"text": "Tell us how the change would affect your work.", "kind": "free_text"},
]

COMMENTS = [
    "We rely on the quarterly figures for our monitoring, so please keep them.",
    "An annual release would be fine for our purposes if the tables stay the same.",
    "Please publish the underlying data as CSV as well.",
    "The merged bulletin would be easier to find.",
    "",
]

PLANS = [
    # (key, title, reason, opens (days from today), length in days, output indexes, author)
    (
        "draft",
        "Publishing court statistics twice a year",
        "method_of_publication",
        35,
        56,
        [0],
        "producer",
    ),
    (
        "awaiting_approval",
        "Changes to the reoffending measure",
        "methodology",
        21,
        70,
        [1],
        "producer2",
    ),
    ("approved", "Merging the prison population bulletins", "how_we_publish", 9, 84, [2, 4], "cso"),
    ("rejected", "Dropping the regional breakdowns", "content", 28, 42, [3], "producer2"),
    ("published", "New tables on legal aid", "content", -190, 70, [5], "producer"),
    (
        "overdue",
        "Moving the offender management tables online",
        "method_of_publication",
        -150,
        60,
        [6],
        "producer2",
    ),
    ("due_soon", "A new measure of court timeliness", "methodology", -135, 60, [8], "producer"),
    ("closed", "Family court statistics: fewer tables", "content", -60, 50, [10], "cso"),
    (
        "withdrawn",
        "Youth justice: publishing by local authority",
        "content",
        -20,
        63,
        [12],
        "producer",
    ),
    ("open", "Changing the criminal court statistics", "content", -20, 50, [0, 14], "producer"),
    (
        "closing_soon",
        "Tribunal statistics: monthly releases",
        "method_of_publication",
        -40,
        43,
        [16],
        "producer2",
    ),
]


def _moment(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON).astimezone(UTC)


def seed(ctx) -> None:  # type: ignore[no-untyped-def]
    """Add this area's demo records using ctx.users, ctx.outputs, ctx.today and ctx.rng."""
    if not ctx.outputs:
        return
    users = {
        "producer": ctx.users["producer@demo.engage.test"],
        "producer2": ctx.users["producer2@demo.engage.test"],
        "cso": ctx.users["cso@demo.engage.test"],
    }
    chief = ctx.users["chief@demo.engage.test"]
    today = ctx.today
    # Past consultations first, so closing them never touches the ones still open.
    for key, title, reason, opens_in, length, output_indexes, author_key in PLANS:
        author = users[author_key]
        opens_on = today + timedelta(days=opens_in)
        closes_on = opens_on + timedelta(days=length)
        outputs = [ctx.outputs[i % len(ctx.outputs)] for i in output_indexes]
        # A producer may only name outputs they produce: use the author's own, or the office.
        if author_key != "cso" and not all(o.is_owned_by(author) for o in outputs):
            author = users["cso"]
        drafted = min(today, opens_on - timedelta(days=30))
        consultation = service.create_consultation(
            {
                "title": title,
                "summary": "We propose a change and would like to hear from users: "
                f"{title.lower()}.",
                "proposal": (
                    f"{title}.\n\nWe are proposing this change to make the statistics more useful "
                    "and to use our resources well. We have looked at how the statistics are used, "
                    "from our user log and from feedback.\n\nWe would like to know how the change "
                    "would affect you."
                ),
                "reason": reason,
                "ad_hoc": False,
                "announced_where": "The statistics' page on GOV.UK",
                "opens_on": opens_on,
                "closes_on": closes_on,
                "contact_email": "statistics.consultations@justice.example.gov.uk",
            },
            [o.id for o in outputs],
            author,
            drafted,
        )
        for question in QUESTIONS:
            service.add_question(consultation, question, author)
        if key == "draft":
            continue
        service.submit_for_approval(consultation, author, _moment(drafted, 9))
        if key == "awaiting_approval":
            continue
        if key == "rejected":
            service.reject(
                consultation,
                chief,
                "We reviewed the regional tables last year; consult again after the review.",
                _moment(drafted, 15),
            )
            continue
        if key == "approved":
            service.approve(consultation, chief, _moment(drafted, 15))
            continue
        # Approved on the opening day, so it opens at once (as the scheduler would).
        service.approve(consultation, chief, _moment(opens_on, 8))
        _responses(ctx, consultation, today)
        if key == "withdrawn":
            service.withdraw(
                consultation,
                users["cso"],
                "Superseded by the wider review of youth justice statistics.",
                _moment(today - timedelta(days=3)),
            )
            continue
        if closes_on < today:
            lifecycle.close_due_consultations(_moment(closes_on + timedelta(days=1), 1))
        if key == "published":
            summary = responses.summary_starting_text(consultation)
            service.publish_response(
                consultation,
                {
                    "response_summary": summary + "\n\nMost respondents supported the proposal.",
                    "response_way_forward": "We will go ahead with the new tables from the next "
                    "release.",
                    "response_rationale": "Most respondents supported the change and none of the "
                    "uses described would be lost.",
                },
                users["cso"],
                _moment(closes_on + timedelta(days=50)),
            )


def _responses(ctx, consultation: Consultation, today: date) -> None:  # type: ignore[no-untyped-def]
    rng = ctx.rng
    last_day = min(consultation.closes_on, today)
    span = max(0, (last_day - consultation.opens_on).days)
    q_single, q_multi, q_free = consultation.questions
    categories = ["academic", "government", "expert", "public", "media", "parliament"]
    for n in range(rng.randint(4, 14) if span else 0):
        day = consultation.opens_on + timedelta(days=rng.randint(0, span))
        when = _moment(day, rng.randint(8, 20))
        if when <= (consultation.opened_at or when):
            when = (consultation.opened_at or when) + timedelta(hours=1)
        if not responses.is_accepting_responses(consultation, when):
            continue
        named = rng.random() < 0.5
        email = f"respondent{consultation.id}-{n}@example.org" if rng.random() < 0.4 else ""
        responses.submit_response(
            consultation,
            responses.ResponseData(
                category=rng.choice(categories),
                answers={
                    q_single.id: rng.choice(["Yes", "Yes", "No", "Not sure"]),
                    q_multi.id: rng.sample(q_multi.options, rng.randint(1, 3)),
                    q_free.id: rng.choice(COMMENTS),
                },
                name=f"Respondent {n + 1}" if named else "",
                organisation=rng.choice(["", "University of Leeds", "Howard League", ""]),
                email=email,
                publish_name=named and rng.random() < 0.5,
                join_log=bool(email) and rng.random() < 0.7,
            ),
            when,
        )
