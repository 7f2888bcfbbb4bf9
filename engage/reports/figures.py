"""The figures of the annual report, computed with grouped SQL queries.

Every figure is a cell of a *table*: a plain, JSON-serialisable dict that the HTML page, the
XLSX and CSV exports and the suppression rules all read. The number of queries is fixed (one or
two per table), whatever the number of cases, log entries or contacts.

Reporting year: ``year_start`` 2025 means 1 April 2025 to 31 March 2026 (Europe/London dates;
timestamps stored in UTC are compared against the London day boundaries).

Enquiries and complaints are counted by the year in which they were **received** (a case
received on 30 March and answered on 20 April counts in the year it was received, with its
answer). Timeliness uses the deadlines stored on each case and the SLA clock of
``engage.cases.clock`` (the same rules the staff case lists use):

* *acknowledged within 5 working days of receipt*: acknowledged (or fully answered) on or before
  its acknowledge-by date (``acknowledged_on <= acknowledge_by``);
* *responded within 20 working days of receipt*: fully answered on or before its respond-by date
  (``responded_on <= respond_by``); respond-by has already been moved later by the working days
  the case was paused waiting for the requester's clarification or consent to a charge;
* cases **transferred** (to the FoI team, the FoI internal review process or the press office)
  stop the clock: they are counted as transfers and left out of both timeliness measures, as are
  cases **withdrawn** before the step was done;
* a case not yet done whose deadline had passed on the date the figures were computed counts as
  *not in time*; one whose deadline had not yet come is *not yet due* and left out; a case paused
  for clarification is overdue only if it was already late when paused (as on the case pages);
* a late response after a **delay notice** is still late: the report shows late responses with
  and without a delay notice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from engage.auth.models import User
from engage.calendar import LONDON, london_start
from engage.cases.models import Case
from engage.consultations.models import Consultation, ConsultationResponse
from engage.consultations.rules import RESPONSE_DUE_DAYS
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
from engage.reports.models import RecommendationNote, UksaRecommendation
from engage.reports.suppression import share_text
from engage.vocab import (
    CASE_KINDS,
    CONTACT_CHANNELS,
    LEVEL_ORDER,
    RECOMMENDATION_STATUSES,
    USER_CATEGORIES,
    USER_CATEGORY_SHORT,
)

HELD_STATES = ("open", "closed", "response_published")
TRANSFER_LABELS = {
    "foi": "Freedom of Information team",
    "internal_review": "FoI internal review",
    "press_office": "Press office",
}
USEFUL_LABELS = {"yes": "Yes", "partly": "Partly", "no": "No", None: "Not answered"}

SECTIONS = {
    "user_engagement": "User engagement",
    "consultations": "Consultations",
    "cases": "Enquiries and complaints",
    "recommendations": "Progress on UK Statistics Authority recommendations",
    "success_stories": "Success stories",
}

ACK_DEFINITION = (
    "Acknowledged within 5 working days of receipt: the acknowledgement (or the full response, "
    "if that came first) was sent on or before the 5th working day after the day the enquiry or "
    "complaint was received. Working days are Monday to Friday, excluding bank holidays and "
    "office closure days. Cases transferred to another team or withdrawn before being "
    "acknowledged are not measured; cases still waiting whose deadline had not yet passed are "
    "shown as not yet due."
)
RESPOND_DEFINITION = (
    "Responded within 20 working days of receipt: the full response was sent on or before the "
    "20th working day after the day of receipt. When we had to ask the requester for "
    "clarification (or for consent to a charge), the deadline moved later by the working days "
    "we waited for their reply. A response after the deadline is late even when a delay notice "
    "was sent. Cases transferred to another team or withdrawn before a response are not measured."
)


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


def year_bounds(year_start: int) -> tuple[date, date]:
    return date(year_start, 4, 1), date(year_start + 1, 3, 31)


def current_year_start(today: date) -> int:
    return today.year if today.month >= 4 else today.year - 1


def last_complete_year_start(today: date) -> int:
    return current_year_start(today) - 1


def grouped(query: Any) -> dict[Any, int]:
    """{group value: count} from a two-column grouped query."""
    return {key: int(count) for key, count in db.session.execute(query)}


# --- table plumbing --------------------------------------------------------------------------


def make_table(
    key: str,
    section: str,
    title: str,
    columns: list[str],
    rows: list[list[Any]],
    *,
    definition: str = "",
    count_columns: list[int] | None = None,
    total_row: bool = False,
    total_column: int | None = None,
    shares: list[dict[str, int]] | None = None,
    internal: bool = False,
    empty: str = "None in this year.",
) -> dict[str, Any]:
    return {
        "key": key,
        "section": section,
        "title": title,
        "definition": definition,
        "columns": columns,
        "rows": rows,
        "count_columns": count_columns or [],
        "total_row": total_row,
        "total_column": total_column,
        "shares": shares or [],
        "internal": internal,
        "empty": empty,
    }


def with_total_row(rows: list[list[Any]], count_columns: list[int], label: str = "Total"):  # type: ignore[no-untyped-def]
    total: list[Any] = [label] + [""] * (len(rows[0]) - 1 if rows else 0)
    for c in count_columns:
        total[c] = sum(int(r[c]) for r in rows)
    return [*rows, total]


def fill_shares(rows: list[list[Any]], shares: list[dict[str, int]]) -> None:
    for share in shares:
        for row in rows:
            row[share["column"]] = share_text(row[share["in_time"]], row[share["total"]])


def iso(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return value.isoformat()


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


def user_engagement_tables(start: date, end: date) -> list[dict[str, Any]]:
    start_at, end_at = london_start(start), london_start(end + timedelta(days=1))
    section = "user_engagement"
    tables = []

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
    tables.append(
        make_table(
            "log_sizes",
            section,
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
    )

    new_people = grouped(
        select(Stakeholder.category, func.count(Stakeholder.id))
        .where(Stakeholder.created_at >= start_at, Stakeholder.created_at < end_at)
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
    tables.append(
        make_table(
            "new_users",
            section,
            "New users in the year, by user category",
            ["User category", "New users", "New user log entries"],
            with_total_row(rows, [1, 2]),
            definition="New users: people added to our records of users during the year. New "
            "user log entries: people who joined the user log of an output during the year "
            "(their first contact with us about it), including existing users who started "
            "using another output.",
            count_columns=[1, 2],
            total_row=True,
        )
    )

    by_channel = grouped(
        select(Contact.channel, func.count(Contact.id))
        .where(Contact.contacted_on >= start, Contact.contacted_on <= end)
        .group_by(Contact.channel)
    )
    rows = [[label, by_channel.get(key, 0)] for key, label in CONTACT_CHANNELS.items()]
    tables.append(
        make_table(
            "contacts",
            section,
            "Contacts with users in the year, by channel",
            ["Channel", "Contacts"],
            with_total_row(rows, [1]),
            definition="Dated conversations, meetings, letters and other contacts with users "
            "about an output, as recorded in the user logs.",
            count_columns=[1],
            total_row=True,
        )
    )

    tables.append(_reviews_table(start, end))

    useful = grouped(
        select(Feedback.useful, func.count(Feedback.id))
        .where(Feedback.received_at >= start_at, Feedback.received_at < end_at)
        .group_by(Feedback.useful)
    )
    labels = dict(USEFUL_LABELS)
    for value in useful:
        labels.setdefault(value, str(value).capitalize())
    rows = [[label, useful.get(value, 0)] for value, label in labels.items()]
    tables.append(
        make_table(
            "feedback",
            section,
            "Feedback received in the year: did people find the statistics useful?",
            ["Answer", "Feedback received"],
            with_total_row(rows, [1]),
            definition="Feedback sent through the feedback forms on our statistics pages and "
            "the general feedback form, by the answer to 'Was this useful?'.",
            count_columns=[1],
            total_row=True,
        )
    )
    return tables


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
            within = "Yes" if after is not None and after <= RESPONSE_DUE_DAYS else "No"
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


# --- enquiries and complaints ----------------------------------------------------------------


def acknowledge_outcome(as_of: date) -> Any:
    """SQL CASE: 'transferred', 'withdrawn', 'met', 'missed', 'overdue' or 'pending'."""
    done_on = func.coalesce(Case.acknowledged_on, Case.responded_on)
    return case(
        (Case.transferred_on.is_not(None), "transferred"),
        (and_(done_on.is_not(None), done_on <= Case.acknowledge_by), "met"),
        (done_on.is_not(None), "missed"),
        (Case.withdrawn_on.is_not(None), "withdrawn"),
        (Case.acknowledge_by < as_of, "overdue"),
        else_="pending",
    )


def respond_outcome(as_of: date) -> Any:
    """SQL CASE: 'transferred', 'withdrawn', 'met', 'missed', 'overdue' or 'pending'.

    A paused case (waiting for clarification) is overdue only when it was late when paused."""
    return case(
        (Case.transferred_on.is_not(None), "transferred"),
        (and_(Case.responded_on.is_not(None), Case.responded_on <= Case.respond_by), "met"),
        (Case.responded_on.is_not(None), "missed"),
        (Case.withdrawn_on.is_not(None), "withdrawn"),
        (and_(Case.paused_on.is_not(None), Case.respond_by < Case.paused_on), "overdue"),
        (and_(Case.paused_on.is_(None), Case.respond_by < as_of), "overdue"),
        else_="pending",
    )


def case_counts(
    start: date, end: date, as_of: date, group: Any, *where: Any
) -> dict[Any, dict[str, int]]:
    """One grouped query: per group value, the counts every cases table needs."""
    ack = acknowledge_outcome(as_of)
    resp = respond_outcome(as_of)
    late = Case.responded_on > Case.respond_by

    def count_if(cond: Any) -> Any:
        return func.sum(case((cond, 1), else_=0))

    query = (
        select(
            group.label("g"),
            func.count(Case.id),
            count_if(Case.transferred_on.is_not(None)),
            count_if(Case.withdrawn_on.is_not(None)),
            count_if(ack == "met"),
            count_if(ack.in_(("missed", "overdue"))),
            count_if(ack == "pending"),
            count_if(resp == "met"),
            count_if(resp == "missed"),
            count_if(resp == "overdue"),
            count_if(resp == "pending"),
            count_if(Case.delay_notice_on.is_not(None)),
            count_if(and_(late, Case.delay_notice_on.is_not(None))),
            count_if(and_(late, Case.delay_notice_on.is_(None))),
            count_if(
                and_(
                    Case.delay_notice_on.is_not(None),
                    Case.revised_target_on.is_not(None),
                    Case.responded_on <= Case.revised_target_on,
                )
            ),
        )
        .where(Case.received_on >= start, Case.received_on <= end, *where)
        .group_by(group)
    )
    names = [
        "received",
        "transferred",
        "withdrawn",
        "ack_met",
        "ack_not_met",
        "ack_pending",
        "resp_met",
        "resp_late",
        "resp_overdue",
        "resp_pending",
        "delay_notices",
        "late_with_notice",
        "late_without_notice",
        "met_revised_target",
    ]
    out: dict[Any, dict[str, int]] = {}
    for row in db.session.execute(query):
        out[row[0]] = {name: int(value or 0) for name, value in zip(names, row[1:], strict=True)}
    return out


def empty_counts() -> dict[str, int]:
    return defaultdict(int)  # type: ignore[return-value]


def cases_tables(start: date, end: date, as_of: date) -> list[dict[str, Any]]:
    section = "cases"
    by_kind = case_counts(start, end, as_of, Case.kind)
    kinds = [(key, label, by_kind.get(key, empty_counts())) for key, label in CASE_KINDS.items()]
    tables = []

    rows = [[label, c["received"], c["transferred"], c["withdrawn"]] for _, label, c in kinds]
    tables.append(
        make_table(
            "cases_received",
            section,
            "Enquiries and complaints received, by kind",
            ["Kind", "Received", "Transferred to another team", "Withdrawn"],
            with_total_row(rows, [1, 2, 3]),
            definition="Enquiries and complaints received during the year, counted by the date "
            "we received them (a case received near the end of the year and answered in the "
            "next year counts here, in the year it arrived). Requests for unpublished "
            "statistics go to the Freedom of Information team, complaints about FoI answers to "
            "the FoI internal review, and media enquiries to the press office.",
            count_columns=[1, 2, 3],
            total_row=True,
        )
    )

    shares = [{"column": 4, "in_time": 2, "total": 1}]
    rows = []
    for _, label, c in kinds:
        measured = c["ack_met"] + c["ack_not_met"]
        rows.append([label, measured, c["ack_met"], c["ack_not_met"], "", c["ack_pending"]])
    rows = with_total_row(rows, [1, 2, 3, 5])
    fill_shares(rows, shares)
    tables.append(
        make_table(
            "acknowledged",
            section,
            "Acknowledged within 5 working days of receipt",
            [
                "Kind",
                "Cases measured",
                "Acknowledged within 5 working days",
                "Not acknowledged within 5 working days",
                "Share within 5 working days",
                "Not yet due",
            ],
            rows,
            definition=ACK_DEFINITION,
            count_columns=[1, 2, 3, 5],
            total_row=True,
            shares=shares,
        )
    )

    rows = []
    for _, label, c in kinds:
        not_met = c["resp_late"] + c["resp_overdue"]
        measured = c["resp_met"] + not_met
        rows.append(
            [
                label,
                measured,
                c["resp_met"],
                c["resp_late"],
                c["resp_overdue"],
                "",
                c["resp_pending"],
            ]
        )
    rows = with_total_row(rows, [1, 2, 3, 4, 6])
    shares = [{"column": 5, "in_time": 2, "total": 1}]
    fill_shares(rows, shares)
    tables.append(
        make_table(
            "responded",
            section,
            "Responded within 20 working days of receipt",
            [
                "Kind",
                "Cases measured",
                "Responded within 20 working days",
                "Responded late",
                "Not yet responded, deadline passed",
                "Share within 20 working days",
                "Not yet due",
            ],
            rows,
            definition=RESPOND_DEFINITION,
            count_columns=[1, 2, 3, 4, 6],
            total_row=True,
            shares=shares,
        )
    )

    rows = [
        [
            label,
            c["delay_notices"],
            c["met_revised_target"],
            c["late_with_notice"],
            c["late_without_notice"],
        ]
        for _, label, c in kinds
    ]
    tables.append(
        make_table(
            "delay_notices",
            section,
            "Delay notices and late responses",
            [
                "Kind",
                "Delay notices sent",
                "Responded by the revised date given in the delay notice",
                "Late responses with a delay notice",
                "Late responses without a delay notice",
            ],
            with_total_row(rows, [1, 2, 3, 4]),
            definition="When we cannot give a full response within 20 working days we tell the "
            "requester before the deadline, with the reason and a revised date (a delay "
            "notice). A response after the 20 working day deadline is counted as late whether "
            "or not a delay notice was sent.",
            count_columns=[1, 2, 3, 4],
            total_row=True,
        )
    )

    transfers = grouped(
        select(Case.transferred_to, func.count(Case.id))
        .where(
            Case.received_on >= start,
            Case.received_on <= end,
            Case.transferred_on.is_not(None),
        )
        .group_by(Case.transferred_to)
    )
    rows = [[label, transfers.get(key, 0)] for key, label in TRANSFER_LABELS.items()]
    tables.append(
        make_table(
            "transfers",
            section,
            "Cases transferred to another team",
            ["Transferred to", "Cases"],
            with_total_row(rows, [1]),
            definition="Cases received in the year that we recorded and passed to the team "
            "that handles them. Our 5 and 20 working day clock stops at the transfer, so these "
            "cases are not counted as late.",
            count_columns=[1],
            total_row=True,
        )
    )

    referrals = db.session.execute(
        select(
            Case.reference,
            Case.kind,
            Case.uksa_referred_on,
            Case.uksa_outcome_on,
            Case.uksa_outcome,
        )
        .where(Case.uksa_referred_on >= start, Case.uksa_referred_on <= end)
        .order_by(Case.uksa_referred_on, Case.id)
    ).all()
    with_outcome = sum(1 for r in referrals if r.uksa_outcome_on or r.uksa_outcome)
    tables.append(
        make_table(
            "uksa_referrals",
            section,
            "Complaints referred to the UK Statistics Authority",
            ["Measure", "Complaints"],
            [
                ["Referred during the year", len(referrals)],
                ["Outcome received", with_outcome],
                ["Awaiting the Authority's outcome", len(referrals) - with_outcome],
            ],
            definition="A complainant still unsatisfied after our full response about a matter "
            "of the Code of Practice for Statistics may refer the complaint to the UK "
            "Statistics Authority. Counted by the date of referral.",
            count_columns=[1],
        )
    )
    tables.append(
        make_table(
            "uksa_referral_outcomes",
            section,
            "Referrals to the UK Statistics Authority and their outcomes",
            ["Case", "Kind", "Referred on", "Outcome recorded on", "Outcome"],
            [
                [
                    r.reference,
                    CASE_KINDS.get(r.kind, r.kind),
                    iso(r.uksa_referred_on),
                    iso(r.uksa_outcome_on),
                    r.uksa_outcome or "Awaiting outcome",
                ]
                for r in referrals
            ],
            definition="Each referral with the Authority's outcome. Not for publication: it "
            "describes individual complaints.",
            internal=True,
            empty="No complaints were referred to the Authority in this year.",
        )
    )
    return tables


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
    rows = []
    for rec, owner in recs:
        status = RECOMMENDATION_STATUSES.get(rec.status, rec.status)
        if rec.status == "will_not_implement" and rec.will_not_reason:
            status = f"{status}: {rec.will_not_reason}"
        overdue = (
            rec.target_on is not None
            and rec.target_on <= end
            and rec.status in ("not_started", "in_progress")
        )
        rows.append(
            [
                rec.reference,
                rec.text,
                f"{rec.source_report} ({iso(rec.source_date)})",
                ", ".join(o.title for o in rec.outputs),
                owner or "",
                iso(rec.target_on),
                status,
                "Yes" if overdue else "No",
            ]
        )
    status_counts: dict[str, int] = defaultdict(int)
    for rec, _ in recs:
        status_counts[rec.status] += 1
    notes = db.session.execute(
        select(UksaRecommendation.reference, RecommendationNote.noted_on, RecommendationNote.note)
        .join(UksaRecommendation, UksaRecommendation.id == RecommendationNote.recommendation_id)
        .where(UksaRecommendation.source_date <= end, RecommendationNote.noted_on <= end)
        .order_by(UksaRecommendation.reference, RecommendationNote.noted_on, RecommendationNote.id)
    ).all()
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
        make_table(
            "recommendation_notes",
            section,
            "Progress notes on the recommendations",
            ["Reference", "Date", "Progress"],
            [[ref, iso(noted_on), note] for ref, noted_on, note in notes],
            empty="No progress notes were recorded.",
        ),
    ]


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
    start, end = year_bounds(year_start)
    tables = [
        *user_engagement_tables(start, end),
        consultations_table(start, end),
        *cases_tables(start, end, as_of),
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
