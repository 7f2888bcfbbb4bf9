"""The downloads panel of the staff dashboard: the person's background exports."""

from __future__ import annotations

from engage.db_types import utcnow
from engage.exports.background import recent_exports


def dashboard_panel(user) -> tuple[str, dict] | None:  # type: ignore[no-untyped-def]
    jobs = recent_exports(user, utcnow())
    if not jobs:
        return None
    return "exports/dashboard-panel.html", {"jobs": jobs}
