"""Sending exports without holding them in memory.

- `read_in_batches(query)`: the rows of a Core select (columns only, never ORM objects), fetched
  EXPORT_BATCH_ROWS at a time from one cursor (a server-side cursor on PostgreSQL), as lists.
- `csv_response(name, header, batches)`: a streamed CSV download. The body is a generator: the
  header goes out at once and each batch of rows as it is read, so the first byte leaves before
  the query has finished and memory stays flat whatever the size.
- `xlsx_response(name, write)`: `write(file)` fills a temporary file (openpyxl write-only mode)
  that is then sent in blocks and removed when closed.
- `attachment(name)`: the Content-Disposition header of a download.

The one cell guard (`engage.textpolicy.spreadsheet_cell`; `xlsx_cell` for workbooks) is applied
by each export to its text cells: exports know which cells hold text that people typed.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any

from flask import Response, current_app, send_file, stream_with_context
from sqlalchemy import Select, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from engage.extensions import db

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class iso_date(FunctionElement[str]):  # noqa: N801 - used like a SQL function
    """A date column read as its ISO text (YYYY-MM-DD), as the database writes it: SQLite
    stores dates so; PostgreSQL formats them with to_char (whatever its DateStyle). An export
    writes the text as it comes instead of converting a million dates there and back."""

    type = String()
    inherit_cache = True


@compiles(iso_date)
def _iso_date_default(element: iso_date, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(list(element.clauses)[0], **kw))


@compiles(iso_date, "postgresql")
def _iso_date_postgresql(element: iso_date, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(list(element.clauses)[0], **kw)}, 'YYYY-MM-DD')"


def attachment(file_name: str) -> str:
    return f'attachment; filename="{file_name}"'


def batch_rows() -> int:
    return int(current_app.config.get("EXPORT_BATCH_ROWS", 5000))


def read_in_batches(query: Select, size: int | None = None) -> Iterator[Sequence[Any]]:
    """The rows of `query`, `size` at a time, from one streamed cursor. Executed on the
    session's connection (in its transaction) as Core: plain rows, without the ORM's per-row
    loading machinery."""
    connection = db.session.connection()
    result = connection.execute(query.execution_options(yield_per=size or batch_rows()))
    yield from result.partitions()


def csv_chunks(
    header: Sequence[str], batches: Iterable[Iterable[Sequence[Any]]], *, bom: bool = False
) -> Iterator[str]:
    """CSV text: the header first, then one chunk per batch of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if bom:
        buffer.write("\ufeff")  # so Excel reads UTF-8 names correctly
    writer.writerow(header)
    yield buffer.getvalue()
    for rows in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(rows)
        yield buffer.getvalue()


def csv_response(
    file_name: str,
    header: Sequence[str],
    batches: Iterable[Iterable[Sequence[Any]]],
    *,
    bom: bool = False,
) -> Response:
    """A CSV download streamed from a generator (the request's context stays open until the
    last chunk, so the database session reading the rows does too)."""
    body = stream_with_context(
        chunk.encode("utf-8") for chunk in csv_chunks(header, batches, bom=bom)
    )
    response = Response(body, content_type=CSV_TYPE)  # mimetype= would add a second charset
    response.headers["Content-Disposition"] = attachment(file_name)
    response.headers["Cache-Control"] = "no-store"
    return response


def xlsx_response(file_name: str, write: Callable[[IO[bytes]], None]) -> Response:
    """An XLSX download written to a temporary file first (removed once sent)."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response
    try:
        write(handle)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    response = send_file(handle, mimetype=XLSX_TYPE, as_attachment=True, download_name=file_name)
    response.headers["Content-Disposition"] = attachment(file_name)
    response.headers["Cache-Control"] = "no-store"
    return response
