"""The one path into a user log: staff forms, feedback, consultations and imports add a person
to a log through `add_to_log` (imports plan in bulk with the same rules, see importing.py).

The same email address is the same stakeholder. What happens when the email address is already
recorded depends on who is adding:
- staff (`on_existing="refuse"`): someone who may see the person's details (access.
  may_edit_person) is shown what is recorded beside what they typed (PersonExists) and keeps
  either, field by field (`use_typed`); someone who may not (the person is in a log they do not
  keep) adds their own log entry only, and learns nothing about the person;
- the public (`on_existing="merge"`: feedback, consultation responses): the recorded details
  stay, consent is only ever given (never withdrawn) and the engagement level never lowered.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, Literal

from engage import audit
from engage.extensions import db
from engage.outputs import access, history
from engage.outputs.models import LogEntry, Output, Stakeholder
from engage.vocab import LEVEL_ORDER

# The person's own details a staff user may choose between, in the order a page shows them.
CHOOSABLE = ("name", "organisation", "phone", "category", "consent_to_contact")


@dataclass(frozen=True)
class PersonData:
    name: str
    email: str | None
    category: str
    organisation: str = ""
    phone: str | None = None
    consent_to_contact: bool = False


@dataclass(frozen=True)
class EntryData:
    engagement_level: str
    source: str
    on: date
    uses: str = ""


class AlreadyInLog(ValueError):
    """This person is already in this log (staff adds refuse a second entry)."""


class PersonExists(Exception):
    """The email address is recorded with other details: `differences` maps each differing
    field to (recorded, typed). Raised only to someone who may see the recorded details."""

    def __init__(self, stakeholder: Stakeholder, differences: dict[str, tuple[Any, Any]]):
        super().__init__("This email address is already recorded with other details")
        self.stakeholder = stakeholder
        self.differences = differences


def differences(stakeholder: Stakeholder, person: PersonData) -> dict[str, tuple[Any, Any]]:
    typed = {f.name: getattr(person, f.name) for f in fields(person)}
    typed["organisation"] = typed["organisation"] or ""
    typed["phone"] = typed["phone"] or None
    return {
        name: (getattr(stakeholder, name), typed[name])
        for name in CHOOSABLE
        if getattr(stakeholder, name) != typed[name]
    }


def normalise_email(email: str | None) -> str | None:
    email = (email or "").strip().lower()
    return email or None


def find_stakeholder_by_email(email: str | None) -> Stakeholder | None:
    email = normalise_email(email)
    if email is None:
        return None
    return db.session.execute(
        db.select(Stakeholder).where(Stakeholder.email == email)
    ).scalar_one_or_none()


def higher_level(a: str | None, b: str) -> str:
    if a is None:
        return b
    return a if LEVEL_ORDER.index(a) >= LEVEL_ORDER.index(b) else b


def add_to_log(
    output: Output,
    person: PersonData,
    entry: EntryData,
    *,
    actor: Any,
    on_existing: Literal["refuse", "merge"],
    use_typed: Collection[str] | None = None,
) -> LogEntry:
    """Add a person to an output's log, in the caller's transaction (see the module docstring
    for an email address already recorded). Raises AlreadyInLog or PersonExists (staff only)."""
    email = normalise_email(person.email)
    stakeholder = find_stakeholder_by_email(email)
    changed: list[str] = []
    changed_consent: bool | None = None  # given or withdrawn by this add (engage.consent)
    if stakeholder is None:
        stakeholder = Stakeholder(
            name=person.name.strip() or (email or "Unnamed user"),
            organisation=(person.organisation or "").strip(),
            email=email,
            phone=person.phone or None,
            category=person.category,
        )
        db.session.add(stakeholder)
        db.session.flush()
        if person.consent_to_contact:  # staff-entered consent, saying where it came from
            changed_consent = True
    elif on_existing == "refuse":
        if _entry(output, stakeholder) is not None:
            raise AlreadyInLog("A user with this email address is already in this user log")
        if access.may_edit_person(actor, stakeholder):
            diff = differences(stakeholder, person)
            if diff and use_typed is None:
                raise PersonExists(stakeholder, diff)
            for name in diff:
                if name in (use_typed or ()):
                    if name == "consent_to_contact":
                        changed_consent = bool(diff[name][1])
                    else:
                        setattr(stakeholder, name, diff[name][1])
                    changed.append(name)
    from engage import consent

    if on_existing == "merge" and person.consent_to_contact and email is not None:
        # The public's consent is only ever asked for: confirmed by email first (issue 21).
        consent.request(
            email,
            purpose=consent.STAFF_PURPOSES,
            output=output,
            source=entry.source if entry.source == "consultation_response" else "public_form",
            wording="Agreed to be contacted about these statistics",
        )
    elif changed_consent is not None:
        consent.follow_flag(
            stakeholder, changed_consent, source="staff", actor=actor, output=output
        )
    elif person.consent_to_contact and on_existing == "refuse":
        # A person already recorded, added to this log as agreeing to be contacted about
        # these statistics: news about this output (their other consents are theirs).
        consent.follow_flag(
            stakeholder, True, source="staff", actor=actor, output=output, this_output_only=True
        )
    found = _entry(output, stakeholder)
    if found is not None:  # merge: refresh, never lower
        before = history.entry_values(found)
        found.engagement_level = higher_level(found.engagement_level, entry.engagement_level)
        if found.latest_contact_on is None or entry.on > found.latest_contact_on:
            found.latest_contact_on = entry.on
        if entry.uses and not found.uses:
            found.uses = entry.uses
        after = history.entry_values(found)
        if after != before:
            history.record(
                "log_entry.refreshed",
                found,
                actor=actor,
                before=before,
                after=after,
                source=entry.source,
            )
        return found
    found = LogEntry(
        output_id=output.id,
        stakeholder_id=stakeholder.id,
        engagement_level=entry.engagement_level,
        source=entry.source,
        uses=entry.uses,
        first_contact_on=entry.on,
        latest_contact_on=entry.on,
    )
    db.session.add(found)
    db.session.flush()
    detail: dict[str, Any] = {
        "output": output.slug,
        "stakeholder": stakeholder.id,
        "source": entry.source,
        "level": entry.engagement_level,
    }
    if changed:
        detail["person_fields_changed"] = changed  # names only: the values are personal data
    audit.record(
        "log_entry.added", actor=actor, object_type="log_entry", object_id=found.id, detail=detail
    )
    return found


def _entry(output: Output, stakeholder: Stakeholder) -> LogEntry | None:
    return db.session.execute(
        db.select(LogEntry).where(
            LogEntry.output_id == output.id, LogEntry.stakeholder_id == stakeholder.id
        )
    ).scalar_one_or_none()


def join_log(
    *,
    output: Output,
    email: str | None,
    name: str,
    category: str,
    level: str,
    source: str,
    on: date,
    organisation: str = "",
    consent_to_contact: bool = False,
    uses: str = "",
    actor: Any = None,
) -> LogEntry:
    """A member of the public joins (or refreshes) a log: feedback and consultation responses.
    Their consent to be contacted is asked for separately (engage.consent.request: confirmed by
    email first), so callers leave `consent_to_contact` False."""
    return add_to_log(
        output,
        PersonData(
            name=name,
            email=email,
            category=category,
            organisation=organisation,
            consent_to_contact=consent_to_contact,
        ),
        EntryData(engagement_level=level, source=source, on=on, uses=uses),
        actor=actor,
        on_existing="merge",
    )
