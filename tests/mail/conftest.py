"""Fixtures for email and scheduler tests: a real SMTP server on loopback, and cases."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time

import pytest

from engage.cases.clock import current_calendar
from engage.cases.models import Case
from engage.extensions import db
from tests.smtp import smtp_sink  # noqa: F401  (fixture)

_numbers = itertools.count(1)


def make_case(received_on: date, assignee=None, **fields) -> Case:  # type: ignore[no-untyped-def]
    """A case received on `received_on` with its deadlines from the office calendar.

    (Built directly: the cases area's factories did not exist when these tests were written.)
    """
    deadlines = current_calendar().deadlines(received_on)
    values = {
        "reference": f"C-{next(_numbers):05d}",
        "kind": "service_complaint",
        "channel": "letter",
        "state": "received",
        "requester_name": "Jo Requester",
        "requester_email": "jo.requester@example.com",
        "subject": "Late publication",
        "message": "Confidential complaint text about my personal situation",
        "received_at": datetime.combine(received_on, time(10), tzinfo=UTC),
        "received_on": received_on,
        "acknowledge_by": deadlines.acknowledge_by,
        "respond_by": deadlines.respond_by,
        "original_acknowledge_by": deadlines.acknowledge_by,
        "original_respond_by": deadlines.respond_by,
        "assigned_to_id": assignee.id if assignee is not None else None,
    }
    values.update(fields)
    case = Case(**values)
    db.session.add(case)
    db.session.commit()
    return case


@pytest.fixture
def cso_address(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.config["CSO_EMAIL"])
