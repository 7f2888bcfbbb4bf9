"""Query counts of the pages do not grow with the data (issue 10). Not timed.

Every GET page in the URL map is fetched (route arguments filled from the data), once with 20
rows in every large table and once with 400, as a person holding every role and as a producer;
a page whose number of SQL statements changes with the data makes a query per row (or per
page of rows) and fails. Pages added later are picked up by themselves: a route with an
argument this test cannot fill is listed by `test_main_pages_are_covered` only if it is one of
the main pages of the benchmark.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from engage.auth.models import User
from engage.cases.models import Case
from engage.consultations.models import Consultation
from engage.extensions import db
from engage.outputs.models import Feedback, LogEntry, Output, Stakeholder
from tests.conftest import count_queries
from tests.factories.auth import UserFactory
from tests.performance.bulk import CONSULTATION_SLUG, SLUG, base, grow

SMALL, LARGE = 20, 400
# Downloads are allowed to grow in size, not in number of queries; they are checked too.
SKIP_ENDPOINTS = {"static", "auth.sign_in", "auth.sign_in_code", "auth.set_up_authenticator"}
MAIN_PAGES = [
    "/staff",
    "/staff/cases",
    "/staff/cases?sla=overdue",
    f"/staff/outputs/{SLUG}/user-log",
    f"/staff/consultations/{CONSULTATION_SLUG}/responses",
    "/performance",
]
EXTRA_URLS = [
    "/staff/cases?kind=service_complaint",
    "/staff/cases?state=acknowledged",
    "/staff/cases?sla=in_time",
    "/staff/cases?sla=due_soon",
    "/staff/cases?sla=met",
    "/staff/cases?sla=missed",
    "/staff/cases?assignee=none",
    "/staff/cases?sort=received",
    "/staff/cases?page=9999",
    "/staff/cases?received_from=2020-01-01&received_to=2030-12-31",
]


def _arguments(rule: Any, ids: dict[str, Any]) -> dict[str, Any] | None:
    """Values for a rule's arguments from the data, or None when one is unknown."""
    values: dict[str, Any] = {}
    for name in rule.arguments:
        if name == "slug":
            consult = "consultations" in rule.rule
            values[name] = ids["consultation_slug"] if consult else ids["output_slug"]
        elif name in ids:
            values[name] = ids[name]
        else:
            return None
    return values


def _urls(app: Flask, ids: dict[str, Any]) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()) or rule.endpoint in SKIP_ENDPOINTS:
            continue
        values = _arguments(rule, ids)
        if values is None:
            continue
        urls.append(rule.build(values, append_unknown=False)[1])
    extra = [u.replace("assignee=none", f"assignee={ids['user_id']}") for u in EXTRA_URLS]
    return sorted(set(urls) | set(MAIN_PAGES)) + extra


def _ids(owner: User) -> dict[str, Any]:
    first = sa.select
    case = db.session.execute(
        first(Case).where(Case.kind == "service_complaint").order_by(Case.id).limit(1)
    ).scalar_one()
    entry = db.session.execute(first(LogEntry).order_by(LogEntry.id).limit(1)).scalar_one()
    return {
        "output_slug": SLUG,
        "consultation_slug": CONSULTATION_SLUG,
        "reference": case.reference,
        "user_id": owner.id,
        "entry_id": entry.id,
        "stakeholder_id": db.session.execute(first(sa.func.min(Stakeholder.id))).scalar_one(),
        "feedback_id": db.session.execute(first(sa.func.min(Feedback.id))).scalar_one(),
    }


PRODUCER_PAGES = ["/staff", "/staff/cases", "/staff/outputs", f"/staff/outputs/{SLUG}/user-log"]


def _get(client: Any, url: str) -> int:
    try:
        return client.get(url).status_code
    except Exception:  # a page broken for another reason is that area's tests' business
        return 500


VIEW_RECORDING = ("INSERT INTO AUDIT_EVENTS", "SET LOCAL SYNCHRONOUS_COMMIT")


def _counts(clients: dict[str, Any], urls: list[str]) -> dict[tuple[str, str], tuple[int, int]]:
    out = {}
    for who, client in clients.items():
        for url in urls if who == "all roles" else PRODUCER_PAGES:
            _get(client, url)  # warm: per-process caches (calendar, templates) fill once
            # Requests share the test's app context and so its session: start each count with
            # an empty identity map, as a real request does.
            db.session.remove()
            with count_queries() as statements:
                status = _get(client, url)
            db.session.rollback()
            # The one INSERT that records views of complaints on a page (issue 17), and the
            # statement that lets that transaction commit without waiting for the disk on
            # PostgreSQL (audit.commit_views), depend on whether the page shows a complaint,
            # not on how much data there is.
            reads = [q for q in statements if not q.lstrip().upper().startswith(VIEW_RECORDING)]
            out[(who, url)] = (status, len(reads))
    return out


@pytest.fixture
def grown(app: Flask, login):  # type: ignore[no-untyped-def]
    everyone = UserFactory(roles=["admin", "chief_statistician", "cso", "producer"])
    producer = UserFactory(roles=["producer"])
    base(producer)
    grow(SMALL, producer, everyone)
    clients = {"all roles": login(everyone), "producer": login(producer)}
    for client in clients.values():
        client.check_pages = False  # page quality is each area's test; this one counts queries
    urls = _urls(app, _ids(producer))
    ids = (producer.id, everyone.id)
    small = _counts(clients, urls)
    grow(LARGE - SMALL, db.session.get(User, ids[0]), db.session.get(User, ids[1]))
    large = _counts(clients, urls)
    return small, large


def test_query_counts_do_not_grow_with_data(grown) -> None:  # type: ignore[no-untyped-def]
    small, large = grown
    assert db.session.execute(sa.select(sa.func.count()).select_from(Case)).scalar_one() == LARGE
    grew = {
        f"{who} GET {url}": f"{small[key][1]} queries with {SMALL} rows, "
        f"{large[key][1]} with {LARGE}"
        for key in small
        for who, url in [key]
        if small[key][0] == 200 and large[key][0] == 200 and small[key][1] != large[key][1]
    }
    assert not grew, "query counts grew with the data:\n" + "\n".join(
        f"{page}: {what}" for page, what in sorted(grew.items())
    )
    checked = [key for key in small if small[key][0] == 200]
    assert len(checked) >= 20  # the test really fetched pages
    # The main pages of the benchmark are among them, for the person holding every role.
    for url in MAIN_PAGES:
        assert small[("all roles", url)][0] == 200, url


def test_bulk_data_is_visible_to_the_app(app: Flask) -> None:
    """The test's own bulk rows are valid data: the app reads them like any other."""
    owner = UserFactory(roles=["producer"])
    office = UserFactory(roles=["cso"])
    base(owner)
    grow(5, owner, office)
    assert db.session.execute(sa.select(sa.func.count()).select_from(LogEntry)).scalar_one() == 5
    output = db.session.execute(sa.select(Output).where(Output.slug == SLUG)).scalar_one()
    assert output.is_owned_by(owner)
    consultation = db.session.execute(
        sa.select(Consultation).where(Consultation.slug == CONSULTATION_SLUG)
    ).scalar_one()
    assert len(consultation.questions) == 3
