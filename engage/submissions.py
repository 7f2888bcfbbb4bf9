"""Idempotent submissions: each render of a form that creates a record carries a random token
(`submission_token`); the first POST with a token claims it, every later one (a double click, a
resend, a second POST racing the first) gets the first one's result and shows the same
confirmation. The claim is a row whose primary key is the token, so the database itself refuses
a second claim on SQLite and PostgreSQL alike.

    outcome = submissions.begin(token, "contact")
    if outcome.duplicate:
        return confirmation(outcome.result)   # the first POST's record
    try: record = create(...)
    except Refused: submissions.abandon(token); raise
    submissions.finish(token, record.reference)

A claim whose POST died before finishing is given up after STALE (the next POST proceeds).

Every other staff form gets the same without code in its view (`install`): each rendered POST
form carries a `submission_token` (the `m.csrf(form)` macro of templates/macros.html renders
it next to the CSRF token), and a `before_request` hook claims it. When the view answers with
a redirect (Engage's post/redirect/get: the change was applied, or refused with a message),
the redirect and the messages it flashed are kept with the claim; a second POST of the same
token and the same fields gets that same redirect and the same messages, and the view never
runs twice. The same token with other fields is not a resend but a page kept by the browser's
Back button and changed: it is run as the new submission it is, so nothing typed is lost. Any
other answer (the form re-displayed with errors, a 4xx, a download, an exception) gives the
token back, so the corrected form can be sent with it. Views that handle their token
themselves (the public forms and "Enter a case", whose confirmations are their own) are marked
`@own_token`; the sign-in and account pages are left out (their result is the session itself,
which a replay cannot give back).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, flash, g, has_request_context, redirect, request, session
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import JSON, String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from engage.db_types import UTCDateTime, utcnow
from engage.extensions import Model, db

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
STALE = timedelta(seconds=60)
WAIT_SECONDS = 10.0


class FormSubmission(Model):
    __tablename__ = "form_submissions"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    form: Mapped[str] = mapped_column(String(60))  # which form (a view's endpoint)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # What the confirmation shows (a case or response reference); None while in progress.
    result: Mapped[str | None] = mapped_column(String(200))
    # For forms handled by `install`: {"location": ..., "flashes": [[category, message], ...]}.
    replay: Mapped[dict[str, Any] | None] = mapped_column(JSON)


def new_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Outcome:
    duplicate: bool
    result: str | None = None
    replay: dict[str, Any] | None = None


FIRST = Outcome(duplicate=False)


def begin(token: str | None, form: str) -> Outcome:
    """Claim `token` for this POST (committed at once). A missing or malformed token (an old
    page, a hand-made request) is not idempotent: the POST proceeds. Commits."""
    if not token or not TOKEN.fullmatch(token):
        return FIRST
    claim = g.get("submission_claim") if has_request_context() else None
    if claim is not None and claim[0] == token:
        return FIRST  # claimed by `install`'s hook for this very request: it is ours
    try:
        db.session.add(FormSubmission(token=token, form=form))
        db.session.commit()
        return FIRST
    except IntegrityError:
        db.session.rollback()
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        row = db.session.get(FormSubmission, token, populate_existing=True)
        if row is None:  # abandoned meanwhile: this POST may try
            return begin(token, form)
        if row.result is not None:
            result, replay = row.result, row.replay
            db.session.rollback()
            return Outcome(duplicate=True, result=result, replay=replay)
        if utcnow() - row.created_at > STALE:
            db.session.delete(row)
            db.session.commit()
            return begin(token, form)
        db.session.rollback()  # a fresh snapshot for the next look (PostgreSQL)
        if time.monotonic() > deadline:
            return Outcome(duplicate=True, result=None)
        time.sleep(0.1)


def finish(token: str | None, result: str, replay: dict[str, Any] | None = None) -> None:
    """Record what the first POST made (after its own commit). Commits."""
    if not token or not TOKEN.fullmatch(token):
        return
    db.session.execute(
        db.update(FormSubmission)
        .where(FormSubmission.token == token)
        .values(result=result[:200], replay=replay)
    )
    db.session.commit()


def abandon(token: str | None) -> None:
    """The POST did not make its record (a rule refused it): the token may be used again."""
    if not token or not TOKEN.fullmatch(token):
        return
    db.session.execute(db.delete(FormSubmission).where(FormSubmission.token == token))
    db.session.commit()


def purge(now: datetime, days: int = 7) -> int:
    """Claims older than `days` (a resend a week later is a new submission). Commits."""
    result = db.session.execute(
        db.delete(FormSubmission).where(FormSubmission.created_at < now - timedelta(days=days))
    )
    db.session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- every other staff form -------------------------------------------------------------------

FIELD = "submission_token"
# Blueprints whose POSTs change the session, not records (sign in, second factor, passwords).
NOT_REPLAYED_BLUEPRINTS = frozenset({"auth"})


def own_token(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view that calls begin/finish/abandon itself: the hook leaves its POSTs alone.
    Put it right under the route decorator."""
    view.own_submission_token = True  # type: ignore[attr-defined]
    return view


