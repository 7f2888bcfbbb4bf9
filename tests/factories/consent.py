from __future__ import annotations

from engage.consent.models import Consent
from engage.db_types import utcnow
from engage.extensions import db
from engage.outputs.models import Output, Stakeholder


def consenting(
    stakeholder: Stakeholder,
    purpose: str,
    output: Output | None = None,
    *,
    status: str = "given",
    source: str = "staff",
) -> Consent:
    """A consent as staff recorded it (given at once), committed."""
    row = Consent(
        stakeholder_id=stakeholder.id,
        purpose=purpose,
        output_id=None if purpose == "consultations" or output is None else output.id,
        status=status,
        source=source,
        source_detail="Recorded by a test",
        wording="They agree to be contacted about these statistics",
        given_at=utcnow() if status == "given" else None,
    )
    db.session.add(row)
    if purpose == "consultations" and status == "given":
        stakeholder.consent_to_contact = True
    db.session.commit()
    return row
