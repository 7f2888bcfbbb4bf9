"""The figures of the annual report, computed with grouped SQL queries.

Every figure is a cell of a *table*: a plain, JSON-serialisable dict that the HTML page, the
XLSX and CSV exports and the suppression rules all read. The number of queries is fixed (one or
two per table), whatever the number of cases, log entries or contacts.

Reporting year: ``year_start`` 2025 means 1 April 2025 to 31 March 2026 (Europe/London dates;
timestamps stored in UTC are compared against the London day boundaries).

Enquiries and complaints (``engage.reports.case_figures``) are counted by the year in which they
were **received**, with the one SLA rule of ``engage.cases.sla.rules`` (the same rule the case
list, the dashboard, the CSV export and the warning emails use).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select

from engage.auth.models import User
from engage.calendar import LONDON, london_start, reporting_year, reporting_year_of
from engage.cases import outcome_figures
from engage.consultations.analysis import COUNTED
from engage.consultations.models import Consultation, ConsultationResponse
from engage.consultations.rules import published_in_time
from engage.extensions import db
from engage.outputs.catalogue import add_months
from engage.outputs.models import (
    Contact,
    Feedback,
    LogEntry,
    Output,
    OutputReview,
    Stakeholder,
    SuccessStory,
)
from engage.releases import record as release_record
from engage.reports.case_figures import cases_tables
from engage.reports.models import RecommendationNote, UksaRecommendation
from engage.reports.tables import grouped, iso, make_table, with_total_row
from engage.vocab import (
    CONTACT_CHANNELS,
    LEVEL_ORDER,
    RECOMMENDATION_STATUSES,
    USER_CATEGORIES,
    USER_CATEGORY_SHORT,
)

HELD_STATES = ("open", "closed", "response_published")
USEFUL_LABELS = {"yes": "Yes", "partly": "Partly", "no": "No", None: "Not answered"}

SECTIONS = {
    "user_engagement": "User engagement",
    "consultations": "Consultations",
    "cases": "Enquiries and complaints",
    "lessons": "What we learned from complaints",
    "releases": "Releases: published on the time and date pre-announced",
    "recommendations": "Progress on UK Statistics Authority recommendations",
    "success_stories": "Success stories",
}


def year_label(year_start: int) -> str:
    return f"{year_start}-{(year_start + 1) % 100:02d}"


def parse_year(text: str) -> int:
    """'2025-26' or '2025' -> 2025. Raises ValueError for anything else."""
    text = text.strip()
    first, sep, second = text.partition("-")
    year = int(first)
    if sep and (len(second) != 2 or int(second) != (year + 1) % 100):
        raise ValueError(f"{text!r} is not a financial year like 2025-26")
    if not 2000 <= year <= 2100:
        raise ValueError(f"{text!r} is out of range")
    return year


def last_complete_year_start(today: date) -> int:
    return reporting_year_of(today) - 1


# --- user engagement -------------------------------------------------------------------------


def log_entry_joined_before(day: date) -> Any:
    """SQL: the log entry's user was in the log before `day` (a London date).

    The date a user joined a log is their first contact date when recorded (logs imported from
    spreadsheets keep their history that way), otherwise the day the entry was added. Never
    NULL, so it can be negated safely."""
    return or_(
        and_(LogEntry.first_contact_on.is_not(None), LogEntry.first_contact_on < day),
        and_(LogEntry.first_contact_on.is_(None), LogEntry.created_at < london_start(day)),
    )


def stakeholder_joined_before(day: date) -> Any:
    """SQL: the person was one of our users before `day`: one of their log entries was
    (``log_entry_joined_before``), or, in no log yet, they were added to our records before it.
    The one definition of *new*: new in a year = joined before its end, not before its start."""
    entries = select(LogEntry.id).where(LogEntry.stakeholder_id == Stakeholder.id)
    return or_(
        entries.where(log_entry_joined_before(day)).exists(),
        and_(~entries.exists(), Stakeholder.created_at < london_start(day)),
    )


def user_engagement_tables(start: date, end: date) -> list[dict[str, Any]]:
    return [
        _log_sizes_table(end),
        _new_users_table(start, end),
        _contacts_table(start, end),
        _reviews_table(start, end),
        _feedback_table(start, end),
    ]


def _log_sizes_table(end: date) -> dict[str, Any]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for category, level, n in db.session.execute(
        select(Stakeholder.category, LogEntry.engagement_level, func.count(LogEntry.id))
        .join(Stakeholder, Stakeholder.id == LogEntry.stakeholder_id)
        .where(log_entry_joined_before(end + timedelta(days=1)))
        .group_by(Stakeholder.category, LogEntry.engagement_level)
    ):
        counts[(category, level)] += n
    cols = [1, 2, 3, 4, 5]
    rows = []
    for key in USER_CATEGORIES:
        values = [counts[(key, level)] for level in LEVEL_ORDER]
        rows.append([USER_CATEGORY_SHORT[key], *values, sum(values)])
    return make_table(
        "log_sizes",
        "user_engagement",
        "User logs at the end of the year, by user category and engagement level",
        ["User category", "Access", "Informed", "Consulted", "Involved", "Total"],
        with_total_row(rows, cols),
        definition="Entries in the user logs of all our outputs on the last day of the "
        "year (users whose first contact about the output was on or before that day). "
        "A person who uses several outputs is in several logs and counted once in "
        "each. Engagement levels run from access (quick and easy access to the latest "
        "statistics) to involved (helps steer the work programme); each entry is shown at "
        "its current level.",
        count_columns=cols,
        total_row=True,
        total_column=5,
    )


def _new_users_table(start: date, end: date) -> dict[str, Any]:
    new_people = grouped(
        select(Stakeholder.category, func.count(Stakeholder.id))
        .where(
            stakeholder_joined_before(end + timedelta(days=1)), ~stakeholder_joined_before(start)
        )
        .group_by(Stakeholder.category)
    )
    new_entries = grouped(
        select(Stakeholder.category, func.count(LogEntry.id))
        .join(Stakeholder, Stakeholder.id == LogEntry.stakeholder_id)
        .where(log_entry_joined_before(end + timedelta(days=1)), ~log_entry_joined_before(start))
        .group_by(Stakeholder.category)
    )
    rows = [
        [USER_CATEGORY_SHORT[k], new_people.get(k, 0), new_entries.get(k, 0)]
        for k in USER_CATEGORIES
    ]
    return make_table(
        "new_users",
        "user_engagement",
        "New users in the year, by user category",
        ["User category", "New users", "New user log entries"],
        with_total_row(rows, [1, 2]),
        definition="New users: people whose first contact with us (about any output) fell "
        "in the year, not the day their record was added or imported. New user log "
        "entries: people who joined the user log of an output during the year (their first "
        "contact with us about it), including existing users who started using another "
        "output. Both use the same date: the first contact recorded in the log, or the day "
        "the entry was added when no first contact is recorded.",
        count_columns=[1, 2],
        total_row=True,
    )


def _contacts_table(start: date, end: date) -> dict[str, Any]:
    by_channel = grouped(
        select(Contact.channel, func.count(Contact.id))
        .where(Contact.contacted_on >= start, Contact.contacted_on <= end)
        .group_by(Contact.channel)
    )
    rows = [[label, by_channel.get(key, 0)] for key, label in CONTACT_CHANNELS.items()]
    return make_table(
        "contacts",
        "user_engagement",
        "Contacts with users in the year, by channel",
        ["Channel", "Contacts"],
        with_total_row(rows, [1]),
        definition="Dated conversations, meetings, letters and other contacts with users "
        "about an output, as recorded in the user logs.",
        count_columns=[1],
        total_row=True,
    )


def _feedback_table(start: date, end: date) -> dict[str, Any]:
    start_at, end_at = london_start(start), london_start(end + timedelta(days=1))
    useful = grouped(
        select(Feedback.useful, func.count(Feedback.id))
        .where(Feedback.received_at >= start_at, Feedback.received_at < end_at)
        .group_by(Feedback.useful)
    )
    labels = dict(USEFUL_LABELS)
    for value in useful:
        labels.setdefault(value, str(value).capitalize())
    rows = [[label, useful.get(value, 0)] for value, label in labels.items()]
    return make_table(
        "feedback",
        "user_engagement",
        "Feedback received in the year: did people find the statistics useful?",
        ["Answer", "Feedback received"],
        with_total_row(rows, [1]),
        definition="Feedback sent through the feedback forms on our statistics pages and "
        "the general feedback form, by the answer to 'Was this useful?'.",
        count_columns=[1],
        total_row=True,
    )


def _reviews_table(start: date, end: date) -> dict[str, Any]:
    """Outputs reviewed in the year, and outputs whose review was overdue at the year end.

    Overdue at the year end: an active output whose latest review on or before the last
    day of the year was more than its review interval earlier; or, never reviewed by then, whose
    first review was due (``next_review_due``) on or before that day.
    """
    reviewed = db.session.execute(
        select(
            func.count(func.distinct(OutputReview.output_id)), func.count(OutputReview.id)
        ).where(OutputReview.reviewed_on >= start, OutputReview.reviewed_on <= end)
    ).one()
    last_review = (
        select(OutputReview.output_id, func.max(OutputReview.reviewed_on).label("last_on"))
        .where(OutputReview.reviewed_on <= end)
        .group_by(OutputReview.output_id)
        .subquery()
    )
    ever_reviewed = select(OutputReview.output_id).distinct().subquery()
    overdue = 0
    for interval, next_due, last_on, later in db.session.execute(
        select(
            Output.review_interval_months,
            Output.next_review_due,
            last_review.c.last_on,
            ever_reviewed.c.output_id,
        )
        .outerjoin(last_review, last_review.c.output_id == Output.id)
        .outerjoin(ever_reviewed, ever_reviewed.c.output_id == Output.id)
        .where(Output.status == "active")
    ):
        if last_on is not None:
            due = add_months(last_on, interval)
        elif later is None:
            due = next_due
        else:
            continue  # first reviewed after the year end: its due date then is not known
        if due is not None and due <= end:
            overdue += 1
    return make_table(
        "reviews",
        "user_engagement",
        "Reviews of our outputs",
        ["Measure", "Number"],
        [
            ["Outputs reviewed in the year", reviewed[0]],
            ["Reviews recorded in the year", reviewed[1]],
            ["Outputs whose review was overdue at the end of the year", overdue],
        ],
        definition="We review each output regularly (by default every 12 months) to keep it "
        "relevant, using what its user log and feedback show. An output is overdue when its "
        "next review was due on or before the last day of the year and had not been done.",
        count_columns=[1],
    )


# --- consultations ---------------------------------------------------------------------------


def consultations_table(start: date, end: date) -> dict[str, Any]:
    responses = (
        select(ConsultationResponse.consultation_id, func.count(ConsultationResponse.id).label("n"))
        .where(COUNTED)  # a person who answered twice counts once (engage.consultations)
        .group_by(ConsultationResponse.consultation_id)
        .subquery()
    )
    rows = []
    for c, n in db.session.execute(
        select(Consultation, func.coalesce(responses.c.n, 0))
        .outerjoin(responses, responses.c.consultation_id == Consultation.id)
        .where(
            Consultation.state.in_(HELD_STATES),
            Consultation.opens_on <= end,
            Consultation.closes_on >= start,
        )
        .order_by(Consultation.opens_on, Consultation.id)
    ):
        days = (c.closes_on - c.opens_on).days
        published = (
            c.response_published_at.astimezone(LONDON).date() if c.response_published_at else None
        )
        after = (published - c.closes_on).days if published else None
        if published is None:
            within = "Not yet published"
        else:
            within = "Yes" if published_in_time(c.closes_on, published) else "No"
        rows.append(
            [
                c.title,
                iso(c.opens_on),
                iso(c.closes_on),
                weeks_text(days),
                n,
                iso(published),
                "" if after is None else weeks_text(after),
                within,
            ]
        )
    return make_table(
        "consultations",
        "consultations",
        "Consultations held in the year",
        [
            "Consultation",
            "Opened",
            "Closed",
            "Length",
            "Responses",
            "Response published",
            "Published after closing",
            "Published within 12 weeks",
        ],
        rows,
        definition="Consultations open for at least one day of the year. Each consultation "
        "runs for 6 to 13 weeks; we aim to publish a response (a summary of all responses, the "
        "way forward and the rationale) within 12 weeks of the closing date.",
        count_columns=[4],
        empty="We held no consultations in this year.",
    )


def weeks_text(days: int) -> str:
    weeks, rest = divmod(days, 7)
    parts = []
    if weeks:
        parts.append(f"{weeks} week" + ("s" if weeks != 1 else ""))
    if rest or not weeks:
        parts.append(f"{rest} day" + ("s" if rest != 1 else ""))
    return " ".join(parts)


# --- recommendations and success stories -----------------------------------------------------


def recommendation_tables(start: date, end: date) -> list[dict[str, Any]]:
    section = "recommendations"
    owners = select(User.id, User.name).subquery()
    recs = db.session.execute(
        select(UksaRecommendation, owners.c.name)
        .outerjoin(owners, owners.c.id == UksaRecommendation.owner_id)
        .where(UksaRecommendation.source_date <= end)
        .order_by(UksaRecommendation.source_date, UksaRecommendation.reference)
    ).all()
    rows = [_recommendation_row(rec, owner, end) for rec, owner in recs]
    status_counts: dict[str, int] = defaultdict(int)
    for rec, _ in recs:
        status_counts[rec.status] += 1
    return [
        make_table(
            "recommendation_status",
            section,
            "UK Statistics Authority recommendations by status",
            ["Status", "Recommendations"],
            with_total_row(
                [[label, status_counts[key]] for key, label in RECOMMENDATION_STATUSES.items()],
                [1],
            ),
            definition="Recommendations made to us by the UK Statistics Authority in its "
            "assessment reports, up to the end of the year, by their status when the figures "
            "were computed.",
            total_row=True,
        ),
        make_table(
            "recommendations",
            section,
            "UK Statistics Authority recommendations",
            [
                "Reference",
                "Recommendation",
                "Source",
                "Outputs affected",
                "Owner",
                "Target date",
                "Status",
                "Overdue at the end of the year",
            ],
            rows,
            definition="Overdue: the target date had passed by the end of the year and the "
            "recommendation was neither implemented nor declined with a reason.",
            empty="There were no recommendations from the Authority.",
        ),
        _recommendation_notes_table(end),
    ]


def _recommendation_row(rec: UksaRecommendation, owner: str | None, end: date) -> list[Any]:
    status = RECOMMENDATION_STATUSES.get(rec.status, rec.status)
    if rec.status == "will_not_implement" and rec.will_not_reason:
        status = f"{status}: {rec.will_not_reason}"
    overdue = (
        rec.target_on is not None
        and rec.target_on <= end
        and rec.status in ("not_started", "in_progress")
    )
    return [
        rec.reference,
        rec.text,
        f"{rec.source_report} ({iso(rec.source_date)})",
        ", ".join(o.title for o in rec.outputs),
        owner or "",
        iso(rec.target_on),
        status,
        "Yes" if overdue else "No",
    ]


def _recommendation_notes_table(end: date) -> dict[str, Any]:
    notes = db.session.execute(
        select(UksaRecommendation.reference, RecommendationNote.noted_on, RecommendationNote.note)
        .join(UksaRecommendation, UksaRecommendation.id == RecommendationNote.recommendation_id)
        .where(UksaRecommendation.source_date <= end, RecommendationNote.noted_on <= end)
        .order_by(UksaRecommendation.reference, RecommendationNote.noted_on, RecommendationNote.id)
    ).all()
    return make_table(
        "recommendation_notes",
        "recommendations",
        "Progress notes on the recommendations",
        ["Reference", "Date", "Progress"],
        [[ref, iso(noted_on), note] for ref, noted_on, note in notes],
        empty="No progress notes were recorded.",
    )


def success_stories_table(start: date, end: date) -> dict[str, Any]:
    stories = (
        db.session.execute(
            select(SuccessStory)
            .where(SuccessStory.happened_on >= start, SuccessStory.happened_on <= end)
            .order_by(SuccessStory.happened_on, SuccessStory.id)
        )
        .scalars()
        .all()
    )
    return make_table(
        "success_stories",
        "success_stories",
        "Success stories",
        ["Date", "Title", "What we did", "Outputs"],
        [
            [iso(s.happened_on), s.title, s.description, ", ".join(o.title for o in s.outputs)]
            for s in stories
        ],
        definition="Examples of innovative and successful engagement with our users.",
        empty="No success stories were recorded in this year.",
    )


# --- the whole report ------------------------------------------------------------------------


def compute_figures(year_start: int, as_of: date) -> dict[str, Any]:
    """Every figure of the annual report for a reporting year, as at `as_of` (a London date)."""
    start, end = reporting_year(year_start)
    tables = [
        *user_engagement_tables(start, end),
        consultations_table(start, end),
        *cases_tables(start, end, as_of),
        *outcome_figures.annual_tables(start, end),  # complaint outcomes, themes, lessons
        *release_record.annual_tables(start, end),  # counts of releases: not suppressed
        *recommendation_tables(start, end),
        success_stories_table(start, end),
    ]
    return {
        "year_start": year_start,
        "year_label": year_label(year_start),
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "as_of": as_of.isoformat(),
        "sections": SECTIONS,
        "tables": tables,
    }


def table_by_key(figures: dict[str, Any], key: str) -> dict[str, Any]:
    for table in figures["tables"]:
        if table["key"] == key:
            return table
    raise KeyError(key)
