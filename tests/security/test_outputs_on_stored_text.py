"""Every output is built safely whatever is stored: text stored before the text policy existed
(or written by code that skipped it) with control characters and formula starts cannot break
the Atom feed, the user-log XLSX and CSV exports or the case CSV."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import date, timedelta

from openpyxl import load_workbook

from engage.extensions import db
from tests.factories.auth import UserFactory
from tests.factories.cases import make_case
from tests.factories.consultations import ConsultationFactory
from tests.factories.outputs import LogEntryFactory, OutputFactory, StakeholderFactory

# No NUL: PostgreSQL cannot store it (the text policy removes it before it gets there).
NASTY = "Vertical\x0btab\x1b[31m escape\x07 bell\x85 next\u2028line"


def test_the_atom_feed_is_well_formed_whatever_a_title_holds(app, client):
    ConsultationFactory(
        title=NASTY,
        summary="=HYPERLINK(1)\x0c" + NASTY,
        state="open",
        opens_on=date.today() - timedelta(days=3),
    )
    db.session.commit()
    response = client.get("/consultations.atom")
    assert response.status_code == 200
    feed = ET.fromstring(response.get_data())  # noqa: S314  # nosec B314 - our own output
    titles = [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert any(t and "Vertical" in t and "bell" in t for t in titles)


def test_user_log_exports_never_fail_on_stored_text(app, login):
    output = OutputFactory(title="Prison\x0b population [2026]: *weekly*?")
    LogEntryFactory(
        output=output,
        stakeholder=StakeholderFactory(name=NASTY, organisation="=cmd|' /C calc'!A0"),
        uses="@SUM(A1)\x1b",
    )
    db.session.commit()
    client = login(UserFactory(roles=["admin", "cso", "producer"]))
    for url in (f"/staff/outputs/{output.slug}/user-log.xlsx", "/staff/user-logs.xlsx"):
        response = client.get(url)
        assert response.status_code == 200, url
        book = load_workbook(io.BytesIO(response.get_data()))
        values = [c for s in book.worksheets for row in s.iter_rows(values_only=True) for c in row]
        assert "'=cmd|' /C calc'!A0" in values and "'@SUM(A1)" in values, url
        assert not any(isinstance(v, str) and "\x0b" in v for v in values)
    text = client.get(f"/staff/outputs/{output.slug}/user-log.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert any("'=cmd|' /C calc'!A0" in row for row in rows)


def test_the_case_csv_guards_every_cell(app, login):
    case = make_case()
    case.subject = "\t=1+1"
    db.session.commit()
    client = login(UserFactory(roles=["cso"]))
    text = client.get("/staff/cases/export.csv").get_data(as_text=True)
    assert "'\t=1+1" in text
