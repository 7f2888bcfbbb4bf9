"""Consent per purpose: asking (double opt-in), giving, withdrawing, and who may be written to.

Rules (issue 21 item 3, DOMAIN.md "Consent"):
- A person who leaves an email address on a public form (feedback, a consultation response, a
  release subscription) gets a confirmation email and nothing else until they confirm:
  `request` records pending consents and queues that one email; `confirm` gives them.
- Staff-entered and imported consent is given at once and says where it came from (`give`).
- Every email to a stakeholder carries a one-click unsubscribe for its purpose
  (`queue_stakeholder_email`): a link in the body and the RFC 8058 headers, built by the outbox
  from the row's `list_unsubscribe` URL; `unsubscribe` withdraws that purpose at once.
- Who may be written to for a purpose (`recipients`): a given consent (for the output, or for
  every output), an email address, not anonymised, and no email to that address bounced.

`Stakeholder.consent_to_contact` is kept equal to "has a given consent to consultation
invitations" by this module (give, confirm, withdraw): the consultation invitations' query and
the pages that show "agrees to be contacted" read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, or_

from engage import audit
from engage.consent import tokens
from engage.consent.models import PURPOSES, Consent
from engage.db_types import utcnow
from engage.extensions import db
from engage.mail.models import OutboxEmail
from engage.mail.outbox import queue_email, queue_email_once
from engage.outputs.models import Output, Stakeholder

# What staff and imports record (the words the person agreed to, as staff put them).
STAFF_WORDING = "They agree to be contacted about these statistics"
IMPORT_WORDING = "Consent to contact: Yes (column of an imported user log)"
# The purposes staff-entered "agrees to be contacted" gives: consultation invitations (for
# every log, as before consent was kept per purpose) and news about the output.
STAFF_PURPOSES = ("consultations", "news")
CURRENT = ("pending", "given")


class ConsentError(ValueError):
    pass


def normalise_email(email: str | None) -> str | None:
    """As engage.outputs.userlog does (the same email address is the same stakeholder); kept
    here so that consent, below the user logs, does not import them."""
    email = (email or "").strip().lower()
    return email or None


def find_stakeholder_by_email(email: str) -> Stakeholder | None:
    return db.session.execute(
        db.select(Stakeholder).where(Stakeholder.email == email)
    ).scalar_one_or_none()


@dataclass
class Requested:
    stakeholder: Stakeholder
    new: list[Consent] = field(default_factory=list)  # pending consents created now
    already: list[Consent] = field(default_factory=list)  # pending or given before
    confirmation_queued: bool = False


def _purposes(purpose: str | Sequence[str]) -> list[str]:
    wanted = [purpose] if isinstance(purpose, str) else list(purpose)
    for p in wanted:
        if p not in PURPOSES:
            raise ConsentError(f"unknown purpose {p!r}")
    return wanted


def _scope(purpose: str, output: Output | int | None) -> int | None:
    if purpose == "consultations" or output is None:
        return None
    return output if isinstance(output, int) else output.id


def _current(stakeholder_id: int, purpose: str, output_id: int | None) -> Consent | None:
    """The consent in force (pending or given) for exactly this purpose and output; a given
    consent for every output also covers one output."""
    rows = db.session.execute(
        db.select(Consent)
        .where(
            Consent.stakeholder_id == stakeholder_id,
            Consent.purpose == purpose,
            Consent.status.in_(CURRENT),
            or_(Consent.output_id.is_(None), Consent.output_id == output_id)
            if output_id is not None
            else Consent.output_id.is_(None),
        )
        .order_by(Consent.id)
    ).scalars()
    found = list(rows)
    given = [r for r in found if r.status == "given"]
    return (given or found or [None])[0]


def in_force(
    stakeholder_ids: Iterable[int], output_id: int, purposes: Sequence[str] = STAFF_PURPOSES
) -> dict[int, dict[str, str]]:
    """For each person, the status ("given", else "pending") of each purpose in force for the
    output, as `_current` reads it (a consent for every output covers one output; consultation
    invitations are for every log). People with none are left out. One query per 500 people."""
    ids = sorted(set(stakeholder_ids))
    found: dict[int, dict[str, str]] = {}
    for start in range(0, len(ids), 500):
        rows = db.session.execute(
            db.select(Consent.stakeholder_id, Consent.purpose, Consent.status).where(
                Consent.stakeholder_id.in_(ids[start : start + 500]),
                Consent.purpose.in_(_purposes(purposes)),
                Consent.status.in_(CURRENT),
                or_(
                    Consent.purpose == "consultations",
                    Consent.output_id.is_(None),
                    Consent.output_id == output_id,
                ),
            )
        ).tuples()
        for sid, purpose, status in rows:
            person = found.setdefault(sid, {})
            if person.get(purpose) != "given":
                person[purpose] = status
    return found


def consents_of(stakeholder_id: int) -> list[Consent]:
    """Every consent of a person, newest first (the stakeholder page's history)."""
    return list(
        db.session.execute(
            db.select(Consent)
            .where(Consent.stakeholder_id == stakeholder_id)
            .order_by(Consent.requested_at.desc(), Consent.id.desc())
        ).scalars()
    )


# --- public forms: double opt-in ---------------------------------------------------------------


def request(
    email: str,
    *,
    purpose: str | Sequence[str],
    output: Output | None = None,
    source: str = "public_form",
    wording: str,
    source_detail: str = "",
    name: str = "",
    category: str = "public",
) -> Requested:
    """A member of the public asks to be contacted (feedback, consultation response, release
    subscription). Records a pending consent per purpose (none when one is already pending or
    given) and queues one confirmation email when any is new. A person not yet recorded is
    created (name, category as given). In the caller's transaction: the caller commits."""
    address = normalise_email(email)
    if address is None:
        raise ConsentError("an email address is needed to ask for consent")
    purposes = _purposes(purpose)
    stakeholder = find_stakeholder_by_email(address)
    if stakeholder is None:
        stakeholder = Stakeholder(
            name=name.strip() or address, email=address, category=category, organisation=""
        )
        db.session.add(stakeholder)
        db.session.flush()
    result = Requested(stakeholder=stakeholder)
    now = utcnow()
    for p in purposes:
        scope = _scope(p, output)
        found = _current(stakeholder.id, p, scope)
        if found is not None:
            result.already.append(found)
            continue
        row = Consent(
            stakeholder_id=stakeholder.id,
            purpose=p,
            output_id=scope,
            status="pending",
            source=source,
            source_detail=source_detail[:300],
            wording=wording,
            requested_at=now,
        )
        db.session.add(row)
        result.new.append(row)
    if result.new:
        db.session.flush()
        result.confirmation_queued = queue_email_once(
            address,
            "consent_confirm",
            f"consent:confirm:{stakeholder.id}:{result.new[0].id}",
            stakeholder=stakeholder,
            lines=[
                PURPOSES[c.purpose] + (f" about {output.title}" if c.output_id and output else "")
                for c in result.new
            ],
            confirm_url=confirm_url(stakeholder.id),
        )
        audit.record(
            "consent.requested",
            object_type="stakeholder",
            object_id=stakeholder.id,
            detail={"purposes": [c.purpose for c in result.new], "source": source},
        )
    return result


def confirm_url(stakeholder_id: int) -> str:
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}/confirm-email/{tokens.confirm_token(stakeholder_id)}"


