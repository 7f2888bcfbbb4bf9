"""The staff release pages say no in the house's two ways (engage/errors.py): a rule's message
on the form field it concerns, with the GOV.UK error summary linking to it, and a refused actor
answered 403 with an audit row. Two Chief Statisticians deciding one change at once: one
decision takes effect, the other is told it was already made."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime

import pytest
import time_machine

from engage.audit import AuditEvent
from engage.errors import Refusal, RuleError
from engage.extensions import db
from engage.releases import service
from engage.releases.models import ReleaseBreach, ReleaseDateChange, ReleaseVersion
from engage.releases.rules import ReleaseError
from tests.conftest import sign_in_client
from tests.factories.auth import chief, producer
from tests.factories.outputs import OutputFactory
from tests.factories.releases import ReleaseFactory

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=True):
        yield


def test_release_errors_are_the_house_errors() -> None:
    error = ReleaseError("Enter a different date or time", "day")
    assert isinstance(error, RuleError) and (error.message, error.field) == (
        "Enter a different date or time",
        "day",
    )
    assert issubclass(service.NotAllowed, Refusal)
    assert service.NotAllowed("release:not-yours").reason == "release:not-yours"


def _problem(page: str, message: str, anchor: str) -> None:
    """The message is in the error summary, linked to the field, and beside the field."""
    assert "There is a problem" in page
    assert f'<a href="#{anchor}">{message}</a>' in page
    assert page.count(message) == 2, page


def test_a_rule_error_is_shown_on_its_field_with_the_error_summary(app, login):
    author = producer()
    output = OutputFactory(producers=[author])
    provisional = ReleaseFactory(
        output=output, status="provisional", scheduled_at=None, provisional_month=date(2027, 6, 1)
    )
    confirmed = ReleaseFactory(output=output)
    published = ReleaseFactory(output=output, status="published")
    client = login(author)

    # Confirming a date in the past: on the date, with the summary linking to its day box.
    page = client.post(
        f"/staff/releases/{provisional.id}/confirm",
        data={"day": ["1", "11", "2026"], "time": "9:30", "accept_warnings": "y"},
    ).get_data(as_text=True)
    _problem(page, "The release date must be today or in the future", "day-day")

    # The same month again: on the month.
    page = client.post(
        f"/staff/releases/{provisional.id}/change-month",
        data={"month": "6 2027", "reason": "Nothing changes", "accept_warnings": "y"},
    ).get_data(as_text=True)
    _problem(page, "Enter a different month", "month")

    # A change of date to the date it has: on the date.
    page = client.post(
        f"/staff/releases/{confirmed.id}/change-date",
        data={
            "day": ["14", "1", "2027"],
            "time": "9:30",
            "reason_kind": "other",
            "reason": "No change",
        },
    ).get_data(as_text=True)
    _problem(page, "Enter a different date or time", "day-day")

    # Cancelling a published release: on the reason.
    page = client.post(
        f"/staff/releases/{published.id}/cancel", data={"reason": "Too late"}
    ).get_data(as_text=True)
    _problem(page, "Only a provisional or confirmed release can be cancelled", "reason")

    # A clock-change time (01:30 on 28 March 2027 does not exist in the UK): on the time.
    page = client.post(
        f"/staff/releases/{provisional.id}/confirm",
        data={"day": ["28", "3", "2027"], "time": "1:30"},
    ).get_data(as_text=True)
    _problem(page, "That time does not exist in the UK on that day (clocks change)", "time")

    db.session.expire_all()
    assert provisional.status == "provisional" and published.status == "published"
    assert db.session.execute(db.select(ReleaseDateChange)).first() is None


def test_a_refused_producer_gets_403_and_an_audit_row(app, login):
    release = ReleaseFactory(output=OutputFactory(producers=[producer()]))
    outsider = login(producer())
    for path, data in (
        (f"/staff/releases/{release.id}/confirm", {"day": ["14", "1", "2027"], "time": "9:30"}),
        (f"/staff/releases/{release.id}/cancel", {"reason": "Not mine"}),
    ):
        assert outsider.post(path, data=data).status_code == 403
    reasons = [
        e.detail["reason"]
        for e in db.session.execute(
            db.select(AuditEvent).where(AuditEvent.action == "access.denied")
        ).scalars()
    ]
    assert reasons == ["release:not-yours", "release:not-yours"]
    db.session.expire_all()
    assert release.status == "confirmed"


def test_a_producer_cannot_decide_a_change_even_by_posting(app, login):
    author = producer()
    release = ReleaseFactory(output=OutputFactory(producers=[author]))
    change = service.request_date_change(
        release, date(2027, 1, 21), None, "data_quality", "Late data", author, NOW
    )
    refused = login(author).post(
        f"/staff/releases/changes/{change.id}/decide", data={"decision": "approve"}
    )
    assert refused.status_code == 403
    event = db.session.execute(
        db.select(AuditEvent).where(AuditEvent.action == "access.denied")
    ).scalar_one()
    assert event.detail["reason"] == "permission:decide_release_changes"
    db.session.expire_all()
    assert change.state == "pending"


def _hold_change_row(change_id: int):  # type: ignore[no-untyped-def]
    """A connection of the test's own holding the change's row (PostgreSQL) or the database's
    write lock (SQLite) until it commits."""
    conn = db.engine.connect()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.execute(
            db.select(ReleaseDateChange.id)
            .where(ReleaseDateChange.id == change_id)
            .with_for_update()
        )
    return conn


def test_two_chiefs_approving_one_change_at_once_approve_it_once(app, login):
    """Both Chiefs' requests reach the change while another transaction holds it. Without the
    decision's row lock both read it pending and both go on to approve it (the second then fails
    with a server error on the release's version number). With it, the second waits, sees the
    first's approval and is told so."""
    author = producer()
    first, second = chief(), chief()
    release = ReleaseFactory(output=OutputFactory(producers=[author]))
    change = service.request_date_change(
        release, date(2027, 1, 21), None, "data_quality", "Late court data", author, NOW
    )
    clients = [sign_in_client(app, first), sign_in_client(app, second)]
    for client in clients:
        assert client.get(f"/staff/releases/{release.id}").status_code == 200
    start = threading.Barrier(3)
    answers: dict[int, str] = {}

    def decide(k: int) -> None:
        start.wait()
        try:
            response = clients[k].post(
                f"/staff/releases/changes/{change.id}/decide",
                data={"decision": "approve", "note": f"Chief {k}"},
            )
        except Exception as error:  # noqa: BLE001 - a server error: reported by the assert
            answers[k] = repr(error)
        else:
            answers[k] = f"{response.status_code} {response.headers.get('Location')}"

    holder = _hold_change_row(change.id)
    threads = [threading.Thread(target=decide, args=(k,)) for k in range(2)]
    for thread in threads:
        thread.start()
    start.wait()
    time.sleep(1.0)  # both requests are inside their decision, waiting for the row
    holder.commit()
    holder.close()
    for thread in threads:
        thread.join(timeout=30)
    detail = f"/staff/releases/{release.id}"
    assert sorted(answers.values()) == [f"302 {detail}", f"302 {detail}"], answers

    pages = [client.get(detail).get_data(as_text=True) for client in clients]
    approved = [k for k, page in enumerate(pages) if "New date approved and published" in page]
    told = [k for k, page in enumerate(pages) if "This change has already been approved" in page]
    assert len(approved) == 1 and told == [1 - approved[0]], pages

    db.session.expire_all()
    change = db.session.get(ReleaseDateChange, change.id)
    assert change.state == "approved"
    assert change.decided_by_id == (first, second)[approved[0]].id
    assert change.decision_note == f"Chief {approved[0]}"
    versions = db.session.execute(
        db.select(ReleaseVersion.action).where(ReleaseVersion.release_id == release.id)
    ).scalars()
    assert list(versions).count("date_changed") == 1
    breaches = db.session.execute(
        db.select(ReleaseBreach.rule).where(ReleaseBreach.release_id == release.id)
    ).scalars()
    assert list(breaches).count("date_changed") == 1
