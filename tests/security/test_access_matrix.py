"""The access matrix, generated from the URL map: every staff route (GET, and POST where it
has one) tried as anonymous, as each role, and as a deactivated account. The expected answer
comes from PERMISSIONS and each view's `engage_permission`, so routes added later are covered
without editing this file. Refusals are recorded in the audit log. Record-level checks: a
producer reaching for another producer's user log, and for a complaint."""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

from engage.audit import AuditEvent
from engage.auth import service
from engage.auth.permissions import PERMISSIONS
from engage.extensions import db
from tests.factories.auth import UserFactory, admin, cso, producer
from tests.factories.cases import make_case
from tests.factories.consultations import ConsultationFactory
from tests.factories.outputs import LogEntryFactory, OutputFactory
from tests.imports import confirm_import

ROLES = ["admin", "chief_statistician", "cso", "producer"]
SLUG = "matrix-record"


def staff_routes(app, ids: dict[str, int] | None = None) -> list[tuple[str, str, str | None]]:
    """(url, method, permission) for every staff route that is not a sign-in page. Integer
    arguments take the id of a real record where the fixture made one (else 1)."""
    ids = ids or {}
    found = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if not rule.rule.startswith("/staff") or getattr(view, "engage_public", False):
            continue
        url = rule.rule
        for arg in rule.arguments:
            number = isinstance(rule._converters[arg], IntegerConverter)
            value = str(ids.get(arg, 1)) if number else SLUG
            url = re.sub(rf"<[^>]*\b{arg}>", value, url)
        for method in ("GET", "POST"):
            if method in rule.methods:
                found.append((url, method, getattr(view, "engage_permission", None)))
    # Every GET before any POST: an empty POST may change a record (remove a log entry).
    return sorted(found, key=lambda r: (r[1], r[0]))


def _denials() -> int:
    return db.session.execute(
        db.select(db.func.count(AuditEvent.id)).where(AuditEvent.action == "access.denied")
    ).scalar_one()


@pytest.fixture
def records(app):
    """Records for the URL parameters, owned by the producer who tries them."""
    owner = producer(email="owner@example.gov.uk")
    output = OutputFactory(slug=SLUG, producers=[owner])
    entry = LogEntryFactory(output=output)
    ConsultationFactory(slug=SLUG, created_by_id=owner.id, outputs=[output])
    owner.matrix_ids = {  # type: ignore[attr-defined]
        "stakeholder_id": entry.stakeholder_id,
        "entry_id": entry.id,
    }
    return owner


def test_every_staff_route_names_a_known_permission(app):
    routes = staff_routes(app)
    assert len(routes) > 20
    for url, _method, permission in routes:
        assert permission in PERMISSIONS, url


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_what_its_permissions_allow(app, login, records, role):
    user = records if role == "producer" else UserFactory(roles=[role])
    client = login(user)
    client.check_pages = False
    wrong = []
    for url, method, permission in staff_routes(app, records.matrix_ids):
        allowed = role in PERMISSIONS[permission]
        before = _denials()
        response = client.open(url, method=method, data={})
        status = response.status_code
        if status >= 500:
            wrong.append((method, url, status, "server error"))
        elif allowed and status == 403:
            wrong.append((method, url, status, f"{role} holds {permission}"))
        elif not allowed:
            if status != 403:
                wrong.append((method, url, status, f"{role} lacks {permission}"))
            elif _denials() != before + 1:
                wrong.append((method, url, status, "refusal not audited"))
        if url.endswith("/sign-out") or (status == 302 and "/staff/sign-in" in response.location):
            client = login(user)  # an action ended the session: sign in again
            client.check_pages = False
    assert wrong == []


def test_anonymous_and_deactivated_accounts_go_to_sign_in(app, login, records):
    anonymous = app.test_client()
    victim = cso()
    signed_in = login(victim)
    service.update_user(victim, name=victim.name, roles={"cso"}, active=False, actor=admin())
    for client in (anonymous, signed_in):
        client.check_pages = False
        for url, method, _permission in staff_routes(app):
            response = client.open(url, method=method, data={})
            assert response.status_code == 302, (method, url, response.status_code)
            assert "/staff/sign-in" in response.location, url
    # A deactivated account cannot sign in again either.
    again = app.test_client()
    response = again.post(
        "/staff/sign-in", data={"email": victim.email, "password": "correct-horse-battery"}
    )
    assert response.status_code == 200
    assert again.get("/staff").status_code == 302


def _user_log_urls(app, slug: str) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/staff/outputs/<slug>/user-log"):
            continue
        if "GET" not in rule.methods or set(rule.arguments) != {"slug"}:
            continue
        urls.append(rule.rule.replace("<slug>", slug))
    return urls


def test_producer_cannot_reach_another_producers_user_log(app, login, records):
    other_output = OutputFactory(producers=[producer()])
    entry = LogEntryFactory(output=other_output)
    client = login(records)
    client.check_pages = False
    urls = _user_log_urls(app, other_output.slug)
    assert urls, "user log routes are expected under /staff/outputs/<slug>/user-log"
    urls.append(f"/staff/outputs/{other_output.slug}/user-log/{entry.id}/edit")
    for url in urls:
        before = _denials()
        assert client.get(url).status_code in (403, 404), url
        if client.get(url).status_code == 403:
            assert _denials() > before
    # Their own output's log is open to them.
    own = _user_log_urls(app, SLUG)
    assert all(client.get(url).status_code == 200 for url in own)


