"""Finding people (issue 21 item 1): by the start of a name, organisation or email address;
the CSO office finds anyone, a producer only people in their own outputs' logs, and never a
name, organisation or phone recorded by a log they do not keep."""

from __future__ import annotations

import pytest

from engage.outputs import search
from tests.factories.auth import cso, producer
from tests.factories.outputs import LogEntryFactory, OutputFactory, StakeholderFactory

SECRET = "Bethany Secretname"


@pytest.fixture
def people(app):
    a, b = producer(email="a@example.gov.uk"), producer(email="b@example.gov.uk")
    out_a = OutputFactory(slug="out-a", producers=[a])
    out_b = OutputFactory(slug="out-b", producers=[b])
    ada = StakeholderFactory(
        name="Ada Lovelace", organisation="Analytical Engines", email="ada@x.org"
    )
    grace = StakeholderFactory(name="Grace Hopper", organisation="Navy", email="grace@navy.org")
    shared = StakeholderFactory(
        name=SECRET, organisation="Hidden Institute", email="shared@y.org", phone="07700 900123"
    )
    LogEntryFactory(output=out_a, stakeholder=ada)
    LogEntryFactory(output=out_b, stakeholder=grace)
    LogEntryFactory(output=out_a, stakeholder=shared)
    LogEntryFactory(output=out_b, stakeholder=shared)
    return a, b, ada, grace, shared


def _labels(found) -> list[str]:
    return [f.label for f in found]


def test_the_cso_finds_anyone_by_the_start_of_name_organisation_or_email(people):
    office = cso()
    assert _labels(search.search_people(office, "ada")) == ["Ada Lovelace"]
    assert _labels(search.search_people(office, "  NAVY ")) == ["Grace Hopper"]
    assert _labels(search.search_people(office, "grace@")) == ["Grace Hopper"]
    assert _labels(search.search_people(office, "beth")) == [SECRET]
    assert search.search_people(office, "a") == []  # too short


def test_wildcards_and_control_characters_are_just_text(people):
    office = cso()
    assert search.search_people(office, "%%") == []
    assert search.search_people(office, "__") == []
    assert _labels(search.search_people(office, "a\x00d\x07a")) == ["Ada Lovelace"]
    assert search.search_people(office, "x" * 5000) == []


def test_a_producer_finds_only_people_in_their_own_logs(people):
    a, _b, _ada, _grace, _shared = people
    assert _labels(search.search_people(a, "ada")) == ["Ada Lovelace"]
    assert search.search_people(a, "grace") == []  # only in B's log
    assert search.search_people(producer(), "ada") == []  # keeps no log


def test_a_person_kept_by_another_log_is_found_and_shown_by_email_only(people, login):
    a, _b, _ada, _grace, shared = people
    assert search.search_people(a, "beth") == []  # the name is recorded by B's log
    assert search.search_people(a, "hidden") == []
    found = search.search_people(a, "shared@")
    assert [(f.label, f.organisation) for f in found] == [("shared@y.org", "")]
    html = login(a).get("/staff/stakeholders?q=shared").get_data(as_text=True)
    assert "shared@y.org" in html and SECRET not in html and "Hidden Institute" not in html
    assert f"/staff/stakeholders/{shared.id}" in html


def test_the_search_page(people, login):
    client = login(cso())
    html = client.get("/staff/stakeholders?q=Ada").get_data(as_text=True)
    assert "1 person found" in html and "Analytical Engines" in html
    assert "Enter at least 2 characters" in client.get("/staff/stakeholders?q=A").text
    assert "No one found" in client.get("/staff/stakeholders?q=zz%00").text
    assert client.get("/staff/stakeholders?q=" + "y" * 5000).status_code == 200
    assert login(producer()).get("/staff/stakeholders?q=ada").status_code == 200


def _plan(query, *off: str) -> str:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from engage.extensions import db

    if db.engine.dialect.name == "postgresql":
        # Whether the indexes *can* serve the query, whatever the (tiny) table's size: no
        # sequential scan, and the other plans named in `off` discouraged.
        for setting in ("enable_seqscan", *off):
            db.session.execute(text(f"SET LOCAL {setting} = off"))
        # The patterns are written into the statement (search._starts_with): render them.
        compiled = query.compile(db.engine, compile_kwargs={"render_postcompile": True})
        rows = db.session.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
        return "\n".join(r[0] for r in rows)
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    return "\n".join(r[-1] for r in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))


@pytest.mark.parametrize("who", ["cso", "producer"])
@pytest.mark.parametrize("text", ["ja", "university", "o'neill", "x_%"])
def test_the_search_reads_the_three_prefix_indexes(people, text, who):
    """The CSO's search matches each of name, organisation and email through its prefix index
    (on SQLite, an index range: its LIKE cannot use an index on lower(name)); a producer's may
    start from their own logs instead; neither reads every row, and a producer's check of who
    is also in other logs probes an index by the person (ix_log_entries_stakeholder_output, or
    on a tiny table the planner may take another that starts with the stakeholder)."""
    from engage.extensions import db

    user = cso() if who == "cso" else people[0]
    query = search.matching_query(user, text, db.engine.dialect.name).limit(50)
    # CSO: not a whole index read in name order. Producer: not a hash of every entry in logs
    # they do not keep, built by a bitmap scan (what a tiny table invites).
    plan = _plan(query, "enable_indexscan" if who == "cso" else "enable_bitmapscan")
    if who == "cso":
        indexes = [
            "ix_stakeholders_name_prefix",
            "ix_stakeholders_organisation_prefix",
            "ix_stakeholders_email_prefix",
        ]
    else:  # a probe per person by an index that starts with the stakeholder
        indexes = ["ix_log_entries_stakeholder_"]
    for index in indexes:
        assert index in plan, plan
    assert "SCAN stakeholders" not in plan and "Seq Scan on stakeholders" not in plan, plan
    assert "SCAN log_entries" not in plan and "Seq Scan on log_entries" not in plan, plan


def test_a_prefix_is_exact_at_the_edges(app):
    """The range form on SQLite finds what LIKE 'prefix%' finds: not the next letter, not a
    shorter name, and names starting with characters beyond ASCII."""
    office = cso()
    for name in ("Ja", "Jaz Patel", "Jb Smith", "J", "Jä Müller", "Zoë Ünal"):
        StakeholderFactory(name=name, organisation="", email=None)
    assert _labels(search.search_people(office, "ja")) == ["Ja", "Jaz Patel"]
    assert _labels(search.search_people(office, "zoë")) == ["Zoë Ünal"]
    assert _labels(search.search_people(office, "jä")) == ["Jä Müller"]


def test_a_producer_still_finds_their_people_behind_many_they_may_not_see(people):
    """People matched only by a name the producer may not see are dropped, and the search
    reads on (LIMIT at a time) to find the ones they may see."""
    a, b, *_ = people
    out_a, out_b = OutputFactory(producers=[a]), OutputFactory(producers=[b])
    for n in range(60):
        shared = StakeholderFactory(name=f"Sharp {n:02d}", email=f"p{n}@x.org")
        LogEntryFactory(output=out_a, stakeholder=shared)
        LogEntryFactory(output=out_b, stakeholder=shared)
    for n in range(5):
        LogEntryFactory(output=out_a, stakeholder=StakeholderFactory(name=f"Shaw {n}"))
    # The fixture's shared person is found by their email address (shared@y.org).
    expected = ["shared@y.org", *(f"Shaw {n}" for n in range(5))]
    assert _labels(search.search_people(a, "sh")) == expected
    assert len(search.search_people(cso(), "sh")) == search.LIMIT
