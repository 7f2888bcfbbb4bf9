"""Export user logs as CSV and XLSX in the import format, so an export re-imports to the same
log. Also the blank template and the CSO's workbook of every log."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook

from engage.extensions import db
from engage.outputs import spreadsheet as sheet
from engage.outputs.models import LogEntry, Output, Stakeholder
from engage.textpolicy import clean_line
from engage.vocab import ENGAGEMENT_LEVEL_SHORT, LOG_SOURCES, USER_CATEGORY_SHORT

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def log_rows(output_id: int) -> Iterable[list[Any]]:
    """One row per stakeholder in the log, in column order (dates as date objects)."""
    result = db.session.execute(
        db.select(LogEntry, Stakeholder)
        .join(Stakeholder, Stakeholder.id == LogEntry.stakeholder_id)
        .where(LogEntry.output_id == output_id)
        .order_by(Stakeholder.name, LogEntry.id)
        .execution_options(yield_per=1000)
    ).tuples()
    for entry, person in result:
        yield [
            person.name,
            person.organisation,
            person.email or "",
            person.phone or "",
            USER_CATEGORY_SHORT.get(person.category, person.category),
            ENGAGEMENT_LEVEL_SHORT.get(entry.engagement_level, entry.engagement_level),
            entry.uses,
            LOG_SOURCES.get(entry.source, entry.source),
            entry.first_contact_on,
            entry.latest_contact_on,
            "Yes" if person.consent_to_contact else "No",
        ]


def _safe(value: Any) -> Any:
    return sheet.safe_cell(value) if isinstance(value, str) else value


def log_csv(output_id: int | None) -> str:
    """The log as CSV text; output_id None gives the blank template."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(sheet.HEADERS)
    if output_id is not None:
        for row in log_rows(output_id):
            writer.writerow(
                [
                    "" if v is None else (v.isoformat() if hasattr(v, "isoformat") else _safe(v))
                    for v in row
                ]
            )
    return "\ufeff" + buffer.getvalue()  # a BOM so Excel reads UTF-8 names correctly


def _fill(worksheet, output_id: int | None) -> None:  # type: ignore[no-untyped-def]
    worksheet.append(sheet.HEADERS)
    if output_id is not None:
        for row in log_rows(output_id):
            worksheet.append([_safe(v) for v in row])


def _to_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def log_xlsx(output_id: int | None, title: str = "User log") -> bytes:
    workbook = Workbook(write_only=True)
    _fill(workbook.create_sheet(sheet_title(title, set())), output_id)
    if output_id is None:
        guide = workbook.create_sheet("Guidance")
        guide.append(["Column", "Required", "What to enter"])
        for _, header, required, help_text in sheet.COLUMNS:
            guide.append([header, "Yes" if required else "No", help_text])
    return _to_bytes(workbook)


def all_logs_xlsx() -> bytes:
    """One sheet per output, in title order (for the CSO)."""
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    outputs = db.session.execute(db.select(Output).order_by(Output.title)).scalars().all()
    for output in outputs:
        _fill(workbook.create_sheet(sheet_title(output.title, used)), output.id)
    if not outputs:
        workbook.create_sheet("No outputs").append(sheet.HEADERS)
    return _to_bytes(workbook)


def sheet_title(title: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\]", " ", clean_line(title)).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name
