"""Importing and exporting user logs: the row-by-row report, nothing written before
confirmation, owner-only, round trips through CSV and XLSX, and a 10,000-row file."""

from __future__ import annotations

import io
import re
import time

import pytest
from openpyxl import Workbook, load_workbook

from engage.extensions import db
from engage.outputs import importing
from engage.outputs.models import LogEntry, Stakeholder
from tests.factories.auth import producer
from tests.factories.outputs import LogEntryFactory, OutputFactory, StakeholderFactory
from tests.imports import confirm_import

HEADER = (
    "Name,Organisation,Email,Phone,Category,Engagement level,Uses,Source,"
    "First contact,Latest contact,Consent to contact\n"
)


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.fixture
def owner(app):
    return producer()


@pytest.fixture
def output(owner):
    return OutputFactory(title="Offender Management", slug="offender-management", producers=[owner])


def _upload(client, content: bytes, name: str = "log.csv"):
    return client.post(
        "/staff/outputs/offender-management/user-log/import",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


GOOD_AND_BAD = (
    HEADER
    + "Ada Lovelace,Uni of Leeds,ada@uni.example,,Academics and researchers,Consulted,"
    + "Research,,2024-01-02,2024-05-06,Yes\n"
    + "Bad Category,,bad@uni.example,,Aliens,Access,,,,,No\n"
    + "Bad Email,,not-an-email,,7,Access,,,,,No\n"
    + ",No Name Org,noname@uni.example,,7,Access,,,,,No\n"
    + "Ada Again,,ADA@uni.example,,4,Informed,,,,,No\n"
    + "Bad Date,,date@uni.example,,public,informed,,,31/02/2024,,No\n"
    + "Existing Person,,existing@uni.example,,media,Involved,,Event,,,No\n"
    + '=HYPERLINK("x"),,,,public,access,,,,,\n'
).encode()


def test_preview_reports_each_row_and_writes_nothing_until_confirmed(owner, output, login):
    existing = StakeholderFactory(
        name="Existing Person", email="existing@uni.example", category="media"
    )
    LogEntryFactory(output=output, stakeholder=existing, engagement_level="informed")
    client = login(owner)
    assert client.get("/staff/outputs/offender-management/user-log/import").status_code == 200
    before = (_count(Stakeholder), _count(LogEntry))
    response = _upload(client, GOOD_AND_BAD)
    assert response.status_code == 302
    preview = client.get(response.headers["Location"])
    html = preview.get_data(as_text=True)
    assert (_count(Stakeholder), _count(LogEntry)) == before  # nothing written yet
    actions = dict(re.findall(r'data-row="(\d+)" data-action="(\w+)"', html))
    assert actions == {
        "2": "add",
        "3": "refuse",
        "4": "refuse",
        "5": "refuse",
        "6": "refuse",
        "7": "refuse",
        "8": "update",
        "9": "add",
    }
    assert "Category ‘Aliens’ is not one of the seven user categories" in html
    assert "Email ‘not-an-email’ is not a valid email address" in html
    assert "Name is missing" in html
    assert "Same email address as row 2 of this file" in html
    assert "First contact ‘31/02/2024’ is not a real date" in html
    assert "consent: Yes → No" in html
    assert "engagement level: Informed → Involved" in html
    token = response.headers["Location"].rsplit("/", 1)[1]
    confirm = confirm_import(client, response.headers["Location"])
    assert confirm.status_code == 302
    assert _count(LogEntry) == before[1] + 2
    db.session.expire_all()
    ada = db.session.scalar(db.select(Stakeholder).where(Stakeholder.email == "ada@uni.example"))
    assert ada.category == "academic" and ada.consent_to_contact
    entry = db.session.scalar(db.select(LogEntry).where(LogEntry.stakeholder_id == ada.id))
    assert entry.engagement_level == "consulted" and str(entry.latest_contact_on) == "2024-05-06"
    assert db.session.get(Stakeholder, existing.id).name == "Existing Person"
    formula = db.session.scalar(db.select(Stakeholder).where(Stakeholder.name.like("=HYPERLINK%")))
    assert formula is not None  # stored as text; exports neutralise it
    # The token is spent: a second confirmation finds nothing.
    again = client.post(f"/staff/outputs/offender-management/user-log/import/{token}/confirm")
    assert again.status_code == 404


def test_upload_errors_are_govuk_errors(owner, output, login):
    client = login(owner)
    none = client.post("/staff/outputs/offender-management/user-log/import", data={})
    assert "Select a CSV or XLSX file" in none.get_data(as_text=True)
    wrong = _upload(client, b"hello", "notes.txt")
    assert "must be a CSV or XLSX file" in wrong.get_data(as_text=True)
    headless = _upload(client, b"foo,bar\n1,2\n")
    assert (
        "must have a header row with the columns Name, Category, Engagement level"
        in headless.get_data(as_text=True)
    )
    broken = _upload(client, b"not a zip", "log.xlsx")
    assert "could not be read as XLSX" in broken.get_data(as_text=True)


def test_another_producer_cannot_confirm_or_see_an_upload(owner, output, login, app):
    client = login(owner)
    location = _upload(client, GOOD_AND_BAD).headers["Location"]
    token = location.rsplit("/", 1)[1]
    intruder = login(producer())
    assert intruder.get(location).status_code == 403
    assert intruder.post(location + "/confirm").status_code == 403
    # Even someone who may edit the log cannot use another person's upload.
    from tests.factories.auth import cso

    officer = login(cso())
    assert officer.get(location).status_code == 404
    assert officer.post(location + "/confirm").status_code == 404
    assert importing.load_upload(token, output_id=output.id, user_id=owner.id) is not None
    assert _count(LogEntry) == 0


def test_confirm_needs_a_csrf_token(csrf_app, owner, output):
    from tests.conftest import sign_in_client

    client = csrf_app.test_client()
    page = client.get("/staff/sign-in").get_data(as_text=True)
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page
    )
    csrf = next(g for g in token.groups() if g)
    client.post(
        "/staff/sign-in",
        data={"email": owner.email, "password": "correct-horse-battery", "csrf_token": csrf},
    )
    form = client.get("/staff/outputs/offender-management/user-log/import").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    upload = client.post(
        "/staff/outputs/offender-management/user-log/import",
        data={"file": (io.BytesIO(GOOD_AND_BAD), "log.csv"), "csrf_token": csrf},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    refused = client.post(upload.headers["Location"] + "/confirm")
    assert refused.status_code == 400
    assert _count(LogEntry) == 0
    assert sign_in_client  # the helper exists for tests that sign in without CSRF


def _seed_log(output) -> None:
    LogEntryFactory(
        output=output,
        stakeholder=StakeholderFactory(
            name="Ada Lovelace",
            email="ada@uni.example",
            phone="+44 113 496 0000",
            category="academic",
        ),
        engagement_level="consulted",
        source="event",
        uses="Teaching, research",
    )
    LogEntryFactory(
        output=output,
        stakeholder=StakeholderFactory(
            name="Local Paper",
            organisation="Gazette",
            email=None,
            category="media",
            consent_to_contact=False,
        ),
        engagement_level="access",
        first_contact_on=None,
        latest_contact_on=None,
        uses="",
    )


def _snapshot(output_id):
    rows = db.session.execute(
        db.select(
            Stakeholder.name,
            Stakeholder.organisation,
            Stakeholder.email,
            Stakeholder.phone,
            Stakeholder.category,
            Stakeholder.consent_to_contact,
            LogEntry.engagement_level,
            LogEntry.uses,
            LogEntry.source,
            LogEntry.first_contact_on,
            LogEntry.latest_contact_on,
        )
        .join(Stakeholder)
        .where(LogEntry.output_id == output_id)
        .order_by(Stakeholder.name)
    ).all()
    return [tuple(r) for r in rows]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_export_reimports_to_the_same_log(owner, output, login, kind):
    _seed_log(output)
    before = _snapshot(output.id)
    client = login(owner)
    exported = client.get(f"/staff/outputs/offender-management/user-log.{kind}")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["Content-Disposition"]
    # Into the same log: every row is recognised and nothing changes.
    location = _upload(client, exported.data, f"log.{kind}").headers["Location"]
    html = client.get(location).get_data(as_text=True)
    assert re.findall(r'data-action="(\w+)"', html) == ["unchanged", "unchanged"]
    # Into an empty log of another output: the same log results.
    other = OutputFactory(title="Other", slug="other-output", producers=[owner])
    db.session.execute(db.delete(LogEntry))
    db.session.execute(db.delete(Stakeholder))
    db.session.commit()
    response = client.post(
        "/staff/outputs/other-output/user-log/import",
        data={"file": (io.BytesIO(exported.data), f"log.{kind}")},
        content_type="multipart/form-data",
    )
    confirm_import(client, response.headers["Location"])
    assert _snapshot(other.id) == before


def test_exports_neutralise_formulas(owner, output, login):
    LogEntryFactory(output=output, stakeholder=StakeholderFactory(name="=cmd|' /C calc'!A0"))
    client = login(owner)
    csv_text = client.get("/staff/outputs/offender-management/user-log.csv").get_data(as_text=True)
    assert "'=cmd" in csv_text
    book = load_workbook(
        io.BytesIO(client.get("/staff/outputs/offender-management/user-log.xlsx").data)
    )
    cell = book.worksheets[0]["A2"]
    assert cell.data_type == "s" and cell.value.startswith("'=")


def test_templates_download(owner, output, login):
    client = login(owner)
    csv_text = client.get("/staff/user-log-template.csv").get_data(as_text=True)
    assert csv_text.lstrip("\ufeff").startswith("Name,Organisation,Email")
    book = load_workbook(io.BytesIO(client.get("/staff/user-log-template.xlsx").data))
    assert book.sheetnames == ["User log", "Guidance"]


def test_a_10000_row_file_imports_quickly_without_a_query_per_row(app, owner, output):
    from tests.conftest import count_queries

    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "Email", "Category", "Engagement level", "First contact"])
    for n in range(10_000):
        sheet.append(
            [f"Person {n}", f"person{n}@example.org", (n % 7) + 1, "Informed", "2025-01-02"]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    # A few hundred of them are already known (same email = same stakeholder).
    db.session.execute(
        db.insert(Stakeholder),
        [
            {
                "name": f"Known {n}",
                "email": f"person{n}@example.org",
                "category": "public",
                "organisation": "",
                "consent_to_contact": False,
            }
            for n in range(300)
        ],
    )
    db.session.commit()
    started = time.perf_counter()
    rows = importing.read_rows("big.xlsx", buffer.getvalue())
    with count_queries() as planned:
        plan = importing.plan_import(output, rows, owner)
    assert plan.counts["add"] == 10_000 and len(planned) < 40
    with count_queries() as applied:
        importing.apply_import(output, rows, owner)
    elapsed = time.perf_counter() - started
    assert _count(LogEntry) == 10_000 and _count(Stakeholder) == 10_000
    assert len(applied) < 400, len(applied)  # batched: not one statement per row
    assert elapsed < 60, elapsed
    print(
        f"10,000-row import: {elapsed:.1f}s, {len(planned)} planning "
        f"and {len(applied)} writing statements"
    )
