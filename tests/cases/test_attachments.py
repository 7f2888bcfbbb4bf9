"""Notes and attached files (issue 17): checked by content, size-limited, stored outside the web
root under a random name, downloaded as attachments with nosniff, visible to exactly who may
see the case, removed by the retention job."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from engage.audit import AuditEvent
from engage.cases.attachments import (
    ALLOWED_TYPES,
    EXTENSIONS,
    add_attachment,
    add_note,
    attachments_of,
    clean_name,
    detect_type,
    file_path,
    name_for_type,
)
from engage.cases.desk_models import CaseAttachment
from engage.cases.models import CaseEvent
from engage.cases.workflow import CaseError, CaseForbidden
from engage.extensions import db
from engage.mail.models import OutboxEmail
from engage.retention import anonymise_expired
from tests.factories.auth import admin, chief, cso, producer
from tests.factories.cases import make_case, put_in_state

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active["A1"] = "figures"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _attachment_dir(app, tmp_path):  # type: ignore[no-untyped-def]
    app.config["ATTACHMENT_DIR"] = str(tmp_path / "files")
    return tmp_path / "files"


def _attach(case, actor, data: bytes, name: str = "letter.pdf"):  # type: ignore[no-untyped-def]
    return add_attachment(case, actor, stream=io.BytesIO(data), filename=name, description=None)


class TestChecks:
    @pytest.mark.parametrize(
        ("data", "expected"),
        [
            (PDF, "application/pdf"),
            (PNG, "image/png"),
            (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20, "image/jpeg"),
            ("Phone call 3 March: wants the 2025 tables, £20 café.\n".encode(), "text/plain"),
            (b"<html><script>alert(1)</script></html>", "text/plain"),  # served as text only
            (b"MZ\x90\x00" + b"\x00" * 60, None),  # a Windows program
            (b"PK\x03\x04" + b"\x00" * 60, None),  # a zip that is no office document
            (b"text with a NUL \x00 in it", None),
            (b"\xc3\x28 not utf-8", None),
            (b"   \n", None),
        ],
    )
    def test_type_is_read_from_the_bytes(self, data, expected):
        assert detect_type(data[:8192], data) == expected

    def test_office_spreadsheets_are_recognised(self):
        data = _xlsx()
        assert detect_type(data[:8192], data) == (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )

    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("../../etc/passwd", "passwd"),
            ("C:\\Users\\me\\scan.pdf", "scan.pdf"),
            ("a\x00b\u202ecod.pdf", "abcod.pdf"),
            ("", "attachment"),
            ("...", "attachment"),
            ("x" * 400 + ".pdf", "x" * 146 + ".pdf"),
        ],
    )
    def test_names_are_cleaned(self, name, expected):
        assert clean_name(name) == expected

    @pytest.mark.parametrize(
        ("name", "content_type", "expected"),
        [
            ("scan.PDF", "application/pdf", "scan.PDF"),
            ("photo.jpeg", "image/jpeg", "photo.jpeg"),
            ("notes.txt", "text/plain", "notes.txt"),
            ("statement.bat", "text/plain", "statement.bat.txt"),
            ("letter.html", "text/plain", "letter.html.txt"),
            ("drawing.svg", "text/plain", "drawing.svg.txt"),
            ("invoicefdp.exe", "application/pdf", "invoicefdp.exe.pdf"),
            ("attachment", "image/png", "attachment.png"),
            (".pdf", "application/pdf", ".pdf.pdf"),
            ("x" * 146 + ".bat", "text/plain", "x" * 146 + ".txt"),
        ],
    )
    def test_the_extension_agrees_with_the_type_read_from_the_bytes(
        self, name, content_type, expected
    ):
        # Whoever opens a download gets the program its extension names: a text file called
        # statement.bat would run as a batch file on Windows.
        assert name_for_type(name, content_type) == expected
        assert len(name_for_type(name, content_type)) <= 150
        assert set(EXTENSIONS) == set(ALLOWED_TYPES)


class TestAttach:
    def test_a_file_is_stored_outside_the_web_root_under_a_random_name(self, app, _attachment_dir):
        me = producer()
        case = make_case(assigned_to=me)
        attachment = _attach(case, me, PDF, "Letter from Jo.pdf")
        path = file_path(attachment)
        assert path.parent == _attachment_dir and path.read_bytes() == PDF
        assert (
            attachment.stored_name not in "Letter from Jo.pdf" and len(attachment.stored_name) == 32
        )
        assert "static" not in str(path)
        assert attachment.content_type == "application/pdf"
        (event,) = [e for e in case.history if e.action == "attached"]
        assert event.note == "Letter from Jo.pdf (PDF)"
        assert db.session.execute(db.select(OutboxEmail)).first() is None

    def test_a_file_pretending_to_be_a_pdf_is_refused_and_nothing_kept(self, app, _attachment_dir):
        case = make_case()
        with pytest.raises(CaseError, match="must be a PDF"):
            _attach(case, cso(), b"MZ\x90\x00" + b"\x00" * 60, "letter.pdf")
        db.session.rollback()
        assert not _attachment_dir.exists() or not any(_attachment_dir.iterdir())
        assert db.session.execute(db.select(CaseAttachment)).first() is None

    def test_size_limit(self, app, _attachment_dir):
        app.config["ATTACHMENT_MAX_BYTES"] = 1024 * 1024
        case = make_case()
        with pytest.raises(CaseError, match="smaller than 1 MB"):
            _attach(case, cso(), PDF + b"0" * (1024 * 1024))
        with pytest.raises(CaseError, match="empty"):
            _attach(case, cso(), b"")

    def test_who_may_attach_and_note(self, app):
        me = producer()
        case = make_case(assigned_to=me)
        for refused in (producer(), admin()):
            with pytest.raises(CaseForbidden):
                _attach(case, refused, PDF)
            with pytest.raises(CaseForbidden):
                add_note(case, refused, text="x")
        _attach(case, chief(), PDF)
        add_note(case, me, text="Rang them back")
        note = db.session.execute(
            db.select(CaseEvent).where(CaseEvent.action == "note")
        ).scalar_one()
        assert (note.note, note.actor_id) == ("Rang them back", me.id)

    def test_notes_need_text_within_the_limit(self, app):
        case = make_case()
        with pytest.raises(CaseError, match="Enter the note"):
            add_note(case, cso(), text=" \n ")
        with pytest.raises(CaseError, match="5,000"):
            add_note(case, cso(), text="n" * 5001)

    def test_the_retention_job_removes_the_files(self, app):
        case = put_in_state(make_case(), "closed")
        attachment = _attach(case, cso(), PDF)
        path = file_path(attachment)
        anonymise_expired(date(2040, 1, 1))
        assert not path.exists()
        db.session.refresh(attachment)
        assert attachment.removed_at is not None and attachment.original_name == "removed"
        assert attachments_of(case) == []


class TestPages:
    def test_attach_and_download_a_letter(self, app, login):
        case = make_case(kind="service_complaint")
        client = login(cso())
        response = client.post(
            f"/staff/cases/{case.reference}/attach",
            data={"file": (io.BytesIO(PDF), "Jo's letter.pdf"), "description": "First letter"},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
        page = client.get(f"/staff/cases/{case.reference}").get_data(as_text=True)
        assert "Jo&#39;s letter.pdf" in page and "First letter" in page
        (attachment,) = attachments_of(case)
        url = f"/staff/cases/{case.reference}/attachments/{attachment.id}"
        download = client.get(url)
        assert download.status_code == 200 and download.data == PDF
        assert download.headers["Content-Disposition"].startswith("attachment;")
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert download.headers["Content-Type"] == "application/pdf"
        assert "no-store" in download.headers["Cache-Control"]
        views = db.session.execute(
            db.select(AuditEvent.detail).where(AuditEvent.action == "case.viewed")
        ).scalars()
        assert {"kind": "service_complaint", "how": "attachment"} in list(views)

    def test_html_is_only_ever_downloaded_as_text(self, app, login):
        case = make_case()
        client = login(cso())
        client.post(
            f"/staff/cases/{case.reference}/attach",
            data={"file": (io.BytesIO(b"<script>alert(1)</script>"), "x.html")},
            content_type="multipart/form-data",
        )
        (attachment,) = attachments_of(case)
        download = client.get(f"/staff/cases/{case.reference}/attachments/{attachment.id}")
        assert download.headers["Content-Type"].startswith("text/plain")
        assert download.headers["Content-Disposition"].startswith("attachment;")
        # ... under a name that opens as text, not as a web page
        assert download.headers["Content-Disposition"].endswith("filename=x.html.txt")
        assert attachment.original_name == "x.html.txt"

    def test_refusals_show_in_the_error_summary(self, app, login):
        case = make_case()
        client = login(cso())
        page = client.post(
            f"/staff/cases/{case.reference}/attach",
            data={"file": (io.BytesIO(b"MZ\x90\x00" * 20), "scan.pdf")},
            content_type="multipart/form-data",
        ).get_data(as_text=True)
        assert "govuk-error-summary" in page and "The selected file must be a PDF" in page
        page = client.post(
            f"/staff/cases/{case.reference}/attach", data={}, content_type="multipart/form-data"
        ).get_data(as_text=True)
        assert "Select a file" in page

    def test_files_are_visible_to_exactly_who_may_see_the_case(self, app, login):
        me = producer()
        case = make_case(kind="service_complaint", assigned_to=me)
        attachment = _attach(case, cso(), PDF)
        url = f"/staff/cases/{case.reference}/attachments/{attachment.id}"
        assert login(me).get(url).status_code == 200
        assert login(chief()).get(url).status_code == 200
        assert login(producer()).get(url).status_code == 403
        assert login(admin()).get(url).status_code == 403
        other = make_case()
        assert (
            login(cso())
            .get(f"/staff/cases/{other.reference}/attachments/{attachment.id}")
            .status_code
            == 404
        )
        assert (
            login(cso()).get(f"/staff/cases/{case.reference}/attachments/99999").status_code == 404
        )
        huge = "9" * 30  # past any integer column: not found, not a database error
        assert (
            login(cso()).get(f"/staff/cases/{case.reference}/attachments/{huge}").status_code == 404
        )
        assert (
            login(cso()).get(f"/staff/cases/{case.reference}/lessons/{huge}/done").status_code
            == 404
        )
        case.assigned_to = None
        db.session.commit()
        assert login(me).get(url).status_code == 403  # no longer theirs

    def test_add_note_page(self, app, login):
        me = producer()
        case = make_case(assigned_to=me)
        client = login(me)
        assert (
            client.post(
                f"/staff/cases/{case.reference}/add-note", data={"text": "Called"}
            ).status_code
            == 302
        )
        page = client.get(f"/staff/cases/{case.reference}").get_data(as_text=True)
        assert "Called" in page and "Note added" in page
        page = client.post(
            f"/staff/cases/{case.reference}/add-note", data={"text": "\x00\x07"}
        ).get_data(as_text=True)
        assert "govuk-error-summary" in page
        assert login(producer()).get(f"/staff/cases/{case.reference}/add-note").status_code == 403
