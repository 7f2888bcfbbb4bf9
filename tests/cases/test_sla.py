"""The one SLA rule (engage/cases/sla/rules.py): the examples of docs/cases.md, and the
generated column's SQL kept in step with its migration."""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import io
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from engage.audit import AuditEvent
from engage.calendar import get_calendar, reporting_year, reporting_year_of
from engage.cases import calendar_admin, clock, workflow
from engage.cases.alerts import find_alerts
from engage.cases.dashboard import sla_counts_and_open
from engage.cases.listing import export_csv
from engage.cases.models import SLA_OUTCOME_SQL, Case, CaseEvent, CasePause, OfficeClosure
from engage.cases.sla import rules
from engage.cases.sla.expr import to_ddl
from engage.cases.sla.rules import CLOCKS, OUTCOME_WORDS, RUNNING_STATUSES
from engage.extensions import db
from engage.mail.models import OutboxEmail
from engage.reports.figures import compute_figures, table_by_key
from engage.vocab import CASE_KINDS, SLA_STATUSES
from tests.factories.auth import admin, cso
from tests.factories.cases import at, make_case

ACK_BY, RESPOND_BY = date(2026, 3, 9), date(2026, 3, 30)  # received Mon 2 March 2026


@dataclass
class Dates:
    acknowledged_on: date | None = None
    responded_on: date | None = None
    transferred_on: date | None = None
    withdrawn_on: date | None = None
    paused_on: date | None = None
    acknowledge_by: date = ACK_BY
    respond_by: date = RESPOND_BY


def d(day: int, month: int = 3) -> date:
    return date(2026, month, day)


@pytest.mark.parametrize(
    ("dates", "acknowledge", "respond", "case"),
    [
        (Dates(acknowledged_on=d(3), responded_on=d(20)), "met", "met", "met"),
        (Dates(acknowledged_on=d(12), responded_on=d(20)), "missed", "met", "missed"),
        (Dates(transferred_on=d(3)), "not_measured", "not_measured", "not_measured"),
        (Dates(acknowledged_on=d(3), transferred_on=d(4)), "met", "not_measured", "met"),
        (Dates(transferred_on=d(12)), "missed", "not_measured", "missed"),
        (Dates(acknowledged_on=d(3), withdrawn_on=d(1, 4)), "met", "missed", "missed"),
        (Dates(acknowledged_on=d(4), paused_on=d(2)), "met", None, None),
        (Dates(acknowledged_on=d(3), responded_on=d(2, 4)), "met", "missed", "missed"),
        # A full response fulfils the acknowledge clock too.
        (Dates(responded_on=d(6)), "met", "met", "met"),
        # On the deadline is in time.
        (Dates(acknowledged_on=ACK_BY, responded_on=RESPOND_BY), "met", "met", "met"),
        (Dates(withdrawn_on=ACK_BY), "not_measured", "not_measured", "not_measured"),
    ],
)
def test_the_examples_of_docs_cases_md(dates, acknowledge, respond, case):
    assert clock.clock_outcome("acknowledge", dates) == acknowledge
    assert clock.clock_outcome("respond", dates) == respond
    assert clock.finished_outcome(dates) == case
    words = clock.outcome_words(dates)
    assert words["acknowledge_outcome"] == rules.OUTCOME_WORDS[acknowledge]
    assert words["respond_outcome"] == rules.OUTCOME_WORDS[respond]


def test_a_case_paused_on_day_0_and_never_acknowledged_misses_only_by_its_own_deadline():
    paused = Dates(paused_on=d(2))
    # The pause does not stop the acknowledge clock, and it never makes it overdue early.
    assert clock.acknowledge_status(paused, d(6), _calendar()) == "due_soon"
    assert clock.acknowledge_status(paused, d(10), _calendar()) == "overdue"
    assert clock.respond_status(paused, d(20, 4), _calendar()) == "in_time"


def _calendar():  # type: ignore[no-untyped-def]
    return get_calendar("ENG", frozenset())


