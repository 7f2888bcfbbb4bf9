"""View helpers other areas' pages use (the stakeholder page's consent history)."""

from __future__ import annotations

from typing import Any

from engage.consent import service
from engage.consent.models import PURPOSES, SOURCES, WITHDRAWN_HOW


def consent_history(stakeholder_id: int) -> list[dict[str, Any]]:
    """A person's consents, newest first, in words."""
    rows = service.consents_of(stakeholder_id)
    outputs = service.outputs_named(r.output_id for r in rows)
    return [
        {
            "purpose": PURPOSES.get(r.purpose, r.purpose),
            "about": outputs[r.output_id].title
            if r.output_id in outputs
            else ("Every output" if r.output_id is None else ""),
            "status": r.status,
            "requested_at": r.requested_at,
            "given_at": r.given_at,
            "withdrawn_at": r.withdrawn_at,
            "withdrawn_how": WITHDRAWN_HOW.get(r.withdrawn_how or "", r.withdrawn_how or ""),
            "source": SOURCES.get(r.source, r.source),
            "source_detail": r.source_detail,
            "wording": r.wording,
        }
        for r in rows
    ]
