"""Reading an uploaded user-log file, CSV or XLSX, within bounds: `read_rows(filename, content)`
gives its rows as {column key: text}, or raises ImportFileError with a message for the person
who chose the file. An XLSX file is checked as a zip before it is parsed (a zip bomb), and no
file may have more rows, columns or longer cells than the bounds below."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from engage.outputs import spreadsheet as sheet

MAX_ROWS = 20_000
# Bounds checked before and while an XLSX file is parsed (a small zip can claim 16,384 columns
# or unpack to gigabytes): what the zip may unpack to, how much one member may grow, how many
# columns are read, and how long one cell may be.
MAX_COLUMNS = 40
MAX_CELL_CHARACTERS = 10_000
XLSX_MAX_UNPACKED_BYTES = 64 * 1024 * 1024
XLSX_MAX_RATIO = 100
XLSX_MAX_MEMBERS = 200


class ImportFileError(ValueError):
    """The file as a whole cannot be read."""


def read_rows(filename: str, content: bytes) -> list[dict[str, str]]:
    """Rows of the file as {column key: text, '_row': number}. Raises ImportFileError."""
    lower = filename.lower()
    table: list[Any]
    if lower.endswith(".csv"):
        table = _csv_table(content)
    elif lower.endswith(".xlsx"):
        table = _xlsx_table(content)
    else:
        raise ImportFileError("The selected file must be a CSV or XLSX file")
    rows = iter(table)
    header = next(rows, None)
    if header is None:
        raise ImportFileError("The selected file is empty")
    keys = sheet.header_keys([sheet.cell_text(h) for h in header])
    missing = [h for k, h, req, _ in sheet.COLUMNS if req and k not in keys]
    if missing:
        raise ImportFileError(
            "The selected file must have a header row with the columns " + ", ".join(missing)
        )
    out: list[dict[str, str]] = []
    for number, values in enumerate(rows, start=2):
        texts = [sheet.cell_text(v) for v in values[:MAX_COLUMNS]]
        if any(len(t) > MAX_CELL_CHARACTERS for t in texts):
            raise ImportFileError(
                f"Row {number} has a cell longer than {MAX_CELL_CHARACTERS:,} characters"
            )
        if not any(texts):
            continue
        record: dict[str, Any] = {"_row": number}
        for key, text in zip(keys, texts, strict=False):
            if key is not None and key not in record:
                record[key] = text
        out.append(record)
        if len(out) > MAX_ROWS:
            raise ImportFileError(f"The selected file must have {MAX_ROWS:,} rows or fewer")
    if not out:
        raise ImportFileError("The selected file has no rows under the header")
    return out


def _csv_table(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise ImportFileError("The selected file could not be read as CSV") from error


def check_xlsx_container(content: bytes) -> None:
    """Refuse, before any parsing, a zip that would unpack to too much (a zip bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as error:
        raise ImportFileError("The selected file could not be read as XLSX") from error
    too_big = ImportFileError("The selected file is too large when unpacked")
    if len(members) > XLSX_MAX_MEMBERS:
        raise too_big
    if sum(m.file_size for m in members) > XLSX_MAX_UNPACKED_BYTES:
        raise too_big
    for member in members:
        if member.file_size > 1024 * 1024 and member.file_size > XLSX_MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise too_big


def _xlsx_table(content: bytes) -> list[tuple[Any, ...]]:
    from openpyxl import load_workbook

    check_xlsx_container(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise ImportFileError("The selected file could not be read as XLSX") from error
    try:
        worksheet = workbook.worksheets[0]
        table = []
        # max_col: a sheet claiming 16,384 columns is read as MAX_COLUMNS wide, not padded.
        for values in worksheet.iter_rows(
            max_row=MAX_ROWS + 2, max_col=MAX_COLUMNS, values_only=True
        ):
            table.append(values)
        return table
    except ImportFileError:
        raise
    except Exception as error:  # a broken sheet inside a good zip
        raise ImportFileError("The selected file could not be read as XLSX") from error
    finally:
        workbook.close()
