"""Internal notes and attached files on a case.

- A note is a "note" entry in the case history: never emailed, never shown to the public,
  seen by exactly who may see the case.
- A file is checked by its bytes (the `filetype` package reads the signature; plain text must
  be UTF-8 without control characters), never by its name or the browser's word for it,
  against `ALLOWED_TYPES`, and refused over `ATTACHMENT_MAX_BYTES` (default 10 MiB). It is
  stored outside the web root (`ATTACHMENT_DIR`, default `instance/attachments`) under a random
  name, and served only as a download (`Content-Disposition: attachment`, `nosniff`) to whoever
  may see the case (engage.cases.access.can_view).
- The retention job removes the files of every case it anonymises (`remove_files_of`).

Who may add: the CSO office, or the case's assignee (whoever may work the case).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import filetype
from flask import current_app
from sqlalchemy.orm import joinedload

from engage.auth.models import User
from engage.auth.permissions import has_permission
from engage.cases.access import can_view, is_office
from engage.cases.desk_models import CaseAttachment
from engage.cases.models import Case, CaseEvent
from engage.cases.workflow import CaseError, CaseForbidden
from engage.db_types import utcnow
from engage.extensions import db

NOTE_MAX = 5000
DESCRIPTION_MAX = 300
NAME_MAX = 150
DEFAULT_MAX_BYTES = 10 * 1024 * 1024

# Detected type -> what the case page calls it.
ALLOWED_TYPES: dict[str, str] = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG image",
    "image/png": "PNG image",
    "image/tiff": "TIFF image (scan)",
    "image/gif": "GIF image",
    "image/webp": "WebP image",
    "image/heic": "HEIC photo",
    "application/msword": "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "application/vnd.ms-excel": "Excel spreadsheet",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel spreadsheet",
    "application/vnd.oasis.opendocument.text": "OpenDocument text",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument spreadsheet",
    "application/rtf": "Rich text document",
    "text/plain": "Text",
}
ALLOWED_IN_WORDS = (
    "a PDF, an image (JPEG, PNG, TIFF, GIF, WebP, HEIC), a Word, Excel, OpenDocument or rich "
    "text document, or plain text"
)
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# The extensions a file of each allowed type may keep (the first is added when its name has
# none of them): whoever opens a download gets the program its extension names, so a text
# file called `statement.bat` or `letter.html`, or a PDF called `invoice.exe`, must not keep
# that extension.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "application/pdf": ("pdf",),
    "image/jpeg": ("jpg", "jpeg", "jpe", "jfif"),
    "image/png": ("png",),
    "image/tiff": ("tif", "tiff"),
    "image/gif": ("gif",),
    "image/webp": ("webp",),
    "image/heic": ("heic", "heif"),
    "application/msword": ("doc",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx",),
    "application/vnd.ms-excel": ("xls",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx",),
    "application/vnd.oasis.opendocument.text": ("odt",),
    "application/vnd.oasis.opendocument.spreadsheet": ("ods",),
    "application/rtf": ("rtf",),
    "text/plain": ("txt", "text"),
}


def storage_dir() -> Path:
    configured = current_app.config.get("ATTACHMENT_DIR")
    path = Path(configured) if configured else Path(current_app.instance_path) / "attachments"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def max_bytes() -> int:
    return int(current_app.config.get("ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def may_add(case: Case, actor: Any) -> bool:
    """Notes and files: whoever may work the case (the CSO office or its assignee)."""
    if not can_view(actor, case) or case.anonymised_at is not None:
        return False
    return is_office(actor) or (
        has_permission(actor, "work_cases")
        and case.assigned_to_id is not None
        and case.assigned_to_id == actor.id
    )


def _require(case: Case, actor: Any, what: str) -> None:
    if not can_view(actor, case):
        raise CaseForbidden(f"case:{what}:not-visible")
    if case.anonymised_at is not None:
        raise CaseError("The personal data of this case has been removed")
    if not may_add(case, actor):
        raise CaseForbidden(f"case:{what}:role")


def add_note(case: Case, actor: Any, *, text: str, now: datetime | None = None) -> CaseEvent:
    """An internal note, in the history as a note."""
    _require(case, actor, "note")
    text = (text or "").strip()
    if not text:
        raise CaseError("Enter the note", "text")
    if len(text) > NOTE_MAX:
        raise CaseError(f"The note must be {NOTE_MAX:,} characters or fewer", "text")
    event = CaseEvent(
        case=case,
        at=now or utcnow(),
        actor_id=getattr(actor, "id", None),
        action="note",
        from_state=case.state,
        to_state=case.state,
        note=text,
    )
    db.session.add(event)
    db.session.commit()
    return event


def detect_type(head: bytes, whole: bytes) -> str | None:
    """The allowed type the bytes are, or None. `head` is enough for signatures; plain text
    is read whole (it must all be UTF-8 without control characters)."""
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime if kind.mime in ALLOWED_TYPES else None
    try:
        text = whole.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text.strip() or _TEXT_CONTROL.search(text):
        return None
    return "text/plain"


def clean_name(name: str | None) -> str:
    """The uploaded file's name as it may be shown and offered back: no folders, no control or
    format characters, at most NAME_MAX characters (keeping the extension)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    if not base:
        return "attachment"
    if len(base) > NAME_MAX:
        stem, dot, ext = base.rpartition(".")
        ext = ext[:10] if dot else ""
        base = (stem if dot else base)[: NAME_MAX - len(ext) - 1].rstrip() + (
            "." + ext if ext else ""
        )
    return base


