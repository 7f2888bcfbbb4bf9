"""Export user logs as CSV and XLSX in the import format, so an export re-imports to the same
log. Also the blank template and the CSO's workbook of every log."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from typing import IO, Any

from openpyxl import Workbook
from sqlalchemy import Select, case, exists, or_

from engage.consent.models import Consent
from engage.exports.streaming import read_in_batches
from engage.extensions import db
from engage.outputs import spreadsheet as sheet
from engage.outputs.models import LogEntry, Output, Stakeholder
from engage.textpolicy import clean_line, spreadsheet_cell, xlsx_cell
from engage.vocab import ENGAGEMENT_LEVEL_SHORT, LOG_SOURCES, USER_CATEGORY_SHORT

# The consent column as the import reads it back (engage.outputs.importing._consent_change):
# Yes when the person agrees to be contacted; No when nothing the column speaks for (consultation
# invitations, news about the output) is in force; empty, which keeps what is recorded, when the
# flag is off but they still have such a consent (news they asked for on a public form, say), so
# that re-importing an export never withdraws it.
CONSENT_CELL = case(
    (Stakeholder.consent_to_contact.is_(True), True),
    (
        exists().where(
            Consent.stakeholder_id == Stakeholder.id,
            Consent.status.in_(("pending", "given")),
            Consent.purpose.in_(("consultations", "news")),
            or_(
                Consent.purpose == "consultations",
                Consent.output_id.is_(None),
                Consent.output_id == LogEntry.output_id,
            ),
        ),
        None,
    ),
    else_=False,
)

# The log's columns, read as plain rows (no stakeholder or log-entry objects).
LOG_COLUMNS = (
    Stakeholder.id,
    Stakeholder.name,
    Stakeholder.organisation,
    Stakeholder.email,
    Stakeholder.phone,
    Stakeholder.category,
    LogEntry.engagement_level,
    LogEntry.uses,
    LogEntry.source,
    LogEntry.first_contact_on,
    LogEntry.latest_contact_on,
    CONSENT_CELL,
)


def log_query(output_id: int) -> Select:
    return (
        db.select(*LOG_COLUMNS)
        .join(Stakeholder, Stakeholder.id == LogEntry.stakeholder_id)
        .where(LogEntry.output_id == output_id)
        .order_by(Stakeholder.name, LogEntry.id)
    )


def sheet_rows(rows: Iterable[Any], hidden: Collection[int] = ()) -> list[list[Any]]:
    """Rows in the import format's column order (dates as date objects), every text cell through
    the formula guard. People whose ids are in `hidden` (also in a log the exporter may not
    edit) show their email address and category only
    (engage.outputs.access.people_kept_elsewhere_in_log)."""
    safe = spreadsheet_cell
    out = []
    for (
        person_id,
        name,
        organisation,
        email,
        phone,
        category,
        level,
        uses,
        source,
        first_contact_on,
        latest_contact_on,
        consent,
    ) in rows:
        kept = person_id in hidden
        out.append(
            [
                safe((email or "") if kept else (name or "")),
                "" if kept else safe(organisation or ""),
                safe(email or ""),
                "" if kept else safe(phone or ""),
                USER_CATEGORY_SHORT.get(category, category),
                ENGAGEMENT_LEVEL_SHORT.get(level, level),
                safe(uses or ""),
                LOG_SOURCES.get(source, source),
                first_contact_on,
                latest_contact_on,
                "" if kept or consent is None else "Yes" if consent else "No",
            ]
        )
    return out


def log_rows(output_id: int, hidden: Collection[int] = ()) -> Iterator[list[Any]]:
    """One row per stakeholder in the log, in column order, read in batches."""
    for rows in read_in_batches(log_query(output_id)):
        yield from sheet_rows(rows, hidden)


def log_csv_batches(
    output_id: int | None, hidden: Collection[int] = ()
) -> Iterator[list[list[Any]]]:
    """The log's CSV rows in batches (none for the blank template); dates go out as ISO text."""
    if output_id is None:
        return
    for rows in read_in_batches(log_query(output_id)):
        yield sheet_rows(rows, hidden)


def _fill(worksheet, output_id: int | None, hidden: Collection[int] = ()) -> None:  # type: ignore[no-untyped-def]
    worksheet.append(sheet.HEADERS)
    if output_id is not None:
        for row in log_rows(output_id, hidden):
            worksheet.append([xlsx_cell(value) for value in row])


def write_log_xlsx(
    target: IO[bytes],
    output_id: int | None,
    title: str = "User log",
    hidden: Collection[int] = (),
) -> None:
    """One log (or the blank template with its guidance sheet), in write-only mode."""
    workbook = Workbook(write_only=True)
    _fill(workbook.create_sheet(sheet_title(title, set())), output_id, hidden)
    if output_id is None:
        guide = workbook.create_sheet("Guidance")
        guide.append(["Column", "Required", "What to enter"])
        for _, header, required, help_text in sheet.COLUMNS:
            guide.append([header, "Yes" if required else "No", help_text])
    workbook.save(target)


def write_all_logs_xlsx(target: IO[bytes]) -> None:
    """One sheet per output, in title order (for the CSO), in write-only mode: rows go to the
    file as they are read."""
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    outputs = db.session.execute(
        db.select(Output.id, Output.title).order_by(Output.title, Output.id)
    ).all()
    for output_id, title in outputs:
        _fill(workbook.create_sheet(sheet_title(title, used)), output_id)
    if not outputs:
        workbook.create_sheet("No outputs").append(sheet.HEADERS)
    workbook.save(target)


def sheet_title(title: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\]", " ", clean_line(title)).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name
