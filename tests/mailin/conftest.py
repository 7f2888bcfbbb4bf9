from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mailin.dovecot import Dovecot


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    # Not pytest's tmp_path: as root that is mode 0700, and Dovecot's own users must reach it.
    root = Path(tempfile.mkdtemp(prefix="engage-dovecot-"))
    root.chmod(0o755)
    server = Dovecot(root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap(app, dovecot: Dovecot) -> Iterator[Dovecot]:
    """The real IMAP server, emptied, with the app pointed at it."""
    dovecot.reset()
    app.config.update(dovecot.config())
    yield dovecot


from tests.smtp import smtp_sink  # noqa: F401,E402  (fixture)