def test_the_generated_column_is_the_rule_and_its_migration_holds_the_same_sql():
    """The column's SQL is generated from the rule; a change to the rule must come with a
    migration that redefines the column (the latest one that sets it holds the same text)."""
    assert to_ddl(rules.CASE_OUTCOME) == SLA_OUTCOME_SQL
    path = next(Path("migrations/versions").glob("4e1c0a5b9d14_*.py"))
    spec = importlib.util.spec_from_file_location("sla_migration", path)
    assert spec and spec.loader
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert migration.SLA_OUTCOME_SQL == SLA_OUTCOME_SQL
    assert to_ddl(rules.NEXT_DEADLINE) == migration.NEXT_DEADLINE


def test_the_rules_are_written_in_one_module_only():
    """What grep would find: outside engage/cases/sla/, no line of the application compares a
    date that stops a clock with a deadline, tests whether a clock still runs, or coalesces stop
    dates (the report's transfer counts and the delay notice's revised date are not the clock).
    """
    stops = r"(acknowledged|responded|transferred|withdrawn)_(on|at)"
    patterns = [
        re.compile(rf"{stops}.*(acknowledge_by|respond_by)"),
        re.compile(rf"(acknowledge_by|respond_by).*{stops}"),
        re.compile(rf"{stops}\.is_\(None\)|{stops} IS NULL|COALESCE\({stops}"),
        re.compile(r"sla_outcome\s*=\s*['\"]"),
    ]
    found = [
        f"{path}:{n}: {line.strip()}"
        for path in Path("engage").rglob("*.py")
        if "engage/cases/sla/" not in path.as_posix()
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if any(p.search(line) for p in patterns)
    ]
    assert found == []


# --- every reading agrees ------------------------------------------------------------------

EVENTS = ("acknowledge", "pause", "resume", "respond", "transfer", "withdraw")
case_specs = st.lists(
    st.tuples(
        st.sampled_from(sorted(CASE_KINDS)),
        st.integers(0, 420),  # received this many days before today
        st.lists(st.tuples(st.sampled_from(EVENTS), st.integers(0, 45)), max_size=5),
    ),
    min_size=1,
    max_size=8,
)


def _apply(case: Case, event: str, day: date, officer) -> None:  # type: ignore[no-untyped-def]
    now = at(day)
    try:
        if event == "acknowledge":
            workflow.acknowledge(case, officer, now=now)
        elif event == "pause":
            workflow.request_clarification(case, officer, question="Which year?", now=now)
        elif event == "resume":
            workflow.clarification_received(case, officer, replied_on=day, now=now)
        elif event == "respond":
            workflow.respond(case, officer, text="Our answer", method="email", now=now)
        elif event == "transfer":
            to = workflow.TRANSFER_FOR_KIND.get(case.kind, "foi")
            workflow.transfer(case, officer, to=to, reference="F-1", now=now)
        else:
            workflow.withdraw(case, officer, now=now)
    except workflow.CaseError:
        db.session.rollback()  # not possible in this state or for this kind: it did not happen


def _clear() -> None:
    for model in (OutboxEmail, CasePause, CaseEvent, Case, OfficeClosure, AuditEvent):
        db.session.execute(delete(model))
    db.session.commit()


def _table(figures, key):  # type: ignore[no-untyped-def]
    return {row[0]: row for row in table_by_key(figures, key)["rows"]}


def test_python_sql_scan_dashboard_csv_and_report_agree_on_every_case(app):
    """Random receipts, acknowledgements, pauses, replies, transfers, withdrawals, responses and
    a calendar change: the Python status, the SQL filters, the generated column, the scan, the
    dashboard's counts, the CSV's outcome columns and the report's tables agree on every case
    (replaces four agreement tests; runs on SQLite and, with DATABASE_URL, PostgreSQL)."""
    officer, office = cso(), admin()

    @settings(max_examples=40, deadline=None, derandomize=True)
    @given(
        specs=case_specs,
        today=st.dates(date(2025, 6, 1), date(2027, 5, 31)),
        closure=st.none() | st.integers(-40, 20),
    )
    def check(specs, today, closure):  # type: ignore[no-untyped-def]
        _clear()
        for kind, ago, events in specs:
            case = make_case(kind=kind, received=today - timedelta(days=ago))
            for event, after in sorted(events, key=lambda e: e[1]):
                day = case.received_on + timedelta(days=after)
                if day <= today:
                    _apply(case, event, day, officer)
        if closure is not None:
            with contextlib.suppress(workflow.CaseError):
                calendar_admin.add_closure(today + timedelta(days=closure), "Closed", actor=office)
        _agree(officer, today)

    check()


