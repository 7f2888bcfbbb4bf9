"""Confirming a user-log import as the preview page does: with the version it shows."""

from __future__ import annotations

import re


def preview_version(client, location: str) -> str:
    html = client.get(location).get_data(as_text=True)
    return re.search(r'name="version" value="([0-9a-f]+)"', html).group(1)


def confirm_import(client, location: str):
    """POST the confirmation of the upload previewed at `location` (its preview URL)."""
    return client.post(location + "/confirm", data={"version": preview_version(client, location)})
