"""Every POST form Engage renders carries a submission token, and the one hook of
engage/submissions.py applies each staff form once: a double click, a resend or two POSTs of the
same form racing each other change the record once and show the same confirmation. Runs on
SQLite and, with DATABASE_URL, on PostgreSQL.

The pages are found from the URL map with the fuzz suite's world (tests/security/
test_fuzz_every_form.py), so a form added later is checked without editing this file."""

from __future__ import annotations

import re
import threading
from datetime import date
from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup
from werkzeug.exceptions import HTTPException

from engage import submissions
from engage.audit import AuditEvent
from engage.cases.action_views import ACTIONS
from engage.cases.models import CaseEvent
from engage.consultations.models import Consultation
from engage.extensions import db
from engage.outputs.models import LogEntry
from engage.reports.models import UksaRecommendation
from tests.factories.auth import UserFactory, cso
from tests.factories.cases import make_case
from tests.factories.outputs import OutputFactory
from tests.security.publicforms import FORM_TYPE, encode_form, fill, main_form, row_counts
from tests.security.test_fuzz_every_form import (  # noqa: F401  (world: a fixture)
    ROLES,
    _form_urls,
    world,
)
from tests.smtp import smtp_sink  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("smtp_sink")

# Forms whose result is the session (sign in, sign out, passwords, second factor): a replay
# cannot give it back, so they are left out on purpose (engage/submissions.py).
NOT_REPLAYED = submissions.NOT_REPLAYED_BLUEPRINTS


def _page_urls(app, ids) -> list[str]:  # type: ignore[no-untyped-def]
    """Every page (GET) the URL map has, with the world's ids in its arguments."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        if re.search(r"\.(csv|xlsx|atom|ics|txt|json)$|download", rule.rule):
            continue
        actions = list(ACTIONS) if "action" in rule.arguments else [None]
        for action in actions:
            url = rule.rule
            for arg in rule.arguments:
                value = action if arg == "action" else ids.get(arg, 1)
                url = re.sub(rf"<[^>]*\b{arg}>", str(value), url)
            urls.append(url)
    return sorted(set(urls))


def _endpoint(app, path: str) -> str | None:  # type: ignore[no-untyped-def]
    try:
        endpoint, _ = app.url_map.bind("localhost").match(path, method="POST")
    except HTTPException:
        return None
    return endpoint


def test_every_post_form_on_every_page_carries_a_submission_token(world, login):  # noqa: F811
    app, users, ids = world
    everyone = login(UserFactory(roles=ROLES))
    public = app.test_client()
    missing, forms = [], 0
    for url in _page_urls(app, ids):
        for client in (everyone, public):
            page = client.get(url)
            if page.status_code != 200 or "text/html" not in page.content_type:
                continue
            soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
            for form in soup.find_all("form"):
                if (form.get("method") or "get").lower() != "post":
                    continue
                action = (form.get("action") or url).split("?")[0]
                endpoint = _endpoint(app, action)
                if endpoint is None or endpoint.split(".")[0] in NOT_REPLAYED:
                    continue
                forms += 1
                tokens = form.find_all("input", attrs={"name": submissions.FIELD})
                if len(tokens) != 1 or not submissions.TOKEN.fullmatch(tokens[0].get("value", "")):
                    missing.append((url, action, len(tokens)))
    assert missing == []
    assert forms > 40  # the walk did find the staff forms


def test_every_post_endpoint_is_applied_once_by_the_hook_or_by_its_view(app):
    """No POST route is outside the mechanism except the session's own pages."""
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint.split(".")[0] in NOT_REPLAYED:
            continue
        view = app.view_functions[rule.endpoint]
        assert not getattr(view, "own_submission_token", False) or rule.endpoint in {
            "cases.contact",
            "cases.case_new",
            "outputs.output_feedback",
            "outputs.general_feedback",
            "consultations.check_answers",
            "consent.message_new",
            "releases.subscribe",
            "releases.subscribe_all",
        }, rule.endpoint


# --- behaviour ---------------------------------------------------------------------------------


def _token(html: str, action: str | None = None) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for form in soup.find_all("form"):
        if action is None or (form.get("action") or "").split("?")[0] == action:
            field = form.find("input", attrs={"name": submissions.FIELD})
            if field is not None:
                return field["value"]
    raise AssertionError(f"no form with a token posting to {action}")


