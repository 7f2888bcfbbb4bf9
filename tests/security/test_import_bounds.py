"""User log uploads (ASVS V5.2 file handling, V2.4 anti-automation): an XLSX file is bounded
before and while it is parsed, and each staff account's uploads are rate limited."""

from __future__ import annotations

import io
import re
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook

from engage.outputs import importing
from tests.conftest import make_app
from tests.factories.auth import producer
from tests.factories.outputs import OutputFactory

HEADER = [
    "Name",
    "Organisation",
    "Email",
    "Phone",
    "Category",
    "Engagement level",
    "Uses",
    "Source",
    "First contact",
    "Latest contact",
    "Consent to contact",
]


def _workbook(rows: int, *, long_cell: str = "") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for n in range(rows):
        sheet.append([f"Person {n}", long_cell, f"p{n}@example.org", "", "public", "access"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _rewrite(content: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    """The same zip with each member passed through change(name, data) -> data."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info.filename)))
    return out.getvalue()


def test_a_sheet_claiming_16384_columns_is_read_only_as_wide_as_needed():
    content = _rewrite(
        _workbook(3000),
        lambda name, data: (
            re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD3001"', data)
            if name.endswith("sheet1.xml")
            else data
        ),
    )
    assert len(content) < 200_000
    tracemalloc.start()
    try:
        rows = importing.read_rows("wide.xlsx", content)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(rows) == 3000
    # Padded to 16,384 columns it took 8 s and 500 MB; bounded, it stays small
    # (memory, not seconds: a timed assertion fails on a loaded machine).
    assert peak < 64 * 1024 * 1024, peak


def test_a_zip_that_unpacks_to_too_much_is_refused_before_parsing():
    small = _workbook(2)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(small)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        with target.open("xl/media/padding.bin", "w") as padding:
            for _ in range(70):
                padding.write(b"\0" * (1024 * 1024))
    content = out.getvalue()
    assert len(content) < 200_000  # 70 MB unpacked
    with pytest.raises(importing.ImportFileError, match="too large when unpacked"):
        importing.read_rows("bomb.xlsx", content)


def test_a_member_compressed_beyond_any_real_spreadsheet_is_refused():
    def inflate(name: str, data: bytes) -> bytes:
        if name.endswith("sheet1.xml"):
            cell = b'<row r="9"><c r="A9" t="inlineStr"><is><t>' + b"A" * 5_000_000
            return data.replace(b"</sheetData>", cell + b"</t></is></c></row></sheetData>")
        return data

    with pytest.raises(importing.ImportFileError, match="too large when unpacked"):
        importing.read_rows("ratio.xlsx", _rewrite(_workbook(2), inflate))


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_cell_longer_than_the_limit_refuses_the_file(kind):
    long = "x" * (importing.MAX_CELL_CHARACTERS + 1)
    if kind == "xlsx":
        content = _workbook(1, long_cell=long)
    else:
        content = (",".join(HEADER) + f"\nPerson,{long},p@example.org,,public,access\n").encode()
    with pytest.raises(importing.ImportFileError, match="longer than 10,000 characters"):
        importing.read_rows(f"long.{kind}", content)


def test_not_a_zip_is_a_clear_error():
    with pytest.raises(importing.ImportFileError, match="could not be read as XLSX"):
        importing.read_rows("fake.xlsx", b"PK\x03\x04 not really a zip")


def test_staff_uploads_are_rate_limited_per_account(app, database_url):
    limited = make_app(database_url, RATELIMIT_ENABLED=True, STAFF_UPLOAD_RATE_LIMIT="3 per hour")
    owner = producer()
    OutputFactory(slug="limited", producers=[owner])
    client = limited.test_client()
    client.post("/staff/sign-in", data={"email": owner.email, "password": "correct-horse-battery"})
    statuses = [
        client.post(
            "/staff/outputs/limited/user-log/import",
            data={"file": (io.BytesIO(b"Name\n"), "log.csv")},
            content_type="multipart/form-data",
        ).status_code
        for _ in range(4)
    ]
    assert statuses[:3] == [200, 200, 200] and statuses[3] == 429
    # Reading the page is not limited.
    assert client.get("/staff/outputs/limited/user-log/import").status_code == 200
