"""Email in: the office's mailbox becomes cases, replies find their case, bounces
are seen. See docs/mail-in.md.

- store.py: the raw message is stored and committed first, exactly once (unique dedup key);
- imap.py: polling the mailbox; a message is moved to "Processed" (or "Engage failed") only
  after its row is committed;
- process.py: reading a stored message (text, loops, bounces, which case it answers);
- inbox.py: the CSO office's decisions on a message in the "Mail in" inbox.
"""

from flask import Blueprint

bp = Blueprint("mailin", __name__)


def blueprint() -> Blueprint:
    """The area's blueprint with all its pages. The view modules are imported here, when the
    app registers the blueprint, not whenever a domain module of the area is imported (a
    case's model names its output: importing it must not load every page of the outputs)."""
    from engage.mailin import views  # noqa: F401

    return bp
