"""Importing a release calendar (check row by row, then confirm) and exporting it as CSV and
XLSX, which imports again."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

import time_machine
from openpyxl import load_workbook

from engage.extensions import db
from engage.releases.models import Release, ReleaseBreach
from tests.factories.auth import cso, producer
from tests.factories.outputs import OutputFactory
from tests.factories.releases import ReleaseFactory

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)

CSV = (
    "Output,Title,Type,Status,Month,Month announced on,Date,Time,Date announced on,"
    "Published at,Cancellation reason\n"
    """prison-population,Prisons: April to June 2026,routine,published,2026-07,2025-06-01,\
2026-07-30,9:30,2026-06-01,2026-07-30 09:42,
prison-population,Prisons: July to September 2026,,,,2025-09-01,2026-10-29,,2026-09-10,,
prison-population,Prisons: October to December 2026,,,2027-01,2025-12-01,,,,,
prison-population,Prisons: already here,routine,published,,,2026-11-12,9:30,,2026-11-12 09:30,
courts,Courts: not mine,routine,provisional,2027-12,,,,,,
prison-population,,routine,provisional,2027-12,,,,,,
prison-population,Prisons: odd date,routine,confirmed,,,31/02/2027,,,,
,Ad hoc: knife crime,ad hoc,cancelled,,,2026-12-03,,2026-11-20,,No longer needed
"""
)


def _upload(client, content: bytes, name: str = "calendar.csv"):  # type: ignore[no-untyped-def]
    return client.post(
        "/staff/releases/import",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_an_import_is_checked_row_by_row_then_applied(app, login):
    author = producer()
    prisons = OutputFactory(slug="prison-population", producers=[author])
    OutputFactory(slug="courts", producers=[producer()])
    ReleaseFactory(
        output=prisons,
        title="Prisons: already here",
        scheduled_at=datetime(2026, 11, 12, 9, 30, tzinfo=UTC),
    )
    with time_machine.travel(NOW, tick=True):
        client = login(author)
        response = _upload(client, CSV.encode())
        assert response.status_code == 302
        preview = client.get(response.headers["Location"])
        page = preview.get_data(as_text=True)
        actions = dict(re.findall(r"data-row=\"(\d+)\" data-action=\"(\w+)\"", page))
        assert actions == {
            "2": "add",
            "3": "add",
            "4": "add",
            "5": "publish",
            "6": "refuse",
            "7": "refuse",
            "8": "refuse",
            "9": "add",
        }
        assert "You do not produce this output" in page
        assert "Published 12 minutes late" in page
        assert db.session.execute(db.select(db.func.count()).select_from(Release)).scalar() == 1
        token = response.headers["Location"].rsplit("/", 1)[1]
        done = client.post(f"/staff/releases/import/{token}/confirm")
        assert done.status_code == 302
        again = client.post(f"/staff/releases/import/{token}/confirm")
        assert again.status_code in (302, 404)
    releases = {r.title: r for r in db.session.execute(db.select(Release)).scalars()}
    assert len(releases) == 5
    late = releases["Prisons: April to June 2026"]
    assert late.status == "published" and late.month_announced_on == date(2025, 6, 1)
    assert [v.action for v in late.versions] == ["announced", "confirmed", "published"]
    assert releases["Prisons: July to September 2026"].status == "confirmed"
    assert releases["Prisons: October to December 2026"].status == "provisional"
    assert releases["Prisons: already here"].status == "published"
    assert releases["Ad hoc: knife crime"].cancellation_reason == "No longer needed"
    rules = sorted(b.rule for b in db.session.execute(db.select(ReleaseBreach)).scalars())
    assert rules == ["publication_time"]


def test_the_export_imports_again(app, login, client):
    output = OutputFactory(slug="prison-population", producers=[producer()])
    ReleaseFactory(output=output, title='=HYPERLINK("x")')
    text = client.get("/releases.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Output", "Title", "Type"]
    assert rows[1][0] == "prison-population" and rows[1][1].startswith("'=")
    assert rows[1][6:8] == ["2027-01-14", "09:30"]
    workbook = load_workbook(io.BytesIO(client.get("/releases.xlsx").data))
    assert workbook.active.max_row == 2
    officer = login(cso())
    response = _upload(officer, text.encode())
    page = officer.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-action="add"' in page  # the guarded title differs from the stored one


def test_a_bad_file_is_refused_with_a_message(app, login):
    client = login(producer())
    for name, content in (
        ("calendar.txt", b"Title\nx"),
        ("calendar.csv", b""),
        ("calendar.csv", b"Name,Other\nx,y"),
        ("calendar.xlsx", b"not a zip"),
    ):
        response = _upload(client, content, name)
        assert response.status_code == 200
        assert "There is a problem" in response.get_data(as_text=True)
