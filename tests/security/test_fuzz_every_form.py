"""The fuzz suite: every form in the URL map, as every role that may use it, posted with
control characters, NUL, lone surrogates, 100,000-character strings, huge numbers, malformed
dates, tampered choices and duplicated fields; then every job and every export run on what was
stored. Zero server errors (the test client raises them), zero stalled emails, and stored
values shown escaped. Runs on SQLite and, with DATABASE_URL, on PostgreSQL.

Forms are found from the URL map and from the pages themselves (tests/security/publicforms.py),
so forms added later are fuzzed without editing this file. Hypothesis examples are bounded so
the suite takes a minute or two."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import g
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from engage.cases.actions import NAME_FOR_SLUG
from engage.cases.models import Case
from engage.db_types import utcnow
from engage.extensions import db
from engage.jobs import JOBS
from engage.mail.models import OutboxEmail
from engage.mail.outbox import queue_email
from engage.scheduler.runner import run_job
from tests.factories.auth import UserFactory
from tests.factories.cases import make_case
from tests.factories.outputs import FeedbackFactory, LogEntryFactory, OutputFactory
from tests.factories.reports import AnnualReportFactory, RecommendationFactory
from tests.security.publicforms import (
    FORM_TYPE,
    SLUG,
    encode_form,
    main_form,
    make_world,
    submit_flow,
)
from tests.smtp import smtp_sink  # noqa: F401  (fixture)

# Every test here delivers email to a real SMTP server on loopback.
pytestmark = pytest.mark.usefixtures("smtp_sink")

SCRIPT = "<script>alert('fuzz')</script>"
HOSTILE = [
    SCRIPT,
    "\x00",
    "a\x00b",
    "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029",
    "\x1b[31m\x07\x08\x7f\x9f",
    "\ud800",
    "x\udfffy",
    "\r\n\r\nBcc: victim@example.org",
    '=HYPERLINK("http://x")',
    "x" * 100_000,
    "Unbroken" + "w" * 4_992,
    "9" * 40,
    "-" + "9" * 25,
    "1e400",
    "NaN",
    "",
    "e\u0301\ufeff\u202e",
]
DATE_PARTS = ["0", "32", "13", "99999", "1" * 19, "-1", "ab", "", "２", "1899", "2200"]
ROLES = ["admin", "chief_statistician", "cso", "producer"]

text = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=200))
# The pages change as records are stored (a case closed by one example has other forms in the
# next), so an example cannot be replayed: no shrinking, no example database.
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass
class Hostile:
    """Values drawn up front (the pages change as records are stored, so what is drawn must
    not depend on them): handed out in turn to the fields of whatever form the page shows."""

    texts: list[str]
    dates: list[str]
    duplicate: list[bool]
    # Only the field at this position is hostile (the others keep valid values, so the form
    # is stored and what was stored is then tested); None: every field is.
    only: int | None

    def values(self):  # type: ignore[no-untyped-def]
        turn = iter(range(10_000))

        def value(name: str, kind: str):  # type: ignore[no-untyped-def]
            i = next(turn)
            one = self.texts[i % len(self.texts)]
            two = [one, self.texts[(i + 1) % len(self.texts)]]
            twice = self.duplicate[i % len(self.duplicate)]
            if name in ("csrf_token", "website"):
                return None
            if self.only is not None and i != self.only:
                return None
            if kind == "hidden":  # tokens: kept, tampered or duplicated
                return (None, one, two)[i % 3]
            if re.search(r"(day|month|year)$", name):
                return self.dates[i % len(self.dates)]
            return two if twice else one  # tampered choices and duplicated fields too

        return value


hostile = st.builds(
    Hostile,
    texts=st.lists(text, min_size=6, max_size=6),
    dates=st.lists(st.one_of(st.sampled_from(DATE_PARTS), text), min_size=3, max_size=3),
    duplicate=st.lists(st.booleans(), min_size=5, max_size=5),
    only=st.one_of(st.none(), st.integers(0, 12), st.integers(0, 12)),
)


@pytest.fixture
def world(app):  # type: ignore[no-untyped-def]
    """One record for every kind of id a URL can carry, and one user per role."""

    # Requests in tests share the test's app context, so Flask-Login's user cached in `g` by
    # one client's request would be seen by the next client's: load it afresh every request.
    @app.before_request
    def forget_cached_user() -> None:
        g.pop("_login_user", None)

    make_world()
    users = {role: UserFactory(roles=[role]) for role in ROLES}
    output = db.session.execute(
        db.select(OutputFactory._meta.model).where(OutputFactory._meta.model.slug == SLUG)
    ).scalar_one()
    output.producers = [users["producer"]]
    case = make_case()
    entry = LogEntryFactory(output=output)
    feedback = FeedbackFactory(output=output)
    email = queue_email("person@example.org", "generic", subject="Hello", body="Text")
    db.session.commit()
    from engage.consultations.models import ConsultationQuestion

    question_id = db.session.execute(db.select(ConsultationQuestion.id)).scalars().first()
    ids = {
        "slug": SLUG,
        "reference": case.reference,
        "entry_id": entry.id,
        "stakeholder_id": entry.stakeholder_id,
        "feedback_id": feedback.id,
        "question_id": question_id,
        "user_id": users["cso"].id,
        "email_id": email.id,
        "rec_id": RecommendationFactory().id,
        "report_id": AnnualReportFactory().id,
        "story_id": 1,
        "closure_id": 1,
        "token": "0" * 32,
    }
    db.session.commit()
    return app, users, ids


def _form_urls(app, ids) -> list[str]:  # type: ignore[no-untyped-def]
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint == "auth.sign_in":
            continue
        if rule.rule.startswith(("/staff/sign-out", "/staff/sign-in")):
            continue
        actions = list(NAME_FOR_SLUG) if "action" in rule.arguments else [None]
        for action in actions:
            url = rule.rule
            for arg in rule.arguments:
                value = action if arg == "action" else ids.get(arg, 1)
                url = re.sub(rf"<[^>]*\b{arg}>", str(value), url)
            urls.append(url)
    return sorted(set(urls))


def _fuzz(client, url: str, bad: Hostile) -> None:  # type: ignore[no-untyped-def]
    page = client.get(url) if not url.endswith(("/confirm", "/remove", "/retry")) else None
    if page is not None and page.status_code == 200 and main_form(page.get_data(as_text=True)):
        response = submit_flow(client, url, bad.values(), steps=2)
    else:  # POST-only actions: a body of hostile fields
        fields = dict(zip(["reason", "note", "direction"], bad.texts, strict=False))
        response = client.post(url, data=encode_form(fields), content_type=FORM_TYPE)
    assert response.status_code < 500, (url, response.status_code)


def _run_everything_on_what_was_stored(app, users) -> None:  # type: ignore[no-untyped-def]
    for name in JOBS:
        run = run_job(name)
        assert run is not None and run.ok, (name, run.result if run else None)
    # zero stalled emails: everything queued is sent, or failed with a plain reason
    later = utcnow() + timedelta(minutes=1)
    from engage.mail.delivery import deliver_due

    deliver_due(later)
    stalled = db.session.execute(
        db.select(OutboxEmail.id, OutboxEmail.status, OutboxEmail.last_error).where(
            OutboxEmail.status.not_in(("sent", "cancelled")), OutboxEmail.next_attempt_at <= later
        )
    ).all()
    assert [row for row in stalled if row.status != "failed"] == []
    everyone = users["everyone"]
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments - {"slug"}:
            continue
        if not re.search(r"\.(csv|xlsx|atom|ics|txt)$|download", rule.rule):
            continue
        url = rule.rule.replace("<slug>", SLUG)
        for client in (everyone, app.test_client()):
            assert client.get(url).status_code < 500, url
    for url in (
        "/staff/cases",
        "/staff/feedback",
        f"/staff/outputs/{SLUG}/user-log",
        f"/staff/consultations/{SLUG}/responses",
        "/staff/admin/outbox?status=failed",
        "/consultations.atom",
    ):
        html = everyone.get(url).get_data(as_text=True)
        assert SCRIPT not in html, url


@pytest.mark.parametrize("role", ROLES)
def test_every_form_as_every_role_with_hostile_values(world, login, role):
    app, users, ids = world
    client = login(users[role])
    urls = _form_urls(app, ids)
    staff = [u for u in urls if u.startswith("/staff")]
    assert f"/staff/cases/{ids['reference']}/acknowledge" in staff or staff

    @SETTINGS
    @given(url=st.sampled_from(staff), bad=hostile)
    def run(url, bad):  # type: ignore[no-untyped-def]
        _fuzz(client, url, bad)

    run()
    users["everyone"] = login(UserFactory(roles=ROLES))
    _run_everything_on_what_was_stored(app, users)


def test_every_public_form_with_hostile_values(world, client, login):
    app, users, ids = world
    public = [u for u in _form_urls(app, ids) if not u.startswith("/staff")]

    @SETTINGS
    @given(url=st.sampled_from(public), bad=hostile)
    def run(url, bad):  # type: ignore[no-untyped-def]
        _fuzz(client, url, bad)

    run()
    users["everyone"] = login(UserFactory(roles=ROLES))
    _run_everything_on_what_was_stored(app, users)


NASTY = "Nasty\x00\x0b\x1b[31m\x85\u2028\ud800 " + SCRIPT + " 99999999999999999999"
SWEEP = [NASTY, "y" * 100_000]


def _sweep(client, urls: list[str]) -> int:  # type: ignore[no-untyped-def]
    """Every field of every form, one at a time, with the others valid: so the form is stored
    with the nasty value in that field (or refused with a message), never a server error."""
    posts = 0
    for url in urls:
        page = client.get(url)
        if page.status_code != 200:
            continue
        form = main_form(page.get_data(as_text=True))
        if form is None:
            continue
        names = [f.get("name") for f in form.find_all(["input", "textarea", "select"])]
        for target in dict.fromkeys(n for n in names if n and n not in ("csrf_token", "website")):
            for nasty in SWEEP:

                def values(name: str, kind: str, target=target, nasty=nasty):  # type: ignore[no-untyped-def]
                    return nasty if name == target else None

                response = submit_flow(client, url, values, steps=2)
                assert response.status_code < 500, (url, target, response.status_code)
                posts += 1
    return posts


def test_every_field_of_every_form_one_at_a_time(world, client, login):
    app, users, ids = world
    urls = _form_urls(app, ids)
    users["everyone"] = login(UserFactory(roles=ROLES))
    assert _sweep(client, [u for u in urls if not u.startswith("/staff")]) > 20
    assert _sweep(users["everyone"], [u for u in urls if u.startswith("/staff")]) > 100
    rows = db.session.execute(db.select(Case.requester_name, Case.subject, Case.message)).all()
    stored = [text for row in rows for text in row if text]
    assert any("Nasty" in text for text in stored)  # the sweep did store nasty values
    assert not any("\x00" in text or "\x0b" in text for text in stored)
    _run_everything_on_what_was_stored(app, users)
