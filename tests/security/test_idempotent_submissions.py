"""Idempotent submissions (engage/submissions.py): a double click, a resend, or two POSTs of
the same form racing each other store one record and show the same confirmation."""

from __future__ import annotations

import re
import threading

from engage.cases.models import Case
from engage.consultations.models import ConsultationResponse
from engage.extensions import db
from engage.outputs.models import Feedback
from tests.factories.auth import cso
from tests.security.publicforms import make_world

CONTACT = {
    "kind": "enquiry",
    "requester_name": "Jo Bloggs",
    "requester_email": "jo@example.com",
    "requester_address": "",
    "message": "How many prisons are there?",
    "website": "",
}


def _token(html: str) -> str:
    match = re.search(r'name="submission_token" value="([^"]+)"', html)
    assert match, "the form carries a submission token"
    return match.group(1)


def _count(model) -> int:  # type: ignore[no-untyped-def]
    db.session.rollback()
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def _race(app, requests) -> list:  # type: ignore[no-untyped-def]
    """Run each (client, url, data) POST in its own thread, all at once."""
    start = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def post(i: int, client, url: str, data: dict) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        results[i] = client.post(url, data=data)

    threads = [
        threading.Thread(target=post, args=(i, *request)) for i, request in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_each_render_of_a_public_form_has_its_own_token(app, client):
    first = _token(client.get("/contact").get_data(as_text=True))
    second = _token(client.get("/contact").get_data(as_text=True))
    assert first != second


def test_a_double_click_on_the_contact_form_stores_one_case_and_the_same_confirmation(app, client):
    data = {**CONTACT, "submission_token": _token(client.get("/contact").get_data(as_text=True))}
    first = client.post("/contact", data=data, follow_redirects=True).get_data(as_text=True)
    second = client.post("/contact", data=data, follow_redirects=True).get_data(as_text=True)
    assert _count(Case) == 1
    (reference,) = db.session.execute(db.select(Case.reference)).scalars()
    assert reference in first and reference in second


def test_two_concurrent_posts_of_the_contact_form_store_one_case(app):
    browser = app.test_client()
    token = _token(browser.get("/contact").get_data(as_text=True))
    other = app.test_client()
    data = {**CONTACT, "submission_token": token}
    responses = _race(app, [(browser, "/contact", data), (other, "/contact", data)])
    assert [r.status_code for r in responses] == [302, 302]
    assert _count(Case) == 1


def test_two_concurrent_sends_of_a_consultation_response_store_one(app):
    make_world()
    browser = app.test_client()
    browser.check_pages = False
    page = browser.get("/consultations/target/respond").get_data(as_text=True)
    answers = {"category": "public", "website": "", "submission_token": _token(page)}
    for name in set(re.findall(r'name="(q\d+)"', page)):
        choice = re.search(rf'name="{name}"[^>]*value="([^"]+)"', page)
        answers[name] = choice.group(1) if choice else "My views"
    sent = browser.post("/consultations/target/respond", data=answers)
    assert sent.status_code == 302, sent.get_data(as_text=True)[:3000]
    check = browser.get("/consultations/target/respond/check-your-answers").get_data(as_text=True)
    confirm = {"website": "", "submission_token": _token(check)}
    twin = app.test_client()
    name = app.config["SESSION_COOKIE_NAME"]
    twin.set_cookie(name, browser.get_cookie(name).value)
    url = "/consultations/target/respond/check-your-answers"
    responses = _race(app, [(browser, url, confirm), (twin, url, confirm)])
    assert [r.status_code for r in responses] == [302, 302]
    assert _count(ConsultationResponse) == 1
    (reference,) = db.session.execute(db.select(ConsultationResponse.reference)).scalars()
    for client in (browser, twin):
        page = client.get("/consultations/target/respond/confirmation").get_data(as_text=True)
        assert reference in page


def test_feedback_sent_twice_is_stored_once(app, client):
    page = client.get("/feedback").get_data(as_text=True)
    data = {"comments": "Useful tables", "website": "", "submission_token": _token(page)}
    first = client.post("/feedback", data=data, follow_redirects=True).get_data(as_text=True)
    second = client.post("/feedback", data=data, follow_redirects=True).get_data(as_text=True)
    assert _count(Feedback) == 1
    (reference,) = db.session.execute(db.select(Feedback.reference)).scalars()
    assert reference in first and reference in second


def test_a_staff_case_saved_twice_is_one_case(app, login):
    client = login(cso())
    token = _token(client.get("/staff/cases/new").get_data(as_text=True))
    data = {
        "channel": "letter",
        "received_on": ["2", "3", "2026"],
        "kind": "enquiry",
        "requester_name": "Mrs Letter Writer",
        "requester_address": "3 Park Road\nBath",
        "message": "Please send me the figures.",
        "submission_token": token,
    }
    first = client.post("/staff/cases/new", data=data)
    second = client.post("/staff/cases/new", data=data)
    assert _count(Case) == 1
    assert first.headers["Location"] == second.headers["Location"]


def test_a_refused_submission_can_be_corrected_and_sent_with_the_same_token(app, client):
    token = _token(client.get("/contact").get_data(as_text=True))
    page = client.post("/contact", data={**CONTACT, "message": "", "submission_token": token})
    assert page.status_code == 200 and _token(page.get_data(as_text=True)) == token
    assert client.post("/contact", data={**CONTACT, "submission_token": token}).status_code == 302
    assert _count(Case) == 1


def test_two_concurrent_confirms_of_one_import_apply_it_once(app, login):
    import io

    from engage.outputs.models import LogEntry
    from tests.factories.auth import producer
    from tests.factories.outputs import OutputFactory

    owner = producer()
    OutputFactory(slug="imported", producers=[owner])
    browser = login(owner)
    csv = (
        "Name,Organisation,Email,Phone,Category,Engagement level,Uses,Source,"
        "First contact,Latest contact,Consent to contact\n"
        + "".join(f"Person {i},,p{i}@uni.example,,public,informed,,,,,No\n" for i in range(30))
    ).encode()
    upload = browser.post(
        "/staff/outputs/imported/user-log/import",
        data={"file": (io.BytesIO(csv), "log.csv")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    twin = app.test_client()
    name = app.config["SESSION_COOKIE_NAME"]
    twin.set_cookie(name, browser.get_cookie(name).value)
    preview = browser.get(upload.headers["Location"]).get_data(as_text=True)
    version = re.search(r'name="version" value="([^"]*)"', preview).group(1)
    url = upload.headers["Location"] + "/confirm"
    # The same page confirmed twice (a double click) and two tabs confirming at once.
    same = {"version": version, "submission_token": _token(preview)}
    other = {"version": version}
    responses = _race(app, [(browser, url, same), (twin, url, same), (twin, url, other)])
    assert sorted(r.status_code for r in responses) in ([302, 302, 302], [302, 302, 404])
    assert _count(LogEntry) == 30
