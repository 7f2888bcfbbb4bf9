"""Import a user log from CSV or XLSX: read (import_files.py), plan (a row-by-row report),
then apply on confirmation. Nothing is written to the database until `apply_import`.

Between preview and confirmation the rows read from the file are kept server-side in
instance/user-log-imports/<token>.json; the token lives only in the uploader's session.

Speed: the plan uses batched queries (stakeholders by email in chunks, the whole log once), never
one SELECT per row; applying inserts in bulk. See docs/user-logs.md for measurements.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import func

from engage import audit
from engage.db_types import utcnow
from engage.extensions import db
from engage.outputs import access, history
from engage.outputs import spreadsheet as sheet

# Reading the uploaded file is import_files.py's; its names are given here too.
from engage.outputs.import_files import (  # noqa: F401
    MAX_CELL_CHARACTERS,
    ImportFileError,
    check_xlsx_container,
    read_rows,
)
from engage.outputs.models import LogEntry, Output, Stakeholder
from engage.outputs.userlog import normalise_email
from engage.vocab import ENGAGEMENT_LEVEL_SHORT, LOG_SOURCES, USER_CATEGORY_SHORT

CHUNK = 500
_PHONE = re.compile(r"^[0-9+()\-. ]{3,40}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_\-]{20,64}$")


@dataclass
class PlannedRow:
    number: int  # the row number in the spreadsheet (the header is row 1)
    action: str  # add, update, unchanged, refuse
    name: str = ""
    email: str | None = None
    reasons: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    written: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportPlan:
    rows: list[PlannedRow]

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {a: self.count(a) for a in ("add", "update", "unchanged", "refuse")}


# --- planning ---------------------------------------------------------------------------------


def _clean(raw: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    reasons: list[str] = []
    data: dict[str, Any] = {}
    name = raw.get("name", "").strip()
    if len(name) > 200:
        reasons.append("Name must be 200 characters or fewer")
    data["name"] = name
    data["organisation"] = raw.get("organisation", "").strip()
    if len(data["organisation"]) > 200:
        reasons.append("Organisation must be 200 characters or fewer")
    email = normalise_email(raw.get("email"))
    if email is not None:
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            reasons.append(f"Email ‘{email}’ is not a valid email address")
        if len(email) > 254:
            reasons.append("Email must be 254 characters or fewer")
    data["email"] = email
    phone = raw.get("phone", "").strip()
    if phone and not _PHONE.match(phone):
        reasons.append(f"Phone ‘{phone[:40]}’ is not a phone number")
    data["phone"] = phone or None
    # An empty name, category or level keeps what is recorded for a person already in the
    # log; plan_import refuses them only for someone new.
    given = raw.get("category", "").strip()
    category = sheet.category_key(given) if given else None
    if given and category is None:
        reasons.append(f"Category ‘{given[:60]}’ is not one of the seven user categories")
    data["category"] = category
    given = raw.get("engagement_level", "").strip()
    level = sheet.level_key(given) if given else None
    if given and level is None:
        reasons.append(
            f"Engagement level ‘{given[:40]}’ must be Access, Informed, Consulted or Involved"
        )
    data["engagement_level"] = level
    data["uses"] = raw.get("uses", "").strip()
    if len(data["uses"]) > 2000:
        reasons.append("Uses must be 2,000 characters or fewer")
    source = sheet.source_key(raw.get("source", ""))
    if source is None:
        reasons.append(f"Source ‘{raw.get('source', '')[:40]}’ is not a known source")
    data["source"] = source
    for key, label in (("first_contact_on", "First contact"), ("latest_contact_on", "Latest")):
        try:
            data[key] = sheet.parse_date(raw.get(key, ""))
        except ValueError:
            reasons.append(f"{label} ‘{raw.get(key, '')[:20]}’ is not a real date")
            data[key] = None
    first, latest = data["first_contact_on"], data["latest_contact_on"]
    if first and latest and latest < first:
        reasons.append("Latest contact is before first contact")
    consent_text = raw.get("consent_to_contact", "").strip()
    consent = sheet.consent_value(consent_text)
    if consent is None:
        reasons.append("Consent to contact must be Yes or No")
    data["consent_to_contact"] = bool(consent)
    # An empty cell (or no column) keeps the consent recorded; it never withdraws it.
    data["consent_given"] = bool(consent_text)
    return data, reasons


def _missing_for_new(data: dict[str, Any], *, new_person: bool, new_entry: bool) -> list[str]:
    """What a row must give when it adds someone: empty cells keep what is recorded, and a
    new person or entry has nothing recorded."""
    reasons = []
    if new_person and not data["name"]:
        reasons.append("Name is missing")
    if new_person and data["category"] is None:
        reasons.append("Category is missing")
    if new_entry and data["engagement_level"] is None:
        reasons.append("Engagement level is missing")
    return reasons


def _chunks(items: list[str]):  # type: ignore[no-untyped-def]
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _name_key(name: str, organisation: str) -> tuple[str, str]:
    return (name.strip().lower(), organisation.strip().lower())


def plan_import(output: Output, raw_rows: list[dict[str, Any]], actor: Any) -> ImportPlan:
    """Decide, row by row, what an import would do. Reads the database, writes nothing.

    A row whose email address belongs to a person also in a log the actor may not edit adds or
    updates only the actor's log entry: the person's own details stay as they are, and the
    report says nothing about them (it shows what the row holds, and entry changes only)."""
    cleaned = [(raw, *_clean(raw)) for raw in raw_rows]
    emails = sorted({d["email"] for _, d, r in cleaned if d["email"] and not r})
    by_email: dict[str, Stakeholder] = {}
    for chunk in _chunks(emails):
        for s in db.session.execute(
            db.select(Stakeholder).where(Stakeholder.email.in_(chunk))
        ).scalars():
            by_email[s.email] = s  # type: ignore[index]
    elsewhere = access.people_kept_elsewhere(actor, [s.id for s in by_email.values()])
    entries: dict[int, LogEntry] = {}
    by_name: dict[tuple[str, str], Stakeholder] = {}
    for entry, stakeholder in db.session.execute(
        db.select(LogEntry, Stakeholder)
        .join(Stakeholder, Stakeholder.id == LogEntry.stakeholder_id)
        .where(LogEntry.output_id == output.id)
    ).tuples():
        entries[stakeholder.id] = entry
        if stakeholder.email is None:
            by_name.setdefault(_name_key(stakeholder.name, stakeholder.organisation), stakeholder)
    consents = _consents_in_force(
        output, [s.id for s in by_email.values()] + [s.id for s in by_name.values()]
    )

    seen: dict[object, int] = {}
    rows: list[PlannedRow] = []
    for raw, data, reasons in cleaned:
        row = PlannedRow(
            number=raw["_row"], action="refuse", name=data["name"], email=data["email"]
        )
        row.data = data
        key: object = data["email"] or _name_key(data["name"], data["organisation"])
        if key in seen:
            what = "email address" if data["email"] else "name and organisation"
            reasons = [*reasons, f"Same {what} as row {seen[key]} of this file"]
        else:
            seen[key] = row.number
        if reasons:
            row.reasons = reasons
            rows.append(row)
            continue
        stakeholder = (
            by_email.get(data["email"])
            if data["email"]
            else by_name.get(_name_key(data["name"], data["organisation"]))
        )
        entry = entries.get(stakeholder.id) if stakeholder is not None else None
        data["_person_kept"] = stakeholder is not None and stakeholder.id in elsewhere
        # Someone kept in another log and not yet in this one is treated as new here, so the
        # report cannot tell the actor they exist (the shared-stakeholder rule).
        missing = _missing_for_new(
            data,
            new_person=stakeholder is None or (data["_person_kept"] and entry is None),
            new_entry=entry is None,
        )
        if missing:
            row.reasons = missing
            rows.append(row)
            continue
        shown = None if data["_person_kept"] else stakeholder
        row.changes = _differences(shown, entry, data)
        data["_consent"] = _consent_change(
            stakeholder,
            data,
            consents.get(stakeholder.id, {}) if stakeholder is not None else {},
            kept=data["_person_kept"],
        )
        if data["_consent"] is not None:
            row.changes.append(data["_consent"][1])
        row.written = _written(
            shown, entry, data, hidden=data["_person_kept"] and entry is not None
        )
        if entry is None:
            row.action = "add"
        else:
            row.action = "update" if row.changes else "unchanged"
        row.data["_stakeholder_id"] = stakeholder.id if stakeholder is not None else None
        rows.append(row)
    return ImportPlan(rows)


def _shown(key: str, value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    if key == "category":
        return USER_CATEGORY_SHORT.get(value, value)
    if key == "engagement_level":
        return ENGAGEMENT_LEVEL_SHORT.get(value, value)
    if key == "source":
        return LOG_SOURCES.get(value, value)
    if key == "consent_to_contact":
        return "Yes" if value else "No"
    return str(value)


def _written(
    stakeholder: Stakeholder | None,
    entry: LogEntry | None,
    data: dict[str, Any],
    *,
    hidden: bool,
) -> dict[str, str]:
    """What the log will hold after this row: the name, category, level and consent. The
    details of a person kept by a log the actor may not edit and already in this one
    (`hidden`) are never written from here, nor shown."""

    def person(key: str, given: bool) -> str:
        if hidden:  # not written, and not shown
            return "Kept as recorded"
        if given or stakeholder is None:
            return _shown(key, data[key])
        return _shown(key, getattr(stakeholder, key))

    level = data["engagement_level"] or (entry.engagement_level if entry else None)
    return {
        "name": person("name", bool(data["name"])),
        "category": person("category", data["category"] is not None),
        "engagement_level": _shown("engagement_level", level),
        "consent": person("consent_to_contact", data["consent_given"]),
    }


_LABELS = {
    "name": "name",
    "organisation": "organisation",
    "phone": "phone",
    "category": "category",
    "consent_to_contact": "consent",
    "engagement_level": "engagement level",
    "uses": "uses",
    "source": "source",
    "first_contact_on": "first contact",
    "latest_contact_on": "latest contact",
}


def _stakeholder_values(stakeholder: Stakeholder, data: dict[str, Any]) -> dict[str, Any]:
    """What a row changes of a recorded person: empty cells keep what is recorded."""
    values: dict[str, Any] = {}
    if data["name"]:
        values["name"] = data["name"]
    if data["category"] is not None:
        values["category"] = data["category"]
    if data["organisation"]:
        values["organisation"] = data["organisation"]
    if data["phone"]:
        values["phone"] = data["phone"]
    # Consent is not a plain value: see _consent_change.
    return {k: v for k, v in values.items() if getattr(stakeholder, k) != v}


_CONSENT_LABELS = {"consultations": "consultation invitations", "news": "news about this output"}


def _consents_in_force(output: Output, stakeholder_ids: list[int]) -> dict[int, dict[str, str]]:
    from engage import consent

    return consent.in_force(stakeholder_ids, output.id)


def _covered(kept: bool) -> tuple[str, ...]:
    """The purposes an import's consent column speaks for: consultation invitations and news
    about the output; only the news for a person kept by a log the actor may not edit (their
    own consents are not the actor's to change)."""
    from engage.consent.service import STAFF_PURPOSES

    return ("news",) if kept else STAFF_PURPOSES


def _consent_change(
    stakeholder: Stakeholder | None,
    data: dict[str, Any],
    in_force: dict[str, str],
    *,
    kept: bool,
) -> tuple[bool, str] | None:
    """What a Yes or No in the consent column changes for a recorded person: (agrees, the
    change as the preview says it), or None. A No withdraws every covered purpose in force
    (given or waiting for confirmation), whatever the old "agrees to be contacted" flag said.
    A Yes gives them when the flag was off (a Yes for someone who agrees already is what an
    export of the log says: engage.outputs.exporting.CONSENT_CELL), or the news about this
    output for a person kept by another log. An empty cell changes nothing."""
    if stakeholder is None or not data["consent_given"]:
        return None
    agrees = bool(data["consent_to_contact"])
    if not kept and stakeholder.consent_to_contact != agrees:
        flag = _shown("consent_to_contact", stakeholder.consent_to_contact)
        return agrees, f"consent: {flag} → {_shown('consent_to_contact', agrees)}"
    purposes = _covered(kept)
    if not agrees:
        changing = [p for p in purposes if p in in_force]
    elif kept:
        changing = [p for p in purposes if in_force.get(p) != "given"]
    else:
        changing = []
    if not changing:
        return None
    what = " and ".join(_CONSENT_LABELS[p] for p in changing)
    return agrees, f"consent to {what}: {'given' if agrees else 'withdrawn'}"


def _entry_values(entry: LogEntry, data: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if data["engagement_level"] is not None:
        values["engagement_level"] = data["engagement_level"]
    if data["uses"]:
        values["uses"] = data["uses"]
    if data["source"] != "other" or entry.source == "other":
        values["source"] = data["source"]
    first, latest = data["first_contact_on"], data["latest_contact_on"] or data["first_contact_on"]
    if first and (entry.first_contact_on is None or first < entry.first_contact_on):
        values["first_contact_on"] = first
    if latest and (entry.latest_contact_on is None or latest > entry.latest_contact_on):
        values["latest_contact_on"] = latest
    return {k: v for k, v in values.items() if getattr(entry, k) != v}


def _differences(
    stakeholder: Stakeholder | None, entry: LogEntry | None, data: dict[str, Any]
) -> list[str]:
    """What changes for a recorded person, as 'label: recorded → new'."""
    changed: list[tuple[Any, str, Any]] = []
    if stakeholder is not None:
        changed += [(stakeholder, k, v) for k, v in _stakeholder_values(stakeholder, data).items()]
    if entry is not None:
        changed += [(entry, k, v) for k, v in _entry_values(entry, data).items()]
    return [f"{_LABELS[k]}: {_shown(k, getattr(obj, k))} → {_shown(k, v)}" for obj, k, v in changed]


# --- applying ---------------------------------------------------------------------------------


class LogChangedError(Exception):
    """The log changed after the preview the user confirmed: nothing was written."""


def plan_version(output: Output, plan: ImportPlan) -> str:
    """A fingerprint of the log as it is now and of what the plan would write. The preview
    carries it; confirming refuses when it differs (someone changed the log meanwhile)."""
    count, last_id, last_change = db.session.execute(
        db.select(func.count(), func.max(LogEntry.id), func.max(LogEntry.updated_at)).where(
            LogEntry.output_id == output.id
        )
    ).one()
    digest = hashlib.sha256(f"{count}|{last_id}|{last_change}".encode())
    for r in plan.rows:
        digest.update(json.dumps([r.number, r.action, r.changes, r.written, r.reasons]).encode())
    return digest.hexdigest()[:32]


def apply_import(
    output: Output, raw_rows: list[dict[str, Any]], actor: Any, *, version: str | None = None
) -> ImportPlan:
    """Plan again against the database as it is now, then write every add and update in bulk
    and commit once. Refused rows are skipped. With `version` (from the preview), refuse with
    LogChangedError, writing nothing, when the log or the plan changed since."""
    plan = plan_import(output, raw_rows, actor)
    if version is not None and plan_version(output, plan) != version:
        db.session.rollback()
        raise LogChangedError
    wanted = [r for r in plan.rows if r.action in ("add", "update")]
    ids = sorted({r.data["_stakeholder_id"] for r in wanted if r.data["_stakeholder_id"]})
    stakeholders: dict[int, Stakeholder] = {}
    for chunk in _chunks(ids):  # type: ignore[arg-type]
        for s in db.session.execute(
            db.select(Stakeholder).where(Stakeholder.id.in_(chunk))
        ).scalars():
            stakeholders[s.id] = s
    entries = {
        e.stakeholder_id: e
        for e in db.session.execute(
            db.select(LogEntry).where(LogEntry.output_id == output.id)
        ).scalars()
    }
    now = utcnow()
    entry_history: list[tuple[Any, dict[str, Any] | None]] = []
    new_people: list[tuple[PlannedRow, Stakeholder]] = []
    # Consent said by the file for people already recorded: (person, agrees, news only).
    consent_changes: list[tuple[Stakeholder, bool, bool]] = []
    for row in wanted:
        data = row.data
        stakeholder = stakeholders.get(data["_stakeholder_id"] or 0)
        if stakeholder is None:
            stakeholder = Stakeholder(
                name=data["name"],
                organisation=data["organisation"],
                email=data["email"],
                phone=data["phone"],
                category=data["category"],
                consent_to_contact=data["consent_to_contact"],
            )
            new_people.append((row, stakeholder))
        else:
            values = {} if data["_person_kept"] else _stakeholder_values(stakeholder, data)
            for key, value in values.items():
                setattr(stakeholder, key, value)
            if data["_consent"] is not None:  # given or withdrawn with its history
                consent_changes.append((stakeholder, data["_consent"][0], data["_person_kept"]))
            entry = entries.get(stakeholder.id)
            if entry is not None:
                before = history.entry_values(entry)
                for key, value in _entry_values(entry, data).items():
                    setattr(entry, key, value)
                detail = history.changes(before, history.entry_values(entry))
                if detail:
                    entry_history.append(
                        (
                            entry.id,
                            {"output_id": output.id, "stakeholder": entry.stakeholder_id} | detail,
                        )
                    )
                continue
        data["_new_entry_for"] = stakeholder
    _insert_stakeholders([s for _, s in new_people])
    _record_consents(output, new_people, consent_changes, actor)
    new_entries = []
    for row in wanted:
        stakeholder = row.data.get("_new_entry_for")
        if stakeholder is None:
            continue
        first = row.data["first_contact_on"]
        new_entries.append(
            {
                "output_id": output.id,
                "stakeholder_id": stakeholder.id,
                "stakeholder_name": stakeholder.name,  # copies (see LogEntry)
                "stakeholder_category": stakeholder.category,
                "engagement_level": row.data["engagement_level"],
                "uses": row.data["uses"],
                "source": row.data["source"],
                "first_contact_on": first,
                "latest_contact_on": row.data["latest_contact_on"] or first,
                "created_at": now,
                "updated_at": now,
            }
        )
    if new_entries:
        db.session.execute(db.insert(LogEntry), new_entries)
        # Each new entry's history: one INSERT ... SELECT of the entries this import made.
        audit.record_select(
            "log_entry.added",
            actor=actor,
            object_type=history.OBJECT_TYPE,
            object_ids=db.select(LogEntry.id).where(
                LogEntry.output_id == output.id, LogEntry.created_at == now
            ),
            detail={"output": output.slug, "note": "Added by an import"},
        )
    audit.record_many(
        "log_entry.imported", actor=actor, object_type=history.OBJECT_TYPE, items=entry_history
    )
    audit.record(
        "user_log.imported",
        actor=actor,
        object_type="output",
        object_id=output.id,
        detail={"output": output.slug, **plan.counts, "rows": len(plan.rows)},
    )
    db.session.commit()
    return plan


def _record_consents(
    output: Output,
    new_people: list[tuple[PlannedRow, Stakeholder]],
    changes: list[tuple[Stakeholder, bool, bool]],
    actor: Any,
) -> None:
    """Imported consent says where it came from (engage.consent): given in bulk for new people,
    given or withdrawn one by one for people already recorded."""
    from engage import consent
    from engage.consent.models import Consent
    from engage.consent.service import IMPORT_WORDING, STAFF_PURPOSES

    name = getattr(actor, "name", None) or getattr(actor, "email", "")
    detail = f"Import into the user log of {output.title}, by {name}"[:300]
    now = utcnow()
    rows = [
        {
            "stakeholder_id": person.id,
            "purpose": purpose,
            "output_id": None if purpose == "consultations" else output.id,
            "status": "given",
            "source": "import",
            "source_detail": detail,
            "wording": IMPORT_WORDING,
            "requested_at": now,
            "given_at": now,
            "recorded_by_id": getattr(actor, "id", None),
        }
        for _, person in new_people
        if person.consent_to_contact
        for purpose in STAFF_PURPOSES
    ]
    if rows:
        db.session.execute(db.insert(Consent), rows)
    for person, agrees, only_output in changes:
        consent.follow_flag(
            person,
            agrees,
            source="import",
            actor=actor,
            output=output,
            source_detail=detail,
            this_output_only=only_output,
        )


def _insert_stakeholders(people: list[Stakeholder]) -> None:
    """Insert new stakeholders in bulk and give each object its id. Those with an email address
    go in one executemany and their ids are read back by email (emails are unique); the few
    without an email go through the ORM."""
    with_email = [p for p in people if p.email]
    without = [p for p in people if not p.email]
    if with_email:
        now = utcnow()
        db.session.execute(
            db.insert(Stakeholder),
            [
                {
                    "name": p.name,
                    "organisation": p.organisation,
                    "email": p.email,
                    "phone": p.phone,
                    "category": p.category,
                    "consent_to_contact": p.consent_to_contact,
                    "created_at": now,
                }
                for p in with_email
            ],
        )
        ids: dict[str, int] = {}
        emails = [p.email for p in with_email]
        for chunk in _chunks(emails):  # type: ignore[arg-type]
            for email, sid in db.session.execute(
                db.select(Stakeholder.email, Stakeholder.id).where(Stakeholder.email.in_(chunk))
            ).tuples():
                ids[email] = sid  # type: ignore[index]
        for p in with_email:
            p.id = ids[p.email]  # type: ignore[index]
    if without:
        db.session.add_all(without)
        db.session.flush()


# --- keeping the upload between preview and confirmation --------------------------------------


def _store() -> Path:
    path = Path(current_app.instance_path) / "user-log-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_upload(rows: list[dict[str, Any]], *, output_id: int, user_id: int, filename: str) -> str:
    token = secrets.token_urlsafe(24)
    payload = {"output_id": output_id, "user_id": user_id, "filename": filename, "rows": rows}
    (_store() / f"{token}.json").write_text(json.dumps(payload), encoding="utf-8")
    return token


def load_upload(token: str, *, output_id: int, user_id: int) -> dict[str, Any] | None:
    """The stored upload, only for the same output and the same person who uploaded it."""
    if not _TOKEN.match(token or ""):
        return None
    path = _store() / f"{token}.json"
    if not path.exists():
        return None
    payload = json.loads(path.read_text(encoding="utf-8"))
    if payload.get("output_id") != output_id or payload.get("user_id") != user_id:
        return None
    return payload  # type: ignore[no-any-return]


def discard_upload(token: str) -> None:
    if _TOKEN.match(token or ""):
        (_store() / f"{token}.json").unlink(missing_ok=True)