def test_producer_cannot_reach_a_complaint_not_assigned_to_them(app, login, records):
    complaint = make_case(kind="service_complaint", email="complainant@example.org")
    client = login(records)
    client.check_pages = False
    before = _denials()
    response = client.get(f"/staff/cases/{complaint.reference}")
    assert response.status_code in (403, 404)
    assert complaint.requester_email not in response.get_data(as_text=True)
    if response.status_code == 403:
        assert _denials() == before + 1
    # The CSO may read it, and the reading is recorded.
    office = login(cso())
    office.check_pages = False
    assert office.get(f"/staff/cases/{complaint.reference}").status_code == 200


# --- a person in two producers' logs ----------------------------------------------------------
# Each producer adds, edits, imports and exports the shared person; neither learns or changes
# what the other recorded. (The full story: tests/security/test_shared_stakeholders.py.)

SHARED_EMAIL = "shared@example.org"
IMPORT_CSV = (
    "Name,Organisation,Email,Phone,Category,Engagement level,Uses,Source,"
    "First contact,Latest contact,Consent to contact\n"
    f"Import Name,Import Org,{SHARED_EMAIL},01632 960099,media,Involved,,Event,,,Yes\n"
)


@pytest.mark.parametrize("actor", ["first", "second"])
@pytest.mark.parametrize("step", ["add", "edit", "import", "export"])
def test_each_producer_reaches_only_their_entry_of_a_shared_person(app, login, actor, step):
    import io

    from engage.outputs.models import LogEntry, Stakeholder
    from tests.factories.outputs import StakeholderFactory

    first, second = producer(), producer()
    outputs = {
        "first": OutputFactory(slug="shared-first", producers=[first]),
        "second": OutputFactory(slug="shared-second", producers=[second]),
    }
    person = StakeholderFactory(
        name="Recorded Name", organisation="Recorded Org", email=SHARED_EMAIL, phone="07700 900999"
    )
    other = "second" if actor == "first" else "first"
    LogEntryFactory(output=outputs[other], stakeholder=person, engagement_level="informed")
    if step != "add":
        LogEntryFactory(output=outputs[actor], stakeholder=person, engagement_level="access")
    client = login(first if actor == "first" else second)
    base = f"/staff/outputs/{outputs[actor].slug}/user-log"
    form = {
        "name": "Typed Name",
        "organisation": "Typed Org",
        "email": SHARED_EMAIL,
        "phone": "01632 960098",
        "category": "media",
        "consent_to_contact": "",
        "engagement_level": "involved",
        "source": "event",
    }
    if step == "add":
        html = client.post(f"{base}/add", data=form, follow_redirects=True).get_data(as_text=True)
    elif step == "edit":
        entry = db.session.scalar(
            db.select(LogEntry).where(LogEntry.output_id == outputs[actor].id)
        )
        client.post(f"{base}/{entry.id}/edit", data=form)
        html = client.get(f"{base}/{entry.id}/edit").get_data(as_text=True)
    elif step == "import":
        upload = client.post(
            f"{base}/import",
            data={"file": (io.BytesIO(IMPORT_CSV.encode()), "log.csv")},
            content_type="multipart/form-data",
        )
        html = client.get(upload.headers["Location"]).get_data(as_text=True)
        confirm_import(client, upload.headers["Location"])
    else:
        html = client.get(f"{base}.csv").get_data(as_text=True)
    assert "Recorded Name" not in html and "07700 900999" not in html and "Recorded Org" not in html
    db.session.expire_all()
    kept = db.session.get(Stakeholder, person.id)
    assert (kept.name, kept.organisation, kept.phone, kept.category, kept.consent_to_contact) == (
        "Recorded Name",
        "Recorded Org",
        "07700 900999",
        "academic",
        True,
    )
    mine = db.session.scalar(
        db.select(LogEntry).where(
            LogEntry.output_id == outputs[actor].id, LogEntry.stakeholder_id == person.id
        )
    )
    assert mine is not None
    if step in ("add", "edit", "import"):
        assert mine.engagement_level == "involved"
    # The other producer's entry is untouched, and their log page still lists the person.
    theirs = db.session.scalar(db.select(LogEntry).where(LogEntry.output_id == outputs[other].id))
    assert theirs.engagement_level == "informed"


# --- complaints read through other pages ------------------------------------------------------


def test_subject_access_and_action_pages_record_complaint_views(app, login):
    complaint = make_case(kind="service_complaint", email="complainant@example.org")

    def views() -> list[str]:
        return [
            (e.detail or {}).get("how", "")
            for e in db.session.scalars(
                db.select(AuditEvent).where(
                    AuditEvent.action == "case.viewed",
                    AuditEvent.object_id == complaint.reference,
                )
            )
        ]

    login(admin()).post("/staff/admin/subject-access", data={"email": complaint.requester_email})
    office = login(cso())
    office.check_pages = False
    office.get(f"/staff/cases/{complaint.reference}/acknowledge")
    assert "subject_access" in views() and "action:acknowledge" in views()
