"""The reports panel of the staff dashboard."""

from __future__ import annotations


def dashboard_panel(user) -> tuple[str, dict] | None:  # type: ignore[no-untyped-def]
    """Return (template, context) for the dashboard, or None when this user has no panel."""
    return None
