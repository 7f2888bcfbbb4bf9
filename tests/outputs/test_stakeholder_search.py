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
