"""Case search (issue 17): one function over PostgreSQL full-text search and SQLite FTS5;
references in any form; confidentiality; the box on every staff page; hostile input."""

from __future__ import annotations

import pytest

from engage.audit import AuditEvent
from engage.cases.models import Case
from engage.cases.search import (
    find_by_reference,
    normalise_reference,
    search_cases,
    search_query,
)
from engage.extensions import db
from engage.retention import anonymise_expired
from tests.conftest import count_queries
from tests.factories.auth import admin, chief, cso, producer
from tests.factories.cases import make_case, put_in_state


def _found(user, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    found = search_cases(user, text)
    if found is None:
        return []
    return [c.reference for c in found.cases()]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("C-2026-00021", "C-2026-00021"),
        ("c-2026-00021", "C-2026-00021"),
        ("2026-00021", "C-2026-00021"),
        (" C2026-21 ", "C-2026-00021"),
        ("c 2026/00021", "C-2026-00021"),
        ("Smith", None),
        ("2026", None),
        ("C-2026-", None),
        ("", None),
    ],
)
def test_references_are_read_in_any_case_with_or_without_the_prefix(text, expected):
    assert normalise_reference(text) == expected


class TestSearchFunction:
    def test_finds_by_reference_name_email_postcode_and_words(self, app):
        office = cso()
        smith = make_case(
            name="Jo Smith",
            email="jo.smith@example.com",
            address="1 High Street\nLeeds\nLS1 4AP",
            message="Why were the prison population figures late?",
        )
        other = make_case(name="Sam Patel", email="sam@example.org", message="Court timeliness")
        assert _found(office, smith.reference.lower()) == [smith.reference]
        assert _found(office, smith.reference[2:]) == [smith.reference]
        assert _found(office, "smith") == [smith.reference]
        assert _found(office, "SMI") == [smith.reference]  # the start of a word
        assert _found(office, "jo.smith@example.com") == [smith.reference]
        assert _found(office, "ls1 4ap") == [smith.reference]
        assert _found(office, "prison figures") == [smith.reference]
        assert _found(office, "prison timeliness") == []  # every word must match
        assert _found(office, "timeliness") == [other.reference]
        assert _found(office, "example") == [other.reference, smith.reference]  # newest first

    def test_the_index_follows_changes_and_anonymisation(self, app):
        office = cso()
        case = make_case(name="Ann Original", message="About tables")
        case.requester_name = "Ann Corrected"
        db.session.commit()
        assert _found(office, "corrected") == [case.reference]
        assert _found(office, "original") == []
        put_in_state(case, "closed")
        from datetime import date

        anonymise_expired(date(2040, 1, 1))
        assert _found(office, "corrected") == []
        assert _found(office, "tables") == []
        assert _found(office, case.reference) == [case.reference]  # the reference is kept

    def test_a_producer_never_learns_that_a_complaint_exists(self, app):
        me = producer()
        mine = make_case(kind="enquiry", name="Kim Lowe", assigned_to=me)
        hidden = make_case(kind="service_complaint", name="Kim Lowe")
        others = make_case(kind="enquiry", name="Kim Lowe", assigned_to=producer())
        assert _found(me, "kim lowe") == [mine.reference]
        assert _found(me, hidden.reference) == []
        assert find_by_reference(me, hidden.reference) is None
        assert find_by_reference(me, others.reference.lower()) is None
        assert find_by_reference(me, mine.reference.lower()).id == mine.id
        assert sorted(_found(chief(), "kim")) == sorted(
            [mine.reference, hidden.reference, others.reference]
        )
        assert _found(admin(), "kim") == []  # administrators do not see cases

    @pytest.mark.parametrize(
        "text",
        [
            '"',
            "*",
            "NEAR(a b)",
            "a:* & !b | c <-> d",
            "x\x00y",
            "\x07\x1b[31m",
            "' OR 1=1 --",
            "w" * 5000,
            " ".join(["word"] * 500),
            "9" * 400,
            "AND OR NOT",
            "ünïcödé 東京",
        ],
    )
    def test_hostile_text_is_only_ever_words(self, app, text):
        office = cso()
        make_case(name="Plain Name")
        _found(office, text)  # no error from either database's query language

    def test_no_words_means_no_search(self, app):
        assert search_cases(cso(), "  -- // ") is None


