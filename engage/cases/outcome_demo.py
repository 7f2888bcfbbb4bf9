"""Demo complaints with their outcomes, themes and lessons, across the current and the two
previous reporting years (called by `flask seed-demo` after the cases' own demo data, before
the reports', so the signed-off report holds them). Each row of DEMO_COMPLAINTS is one
complaint: the tests count the annual report's tables against these rows by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from engage.calendar import LONDON
from engage.cases import workflow
from engage.cases.complaint_outcomes import add_lesson, complete_lesson, record_outcome
from engage.cases.desk_models import ComplaintTheme
from engage.cases.intake import create_case
from engage.extensions import db

THEMES = (
    "Timeliness of publication",
    "Accuracy",
    "Accessibility of data",
    "Staff conduct",
    "FoI handling",
)
# (reporting year: 0 this one, -1 the one before, ...; days after 1 April it was received;
#  outcome; themes; a lesson (learned, action) or None)
DEMO_COMPLAINTS: list[tuple[int, int, str, tuple[str, ...], tuple[str, str] | None]] = [
    (-2, 20, "upheld", ("Timeliness of publication",), None),
    (-2, 60, "not_upheld", ("Accuracy",), None),
    (-2, 95, "partly_upheld", ("Accuracy", "Accessibility of data"), None),
    (-2, 140, "upheld", ("Timeliness of publication",), None),
    (
        -2,
        200,
        "upheld",
        ("Timeliness of publication", "Staff conduct"),
        ("Release dates moved without notice", "Announce every date change a week ahead"),
    ),
    (-2, 260, "resolved_no_finding", ("FoI handling",), None),
    (-1, 15, "not_upheld", ("Accuracy",), None),
    (-1, 45, "not_upheld", ("Accessibility of data",), None),
    (
        -1,
        80,
        "partly_upheld",
        ("Accessibility of data",),
        ("Tables were published only as PDF", "Publish every table as CSV as well"),
    ),
    (-1, 120, "upheld", ("Staff conduct",), None),
    (-1, 170, "not_upheld", ("Timeliness of publication",), None),
    (-1, 230, "upheld", ("Accuracy", "Timeliness of publication"), None),
    (-1, 290, "not_upheld", ("FoI handling",), None),
    (0, 10, "upheld", ("Accuracy",), None),
]
NAMES = ("Robin Hale", "Ash Patel", "Kit Moreno", "Jo Lindqvist", "Sam Okafor", "Lee Brandt")


def _at(day: date, hour: int = 11) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON).astimezone(UTC)


def seed(ctx) -> None:  # type: ignore[no-untyped-def]
    themes = {}
    for name in THEMES:
        theme = db.session.execute(
            db.select(ComplaintTheme).where(ComplaintTheme.name == name)
        ).scalar_one_or_none()
        if theme is None:  # the migration adds them; a database built by create_all does not
            theme = ComplaintTheme(name=name, active=True)
            db.session.add(theme)
        themes[name] = theme
    db.session.commit()
    cso = ctx.users["cso@demo.engage.test"]
    chief = ctx.users["chief@demo.engage.test"]
    year = ctx.today.year if ctx.today.month >= 4 else ctx.today.year - 1
    for i, (offset, days, outcome, names, lesson) in enumerate(DEMO_COMPLAINTS):
        received = date(year + offset, 4, 1) + timedelta(days=days)
        answered = received + timedelta(days=14)
        if answered >= ctx.today:  # this year's: only what has happened by today
            continue
        case = create_case(
            kind="service_complaint",
            channel="letter",
            requester_name=NAMES[i % len(NAMES)],
            requester_email=None,
            requester_address=f"{i + 1} Station Road\nYork\nYO1 {i % 9 + 1}AB",
            output=None,
            subject=None,
            message="I am unhappy with how my request was handled.",
            received_at=_at(received),
            actor=cso,
            now=_at(received, 15),
        )
        workflow.acknowledge(case, cso, method="post", on=received, now=_at(received, 16))
        workflow.respond(
            case, cso, text="Our full response.", method="post", on=answered, now=_at(answered)
        )
        record_outcome(
            case,
            cso,
            outcome=outcome,
            theme_ids=[themes[n].id for n in names],
            now=_at(answered, 12),
        )
        if lesson:
            action = add_lesson(
                case, cso, learned=lesson[0], action=lesson[1], owner=chief, now=_at(answered, 13)
            )
            if offset < -1:
                complete_lesson(
                    action,
                    case,
                    chief,
                    done_on=answered + timedelta(days=30),
                    now=_at(answered + timedelta(days=30)),
                )
        workflow.close(case, cso, now=_at(answered + timedelta(days=1)))