def token_input(form: Any = None) -> Markup:
    """The hidden token of one rendered POST form (a Jinja global, used by `m.csrf`). A form
    with its own `submission_token` field renders that one instead."""
    if form is not None and FIELD in getattr(form, "_fields", {}):
        return Markup("")
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, escape(new_token()))


def _replayed_by_hook() -> bool:
    if request.method != "POST" or request.blueprint in NOT_REPLAYED_BLUEPRINTS:
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return view is not None and not getattr(view, "own_submission_token", False)


def _fields_digest() -> str:
    """What this POST sends, tokens aside (a resend sends exactly the same), and who sends it
    (another account sending the same token is not shown the first one's answer)."""
    digest = hashlib.sha256()
    digest.update(f"user:{current_user.get_id() if current_user else None};".encode())
    for name, value in sorted(request.form.items(multi=True)):
        if name not in (FIELD, "csrf_token"):
            digest.update(f"{len(name)}:{name}={len(value)}:{value};".encode("utf-8", "replace"))
    for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
        digest.update(f"{name}:{upload.filename}:".encode("utf-8", "replace"))
        digest.update(upload.stream.read())
        upload.stream.seek(0)
    return digest.hexdigest()


def _same_answer(outcome: Outcome) -> Any:
    """What a second POST of a token gets: the first one's redirect and messages."""
    replay = outcome.replay or {}
    for category, message in replay.get("flashes", []):
        flash(message, category)
    if replay.get("location"):
        return redirect(replay["location"])
    # The first POST is still running after WAIT_SECONDS (or finished without a replay).
    flash("This form was already sent and is still being saved: check in a moment", "info")
    back = request.referrer or ""
    if not back.startswith(request.host_url):
        back = "/staff"
    return redirect(back)


def install(app: Flask) -> None:
    """Claim every replayable POST's token before its view runs; keep or give back the claim
    after (see the module docstring)."""

    @app.before_request
    def claim_submission_token():  # type: ignore[no-untyped-def]
        if not _replayed_by_hook():
            return None
        token = request.form.get(FIELD)
        if not token or not TOKEN.fullmatch(token):
            return None
        digest = _fields_digest()
        outcome = begin(token, (request.endpoint or "")[:60])
        if outcome.duplicate:
            if outcome.replay and outcome.replay.get("fields") != digest:
                return None  # changed after Back: a new submission (the claim stays the first's)
            return _same_answer(outcome)
        g.submission_claim = (token, len(session.get("_flashes", [])), digest)
        return None

    @app.after_request
    def settle_submission_token(response):  # type: ignore[no-untyped-def]
        claim = g.pop("submission_claim", None)
        if claim is None:
            return response
        token, flashes_before, digest = claim
        # Whatever the view left uncommitted is not ours to commit (the session's teardown
        # would discard it anyway).
        db.session.rollback()
        if 300 <= response.status_code < 400 and response.location:
            flashes = [list(f) for f in session.get("_flashes", [])[flashes_before:]]
            replay = {"location": response.location, "flashes": flashes, "fields": digest}
            finish(token, response.location, replay)
        else:
            abandon(token)
        return response

    @app.teardown_request
    def give_back_submission_token(exc: BaseException | None) -> None:
        claim = g.pop("submission_claim", None)
        if claim is None:  # settled (or none)
            return
        try:  # the view failed: the token may be sent again
            db.session.rollback()
            abandon(claim[0])
        except Exception:  # noqa: BLE001 - never hide the view's own error; STALE frees it
            db.session.rollback()