class TestSearchPages:
    def test_the_box_is_on_staff_pages_for_case_workers_only(self, app, login):
        for user in (cso(), producer()):
            page = login(user).get("/staff").get_data(as_text=True)
            assert 'action="/staff/search"' in page
        page = login(admin()).get("/staff").get_data(as_text=True)
        assert 'action="/staff/search"' not in page
        assert login(admin()).get("/staff/search?q=x").status_code == 403

    def test_a_reference_in_lower_case_opens_the_case(self, app, login):
        case = make_case()
        client = login(cso())
        response = client.get(f"/staff/search?q={case.reference.lower()}")
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/staff/cases/{case.reference}")
        response = client.get(f"/staff/cases/{case.reference.lower()}")
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/staff/cases/{case.reference}")
        assert client.get(f"/staff/cases/{case.reference.lower()}/acknowledge").status_code == 200

    def test_results_list_and_record_complaint_views(self, app, login):
        complaint = make_case(kind="service_complaint", name="Lee Green", message="Rude reply")
        make_case(kind="enquiry", name="Lee Green", message="A question")
        page = login(cso()).get("/staff/search?q=lee+green").get_data(as_text=True)
        assert "2 cases found" in page and "Rude reply" in page
        views = db.session.execute(
            db.select(AuditEvent).where(AuditEvent.action == "case.viewed")
        ).scalars()
        assert [(v.object_id, v.detail["how"]) for v in views] == [(complaint.reference, "search")]

    def test_a_hidden_complaint_looks_exactly_like_nothing(self, app, login):
        me = producer()
        hidden = make_case(kind="service_complaint", name="Zed Quill")
        client = login(me)
        found = client.get(f"/staff/search?q={hidden.reference}").get_data(as_text=True)
        missing = client.get("/staff/search?q=C-2026-99999").get_data(as_text=True)
        assert "No cases you can see match" in found
        main = lambda page: page.split("<main")[1].split("</main>")[0]  # noqa: E731
        assert main(found).replace(hidden.reference, "C-2026-99999") == main(missing)
        page = client.get("/staff/search?q=zed").get_data(as_text=True)
        assert "No cases you can see match" in page and "Zed" not in page.split("</h1>")[1]

    def test_hostile_query_strings_answer_normally(self, app, login):
        client = login(cso())
        for q in ["%00", "%22", "*", "w" * 5000, "%E2%80%AE", "C-2026-" + "9" * 200]:
            assert client.get(f"/staff/search?q={q}").status_code == 200

    def test_control_and_direction_characters_are_not_shown_back(self, app, login):
        client = login(cso())
        make_case(name="Pat Smith")
        page = client.get("/staff/search?q=pat%00%1b%E2%80%AEsmith%0D%0A").get_data(as_text=True)
        for character in ("\x00", "\x1b", "\u202e", "\r"):
            assert character not in page
        assert "Search results for ‘patsmith’" in page

    def test_query_count_does_not_grow_with_results(self, app, login):
        client = login(cso())
        make_case(name="Pat Count")
        client.get("/staff/search?q=pat")
        with count_queries() as one:
            client.get("/staff/search?q=pat")
        for _ in range(30):
            make_case(name="Pat Count")
        with count_queries() as many:
            page = client.get("/staff/search?q=pat").get_data(as_text=True)
        assert "31 cases found" in page
        assert len(many) == len(one)


def test_cases_table_and_index_stay_in_step_on_delete(app):
    case = make_case(name="Del Row")
    db.session.delete(case)
    db.session.commit()
    assert db.session.execute(db.select(Case)).first() is None
    assert _found(cso(), "del") == []


def test_the_search_reads_the_full_text_index(app):
    """EXPLAIN on either database: PostgreSQL reads the GIN index on the stored vector (scans
    of the table off, as a rare word in a large table makes the planner choose), SQLite drives
    the query from the FTS5 table's own index, newest first, reading each case by its id (no
    sort of every match, no scan of the cases)."""
    make_case(name="Plan Reader")
    query = search_query(cso(), "plan reader")
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")
            conn.exec_driver_sql("SET enable_indexscan = off")
            plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {compiled}"))
            assert "ix_cases_search_document" in plan, plan
        else:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
            plan = "\n".join(str(r[-1]) for r in rows)
            assert plan.splitlines()[0].startswith("SCAN case_search VIRTUAL TABLE INDEX"), plan
            assert "USING INTEGER PRIMARY KEY" in plan and "TEMP B-TREE" not in plan, plan


