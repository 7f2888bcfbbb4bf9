"""Bringing an existing release calendar in (CSV or XLSX, previewed row by row, applied only on
confirmation, as user-log imports are), and sending the calendar out (CSV and XLSX, the same
columns, so an export can be imported elsewhere).

An import adds releases with the history the file gives (when the month and the date were
announced, when it was published), checked by the same rules as releases entered by hand, so
the on-time record covers the years before Engage. It also records the publication time of a
release already in the calendar (matched by output and title). It never moves a confirmed
date: that needs the Chief Statistician's approval, on the release's page."""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import IO, Any

from flask import current_app

from engage import audit, slugs
from engage.auth.models import User
from engage.calendar import LONDON, london_date
from engage.extensions import db
from engage.forms import EARLIEST_YEAR, LATEST_YEAR
from engage.outputs.importing import ImportFileError, check_xlsx_container
from engage.outputs.models import Output
from engage.releases import rules, service
from engage.releases.forms import parse_month, parse_time
from engage.releases.models import Release, ReleaseBreach, ReleaseVersion
from engage.textpolicy import clean_line, clean_multiline, spreadsheet_cell, xlsx_cell

MAX_ROWS = 5_000
MAX_CELL = 2_000
COLUMNS = [
    ("output", "Output"),
    ("title", "Title"),
    ("type", "Type"),
    ("status", "Status"),
    ("month", "Month"),
    ("month_announced_on", "Month announced on"),
    ("date", "Date"),
    ("time", "Time"),
    ("date_announced_on", "Date announced on"),
    ("published_at", "Published at"),
    ("cancellation_reason", "Cancellation reason"),
]
REQUIRED = ("title",)
_TOKEN = re.compile(r"^[A-Za-z0-9_\-]{20,64}$")


# --- export ------------------------------------------------------------------------------------


def _london_text(moment: datetime | None) -> str:
    return f"{moment.astimezone(LONDON):%Y-%m-%d %H:%M}" if moment else ""


def export_rows(releases: list[Release]) -> list[list[str]]:
    rows = []
    for r in releases:
        rows.append(
            [
                spreadsheet_cell(r.output.slug) if r.output else "",
                spreadsheet_cell(r.title),
                "ad hoc" if r.kind == "ad_hoc" else "routine",
                r.status,
                f"{r.provisional_month:%Y-%m}" if r.provisional_month else "",
                r.month_announced_on.isoformat() if r.month_announced_on else "",
                str(london_date(r.scheduled_at)) if r.scheduled_at else "",
                f"{r.scheduled_at.astimezone(LONDON):%H:%M}" if r.scheduled_at else "",
                r.date_announced_on.isoformat() if r.date_announced_on else "",
                _london_text(r.published_at),
                spreadsheet_cell(r.cancellation_reason or ""),
            ]
        )
    return rows


def all_releases() -> list[Release]:
    from sqlalchemy.orm import selectinload

    return list(
        db.session.execute(
            db.select(Release)
            .options(selectinload(Release.output))
            .order_by(
                Release.scheduled_at.is_(None),
                Release.scheduled_at,
                Release.provisional_month,
                Release.id,
            )
        ).scalars()
    )


def header() -> list[str]:
    return [label for _key, label in COLUMNS]


def write_xlsx(handle: IO[bytes], rows: list[list[str]]) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Releases")
    sheet.append(header())
    for row in rows:
        sheet.append([xlsx_cell(cell) for cell in row])
    workbook.save(handle)


# --- reading -----------------------------------------------------------------------------------


def _header_keys(cells: list[str]) -> list[str | None]:
    by_label = {label.lower(): key for key, label in COLUMNS} | {k: k for k, _ in COLUMNS}
    return [
        by_label.get(c.strip().lower().replace("_", " "), by_label.get(c.strip().lower()))
        for c in cells
    ]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return f"{value:%H:%M}"
    # The text policy at the edge, as for forms: no NUL or control characters (PostgreSQL
    # refuses NUL in text; the feeds and pages must never carry them).
    return clean_multiline(str(value))


