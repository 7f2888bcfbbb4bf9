"""Demo data for the cases area (called by `flask seed-demo`)."""

from __future__ import annotations


def seed(ctx) -> None:  # type: ignore[no-untyped-def]
    """Add this area's demo records using ctx.users, ctx.outputs, ctx.today and ctx.rng."""