def _agree(officer, today: date) -> None:  # type: ignore[no-untyped-def]  # noqa: C901, PLR0912
    db.session.expire_all()
    cal = clock.current_calendar()
    cases = list(db.session.execute(db.select(Case).order_by(Case.id)).scalars())
    status = {c.id: clock.sla_status(c, today, cal) for c in cases}
    per_clock = {
        (c.id, k.name): clock.clock_status(k.name, c, today, cal) for c in cases for k in CLOCKS
    }
    # The SQL filters of the case list, and the generated column.
    for name in clock.SLA_ORDER:
        selected = db.session.execute(
            db.select(Case.id).where(clock.sla_filter(name, today, cal))
        ).scalars()
        assert set(selected) == {i for i, s in status.items() if s == name}, name
    stored = dict(db.session.execute(db.select(Case.id, Case.sla_outcome)).tuples().all())
    assert stored == {c.id: clock.finished_outcome(c) for c in cases}
    # The scan: every running, unpaused clock due soon or overdue, and nothing else.
    alerts = {(a.case.id, a.kind, a.level) for a in find_alerts(today, cal)}
    assert alerts == {
        (c.id, k.name, "breach" if per_clock[c.id, k.name] == "overdue" else "due_soon")
        for c in cases
        for k in CLOCKS
        if per_clock[c.id, k.name] in ("due_soon", "overdue")
        and not (k.paused_by and getattr(c, k.paused_by))
    }
    # The dashboard: open cases whatever their age, finished ones received this reporting year.
    counts, _ = sla_counts_and_open(officer, today, cal)
    since = reporting_year(reporting_year_of(today))[0]
    expected = Counter(
        status[c.id] for c in cases if status[c.id] in RUNNING_STATUSES or c.received_on >= since
    )
    assert counts == dict(expected)
    # The CSV: stop dates, the status and each clock's outcome (the export reads the rules as
    # SQL: every case agrees with the Python reading).
    rows = list(csv.DictReader(io.StringIO(export_csv(officer, today, cal))))
    assert sorted(row["reference"] for row in rows) == sorted(c.reference for c in cases)
    by_ref = {c.reference: c for c in cases}
    for row in rows:
        case = by_ref[row["reference"]]
        assert row["transferred_on"] == (str(case.transferred_on or ""))
        assert row["withdrawn_on"] == (str(case.withdrawn_on or ""))
        assert row["sla_status"] == SLA_STATUSES[status[case.id]]
        for k in CLOCKS:
            outcome = per_clock[case.id, k.name]
            word = OUTCOME_WORDS[None if outcome in RUNNING_STATUSES else outcome]
            assert row[f"{k.name}_outcome"] == word
    # The report, for this reporting year and the one before: its tables are the CSV's counts.
    this_year = reporting_year_of(today)
    for year in (this_year, this_year - 1):
        start, end = reporting_year(year)
        figures = compute_figures(year, today)
        in_year = [r for r in rows if start <= date.fromisoformat(r["received_on"]) <= end]
        received = _table(figures, "cases_received")
        for label in CASE_KINDS.values():
            mine = [r for r in in_year if r["kind"] == label]
            finished = Counter(clock.finished_outcome(by_ref[r["reference"]]) for r in mine)
            assert received[label][1:6] == [
                len(mine),
                finished["met"],
                finished["missed"],
                finished["not_measured"],
                finished[None],
            ]
            for k, key in ((CLOCKS[0], "acknowledged"), (CLOCKS[1], "responded")):
                words = Counter(r[f"{k.name}_outcome"] for r in mine)
                overdue = sum(
                    per_clock[by_ref[r["reference"]].id, k.name] == "overdue" for r in mine
                )
                row = _table(figures, key)[label]
                # received, not measured, not yet due, measured, met, missed, deadline passed
                assert row[1:8] == [
                    len(mine),
                    words["not measured"],
                    words["running"] - overdue,
                    words["met"] + words["missed"] + overdue,
                    words["met"],
                    words["missed"],
                    overdue,
                ], (label, key)
        if year == this_year:  # the dashboard's finished counts are this year's report's
            total = received["Total"]
            assert (total[2], total[3], total[4]) == (
                counts.get("met", 0),
                counts.get("missed", 0),
                counts.get("not_measured", 0),
            )
