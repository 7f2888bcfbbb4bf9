"""The personal data a merge of two records keeps to undo it (StakeholderMerge.snapshot, written
by engage/outputs/merging.py): found for a subject access request, and removed when the person
is erased (anonymised under the retention policy). Once the undo period ends, merging's own
`forget_expired_merges` removes it for everyone.

The snapshot holds each record's details before the merge and after it ("kept", "merged",
"after": name, organisation, email, phone, category, consent), the log entries a merge combined
(their uses and the copy of the name), and the old email addresses of the feedback and
consultation responses it readdressed. Scrubbing replaces those values in place, keeping the
snapshot's shape and every id, so the merge page still says what moved and an undo (while the
period lasts) still works: it gives back anonymised values.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, func, or_
from sqlalchemy.orm.attributes import flag_modified

from engage.extensions import db
from engage.outputs.models import Stakeholder, StakeholderMerge

ANONYMOUS_NAME = "Anonymised"
# What a record's details become in a scrubbed snapshot (category is not personal data).
_SCRUBBED = {"name": ANONYMOUS_NAME, "organisation": "", "email": None, "phone": None}


def addresses_in(snapshot: dict[str, Any]) -> set[str]:
    """Every email address a snapshot holds, lower case."""
    found = {(snapshot.get(part) or {}).get("email") for part in ("kept", "merged", "after")} | {
        row[1] for key in ("feedback", "responses") for row in snapshot.get(key) or []
    }
    return {str(a).strip().lower() for a in found if a}


def holding(address: str, stakeholder_ids: list[int]) -> list[StakeholderMerge]:
    """The merges that hold something about this person: those of their records, and any whose
    snapshot holds the address (a merged record lets go of its address). The JSON is searched
    as text (the same on both databases), then each match is checked."""
    address = address.strip().lower()
    needle = json.dumps(address)[1:-1]  # as the JSON column writes it
    text = func.lower(cast(StakeholderMerge.snapshot, Text))
    conditions = [text.contains(needle, autoescape=True)]
    if stakeholder_ids:
        conditions += [
            StakeholderMerge.kept_id.in_(stakeholder_ids),
            StakeholderMerge.merged_id.in_(stakeholder_ids),
        ]
    ids = set(stakeholder_ids)
    return [
        merge
        for merge in db.session.execute(
            db.select(StakeholderMerge).where(or_(*conditions)).order_by(StakeholderMerge.id)
        ).scalars()
        if merge.kept_id in ids
        or merge.merged_id in ids
        or address in addresses_in(merge.snapshot or {})
    ]


def scrubbed(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot without personal data, in the same shape."""
    snap = json.loads(json.dumps(snapshot))  # a deep copy of plain JSON
    for part in ("kept", "merged", "after"):
        if isinstance(snap.get(part), dict):
            snap[part].update(_SCRUBBED)
            snap[part]["consent_to_contact"] = False
    for combined in snap.get("entries_combined") or []:
        for key in ("before", "after", "removed"):
            if isinstance(combined.get(key), dict) and "uses" in combined[key]:
                combined[key]["uses"] = ""
        if isinstance(combined.get("removed"), dict) and "stakeholder_name" in combined["removed"]:
            combined["removed"]["stakeholder_name"] = ANONYMOUS_NAME
    for key in ("feedback", "responses"):
        snap[key] = [[row[0], None] for row in snap.get(key) or []]
    return snap


def scrub_merges_of(stakeholder_ids: list[int], now: datetime) -> int:
    """People erased: remove what the merges of their records keep about them, and anonymise
    the records merged into theirs (same person). In the caller's transaction; the number of
    merges scrubbed."""
    if not stakeholder_ids:
        return 0
    merges = list(
        db.session.execute(
            db.select(StakeholderMerge).where(
                or_(
                    StakeholderMerge.kept_id.in_(stakeholder_ids),
                    StakeholderMerge.merged_id.in_(stakeholder_ids),
                )
            )
        ).scalars()
    )
    for merge in merges:
        merge.snapshot = scrubbed(merge.snapshot or {})
        flag_modified(merge, "snapshot")
    db.session.execute(
        db.update(Stakeholder)
        .where(Stakeholder.merged_into_id.in_(stakeholder_ids), Stakeholder.anonymised_at.is_(None))
        .values(**_SCRUBBED, consent_to_contact=False, anonymised_at=now)
        .execution_options(synchronize_session=False)
    )
    return len(merges)
