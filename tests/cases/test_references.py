"""Case references: `C-<London year of registration>-<that year's number>` (docs/cases.md)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.exc import OperationalError

from engage.cases.intake import create_case
from engage.cases.models import Case
from engage.cases.references import CaseReferenceCounter, allocate_reference
from engage.cases.workflow import CaseError
from engage.extensions import db
from tests.factories.cases import at


def _register(received: datetime, now: datetime, *, commit: bool = True) -> Case:
    return create_case(
        kind="enquiry",
        channel="letter",
        requester_name="Mrs J Patel",
        requester_email=None,
        requester_address="14 Mill Lane\nLeeds\nLS1 4AB",
        output=None,
        subject=None,
        message="Please could you explain why the figures were revised?",
        received_at=received,
        now=now,
        commit=commit,
    )


def test_a_letter_from_an_earlier_year_takes_the_year_it_was_registered(app):
    old_letter = _register(at(date(1990, 3, 1)), at(date(2026, 11, 27), 11))
    assert old_letter.reference == "C-2026-00001"  # not C-1990-...
    assert old_letter.received_on == date(1990, 3, 1)  # the clock still starts on receipt
    # Received last December, entered in January: a case of the new year.
    late = _register(at(date(2026, 12, 30)), at(date(2027, 1, 4), 9))
    assert late.reference == "C-2027-00001"
    assert _register(at(date(2026, 11, 27)), at(date(2026, 11, 27), 12)).reference == (
        "C-2026-00002"
    )


def test_numbers_start_again_at_new_year_in_london(app):
    before = datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)  # London is on GMT at New Year
    first = _register(before - timedelta(hours=2), before)
    last_of_year = _register(before - timedelta(hours=1), before)
    new_year = datetime(2027, 1, 1, 0, 0, tzinfo=UTC)
    # Received on New Year's Eve, registered just after midnight: a 2027 case.
    after_midnight = _register(before, new_year)
    next_one = _register(new_year, new_year + timedelta(minutes=1))
    assert [c.reference for c in (first, last_of_year, after_midnight, next_one)] == [
        "C-2026-00001",
        "C-2026-00002",
        "C-2027-00001",
        "C-2027-00002",
    ]
    # A case entered later with a 2026 received date still belongs to 2027's numbering.
    assert _register(at(date(2026, 12, 31)), at(date(2027, 1, 5))).reference == "C-2027-00003"
    counters = db.session.execute(
        db.select(CaseReferenceCounter.year, CaseReferenceCounter.last_number).order_by(
            CaseReferenceCounter.year
        )
    ).all()
    assert [tuple(row) for row in counters] == [(2026, 2), (2027, 3)]


def test_the_year_is_the_london_one_not_utc(app):
    # 23:30 UTC on 31 December is still 2026 in London (GMT); 00:30 London on 1 January 2027
    # is 00:30 UTC. A summer moment shows the conversion: 23:30 UTC on 30 June is 00:30 BST.
    assert allocate_reference(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "C-2026-00001"
    assert allocate_reference(datetime(2027, 1, 1, 0, 30, tzinfo=UTC)) == "C-2027-00001"
    db.session.rollback()


def test_a_refused_or_rolled_back_intake_gives_no_number_away(app):
    now = at(date(2026, 11, 27), 11)
    with pytest.raises(CaseError):
        _register(now + timedelta(days=3), now)  # received in the future: refused
    _register(at(date(2026, 11, 26)), now, commit=False)
    db.session.rollback()
    assert _register(at(date(2026, 11, 26)), now).reference == "C-2026-00001"


def test_references_issued_before_the_counter_are_never_issued_again(app):
    """A database from before the counter (references from the received year and case id)."""
    old = _register(at(date(2026, 11, 2)), at(date(2026, 11, 2), 11))
    old.reference = "C-2026-00147"  # as the old scheme numbered it
    other_year = _register(at(date(2025, 5, 2)), at(date(2025, 5, 2), 11))
    other_year.reference = "C-2025-00150"
    db.session.execute(db.delete(CaseReferenceCounter))
    db.session.commit()
    assert _register(at(date(2026, 11, 27)), at(date(2026, 11, 27), 11)).reference == (
        "C-2026-00148"
    )
    assert _register(at(date(2027, 1, 4)), at(date(2027, 1, 4), 11)).reference == "C-2027-00001"


def test_past_99999_the_number_grows_a_digit(app):
    db.session.add(CaseReferenceCounter(year=2026, last_number=99_999))
    db.session.commit()
    case = _register(at(date(2026, 11, 27)), at(date(2026, 11, 27), 11))
    assert case.reference == "C-2026-100000"


def test_intakes_at_the_same_moment_get_different_numbers(app):
    """Several threads, each its own session and connection, register cases at once."""
    now = at(date(2026, 11, 27), 11)
    references: list[str] = []
    errors: list[BaseException] = []

    def intake() -> None:
        with app.app_context():
            try:
                for _ in range(4):
                    for attempt in range(20):
                        try:
                            references.append(_register(at(date(2026, 11, 26)), now).reference)
                            break
                        except OperationalError:  # SQLite: "database is locked"; try again
                            db.session.rollback()
                            if attempt == 19:
                                raise
            except BaseException as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=intake) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(references) == [f"C-2026-{n:05d}" for n in range(1, 17)]
