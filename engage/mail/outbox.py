"""Queue emails in the caller's transaction. Delivery is the scheduler's job."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template

from engage.extensions import db
from engage.mail.models import OutboxEmail


def render_email(template: str, **context: Any) -> tuple[str, str, str]:
    """Render templates/email/<template>.txt (first line 'Subject: ...') and .html."""
    context.setdefault("service_name", current_app.config["SERVICE_NAME"])
    context.setdefault("office_name", current_app.config["OFFICE_NAME"])
    context.setdefault("base_url", current_app.config["BASE_URL"])
    text = render_template(f"email/{template}.txt", **context)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject: "):
        raise ValueError(f"email/{template}.txt must start with a 'Subject: ' line")
    html = render_template(f"email/{template}.html", body_text=body.strip(), **context)
    return first[len("Subject: ") :].strip(), body.strip() + "\n", html


def queue_email(
    to: str, template: str, *, dedup_key: str | None = None, **context: Any
) -> OutboxEmail:
    """Add an outbox row to the current session. The caller commits, with its own change."""
    subject, body_text, body_html = render_email(template, **context)
    row = OutboxEmail(
        to_address=to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        template=template,
        dedup_key=dedup_key,
    )
    db.session.add(row)
    return row
