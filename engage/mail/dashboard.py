"""The outbox's dashboard panel: administrators see emails waiting on a retry or failed, and
since when (a mail server outage shows here before anyone complains)."""

from __future__ import annotations

from typing import Any

from engage.auth.permissions import has_permission
from engage.mail.health import outbox_health


def dashboard_panel(user: Any) -> tuple[str, dict[str, Any]] | None:
    if not has_permission(user, "view_outbox"):
        return None
    health = outbox_health()
    if not health.troubled:
        return None
    return "mail/dashboard-panel.html", {"health": health}