def pending_for(token: str) -> tuple[Stakeholder, list[Consent]]:
    """The person a confirmation link names and their consents it would confirm (the page a
    GET shows, with a button). BadToken when the link is forged, mangled or expired."""
    stakeholder_id, issued = tokens.read_confirm_token(token)
    stakeholder = db.session.get(Stakeholder, stakeholder_id)
    if stakeholder is None or stakeholder.anonymised_at is not None:
        raise tokens.BadToken("no such person")
    pending = list(
        db.session.execute(
            db.select(Consent)
            .where(
                Consent.stakeholder_id == stakeholder_id,
                Consent.status == "pending",
                # Asked for before the link was made (its time is to the second).
                Consent.requested_at <= issued + timedelta(seconds=2),
            )
            .order_by(Consent.id)
        ).scalars()
    )
    return stakeholder, pending


def confirm(token: str) -> tuple[Stakeholder, list[Consent]]:
    """The person confirms (a POST from the confirmation page): their pending consents the link
    covers are given. Idempotent. Commits."""
    stakeholder, pending = pending_for(token)
    now = utcnow()
    for row in pending:
        row.status = "given"
        row.given_at = now
        if row.purpose == "consultations":
            stakeholder.consent_to_contact = True
    if pending:
        audit.record(
            "consent.confirmed",
            object_type="stakeholder",
            object_id=stakeholder.id,
            detail={"purposes": [c.purpose for c in pending]},
        )
    db.session.commit()
    return stakeholder, pending


# --- staff and imports -------------------------------------------------------------------------