def read_rows(filename: str, content: bytes) -> list[dict[str, Any]]:
    lower = filename.lower()
    table: list[Any]
    if lower.endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = content.decode("cp1252", errors="replace")
        try:
            table = list(csv.reader(io.StringIO(text)))
        except csv.Error as error:
            raise ImportFileError("The selected file could not be read as CSV") from error
    elif lower.endswith(".xlsx"):
        from openpyxl import load_workbook

        check_xlsx_container(content)
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            table = list(
                workbook.worksheets[0].iter_rows(
                    max_row=MAX_ROWS + 2, max_col=len(COLUMNS) + 10, values_only=True
                )
            )
            workbook.close()
        except Exception as error:  # openpyxl raises many kinds for a broken file
            raise ImportFileError("The selected file could not be read as XLSX") from error
    else:
        raise ImportFileError("The selected file must be a CSV or XLSX file")
    if not table:
        raise ImportFileError("The selected file is empty")
    keys = _header_keys([_text(c) for c in table[0]])
    if "title" not in keys:
        raise ImportFileError("The selected file must have a header row with a Title column")
    rows: list[dict[str, Any]] = []
    for number, values in enumerate(table[1:], start=2):
        texts = [_text(v) for v in values]
        if not any(texts):
            continue
        if any(len(t) > MAX_CELL for t in texts):
            raise ImportFileError(f"Row {number} has a cell longer than {MAX_CELL:,} characters")
        record: dict[str, Any] = {"_row": number}
        for key, text in zip(keys, texts, strict=False):
            if key is not None and key not in record:
                record[key] = text
        rows.append(record)
        if len(rows) > MAX_ROWS:
            raise ImportFileError(f"The selected file must have {MAX_ROWS:,} rows or fewer")
    if not rows:
        raise ImportFileError("The selected file has no rows under the header")
    return rows


# --- planning ----------------------------------------------------------------------------------


@dataclass
class PlannedRow:
    number: int
    action: str  # add, publish, unchanged, refuse
    title: str = ""
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportPlan:
    rows: list[PlannedRow]

    @property
    def counts(self) -> dict[str, int]:
        return {
            a: sum(1 for r in self.rows if r.action == a)
            for a in ("add", "publish", "unchanged", "refuse")
        }


def _in_range(day: date) -> date:
    """The years any date in Engage may have (as the forms): year 1 or 9999 is a typo, and
    would overflow the feeds' arithmetic."""
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise ValueError("year out of range")
    return day


def _parse_date(text: str) -> date:
    cleaned = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d %m %Y", "%d %B %Y", "%d %b %Y"):
        try:
            parsed = datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
        return _in_range(parsed)
    raise ValueError("not a date")


def _parse_moment(text: str) -> datetime:
    """`2025-05-14 09:30` (London time) as aware UTC."""
    cleaned = text.strip().replace("T", " ")
    day_text, _, clock_text = cleaned.partition(" ")
    return rules.at_london(_parse_date(day_text), parse_time(clock_text or "9:30"))


def _month(text: str) -> date:
    cleaned = text.strip()
    if re.fullmatch(r"\d{4}-\d{1,2}", cleaned):
        year, month = cleaned.split("-")
        return _in_range(date(int(year), int(month), 1))
    return parse_month(cleaned)


def _clean(
    raw: dict[str, Any], outputs: dict[str, Output], allowed: set[int], today: date
) -> tuple[dict[str, Any], list[str]]:
    reasons: list[str] = []
    data: dict[str, Any] = {"title": clean_line(raw.get("title") or "")[:300]}
    if not data["title"]:
        reasons.append("Title is missing")
    kind = (raw.get("type") or "routine").strip().lower().replace("-", " ").replace("_", " ")
    data["kind"] = {"routine": "routine", "ad hoc": "ad_hoc", "adhoc": "ad_hoc"}.get(kind)
    if data["kind"] is None:
        reasons.append("Type must be routine or ad hoc")
    key = (raw.get("output") or "").strip().lower()
    output = outputs.get(key)
    data["output_id"] = output.id if output else None
    if key and output is None:
        reasons.append(f"No output is called {raw.get('output')!r} (give its title or web name)")
    elif output is not None and output.id not in allowed:
        reasons.append("You do not produce this output")
    elif output is None and data["kind"] == "routine":
        reasons.append("A routine release needs its output")
    for name, parse, label in (
        ("month", _month, "Month"),
        ("month_announced_on", _parse_date, "Month announced on"),
        ("date", _parse_date, "Date"),
        ("date_announced_on", _parse_date, "Date announced on"),
        ("published_at", _parse_moment, "Published at"),
    ):
        text = (raw.get(name) or "").strip()
        data[name] = None
        if text:
            try:
                data[name] = parse(text)
            except (ValueError, rules.ReleaseError):
                reasons.append(f"{label} is not a date we can read: {text[:40]!r}")
    clock = (raw.get("time") or "").strip()
    try:
        data["time"] = parse_time(clock) if clock else rules.DEFAULT_TIME
    except ValueError:
        reasons.append(f"Time is not a time we can read: {clock[:20]!r}")
        data["time"] = rules.DEFAULT_TIME
    if data["date"] is not None:
        try:
            rules.at_london(data["date"], data["time"])
        except rules.ReleaseError as error:  # 01:30 on a clock-change day
            reasons.append(f"Date and time: {error.message}")
    data["cancellation_reason"] = (raw.get("cancellation_reason") or "").strip()
    status = (raw.get("status") or "").strip().lower()
    if not status:
        status = (
            "cancelled"
            if data["cancellation_reason"]
            else "published"
            if data["published_at"]
            else "confirmed"
            if data["date"]
            else "provisional"
        )
    data["status"] = status
    if status not in rules.STATUSES:
        reasons.append("Status must be provisional, confirmed, published or cancelled")
    if status in ("confirmed", "published") and data["date"] is None:
        reasons.append("A confirmed or published release needs its date")
    if status == "provisional" and data["month"] is None and data["date"] is None:
        reasons.append("A provisional release needs its month")
    if status == "published" and data["published_at"] is None:
        reasons.append("A published release needs the time it was published")
    if status == "cancelled" and not data["cancellation_reason"]:
        reasons.append("A cancelled release needs the reason")
    if data["published_at"] is not None and london_date(data["published_at"]) > today:
        reasons.append("Published at is in the future")
    if data["date"] is not None and data["month"] is None and data["kind"] == "routine":
        data["month"] = data["date"].replace(day=1)
    return data, reasons


