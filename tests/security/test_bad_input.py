"""Bad input: random and hostile values posted to every public form and to the main staff
forms. Never a server error; always a GOV.UK error summary (the checked test client fails any
page with field errors but no summary) or success. Forms come from the URL map, so forms added
later are covered. A script payload stored through a public form is shown escaped to staff."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engage.cases.models import Case
from engage.extensions import db
from tests.factories.auth import UserFactory, cso
from tests.security.publicforms import main_form, make_world, public_post_urls, submit_flow

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}",
    "'; DROP TABLE cases; --",
    "\x00",
    "a\x00b",
    "\x1b[31m\x07\x08",
    "\r\n\r\nSet-Cookie: x=y",
    "\u202e\u200b\ufeff",
    "😀" * 50,
    "x" * 100_000,
    "",
    " ",
    "../../etc/passwd",
    "javascript:alert(1)",
    "person@example.org\nBcc: victim@example.org",
]
ODD_DATE_PARTS = ["31", "30", "29", "0", "-1", "99999", "ab", "", "1.5", "２"]

text_values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=300),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=20),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
)


def _values(data):  # type: ignore[no-untyped-def]
    """A `values(name, kind)` callback drawing a hostile value for every field."""

    def values(name: str, kind: str) -> str | None:
        if name in ("csrf_token", "website") or kind == "hidden":
            return None
        if re.search(r"(day|month|year)$", name):
            return data.draw(st.one_of(st.sampled_from(ODD_DATE_PARTS), text_values))
        if kind in ("radio", "checkbox", "select"):
            return data.draw(st.one_of(st.none(), st.sampled_from(HOSTILE[:6])))
        return data.draw(text_values)

    return values


def _check(response, url: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code < 500, (url, response.status_code)
    assert response.status_code in (200, 302, 303, 404), (url, response.status_code)


SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def world(app):
    make_world()
    return app


def test_every_public_form_survives_hostile_values(world, client):
    urls = public_post_urls(world)
    assert "/contact" in urls

    @SETTINGS
    @given(data=st.data(), url=st.sampled_from(urls))
    def run(data, url):  # type: ignore[no-untyped-def]
        response = submit_flow(client, url, _values(data))
        _check(response, url)

    run()


@pytest.mark.parametrize(
    "body",
    [
        b"message=%ff%fe%fd&requester_name=\xff\xfe&requester_email=a%00b",
        b"\xff\xfe\x00\x01=\x80\x81",
        b"%%%%&&&&====",
        b"kind=enquiry&kind=media&kind=%00",
    ],
)
def test_invalid_bytes_in_the_raw_body_never_cause_a_server_error(world, client, body):
    for url in public_post_urls(world):
        response = client.post(url, data=body, content_type="application/x-www-form-urlencoded")
        _check(response, url)


def _staff_form_urls(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Staff pages that show a form and take no record in the URL ("new" forms and the
    like), plus the forms of the record made by make_world."""
    urls = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if not rule.rule.startswith("/staff") or getattr(view, "engage_public", False):
            continue
        if not {"GET", "POST"} <= rule.methods:
            continue
        if rule.arguments - {"slug"}:
            continue
        urls.append(rule.rule.replace("<slug>", "target"))
    return sorted(urls)


def test_staff_forms_survive_hostile_values(world, login):
    everyone = UserFactory(roles=["admin", "chief_statistician", "cso", "producer"])
    client = login(everyone)
    urls = [u for u in _staff_form_urls(world) if main_form(client.get(u).get_data(as_text=True))]
    assert "/staff/cases/new" in urls

    @SETTINGS
    @given(data=st.data(), url=st.sampled_from(urls))
    def run(data, url):  # type: ignore[no-untyped-def]
        response = submit_flow(client, url, _values(data), steps=1)
        _check(response, url)

    run()


def test_a_script_stored_through_a_public_form_is_escaped_for_staff(world, client, login):
    payload = "<script>alert(1)</script>"
    # A name is one line without markup (tests/security/test_contact_relay.py); it may still
    # try to break out of an attribute.
    name_payload = 'Jo" onmouseover="alert(1)'

    def values(name: str, kind: str) -> str | None:
        if kind == "textarea":
            return payload
        if "name" in name:
            return name_payload
        return None

    submit_flow(client, "/contact", values)
    case = db.session.execute(db.select(Case)).scalar_one()
    assert payload in case.message
    officer = login(cso())
    for url in (f"/staff/cases/{case.reference}", "/staff/cases"):
        html = officer.get(url).get_data(as_text=True)
        assert payload not in html and name_payload not in html, url
    html = officer.get(f"/staff/cases/{case.reference}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


HUGE = "99999999999999999999999"


def test_huge_numbers_in_urls_are_not_found_not_a_server_error(app, login):
    """A number too large for the database's integer, in a path or a filter, gave a 500
    (SQLite: 'Python int too large to convert to SQLite INTEGER')."""
    client = login(cso())
    for path in (f"/staff/reports/{HUGE}", f"/staff/cases/{HUGE}", "/staff/reports/2147483648"):
        assert client.get(path).status_code == 404, path
    for query in (f"output={HUGE}", f"assignee={HUGE}", "output=-1", "assignee=2147483648"):
        response = client.get(f"/staff/cases?{query}")
        assert response.status_code == 200, query
        response = client.get(f"/staff/cases/export.csv?{query}")
        assert response.status_code == 200, query


def test_control_characters_in_a_url_segment_are_not_found_not_a_server_error(app, login):
    """A NUL in a slug reached the database: PostgreSQL refuses NUL in text ('PostgreSQL text
    fields cannot contain NUL (0x00) bytes'), so /staff/outputs/%00/user-log was a 500."""
    client = login(cso())
    for path in (
        "/staff/outputs/%00/user-log",
        "/staff/outputs/a%00b/engagement-evidence",
        "/staff/outputs/a%1Fb",
        "/statistics/%00/feedback",
        "/unsubscribe/%00",
    ):
        assert client.get(path).status_code == 404, path
