"""Issue 21 items 8 (pictures) and 11 (evidence for the regulator): the user log's charts and
the engagement evidence export of an output, counted by hand from a small log, and who may
have them."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from openpyxl import load_workbook

from engage.extensions import db
from engage.outputs import evidence, log_charts, log_figures
from engage.outputs.models import Contact, LogEntry, OutputReview, SuccessStory
from engage.reports.charts import SERIES_COLOURS, TEXT_COLOUR
from tests.factories.auth import admin, chief, cso, producer
from tests.factories.cases import make_case
from tests.factories.consultations import ConsultationFactory
from tests.factories.outputs import (
    FeedbackFactory,
    LogEntryFactory,
    OutputFactory,
    StakeholderFactory,
)

TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
QUARTERS = [
    "January to March 2025",
    "April to June 2025",
    "July to September 2025",
    "October to December 2025",
    "January to March 2026",
    "April to June 2026",
    "July to September 2026",
    "October to December 2026 (to 20 November)",
]
LOG = "/staff/outputs/prison-population/user-log"
PAGE = "/staff/outputs/prison-population/engagement-evidence"


def _entry(output, category, level, first, **kw):  # type: ignore[no-untyped-def]
    return LogEntryFactory(
        output=output,
        stakeholder=StakeholderFactory(category=category),
        engagement_level=level,
        first_contact_on=first,
        **kw,
    )


def _contact(output, entry, on, channel):  # type: ignore[no-untyped-def]
    db.session.add(
        Contact(
            output_id=output.id,
            stakeholder_id=entry.stakeholder_id,
            contacted_on=on,
            channel=channel,
            summary="Talked about the figures",
        )
    )


@pytest.fixture
def log(app):
    owner = producer(name="Priya Owner")
    other = producer(name="Tom Other")
    mine = OutputFactory(title="Prison Population", slug="prison-population", producers=[owner])
    theirs = OutputFactory(title="Court Statistics", slug="court-statistics", producers=[other])
    old = _entry(mine, "academic", "informed", date(2024, 6, 1))  # before the period
    _entry(mine, "academic", "consulted", date(2025, 2, 10))  # Jan-Mar 2025
    _entry(mine, "media", "access", date(2025, 3, 31))  # Jan-Mar 2025 (its last day)
    _entry(mine, "media", "involved", date(2025, 4, 1))  # Apr-Jun 2025
    # No first contact: joined the day it was added, 1 July 2026 in London (30 June in UTC).
    _entry(
        mine,
        "government",
        "informed",
        None,
        created_at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC),
    )
    _entry(mine, "public", "access", date(2026, 11, 10))  # the quarter in progress
    theirs_entry = _entry(theirs, "public", "access", date(2026, 11, 10))
    for on, channel in (
        (date(2024, 12, 31), "email"),  # before the period
        (date(2025, 1, 1), "email"),
        (date(2025, 3, 31), "phone"),
        (date(2025, 4, 1), "meeting"),
        (date(2026, 11, 1), "email"),
    ):
        _contact(mine, old, on, channel)
    _contact(theirs, theirs_entry, date(2026, 11, 1), "email")
    # Feedback: 31 March 2025 23:30 UTC is 1 April 2025 in London (summer time).
    FeedbackFactory(
        output=mine, useful="yes", received_at=datetime(2025, 3, 31, 23, 30, tzinfo=UTC)
    )
    FeedbackFactory(output=mine, useful="no", received_at=datetime(2025, 5, 1, 9, tzinfo=UTC))
    FeedbackFactory(
        output=mine,
        useful="yes",
        received_at=datetime(2026, 10, 15, 9, tzinfo=UTC),
        reviewed_at=datetime(2026, 10, 16, 9, tzinfo=UTC),
    )
    made_case = FeedbackFactory(
        output=mine, useful="partly", received_at=datetime(2026, 10, 16, 9, tzinfo=UTC)
    )
    made_case.case_id = make_case(received=date(2026, 10, 17)).id
    FeedbackFactory(output=theirs, received_at=datetime(2026, 10, 15, 9, tzinfo=UTC))
    held = ConsultationFactory(
        title="Publishing twice a year",
        outputs=[mine],
        state="response_published",
        opens_on=date(2026, 1, 5),
        closes_on=date(2026, 3, 2),
        response_way_forward='=HYPERLINK("http://x") We will publish twice a year',
        response_published_at=datetime(2026, 4, 20, 10, tzinfo=UTC),
    )
    ConsultationFactory(title="A draft", outputs=[mine], state="draft")
    ConsultationFactory(
        title="Long ago",
        outputs=[mine],
        state="closed",
        opens_on=date(2024, 9, 2),
        closes_on=date(2024, 10, 28),
    )
    ConsultationFactory(
        title="Someone else's",
        outputs=[theirs],
        state="closed",
        opens_on=date(2026, 1, 5),
        closes_on=date(2026, 3, 2),
    )
    from engage.consultations.models import ConsultationResponse

    for n in range(3):
        db.session.add(
            ConsultationResponse(consultation_id=held.id, reference=f"CR-T{n}", category="public")
        )
    db.session.add_all(
        [
            OutputReview(
                output_id=mine.id,
                reviewed_on=date(2025, 6, 1),
                reviewer_id=owner.id,
                findings="=SUM(A1:A9) users asked for local figures",
                actions="Add a table by local authority",
            ),
            OutputReview(
                output_id=mine.id, reviewed_on=date(2024, 6, 1), findings="Too old", actions=""
            ),
        ]
    )
    story = SuccessStory(
        title="Workshop with prison reform charities",
        description="We ran a workshop.",
        happened_on=date(2026, 3, 1),
    )
    story.outputs = [mine]
    elsewhere = SuccessStory(title="Not ours", description="x", happened_on=date(2026, 3, 1))
    elsewhere.outputs = [theirs]
    db.session.add_all([story, elsewhere])
    db.session.commit()
    return {"owner": owner, "other": other, "mine": mine, "theirs": theirs}


# --- the figures, counted by hand ------------------------------------------------------------


def test_quarters_run_to_the_one_in_progress():
    quarters = log_figures.recent_quarters(TODAY)
    assert [log_figures.quarter_label(q, TODAY) for q in quarters] == QUARTERS
    assert quarters[0].start == date(2025, 1, 1) and quarters[-1].end == date(2026, 12, 31)


def test_new_users_and_contacts_by_quarter(log):
    rows = log_charts.quarter_rows(log["mine"].id, TODAY)
    assert [r.label for r in rows] == QUARTERS
    assert [r.new_users for r in rows] == [2, 1, 0, 0, 0, 0, 1, 1]
    assert [r.contacts for r in rows] == [2, 1, 0, 0, 0, 0, 0, 1]


def test_the_kept_quarter_rows_follow_every_change_to_the_log_and_its_contacts(log):
    """The rows are kept between page views (engage.caching.for_version); a contact recorded, an
    entry removed or a contact deleted, by any path, shows at once."""
    mine = log["mine"].id
    first = log_charts.quarter_rows(mine, TODAY)
    assert log_charts.quarter_rows(mine, TODAY) == first  # kept: same answer, no change
    entry = (
        db.session.execute(
            db.select(LogEntry).where(LogEntry.output_id == mine).order_by(LogEntry.id)
        )
        .scalars()
        .first()
    )
    _contact(log["mine"], entry, date(2025, 5, 5), "phone")
    db.session.commit()
    assert [r.contacts for r in log_charts.quarter_rows(mine, TODAY)] == [2, 2, 0, 0, 0, 0, 0, 1]
    db.session.execute(db.delete(Contact).where(Contact.contacted_on == date(2025, 5, 5)))
    db.session.commit()
    assert log_charts.quarter_rows(mine, TODAY) == first
    newest = (
        db.session.execute(
            db.select(LogEntry).where(LogEntry.output_id == mine).order_by(LogEntry.id.desc())
        )
        .scalars()
        .first()
    )
    db.session.delete(newest)  # the entry that joined in the quarter in progress
    db.session.commit()
    assert [r.new_users for r in log_charts.quarter_rows(mine, TODAY)] == [2, 1, 0, 0, 0, 0, 1, 0]


def test_log_size_at_the_end_of_each_quarter(log):
    over = log_figures.log_over_time(log["mine"].id, log_figures.recent_quarters(TODAY))
    assert over.before == {("academic", "informed"): 1}
    assert [sum(over.at_end(i).values()) for i in range(8)] == [3, 4, 4, 4, 4, 4, 5, 6]
    assert over.at_end(1) == {
        ("academic", "informed"): 1,
        ("academic", "consulted"): 1,
        ("media", "access"): 1,
        ("media", "involved"): 1,
    }


def _table(figures, key):  # type: ignore[no-untyped-def]
    return next(t for t in figures["tables"] if t["key"] == key)


def test_evidence_tables(log):
    figures = evidence.evidence_for(log["mine"], TODAY)
    assert figures["period_start"] == "2025-01-01" and figures["period_end"] == "2026-11-20"
    now = _table(figures, "log_now")
    assert now["columns"] == [
        "User category",
        "Access",
        "Informed",
        "Consulted",
        "Involved",
        "Total",
    ]
    rows = {r[0]: r[1:] for r in now["rows"]}
    assert rows["Academics and researchers"] == [0, 1, 1, 0, 2]
    assert rows["Media"] == [1, 0, 0, 1, 2]
    assert rows["Government"] == [0, 1, 0, 0, 1]
    assert rows["Public"] == [1, 0, 0, 0, 1]
    assert rows["Total"] == [2, 2, 1, 1, 6]

    by_category = _table(figures, "log_by_category")
    assert [r[0] for r in by_category["rows"]] == QUARTERS
    # Government, ..., Public, Total; the first quarter: 2 academics and 1 media user.
    assert by_category["rows"][0][1:] == [0, 0, 0, 2, 0, 1, 0, 3]
    assert [r[-1] for r in by_category["rows"]] == [3, 4, 4, 4, 4, 4, 5, 6]
    by_level = _table(figures, "log_by_level")
    assert by_level["rows"][-1][1:] == [2, 2, 1, 1, 6]
    assert by_level["rows"][0][1:] == [1, 1, 1, 0, 3]
    new = _table(figures, "new_users")
    assert [r[-1] for r in new["rows"]] == [2, 1, 0, 0, 0, 0, 1, 1]

    contacts = _table(figures, "contacts")
    assert contacts["columns"][1:4] == ["Email", "Phone", "Meeting"]
    assert contacts["rows"][0][1:4] == [1, 1, 0] and contacts["rows"][0][-1] == 2
    assert contacts["rows"][1][1:4] == [0, 0, 1]
    assert contacts["rows"][7][1] == 1 and contacts["rows"][7][-1] == 1

    feedback = _table(figures, "feedback")
    # Received, yes, partly, no, acted on, made into a case, not yet acted on.
    assert feedback["rows"][0][1:] == [0, 0, 0, 0, 0, 0, 0]
    assert feedback["rows"][1][1:] == [2, 1, 0, 1, 0, 0, 2]
    assert feedback["rows"][7][1:] == [2, 1, 1, 0, 2, 1, 0]

    consultations = _table(figures, "consultations")
    assert [r[0] for r in consultations["rows"]] == ["Publishing twice a year"]
    row = consultations["rows"][0]
    assert row[1:6] == ["Response published", "2026-01-05", "2026-03-02", 3, "2026-04-20"]
    assert "publish twice a year" in row[6]

    reviews = _table(figures, "reviews")
    assert len(reviews["rows"]) == 1
    assert reviews["rows"][0][:2] == ["2025-06-01", "Priya Owner"]
    assert reviews["rows"][0][3] == "Add a table by local authority"
    stories = _table(figures, "success_stories")
    assert [r[1] for r in stories["rows"]] == ["Workshop with prison reform charities"]


def test_an_empty_log_has_empty_evidence(app):
    figures = evidence.evidence_for(OutputFactory(), TODAY)
    assert _table(figures, "log_now")["rows"][-1][1:] == [0, 0, 0, 0, 0]
    assert all(r[-1] == 0 for r in _table(figures, "contacts")["rows"])
    assert _table(figures, "reviews")["rows"] == []
    assert _table(figures, "consultations")["rows"] == []


# --- the chart ------------------------------------------------------------------------------


def _luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_chart_colours_meet_contrast_on_white():
    assert all(_contrast(colour, "#ffffff") >= 3 for colour in SERIES_COLOURS)  # WCAG 1.4.11
    assert _contrast(TEXT_COLOUR, "#ffffff") >= 4.5  # WCAG 1.4.3


def test_user_log_page_shows_the_charts_with_their_tables(log, login):
    with time_machine.travel(NOW, tick=False):
        html = login(log["owner"]).get(LOG).get_data(as_text=True)
    svgs = re.findall(r"<svg class=\"app-chart\".*?</svg>", html, re.S)
    assert len(svgs) == 3
    make_up = svgs[0]
    assert 'role="img"' in make_up
    assert 'aria-labelledby="chart-make-up-title chart-make-up-desc"' in make_up
    assert '<title id="chart-make-up-title">Users in the log by category' in make_up
    academics = "Academics and researchers: Access 0, Informed 1, Consulted 1, Involved 0, total 2"
    assert academics in make_up
    assert "Media: Access 1, Informed 0, Consulted 0, Involved 1, total 2" in make_up
    assert "style=" not in "".join(svgs)  # the Content Security Policy blocks inline styles
    assert "April to June 2025: 1" in svgs[1]  # new users
    assert "January to March 2025: 2" in svgs[2]  # contacts
    quarters = html.split("data-quarters", 1)[1].split("</table>", 1)[0]
    cells = re.findall(r'numeric">(\d+)</td>', quarters)
    assert cells == ["2", "2", "1", "1", "0", "0", "0", "0", "0", "0", "0", "0", "1", "0", "1", "1"]
    assert PAGE in html


# --- the export: page and workbook ----------------------------------------------------------


def test_evidence_page(log, login):
    with time_machine.travel(NOW, tick=False):
        response = login(log["owner"]).get(PAGE)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "User engagement evidence: Prison Population" in html
    assert 'data-table="log_by_category"' in html and 'data-table="feedback"' in html
    assert "Publishing twice a year" in html and "Workshop with prison reform charities" in html
    assert "Someone else" not in html and "Not ours" not in html and "Too old" not in html
    assert 'role="img"' in html
    assert "engagement-evidence.xlsx" in html


def test_evidence_workbook(log, login):
    with time_machine.travel(NOW, tick=False):
        response = login(log["owner"]).get(PAGE + ".xlsx")
    assert response.status_code == 200
    assert (
        "prison-population-engagement-evidence-2026-11-20.xlsx"
        in response.headers["Content-Disposition"]
    )
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == [
        "About",
        "Log now",
        "Log by category",
        "Log by level",
        "New users",
        "Contacts",
        "Feedback",
        "Consultations",
        "Reviews",
        "Success stories",
    ]
    about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True)}
    assert about["User engagement evidence"] == "Prison Population"
    assert about["Period start"] == "2025-01-01"
    level = list(book["Log by level"].iter_rows(values_only=True))
    assert level[0][0].startswith("Size of the user log")
    assert level[3] == ("Quarter", "Access", "Informed", "Consulted", "Involved", "Total")
    assert level[4] == ("January to March 2025", 1, 1, 1, 0, 3)
    assert level[11] == ("October to December 2026 (to 20 November)", 2, 2, 1, 1, 6)
    feedback = list(book["Feedback"].iter_rows(values_only=True))
    assert feedback[5][1:] == (2, 1, 0, 1, 0, 0, 2)
    reviews = list(book["Reviews"].iter_rows(values_only=True))
    # Text a spreadsheet would run as a formula is kept as text.
    assert reviews[4][2] == "'=SUM(A1:A9) users asked for local figures"
    consultations = list(book["Consultations"].iter_rows(values_only=True))
    assert consultations[4][6].startswith("'=HYPERLINK")
    stories = list(book["Success stories"].iter_rows(values_only=True))
    assert stories[4][1] == "Workshop with prison reform charities"
    empty = load_workbook(
        io.BytesIO(
            login(cso()).get("/staff/outputs/court-statistics/engagement-evidence.xlsx").get_data()
        )
    )
    assert list(empty["Reviews"].iter_rows(values_only=True))[4][0] == (
        "The output was not reviewed in the period."
    )


@pytest.mark.parametrize(
    "who, status",
    [("owner", 200), ("other", 403), ("cso", 200), ("chief", 200), ("admin", 200)],
)
@pytest.mark.parametrize("url", [PAGE, PAGE + ".xlsx"])
def test_who_may_have_the_evidence(log, login, who, status, url):
    user = {"cso": cso, "chief": chief, "admin": admin}.get(who)
    person = user() if user else log[who]
    assert login(person).get(url).status_code == status


def test_evidence_needs_sign_in_and_a_real_output(log, client, login):
    response = client.get(PAGE)
    assert response.status_code in (302, 303) and "/staff/sign-in" in response.headers["Location"]
    assert login(cso()).get("/staff/outputs/no-such-output/engagement-evidence").status_code == 404


def test_the_quarter_in_progress_says_so_to_its_last_day():
    last_day = date(2026, 12, 31)
    quarters = log_figures.recent_quarters(last_day)
    assert log_figures.quarter_label(quarters[-1], last_day) == (
        "October to December 2026 (to 31 December)"
    )
    assert log_figures.quarter_label(quarters[-2], last_day) == "July to September 2026"


def test_the_evidence_never_fails_on_stored_text(app, login):
    """Text stored before the text policy (control characters, NUL, a formula, a 40,000
    character note) still makes a page and a workbook that opens."""
    output = OutputFactory(title="Odd =1+1 \x0b title", slug="odd-output")
    db.session.add(
        OutputReview(
            output_id=output.id,
            reviewed_on=date(2026, 6, 1),
            findings="\x01+SUM(1) \x1b[31m red",
            actions="x" * 40_000,
        )
    )
    db.session.commit()
    with time_machine.travel(NOW, tick=False):
        client = login(cso())
        assert client.get("/staff/outputs/odd-output/engagement-evidence").status_code == 200
        response = client.get("/staff/outputs/odd-output/engagement-evidence.xlsx")
    book = load_workbook(io.BytesIO(response.get_data()))
    row = list(book["Reviews"].iter_rows(values_only=True))[4]
    assert row[2] == "'+SUM(1) [31m red"  # control characters gone, formula kept as text
    assert len(row[3]) == 32_767  # cut to what a cell holds
    about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True)}
    assert about["User engagement evidence"] == "Odd =1+1   title"