def _existing() -> dict[tuple[int | None, str], Release]:
    return {
        (r.output_id, r.title.strip().lower()): r
        for r in db.session.execute(db.select(Release)).scalars()
    }


def _outputs() -> dict[str, Output]:
    found: dict[str, Output] = {}
    for output in db.session.execute(db.select(Output)).scalars():
        found[output.slug.lower()] = output
        found[output.title.strip().lower()] = output
    return found


def plan_import(raw_rows: list[dict[str, Any]], actor: User, today: date) -> ImportPlan:
    outputs = _outputs()
    allowed = {o.id for o in service.output_choices(actor)}
    existing = _existing()
    seen: set[tuple[int | None, str]] = set()
    planned = []
    for raw in raw_rows:
        data, reasons = _clean(raw, outputs, allowed, today)
        row = PlannedRow(number=int(raw["_row"]), action="add", title=data["title"], data=data)
        key = (data["output_id"], data["title"].lower())
        if key in seen:
            reasons.append("The same release appears earlier in the file")
        seen.add(key)
        if reasons:
            row.action, row.reasons = "refuse", reasons
        elif key in existing:
            release = existing[key]
            if (
                release.status == "confirmed"
                and data["status"] == "published"
                and data["published_at"] is not None
            ):
                row.action = "publish"
                warning = rules.publication_warning(release.scheduled_at, data["published_at"])  # type: ignore[arg-type]
                row.warnings = [warning.message] if warning else []
            elif release.status == data["status"]:
                row.action = "unchanged"
            else:
                row.action, row.reasons = (
                    "refuse",
                    [f"Already in the calendar as {release.status}: change it on its page"],
                )
        else:
            row.warnings = [w.message for w in _history_warnings(data, today)]
        planned.append(row)
    return ImportPlan(planned)


def _history_warnings(data: dict[str, Any], today: date) -> list[rules.Warning]:
    found = []
    if data["kind"] == "routine" and data["month"] is not None:
        w = rules.month_notice_warning(data["month"], data["month_announced_on"] or today)
        if w:
            found.append(w)
    if data["date"] is not None:
        scheduled = rules.at_london(data["date"], data["time"])
        w = rules.date_notice_warning(data["kind"], scheduled, data["date_announced_on"] or today)
        if w:
            found.append(w)
        if data["published_at"] is not None:
            w = rules.publication_warning(scheduled, data["published_at"])
            if w:
                found.append(w)
    return found


# --- applying ----------------------------------------------------------------------------------


def _start_of(day: date | None, fallback: datetime) -> datetime:
    return rules.at_london(day, time(9, 0)) if day else fallback


