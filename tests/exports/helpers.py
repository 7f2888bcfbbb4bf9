"""Ask for a background export through its page, let the scheduler's function build it, then
download it: what an officer does, with the scheduler's job run in between."""

from __future__ import annotations

from engage.db_types import utcnow
from engage.exports.background import build_queued_exports


def prepare_and_download(client, url: str):  # type: ignore[no-untyped-def]
    offer = client.get(url)
    assert offer.status_code == 200 and "Prepare the download" in offer.text
    asked = client.post(url)
    assert asked.status_code == 302, asked.text[:300]
    status_url = asked.headers["Location"]
    waiting = client.get(status_url)
    assert "being prepared" in waiting.text
    build_queued_exports(utcnow())
    ready = client.get(status_url)
    assert "Ready since" in ready.text, ready.text[:2000]
    download = client.get(status_url + "/download")
    assert download.status_code == 200
    return download