def test_migrations_leave_the_sqlite_index_and_its_triggers_in_place(tmp_path):
    """A later migration that rebuilds the cases table on SQLite (batch mode) would drop the
    FTS5 triggers with it: after `flask db upgrade` they must all be there."""
    import sqlite3

    from tests.test_migrations import _flask

    path = tmp_path / "upgraded.sqlite"
    done = _flask(["db", "upgrade"], f"sqlite:///{path}")
    assert done.returncode == 0, done.stderr[-2000:]
    with sqlite3.connect(path) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert {
        "case_search",
        "cases_search_insert",
        "cases_search_delete",
        "cases_search_update",
    } <= names
    with sqlite3.connect(path) as conn:  # with its prefix indexes (migration a17f7e4c0002)
        (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'case_search'").fetchone()
    assert "prefix='2 3 4 5 6 7 8 9 10'" in sql


def test_a_search_finding_very_many_cases_lists_the_newest_and_says_so(app, login, monkeypatch):
    """The count stops past RESULTS_MAX (a word in every message would otherwise count the
    whole table on every search): the newest are listed and the page asks for more words."""
    import engage.cases.search_views as views

    monkeypatch.setattr(views, "RESULTS_MAX", 2)
    for _ in range(3):
        make_case(message="Quarterly figures please")
    make_case(message="Something else")
    db.session.commit()
    page = login(cso()).get("/staff/search?q=quarterly").get_data(as_text=True)
    assert "More than 2 cases found: the newest 2 are listed" in page
    page = login(cso()).get("/staff/search?q=else").get_data(as_text=True)
    assert "1 case found" in page


class TestLongWords:
    """A word longer than the longest prefix SQLite indexes (10 characters) is first looked for
    by its first 10 characters; with few candidates, their own words are checked. Either way
    the cases found are the same, on either database, and the number of statements does not
    depend on how many cases match."""

    def _cases(self):  # type: ignore[no-untyped-def]
        return [
            make_case(name="Ann Accessibility", message="Tables for screen readers"),
            make_case(name="Bo Access", message="Accessibilityish words"),
            make_case(name="Cy Other", message="Accessible tables, not the long word"),
            make_case(name="Di Reader", message="Screen readers and accessibility again"),
        ]

    def test_the_same_cases_with_few_candidates_or_many(self, app, monkeypatch):
        import engage.cases.search as search

        ann, bo, _cy, di = self._cases()
        office = cso()
        expected = [di.reference, bo.reference, ann.reference]
        assert _found(office, "accessibility") == expected  # few: checked word by word
        assert _found(office, "ACCESSIBILITY readers") == [di.reference, ann.reference]
        assert _found(office, "accessibilityis") == [bo.reference]
        assert _found(office, "accessibilityz") == []
        monkeypatch.setattr(search, "FEW", 0)  # many: the full index
        assert _found(office, "accessibility") == expected
        assert _found(office, "ACCESSIBILITY readers") == [di.reference, ann.reference]
        assert _found(office, "accessibilityis") == [bo.reference]
        assert _found(office, "accessibilityz") == []

    def test_a_producer_finds_only_their_own_by_a_long_word(self, app):
        me = producer()
        mine = make_case(kind="enquiry", message="Accessibility of tables", assigned_to=me)
        make_case(kind="service_complaint", message="Accessibility of tables")
        assert _found(me, "accessibility") == [mine.reference]
        assert _found(me, "accessibility " + mine.reference) == [mine.reference]

    def test_statements_do_not_depend_on_how_many_match(self, app, login, monkeypatch):
        import engage.cases.search as search

        monkeypatch.setattr(search, "FEW", 5)
        client = login(cso())
        make_case(name="Pat Accessibility")
        client.get("/staff/search?q=accessibility")
        with count_queries() as one:
            page = client.get("/staff/search?q=accessibility").get_data(as_text=True)
        assert "1 case found" in page
        for _ in range(10):  # more than FEW: the full index is read
            make_case(name="Pat Accessibility")
        with count_queries() as many:
            page = client.get("/staff/search?q=accessibility").get_data(as_text=True)
        assert "11 cases found" in page
        assert len(many) == len(one)