def _count(model, *where) -> int:  # type: ignore[no-untyped-def]
    db.session.rollback()
    return db.session.execute(
        db.select(db.func.count()).select_from(model).where(*where)
    ).scalar_one()


def _twin(app, client):  # type: ignore[no-untyped-def]
    """A second client with the same session (a second tab, or the browser's own resend)."""
    twin = app.test_client()
    name = app.config["SESSION_COOKIE_NAME"]
    twin.set_cookie(name, client.get_cookie(name).value)
    return twin


def _race(requests) -> list:  # type: ignore[no-untyped-def]
    """Run each (client, url, data) POST in its own thread, all at once."""
    start = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def post(i: int, client, url: str, data: dict) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        results[i] = client.post(url, data=data)

    threads = [threading.Thread(target=post, args=(i, *r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _changes() -> dict[str, int]:
    """Every table's row count, audit events included (an edit adds no row but is audited)."""
    db.session.rollback()
    counts = row_counts()
    counts["audit_events"] = _count(AuditEvent)
    return counts


def _flashes(client) -> list:  # type: ignore[no-untyped-def]
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


def _send(client, action: str, data: dict):  # type: ignore[no-untyped-def]
    return client.post(action, data=encode_form(data), content_type=FORM_TYPE)


def test_every_staff_form_sent_twice_is_applied_once_with_the_same_answer(world, login):  # noqa: F811
    """A resend (or a double click the browser sends twice) of every staff form found in the
    URL map: the second POST changes nothing and gets the first one's redirect and messages."""
    app, users, ids = world
    client = login(UserFactory(roles=ROLES))
    client.check_pages = False
    checked = []
    for url in _form_urls(app, ids):
        if not url.startswith("/staff"):
            continue
        page = client.get(url)
        form = main_form(page.get_data(as_text=True)) if page.status_code == 200 else None
        if form is None:
            continue
        action = urljoin(url, form.get("action") or url)
        endpoint = _endpoint(app, action)
        if endpoint is None or endpoint.split(".")[0] in NOT_REPLAYED:
            continue
        data = fill(form)
        _flashes(client)
        with client.session_transaction() as session:
            session.pop("_flashes", None)
        first = _send(client, action, data)
        if not 300 <= first.status_code < 400:
            continue  # refused with errors (the token is given back) or a download
        told = _flashes(client)
        with client.session_transaction() as session:
            session.pop("_flashes", None)
        before = _changes()
        second = _send(client, action, data)
        assert (second.status_code, second.location) == (first.status_code, first.location), url
        assert _changes() == before, url
        assert _flashes(client) == told, url
        checked.append(endpoint)
    assert len(checked) >= 15 and len(set(checked)) >= 12, checked


# --- two POSTs at once, for a few representative forms ------------------------------------------


def _twin(app, client):  # type: ignore[no-untyped-def]
    """A second client with the same session (a second tab, or the browser's own resend)."""
    twin = app.test_client()
    twin.check_pages = False
    name = app.config["SESSION_COOKIE_NAME"]
    twin.set_cookie(name, client.get_cookie(name).value)
    return twin


def _race(requests) -> list:  # type: ignore[no-untyped-def]
    """Run each (client, url, data) POST in its own thread, all at once."""
    start = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def post(i: int, client, url: str, data: dict) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        results[i] = _send(client, url, data)

    threads = [threading.Thread(target=post, args=(i, *r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.fixture
def staff(app, login):  # type: ignore[no-untyped-def]
    user = UserFactory(roles=ROLES)
    db.session.commit()
    client = login(user)
    client.check_pages = False
    return user, client


def _problems(html: str) -> str:
    summary = BeautifulSoup(html, "html.parser").find(class_="govuk-error-summary")
    return summary.get_text(" ", strip=True) if summary else html[:2000]


def _fill(form, when: date | None = None, **values):  # type: ignore[no-untyped-def]
    """Valid values for a form (tests/security/publicforms.fill), with its GOV.UK dates (three
    boxes of one name) set to `when` (default today) and `values` where given."""
    data = fill(form, lambda name, kind: values.get(name))
    when = when or date.today()
    for box in form.find_all("input", id=re.compile(r"-day$")):
        if box.get("name") and box["name"] not in values:
            data[box["name"]] = [str(when.day), str(when.month), str(when.year)]
    return data


def _race_the_form(app, client, url: str, **values):  # type: ignore[no-untyped-def]
    """Fill the form at `url` (with `values` where given), then POST it twice at once with the
    same token from two clients sharing one session. Returns both responses."""
    page = client.get(url)
    assert page.status_code == 200, url
    form = main_form(page.get_data(as_text=True))
    data = _fill(form, **values)
    assert TOKEN_FIELD in data and data[TOKEN_FIELD]
    action = urljoin(url, form.get("action") or url)
    responses = _race([(client, action, data), (_twin(app, client), action, data)])
    assert [r.status_code for r in responses] == [302, 302], [
        _problems(r.get_data(as_text=True)) for r in responses
    ]
    assert responses[0].location == responses[1].location
    return responses


TOKEN_FIELD = submissions.FIELD


def test_two_concurrent_case_notes_add_one(app, staff):
    _, client = staff
    case = make_case()
    db.session.commit()
    _race_the_form(app, client, f"/staff/cases/{case.reference}/add-note")
    assert _count(CaseEvent, CaseEvent.case_id == case.id, CaseEvent.action == "note") == 1


def test_two_concurrent_acknowledgements_apply_once(app, staff):
    _, client = staff
    case = make_case()
    db.session.commit()
    before = _count(CaseEvent, CaseEvent.case_id == case.id)
    _race_the_form(app, client, f"/staff/cases/{case.reference}/acknowledge")
    assert _count(CaseEvent, CaseEvent.case_id == case.id) == before + 1


def test_two_concurrent_new_consultations_store_one(app, staff):
    _, client = staff
    OutputFactory(slug="prices")
    db.session.commit()
    year = str(date.today().year + 1)
    _race_the_form(
        app,
        client,
        "/staff/consultations/new",
        opens_on=["1", "3", year],
        closes_on=["1", "5", year],
    )
    assert _count(Consultation) == 1


def test_two_concurrent_user_log_entries_store_one(app, staff):
    user, client = staff
    output = OutputFactory(slug="log", producers=[user])
    db.session.commit()
    _race_the_form(app, client, f"/staff/outputs/{output.slug}/user-log/add", phone="020 7946 0000")
    assert _count(LogEntry) == 1


def test_two_concurrent_recommendations_store_one(app, staff):
    _, client = staff
    _race_the_form(app, client, "/staff/reports/recommendations/new")
    assert _count(UksaRecommendation) == 1


def test_changed_fields_after_back_are_a_new_submission_not_a_resend(app, staff):
    """The browser's Back button can show a sent form again with its token: what is typed
    into it then is not lost to a replay of the first answer."""
    _, client = staff
    url = "/staff/reports/recommendations/new"
    form = main_form(client.get(url).get_data(as_text=True))
    first = _fill(form)
    assert _send(client, url, first).status_code == 302
    assert _send(client, url, first).status_code == 302
    assert _count(UksaRecommendation) == 1
    changed = {k: (v + " (changed)" if k == "text" else v) for k, v in first.items()}
    assert _send(client, url, changed).status_code == 302
    assert _count(UksaRecommendation) == 2


def test_a_form_refused_with_errors_can_be_corrected_and_sent_with_its_token(app, staff):
    _, client = staff
    url = "/staff/reports/recommendations/new"
    form = main_form(client.get(url).get_data(as_text=True))
    data = _fill(form)
    refused = _send(client, url, {TOKEN_FIELD: data[TOKEN_FIELD]})
    assert refused.status_code == 200 and "There is a problem" in refused.get_data(as_text=True)
    assert _send(client, url, data).status_code == 302
    assert _count(UksaRecommendation) == 1


def test_sign_in_pages_carry_no_token(app):
    """Sign-in and sign-out are not replayed (their result is the session)."""
    cso()
    db.session.commit()
    page = app.test_client().get("/staff/sign-in").get_data(as_text=True)
    assert TOKEN_FIELD not in page


def test_a_view_that_claims_the_token_the_hook_claimed_is_not_made_to_wait(app, login):
    """A view calling submissions.begin itself with the token the hook already claimed for this
    request goes ahead (it used to wait for itself and then take its own POST for a resend)."""
    from flask import g

    with app.test_request_context("/staff", method="POST"):
        token = submissions.new_token()
        assert not submissions.begin(token, "first").duplicate
        g.submission_claim = (token, 0, "digest")
        assert not submissions.begin(token, "again").duplicate
        g.pop("submission_claim")