def give(
    stakeholder: Stakeholder,
    *,
    purpose: str | Sequence[str],
    output: Output | int | None = None,
    source: str,
    wording: str,
    source_detail: str = "",
    actor: Any = None,
) -> list[Consent]:
    """Staff-entered or imported consent: given at once, saying where it came from. A pending
    consent for the same purpose becomes given. In the caller's transaction."""
    now = utcnow()
    made: list[Consent] = []
    for p in _purposes(purpose):
        scope = _scope(p, output)
        found = _current(stakeholder.id, p, scope)
        if found is not None and found.status == "given":
            continue
        if found is None:
            found = Consent(
                stakeholder_id=stakeholder.id,
                purpose=p,
                output_id=scope,
                requested_at=now,
            )
            db.session.add(found)
        found.status = "given"
        found.given_at = now
        found.source = source
        found.source_detail = source_detail[:300]
        found.wording = wording
        found.recorded_by_id = getattr(actor, "id", None)
        if p == "consultations":
            stakeholder.consent_to_contact = True
        made.append(found)
    return made


def withdraw(
    stakeholder: Stakeholder,
    *,
    purpose: str | Sequence[str],
    output_ids: Iterable[int] | None = None,
    how: str,
    actor: Any = None,
) -> list[Consent]:
    """Withdraw consents (pending or given) for the purposes: for the outputs named, and any for
    every output, or (output_ids None) all of them. In the caller's transaction."""
    purposes = _purposes(purpose)
    query = db.select(Consent).where(
        Consent.stakeholder_id == stakeholder.id,
        Consent.purpose.in_(purposes),
        Consent.status.in_(CURRENT),
    )
    if output_ids is not None:
        ids = list(output_ids)
        query = query.where(
            or_(
                Consent.output_id.is_(None),
                Consent.output_id.in_(ids or [-1]),
                Consent.purpose == "consultations",
            )
        )
    now = utcnow()
    rows = list(db.session.execute(query).scalars())
    for row in rows:
        row.status = "withdrawn"
        row.withdrawn_at = now
        row.withdrawn_how = how
    if "consultations" in purposes:
        stakeholder.consent_to_contact = False
    if rows:
        audit.record(
            "consent.withdrawn",
            actor=actor,
            object_type="stakeholder",
            object_id=stakeholder.id,
            detail={"purposes": sorted({r.purpose for r in rows}), "how": how},
        )
    return rows


def follow_flag(
    stakeholder: Stakeholder,
    agrees: bool,
    *,
    source: str,
    actor: Any = None,
    output: Output | int | None = None,
    source_detail: str = "",
    this_output_only: bool = False,
) -> None:
    """Staff ticked or unticked "they agree to be contacted" (or an import's column said Yes or
    No): give or withdraw consultation invitations and news about the output (only the news,
    with `this_output_only`). In the caller's transaction."""
    purposes = ("news",) if this_output_only else STAFF_PURPOSES
    if agrees:
        give(
            stakeholder,
            purpose=purposes,
            output=output,
            source=source,
            wording=IMPORT_WORDING if source == "import" else STAFF_WORDING,
            source_detail=source_detail or _actor_name(actor),
            actor=actor,
        )
    else:
        scope = _scope("news", output)
        withdraw(
            stakeholder,
            purpose=purposes,
            output_ids=[scope] if scope is not None else None,
            how="import" if source == "import" else "staff",
            actor=actor,
        )


def _actor_name(actor: Any) -> str:
    name = getattr(actor, "name", None) or getattr(actor, "email", None)
    return f"Recorded by {name}" if name else ""


# --- unsubscribing -----------------------------------------------------------------------------


def unsubscribe_url(
    stakeholder_id: int, purpose: str, output_ids: Iterable[int] | None = None
) -> str:
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}/unsubscribe/{tokens.unsubscribe_token(stakeholder_id, purpose, output_ids)}"


def unsubscribe_urls(
    stakeholder_ids: Iterable[int], purpose: str, output_ids: Iterable[int] | None = None
) -> dict[int, str]:
    """An unsubscribe link per person for the same purpose and outputs, made in one insert."""
    base = current_app.config["BASE_URL"].rstrip("/")
    made = tokens.unsubscribe_tokens(stakeholder_ids, purpose, output_ids)
    return {sid: f"{base}/unsubscribe/{token}" for sid, token in made.items()}


def unsubscribe_headers(
    stakeholder_id: int, purpose: str, output_ids: Iterable[int] | None = None
) -> dict[str, str]:
    """The RFC 8058 headers for an email to a stakeholder (the outbox adds them itself from a
    row's `list_unsubscribe`; this is for callers that want to see them)."""
    return list_unsubscribe_headers(unsubscribe_url(stakeholder_id, purpose, output_ids))


