"""The staff lists of the outputs area (outputs, feedback, a user log) as people see them: rows,
order on every page (the last pages are read from the other end), links and tags."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import url_for

from engage.extensions import db
from engage.outputs.links import row_link
from tests.factories.auth import admin, cso, producer
from tests.factories.outputs import (
    FeedbackFactory,
    LogEntryFactory,
    OutputFactory,
    StakeholderFactory,
)

PERSON_LINK = re.compile(r'<a class="govuk-link" href="/staff/stakeholders/(\d+)">([^<]*)</a>')


def _rows(html: str) -> list[str]:
    body = html.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', body, re.S)


def _cells(row: str) -> list[str]:
    return [re.sub(r"\s+", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


# --- user log ----------------------------------------------------------------------------------


@pytest.fixture
def long_log(app):
    owner = producer()
    output = OutputFactory(slug="long-log", producers=[owner])
    names = ["bob", "Alice", "alice", "Carol", "ALICE", "dave", "Bob"]
    entries = []
    for n in range(120):  # three pages of 50
        name = f"{names[n % len(names)]} {n % 9}"
        person = StakeholderFactory(name=name, category=["public", "media", "expert"][n % 3])
        entries.append(LogEntryFactory(output=output, stakeholder=person))
    return owner, output, entries


def test_user_log_pages_follow_name_order_case_insensitively_to_the_last_page(long_log, login):
    owner, output, entries = long_log
    expected = [
        e.stakeholder.name
        for e in sorted(entries, key=lambda e: (e.stakeholder.name.lower(), e.id))
    ]
    client = login(owner)
    shown = []
    for number in (1, 2, 3):  # page 3 is past the middle: read backwards and turned round
        html = client.get(f"/staff/outputs/long-log/user-log?page={number}").get_data(as_text=True)
        shown += [name for _, name in PERSON_LINK.findall(html)]
    assert shown == expected
    past_the_end = client.get("/staff/outputs/long-log/user-log?page=99").get_data(as_text=True)
    assert [name for _, name in PERSON_LINK.findall(past_the_end)] == expected[100:]


def test_user_log_filters_keep_the_name_order(long_log, login):
    owner, output, entries = long_log
    media = sorted(
        (e for e in entries if e.stakeholder.category == "media"),
        key=lambda e: (e.stakeholder.name.lower(), e.id),
    )
    html = (
        login(owner).get("/staff/outputs/long-log/user-log?category=media").get_data(as_text=True)
    )
    assert [name for _, name in PERSON_LINK.findall(html)] == [e.stakeholder.name for e in media]
    assert "40 users matching the filters" in html


def test_user_log_rows_link_where_url_for_does(app, login):
    owner = producer()
    output = OutputFactory(slug="linked", producers=[owner])
    entry = LogEntryFactory(
        output=output,
        stakeholder=StakeholderFactory(name="Ada Lovelace", organisation="", email=None),
        uses="u" * 100,
        first_contact_on=None,
        latest_contact_on=None,
    )
    html = login(owner).get("/staff/outputs/linked/user-log").get_data(as_text=True)
    (row,) = _rows(html.split("data-user-log", 1)[1])
    with app.test_request_context("/"):
        hrefs = [
            url_for(f"outputs.{endpoint}", slug="linked", entry_id=entry.id)
            for endpoint in (
                "log_entry_edit",
                "contact_new",
                "log_entry_remove",
                "log_entry_history",
            )
        ]
        person = url_for("outputs.stakeholder_detail", stakeholder_id=entry.stakeholder_id)
    for href in hrefs:
        assert f'href="{href}"' in row
    assert f'<a class="govuk-link" href="{person}">Ada Lovelace</a></td>' in row
    cells = _cells(row)[1:]  # after the checkbox that selects the row (bulk changes)
    assert cells[3] == "u" * 77 + "..." and cells[5:8] == ["Not recorded", "Not recorded", ""]


# --- outputs list -----------------------------------------------------------------------------


def test_outputs_list_shows_producers_and_marks_a_producers_own(app, login):
    first, second, third = producer(name="Zoe First"), producer(name="Ann Second"), producer()
    OutputFactory(title="A Output", slug="a-output", producers=[second, first])
    OutputFactory(title="B Output", slug="b-output", producers=[third])
    OutputFactory(title="C Output", slug="c-output")
    html = login(first).get("/staff/outputs").get_data(as_text=True)
    rows = _rows(html)
    assert [_cells(r)[2] for r in rows] == ["Zoe First, Ann Second", third.name, "None"]
    assert ["Yours" in r for r in rows] == [True, False, False]
    assert 'href="/staff/outputs/a-output">A Output</a>' in rows[0]
    assert "Add an output" not in html
    as_admin = login(admin()).get("/staff/outputs").get_data(as_text=True)
    assert "Yours" not in as_admin
    assert (
        '<a href="/staff/outputs/new" role="button" draggable="false" '
        'class="govuk-button govuk-button--secondary" data-module="govuk-button">' in as_admin
    )


def test_outputs_list_pages(app, login):
    for n in range(55):
        OutputFactory(title=f"Output {n:02d}", slug=f"output-{n:02d}")
    client = login(cso())
    first = [_cells(r)[0] for r in _rows(client.get("/staff/outputs").get_data(as_text=True))]
    second_html = client.get("/staff/outputs?page=2").get_data(as_text=True)
    second = [_cells(r)[0] for r in _rows(second_html)]
    assert len(first) == 50 and len(second) == 5
    assert "Output 00" in first[0] and "Output 54" in second[-1]
    assert "Showing 51 to 55 of 55" in second_html


# --- feedback list ----------------------------------------------------------------------------


def test_feedback_list_rows_pages_and_statuses(app, login):
    output = OutputFactory(title="Prison Population", slug="prison-population")
    start = datetime(2026, 1, 1, 12, tzinfo=UTC)
    items = [
        FeedbackFactory(
            output=output if n % 2 else None,
            received_at=start + timedelta(hours=n),
            comments=f"Comment {n}",
        )
        for n in range(60)
    ]
    items[59].reviewed_at = start  # reviewed: left out of the default view
    db.session.commit()
    client = login(cso())
    newest_first = [i for i in reversed(items) if i.reviewed_at is None]
    seen = []
    for number in (1, 2, 3):  # page 3 is past the middle: read backwards and turned round
        html = client.get(f"/staff/feedback?page={number}").get_data(as_text=True)
        seen += [_cells(r) for r in _rows(html)]
    assert [c[5] for c in seen] == [i.comments for i in newest_first]
    first = seen[0]  # the first cell holds the checkbox that selects the row
    assert first[1] == (
        f'<a class="govuk-link" href="/staff/feedback/{items[58].id}">{items[58].reference}</a>'
    )
    assert first[3] == "General" and seen[1][3] == "Prison Population"
    assert first[6] == '<strong class="govuk-tag govuk-tag--yellow">Not reviewed</strong>'
    everything = client.get("/staff/feedback?show=all").get_data(as_text=True)
    assert "Showing 1 to 25 of 60" in everything
    assert '<strong class="govuk-tag govuk-tag--green">Reviewed</strong>' in everything
    general = client.get("/staff/feedback?show=general").get_data(as_text=True)
    assert "Showing 1 to 25 of 30" in general and "Prison Population" not in general
    own = client.get("/staff/outputs/prison-population/feedback").get_data(as_text=True)
    assert "Showing 1 to 25 of 30" in own and "General" not in own


# --- row links ---------------------------------------------------------------------------------


def test_row_link_gives_what_url_for_gives(app):
    with app.test_request_context("/", base_url="http://example.test/prefix"):
        edit = row_link("outputs.log_entry_edit", "entry_id", slug="my-output")
        detail = row_link("outputs.output_detail", "slug")
        assert edit(42) == url_for("outputs.log_entry_edit", slug="my-output", entry_id=42)
        assert edit(42).startswith("/prefix/staff/outputs/my-output/")
        assert detail("a-slug-2") == url_for("outputs.output_detail", slug="a-slug-2")
        # Not a plain slug: url_for quotes it.
        assert detail("a b/é") == url_for("outputs.output_detail", slug="a b/é")


def test_user_log_rows_hold_no_email_or_links_for_someone_who_cannot_edit(app):
    from engage.outputs import logs
    from engage.outputs.userlog_views import _log_rows

    output = OutputFactory(slug="rows")
    LogEntryFactory(
        output=output,
        stakeholder=StakeholderFactory(name="Ada", email="ada@uni.example", category="media"),
        engagement_level="involved",
        source="event",
    )
    items = db.session.execute(logs.log_query(output.id)).all()
    with app.test_request_context("/"):
        (shown,) = _log_rows(items, output, editable=False)
        (kept,) = _log_rows(items, output, editable=True)
    assert (
        shown[1:9]
        == kept[1:9]
        == (
            "Ada",
            "University of Leeds",
            "Media",
            "Involved",
            "Research on reoffending",
            "Event",
            "10 Jan 2025",
            "1 Jun 2025",
        )
    )
    assert shown[9:13] == ("", "", "", "") and shown[14] == "" and kept[9] == "ada@uni.example"
