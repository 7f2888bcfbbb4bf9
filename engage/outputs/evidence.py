"""User engagement evidence for one output: what the Office for Statistics Regulation asks to
see when it assesses how we engage with users (the Code of Practice's "know your users, talk
with key stakeholders regularly"), as a page and an XLSX workbook.

Over the last QUARTERS_SHOWN quarters (two years, up to today's quarter): the log's size and
make-up by user category and engagement level at the end of each quarter, new users, contacts
by channel, feedback received and acted on; the consultations about the output and their
responses, its reviews and their actions, and its success stories.

Who may have it: whoever may read the output's user log (engage.outputs.access.can_view_log:
the producers of the output, the CSO office, administrators). It holds no personal data of
users: counts only, and what staff wrote in reviews, consultation responses and success
stories. Counts are exact (not suppressed): it is evidence given to the regulator, not a
publication (engage.reports.suppression is for published figures).

The number of queries is fixed (one per table), whatever the size of the log.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import IO, Any

from sqlalchemy import and_, case, func, or_

from engage.auth.models import User
from engage.calendar import london_start
from engage.consultations.models import Consultation, ConsultationResponse, consultation_outputs
from engage.exports.workbook import write_tables_xlsx
from engage.extensions import db
from engage.outputs import log_figures, logs
from engage.outputs.models import (
    Feedback,
    Output,
    OutputReview,
    SuccessStory,
    success_story_outputs,
)
from engage.reports.figures import HELD_STATES, USEFUL_LABELS
from engage.reports.tables import iso, make_table, with_total_row
from engage.vocab import (
    CONTACT_CHANNELS,
    ENGAGEMENT_LEVEL_SHORT,
    LEVEL_ORDER,
    USER_CATEGORY_SHORT,
)

SECTION = "evidence"
CONSULTATION_STATES = {
    "open": "Open",
    "closed": "Closed, response not yet published",
    "response_published": "Response published",
}


def evidence_for(output: Output, today: date) -> dict[str, Any]:
    """The evidence as plain data: the period, and tables in the shape of the annual report's
    (engage.reports.tables.make_table), which the page and the workbook both read."""
    quarters = log_figures.recent_quarters(today)
    start, end = quarters[0].start, quarters[-1].end
    labels = [log_figures.quarter_label(q, today) for q in quarters]
    over_time = log_figures.log_over_time(output.id, quarters)
    tables = [
        _make_up_now(output),
        *_log_over_time_tables(over_time, labels),
        _contacts_table(output, quarters, labels),
        _feedback_table(output, quarters, labels),
        _consultations_table(output, start),
        _reviews_table(output, start, end),
        _stories_table(output, start, end),
    ]
    return {
        "output_title": output.title,
        "output_slug": output.slug,
        "period_start": iso(start),
        "period_end": iso(min(end, today)),
        "as_of": iso(today),
        "review_interval_months": output.review_interval_months,
        "next_review_due": iso(output.next_review_due),
        "tables": tables,
    }


def _make_up_now(output: Output) -> dict[str, Any]:
    counts = logs.log_counts(output.id)
    rows = [
        [label, *[counts.cell(key, level) for level in LEVEL_ORDER], counts.category_total(key)]
        for key, label in USER_CATEGORY_SHORT.items()
    ]
    cols = list(range(1, len(LEVEL_ORDER) + 2))
    return make_table(
        "log_now",
        SECTION,
        "The user log today, by user category and engagement level",
        ["User category", *ENGAGEMENT_LEVEL_SHORT.values(), "Total"],
        with_total_row(rows, cols),
        definition="Everyone in the output's user log today. Engagement levels run from "
        "access (quick and easy access to the latest statistics) to involved (helps steer the "
        "work programme).",
        count_columns=cols,
        total_row=True,
        total_column=len(LEVEL_ORDER) + 1,
    )


def _by_quarter(
    key: str,
    title: str,
    labels: list[str],
    headings: list[str],
    values: list[list[int]],
    definition: str,
) -> dict[str, Any]:
    cols = list(range(1, len(headings) + 2))
    rows = [[label, *row, sum(row)] for label, row in zip(labels, values, strict=True)]
    return make_table(
        key,
        SECTION,
        title,
        ["Quarter", *headings, "Total"],
        rows,
        definition=definition,
        count_columns=cols,
        total_column=len(headings) + 1,
    )


JOINED = (
    "A user joined the log on their first contact about the output, or the day they were "
    "added when no first contact is recorded. Users removed from the log are not counted, "
    "and each is counted at their current category and level."
)


def _log_over_time_tables(over_time: log_figures.LogOverTime, labels: list[str]) -> list[Any]:
    ends = [over_time.at_end(i) for i in range(len(labels))]
    categories, levels = list(USER_CATEGORY_SHORT), LEVEL_ORDER

    def by_category(cells: dict[tuple[str, str], int]) -> list[int]:
        return [sum(n for (c, _), n in cells.items() if c == key) for key in categories]

    def by_level(cells: dict[tuple[str, str], int]) -> list[int]:
        return [sum(n for (_, lv), n in cells.items() if lv == key) for key in levels]

    return [
        _by_quarter(
            "log_by_category",
            "Size of the user log at the end of each quarter, by user category",
            labels,
            list(USER_CATEGORY_SHORT.values()),
            [by_category(cells) for cells in ends],
            "Users in the log on the last day of the quarter (today, for the quarter in "
            "progress). " + JOINED,
        ),
        _by_quarter(
            "log_by_level",
            "Size of the user log at the end of each quarter, by engagement level",
            labels,
            [ENGAGEMENT_LEVEL_SHORT[level] for level in levels],
            [by_level(cells) for cells in ends],
            "Users in the log on the last day of the quarter, by engagement level. " + JOINED,
        ),
        _by_quarter(
            "new_users",
            "New users by quarter, by user category",
            labels,
            list(USER_CATEGORY_SHORT.values()),
            [by_category(cells) for cells in over_time.joined],
            "Users who joined the log in the quarter. " + JOINED,
        ),
    ]


def _contacts_table(output: Output, quarters: list[Any], labels: list[str]) -> dict[str, Any]:
    contacts = log_figures.contacts_by_quarter(output.id, quarters)
    return _by_quarter(
        "contacts",
        "Contacts with users by quarter, by channel",
        labels,
        list(CONTACT_CHANNELS.values()),
        [[per.get(key, 0) for key in CONTACT_CHANNELS] for per in contacts],
        "Dated conversations, meetings, letters and other contacts with users about the "
        "output, as recorded in its user log, in the quarter of the contact.",
    )


def _feedback_table(output: Output, quarters: list[Any], labels: list[str]) -> dict[str, Any]:
    received = Feedback.received_at
    starts = [london_start(q.start) for q in quarters]
    ends = [london_start(q.end + timedelta(days=1)) for q in quarters]
    index = case(
        *[(and_(received >= starts[i], received < ends[i]), i) for i in range(len(quarters))],
        else_=-1,
    )
    acted = or_(Feedback.reviewed_at.is_not(None), Feedback.case_id.is_not(None))
    counts: dict[int, list[int]] = {}
    for i, *values in db.session.execute(
        db.select(
            index,
            func.count(),
            *[func.count(case((Feedback.useful == key, 1))) for key in ("yes", "partly", "no")],
            func.count(case((acted, 1))),
            func.count(case((Feedback.case_id.is_not(None), 1))),
        )
        .where(
            Feedback.output_id == output.id,
            received >= starts[0],
            received < ends[-1],
        )
        .group_by(index)
    ):
        counts[i] = [int(v) for v in values]
    rows = []
    for i, label in enumerate(labels):
        total, yes, partly, no, acted_on, cases = counts.get(i, [0] * 6)
        rows.append([label, total, yes, partly, no, acted_on, cases, total - acted_on])
    return make_table(
        "feedback",
        SECTION,
        "Feedback received by quarter, and acted on",
        [
            "Quarter",
            "Received",
            f"Useful: {USEFUL_LABELS['yes']}",
            f"Useful: {USEFUL_LABELS['partly']}",
            f"Useful: {USEFUL_LABELS['no']}",
            "Acted on",
            "Made into an enquiry or complaint",
            "Not yet acted on",
        ],
        rows,
        definition="Feedback sent through the output's feedback form, in the quarter it was "
        "received, by the answer to 'Was this useful?'. Acted on: staff reviewed it, or made "
        "it into an enquiry or complaint.",
        count_columns=[1, 2, 3, 4, 5, 6, 7],
    )


def _consultations_table(output: Output, start: date) -> dict[str, Any]:
    responses = (
        db.select(ConsultationResponse.consultation_id, func.count().label("n"))
        .group_by(ConsultationResponse.consultation_id)
        .subquery()
    )
    rows = []
    for title, state, opens_on, closes_on, published_at, way_forward, n in db.session.execute(
        db.select(
            Consultation.title,
            Consultation.state,
            Consultation.opens_on,
            Consultation.closes_on,
            Consultation.response_published_at,
            Consultation.response_way_forward,
            func.coalesce(responses.c.n, 0),
        )
        .join(consultation_outputs, consultation_outputs.c.consultation_id == Consultation.id)
        .outerjoin(responses, responses.c.consultation_id == Consultation.id)
        .where(
            consultation_outputs.c.output_id == output.id,
            Consultation.state.in_(HELD_STATES),
            Consultation.closes_on >= start,
        )
        .order_by(Consultation.opens_on, Consultation.id)
    ):
        rows.append(
            [
                title,
                CONSULTATION_STATES.get(state, state),
                iso(opens_on),
                iso(closes_on),
                int(n),
                iso(published_at),
                way_forward or "",
            ]
        )
    return make_table(
        "consultations",
        SECTION,
        "Consultations about the output and their responses",
        [
            "Consultation",
            "State",
            "Opened",
            "Closed",
            "Responses received",
            "Response published",
            "The way forward",
        ],
        rows,
        definition="Consultations that affected the output and were open at some time in the "
        "period. Our published response to each gives a summary of all responses, the way "
        "forward we will take and the rationale.",
        count_columns=[4],
        empty="No consultation about this output was open in the period.",
    )


def _reviews_table(output: Output, start: date, end: date) -> dict[str, Any]:
    rows = [
        [iso(on), reviewer or "", findings, actions]
        for on, reviewer, findings, actions in db.session.execute(
            db.select(
                OutputReview.reviewed_on, User.name, OutputReview.findings, OutputReview.actions
            )
            .outerjoin(User, User.id == OutputReview.reviewer_id)
            .where(
                OutputReview.output_id == output.id,
                OutputReview.reviewed_on >= start,
                OutputReview.reviewed_on <= end,
            )
            .order_by(OutputReview.reviewed_on, OutputReview.id)
        )
    ]
    return make_table(
        "reviews",
        SECTION,
        "Reviews of the output and their actions",
        ["Reviewed on", "Reviewer", "What the user log and feedback showed", "Actions"],
        rows,
        definition="We review each output regularly to keep it relevant, using what its user "
        "log and feedback show.",
        empty="The output was not reviewed in the period.",
    )


def _stories_table(output: Output, start: date, end: date) -> dict[str, Any]:
    rows = [
        [iso(on), title, description]
        for on, title, description in db.session.execute(
            db.select(SuccessStory.happened_on, SuccessStory.title, SuccessStory.description)
            .join(success_story_outputs, success_story_outputs.c.story_id == SuccessStory.id)
            .where(
                success_story_outputs.c.output_id == output.id,
                SuccessStory.happened_on >= start,
                SuccessStory.happened_on <= end,
            )
            .order_by(SuccessStory.happened_on, SuccessStory.id)
        )
    ]
    return make_table(
        "success_stories",
        SECTION,
        "Success stories",
        ["Date", "Title", "What was done"],
        rows,
        definition="Innovative and successful engagement with users of the output.",
        empty="No success story about this output in the period.",
    )


def make_up_rows(evidence: dict[str, Any]) -> list[tuple[str, list[int]]]:
    """The log today as (category, [count at each level]), for its chart."""
    table = evidence["tables"][0]
    return [(row[0], list(row[1 : 1 + len(LEVEL_ORDER)])) for row in table["rows"][:-1]]


def file_name(evidence: dict[str, Any]) -> str:
    return f"{evidence['output_slug']}-engagement-evidence-{evidence['as_of']}.xlsx"


def write_xlsx(evidence: dict[str, Any], target: IO[bytes]) -> None:
    """The workbook: an About sheet, then one sheet per table (engage.exports.workbook)."""
    write_tables_xlsx(
        target,
        [
            ("User engagement evidence", evidence["output_title"]),
            ("Period start", evidence["period_start"]),
            ("Period end", evidence["period_end"]),
            ("Figures computed on", evidence["as_of"]),
            ("Review interval (months)", evidence["review_interval_months"]),
            ("Next review due", evidence["next_review_due"] or "Not set"),
            ("Small counts", "Not suppressed: evidence for the regulator, not a publication"),
        ],
        evidence["tables"],
    )