def apply_import(raw_rows: list[dict[str, Any]], actor: User, now: datetime) -> ImportPlan:
    """Plan again (the calendar may have changed since the preview) and apply what the plan
    says, in one transaction."""
    today = london_date(now)
    plan = plan_import(raw_rows, actor, today)
    existing = _existing()
    for row in plan.rows:
        data = row.data
        if row.action == "publish":
            release = existing[(data["output_id"], data["title"].lower())]
            service.record_publication(release, data["published_at"], actor, now, commit=False)
            continue
        if row.action != "add":
            continue
        _add(data, actor, now, today)
    audit.record("release.imported", actor=actor, object_type="release", detail=plan.counts)
    db.session.commit()
    return plan


def _add(data: dict[str, Any], actor: User, now: datetime, today: date) -> None:
    scheduled = rules.at_london(data["date"], data["time"]) if data["date"] else None
    month_told: date = data["month_announced_on"] or today
    date_told: date = data["date_announced_on"] or today
    release = Release(
        slug=slugs.unique_slug(Release, data["title"], "release"),
        output_id=data["output_id"],
        title=data["title"],
        kind=data["kind"],
        status=data["status"],
        provisional_month=data["month"],
        month_announced_on=month_told if data["month"] else None,
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(release)
    db.session.flush()

    def version(action: str, at: datetime, **kw: Any) -> None:
        db.session.add(
            ReleaseVersion(
                release_id=release.id,
                version=release.version,
                action=action,
                recorded_at=at,
                recorded_by_id=actor.id,
                status=kw.get("status", release.status),
                provisional_month=release.provisional_month,
                scheduled_at=kw.get("scheduled_at"),
                published_at=kw.get("published_at"),
                reason=kw.get("reason"),
            )
        )
        release.updated_at = at

    def breach(warning: rules.Warning | None, on: datetime, **extra: Any) -> None:
        if warning is not None:
            db.session.add(
                ReleaseBreach(
                    release_id=release.id,
                    rule=warning.rule,
                    version=release.version,
                    occurred_on=london_date(on),
                    detail=warning.message,
                    recorded_at=now,
                    extra=extra or None,
                )
            )

    first_status = "provisional" if data["month"] and data["kind"] == "routine" else "confirmed"
    if first_status == "provisional":
        version("announced", _start_of(month_told, now), status="provisional")
        breach(rules.month_notice_warning(data["month"], month_told), _start_of(month_told, now))
    if scheduled is not None:
        if first_status == "provisional":
            release.version += 1
        release.scheduled_at = scheduled
        release.date_announced_on = date_told
        version(
            "announced" if first_status == "confirmed" else "confirmed",
            _start_of(date_told, now),
            status="confirmed",
            scheduled_at=scheduled,
        )
        breach(
            rules.date_notice_warning(data["kind"], scheduled, date_told), _start_of(date_told, now)
        )
    if data["status"] == "published":
        release.version += 1
        release.published_at = data["published_at"]
        release.published_recorded_by_id = actor.id
        version(
            "published",
            data["published_at"],
            status="published",
            scheduled_at=scheduled,
            published_at=data["published_at"],
        )
        assert scheduled is not None  # nosec B101 (a published row has its date)
        breach(
            rules.publication_warning(scheduled, data["published_at"]),
            data["published_at"],
            timing=rules.publication_timing(scheduled, data["published_at"]),
        )
    elif data["status"] == "cancelled":
        release.version += 1
        release.cancelled_at = now
        release.cancellation_reason = data["cancellation_reason"]
        version(
            "cancelled",
            now,
            status="cancelled",
            scheduled_at=scheduled,
            reason=data["cancellation_reason"],
        )
    db.session.flush()


# --- keeping the upload between preview and confirmation ---------------------------------------


def _store() -> Path:
    path = Path(current_app.instance_path) / "release-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_upload(rows: list[dict[str, Any]], *, user_id: int, filename: str) -> str:
    token = secrets.token_urlsafe(24)
    payload = {
        "user_id": user_id,
        "filename": filename,
        "rows": rows,
        "saved_at": datetime.now(UTC).isoformat(),
    }
    (_store() / f"{token}.json").write_text(json.dumps(payload), encoding="utf-8")
    return token


def load_upload(token: str, *, user_id: int) -> dict[str, Any] | None:
    if not _TOKEN.match(token or ""):
        return None
    path = _store() / f"{token}.json"
    if not path.exists():
        return None
    payload = json.loads(path.read_text(encoding="utf-8"))
    if payload.get("user_id") != user_id:
        return None
    return payload  # type: ignore[no-any-return]


def discard_upload(token: str) -> None:
    if _TOKEN.match(token or ""):
        (_store() / f"{token}.json").unlink(missing_ok=True)