def name_for_type(name: str, content_type: str) -> str:
    """`name` (already cleaned) with an extension that agrees with the type read from the
    bytes: `scan.PDF` stays, `statement.bat` holding text becomes `statement.bat.txt`."""
    allowed = EXTENSIONS[content_type]
    stem, dot, ext = name.rpartition(".")
    if dot and stem and ext.lower() in allowed:
        return name
    suffix = "." + allowed[0]
    return name[: NAME_MAX - len(suffix)].rstrip() + suffix


def _read_limited(stream: IO[bytes], limit: int) -> bytes | None:
    data = stream.read(limit + 1)
    return None if len(data) > limit else data


def add_attachment(
    case: Case,
    actor: Any,
    *,
    stream: IO[bytes],
    filename: str | None,
    description: str | None = None,
    now: datetime | None = None,
) -> CaseAttachment:
    """Check, store and record a file; one history entry; commits once. Nothing is kept when
    any check fails (or the database refuses the row)."""
    _require(case, actor, "attach")
    description = (description or "").strip() or None
    if description and len(description) > DESCRIPTION_MAX:
        raise CaseError(
            f"The description must be {DESCRIPTION_MAX:,} characters or fewer", "description"
        )
    limit = max_bytes()
    data = _read_limited(stream, limit)
    if data is None:
        raise CaseError(f"The file must be smaller than {limit // (1024 * 1024)} MB", "file")
    if not data:
        raise CaseError("The selected file is empty", "file")
    content_type = detect_type(data[:8192], data)
    if content_type is None:
        raise CaseError(f"The selected file must be {ALLOWED_IN_WORDS}", "file")
    name = name_for_type(clean_name(filename), content_type)
    stored_name = secrets.token_hex(16)
    folder = storage_dir()
    partial = folder / f".{stored_name}.part"
    with open(partial, "xb") as out:
        out.write(data)
    os.replace(partial, folder / stored_name)
    at = now or utcnow()
    attachment = CaseAttachment(
        case_id=case.id,
        original_name=name,
        description=description,
        stored_name=stored_name,
        content_type=content_type,
        size_bytes=len(data),
        uploaded_by_id=getattr(actor, "id", None),
        uploaded_at=at,
    )
    db.session.add(attachment)
    db.session.add(
        CaseEvent(
            case=case,
            at=at,
            actor_id=getattr(actor, "id", None),
            action="attached",
            from_state=case.state,
            to_state=case.state,
            note="\n".join(filter(None, [f"{name} ({ALLOWED_TYPES[content_type]})", description])),
        )
    )
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        with contextlib.suppress(FileNotFoundError):
            (folder / stored_name).unlink()
        raise
    return attachment


def attachments_of(case: Case) -> list[CaseAttachment]:
    return list(
        db.session.execute(
            db.select(CaseAttachment)
            .options(joinedload(CaseAttachment.uploaded_by).load_only(User.name))
            .where(CaseAttachment.case_id == case.id, CaseAttachment.removed_at.is_(None))
            .order_by(CaseAttachment.uploaded_at, CaseAttachment.id)
        ).scalars()
    )


def file_path(attachment: CaseAttachment) -> Path:
    return storage_dir() / attachment.stored_name


def remove_files_of(case_ids: list[int], now: datetime | None = None) -> int:
    """Delete the files of these cases and mark their rows removed (names and descriptions
    blanked); the caller commits. Returns how many files were removed."""
    if not case_ids:
        return 0
    rows = list(
        db.session.execute(
            db.select(CaseAttachment).where(
                CaseAttachment.case_id.in_(case_ids), CaseAttachment.removed_at.is_(None)
            )
        ).scalars()
    )
    folder = storage_dir()
    for row in rows:
        with contextlib.suppress(FileNotFoundError):
            (folder / row.stored_name).unlink()
        row.removed_at = now or utcnow()
        row.original_name = "removed"
        row.description = None
    return len(rows)
