"""Kebab-case slugs for public URLs, unique within a model's `slug` column."""

from __future__ import annotations

import re
from typing import Any

from engage.extensions import db


def slugify(text: str, fallback: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:100] or fallback


def unique_slug(model: Any, title: str, fallback: str, *, exclude_id: int | None = None) -> str:
    """The title's slug, with -2, -3 ... added until no other row of `model` has it."""
    base = slugify(title, fallback)
    slug, n = base, 2
    while True:
        query = db.select(model.id).where(model.slug == slug)
        if exclude_id is not None:
            query = query.where(model.id != exclude_id)
        if db.session.execute(query).first() is None:
            return slug
        slug, n = f"{base}-{n}", n + 1