def list_unsubscribe_headers(url: str) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def describe_unsubscribe(token: str) -> tuple[Stakeholder, tokens.Unsubscribe, list[Output]]:
    """What an unsubscribe link would stop (the page a GET shows, with a button)."""
    unsub = tokens.read_unsubscribe_token(token)
    stakeholder = db.session.get(Stakeholder, unsub.stakeholder_id)
    if stakeholder is None:
        raise tokens.BadToken("no such person")
    outputs: list[Output] = []
    if unsub.output_ids:
        outputs = list(
            db.session.execute(
                db.select(Output).where(Output.id.in_(unsub.output_ids)).order_by(Output.title)
            ).scalars()
        )
    return stakeholder, unsub, outputs


def unsubscribe(token: str, *, how: str) -> tuple[Stakeholder, tokens.Unsubscribe]:
    """Withdraw the purpose an email's unsubscribe link names, at once, without signing in
    (`how`: "unsubscribe_link" from the page's button, "one_click" from a mail program's
    RFC 8058 POST). Idempotent. Commits."""
    unsub = tokens.read_unsubscribe_token(token)
    stakeholder = db.session.get(Stakeholder, unsub.stakeholder_id)
    if stakeholder is None:
        raise tokens.BadToken("no such person")
    withdraw(stakeholder, purpose=unsub.purpose, output_ids=unsub.output_ids, how=how)
    db.session.commit()
    return stakeholder, unsub


# --- who may be written to ---------------------------------------------------------------------


def bounced_addresses() -> Select:
    """Addresses an email of ours bounced from (a delivery failure report read by email in, or
    a permanent refusal by the mail server)."""
    return db.select(OutboxEmail.to_address).where(
        OutboxEmail.status == "failed",
        or_(OutboxEmail.last_error.like("Bounced:%"), OutboxEmail.last_error.like("SMTP 5%")),
    )


def consenting_ids(purpose: str, output_ids: Iterable[int] | None = None) -> Select:
    """Ids of stakeholders with a given (confirmed, not withdrawn) consent to the purpose for any
    of the outputs (or for every output). output_ids None: any consent to the purpose."""
    _purposes(purpose)
    query = db.select(Consent.stakeholder_id).where(
        Consent.purpose == purpose, Consent.status == "given"
    )
    if output_ids is not None and purpose != "consultations":
        ids = list(output_ids)
        query = query.where(or_(Consent.output_id.is_(None), Consent.output_id.in_(ids or [-1])))
    return query


def reachable() -> Any:
    """The condition on Stakeholder for anyone we may email at all."""
    return and_(
        Stakeholder.email.is_not(None),
        Stakeholder.anonymised_at.is_(None),
        Stakeholder.email.not_in(bounced_addresses()),
    )


def recipients(purpose: str, output_ids: Iterable[int] | None = None) -> list[Stakeholder]:
    """People who may be emailed for the purpose about those outputs, each once, by id."""
    return list(
        db.session.execute(
            db.select(Stakeholder)
            .where(Stakeholder.id.in_(consenting_ids(purpose, output_ids)), reachable())
            .order_by(Stakeholder.id)
        ).scalars()
    )


def may_email(
    stakeholder: Stakeholder, purpose: str, output_ids: Iterable[int] | None = None
) -> bool:
    return (
        db.session.execute(
            db.select(Stakeholder.id).where(
                Stakeholder.id == stakeholder.id,
                Stakeholder.id.in_(consenting_ids(purpose, output_ids)),
                reachable(),
            )
        ).first()
        is not None
    )


def queue_stakeholder_email(
    stakeholder: Stakeholder,
    template: str,
    *,
    purpose: str,
    output_ids: Iterable[int] | None = None,
    dedup_key: str | None = None,
    **context: Any,
) -> bool:
    """Queue an email to a stakeholder with its one-click unsubscribe: the template gets
    `unsubscribe_url` (put it in the body), and the outbox adds the List-Unsubscribe and
    List-Unsubscribe-Post headers. Does not check consent (see `recipients`). With a dedup_key,
    queued at most once. True when queued. In the caller's transaction."""
    if not stakeholder.email:
        return False
    ids = list(output_ids) if output_ids is not None else None
    url = unsubscribe_url(stakeholder.id, purpose, ids)
    context = {**context, "stakeholder": stakeholder, "unsubscribe_url": url}
    if dedup_key is None:
        queue_email(stakeholder.email, template, list_unsubscribe=url, **context)
        return True
    return queue_email_once(stakeholder.email, template, dedup_key, list_unsubscribe=url, **context)


def when(row: Consent) -> datetime | None:
    return row.withdrawn_at or row.given_at or row.requested_at


def outputs_named(ids: Iterable[int | None]) -> dict[int, Output]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {
        o.id: o
        for o in db.session.execute(db.select(Output).where(Output.id.in_(wanted))).scalars()
    }
