"""An attacker tries to recover every [c] of every published table (a signed report, the live
report, /performance), on demo data and on adversarial data, and finds none.

The attacker here does not read the identities that suppression was told about: it finds them
in unsuppressed figures itself (a column that is the sum of other columns in every row, a row
that is the sum of the others, the same column of counts in two tables with the same rows), in
two unrelated data sets so that a coincidence of one data set is not taken for a rule; adds the
cross-table links the tables declare; and then solves for each hidden cell with numpy (a hidden
cell is recovered when its unit vector is in the row space of the identities) and with interval
reasoning (every hidden count is at least 1; whole numbers).
"""

from __future__ import annotations

import itertools
import math
import random
from datetime import date, timedelta
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from engage.calendar import reporting_year_of
from engage.extensions import db
from engage.reports.figures import compute_figures
from engage.reports.models import AnnualReport
from engage.reports.performance import performance_figures
from engage.reports.suppression import SUPPRESSED, suppress_figures, suppress_tables
from engage.reports.tables import make_table, with_total_row
from engage.seed import seed_demo
from engage.vocab import CASE_KINDS
from tests.factories.reports import make_case, working_days_after

Cell = tuple[str, int, int]  # (table key, row, column)
Identity = frozenset[tuple[int, Cell]]


def _counts(table: dict[str, Any]) -> list[int]:
    rows = table["rows"]
    return [
        c
        for c in range(1, len(table["columns"]))
        if rows and all(isinstance(r[c], int) and not isinstance(r[c], bool) for r in rows)
    ]


def identities_in(*data_sets: list[dict[str, Any]]) -> set[Identity]:
    """The identities that hold in every data set (plus the declared cross-table links)."""
    found = [set(_identities(raw)) for raw in data_sets]
    return set.intersection(*found)


def _identities(raw: list[dict[str, Any]]) -> list[Identity]:
    out: list[list[tuple[int, tuple[int, int, int]]]] = []
    index = {t["key"]: i for i, t in enumerate(raw)}
    for t, table in enumerate(raw):
        rows, cols = table["rows"], _counts(table)
        if len(rows) == 0:
            continue
        for target in cols:  # a column that is the sum of others, row by row
            others = [c for c in cols if c != target]
            for size in range(2, len(others) + 1):
                for parts in itertools.combinations(others, size):
                    if all(r[target] == sum(r[c] for c in parts) for r in rows) and any(
                        r[target] for r in rows
                    ):
                        for i in range(len(rows)):
                            out.append([*((1, (t, i, c)) for c in parts), (-1, (t, i, target))])
        for last in range(len(rows)):  # a row that is the sum of all the others
            for c in cols:
                rest = [i for i in range(len(rows)) if i != last]
                if (
                    len(rest) >= 2
                    and rows[last][c]
                    and rows[last][c] == sum(rows[i][c] for i in rest)
                ):
                    out.append([*((1, (t, i, c)) for i in rest), (-1, (t, last, c))])
        for u, other in enumerate(raw):  # the same column of counts in two tables
            if u <= t or [r[0] for r in other["rows"]] != [r[0] for r in rows]:
                continue
            for c in cols:
                for d in _counts(other):
                    if any(r[c] for r in rows) and all(
                        a[c] == b[d] for a, b in zip(rows, other["rows"], strict=True)
                    ):
                        out += [[(1, (t, i, c)), (-1, (u, i, d))] for i in range(len(rows))]
        for r, c, key, r2, c2 in table.get("links", []):
            if key in index:
                out.append([(1, (t, r, c)), (-1, (index[key], r2, c2))])
    keys = [t["key"] for t in raw]
    return [frozenset((coef, (keys[t], r, c)) for coef, (t, r, c) in eq) for eq in out]


def recovered(
    raw: list[dict[str, Any]], shown: list[dict[str, Any]], identities: set[Identity]
) -> list[tuple]:
    """Every hidden cell the attacker can work out, with its value."""
    hidden = [
        (table["key"], r, c)
        for t, table in enumerate(shown)
        for r, row in enumerate(table["rows"])
        for c in _counts(raw[t])
        if row[c] == SUPPRESSED
    ]
    value = {
        (table["key"], r, c): v
        for table in shown
        for r, row in enumerate(table["rows"])
        for c, v in enumerate(row)
    }
    if not hidden:
        return []
    position = {cell: i for i, cell in enumerate(hidden)}
    matrix, rhs = [], []
    truth = {
        (table["key"], r, c): v
        for table in raw
        for r, row in enumerate(table["rows"])
        for c, v in enumerate(row)
    }
    for eq in identities:
        if any(cell not in value for _, cell in eq):
            continue
        if sum(coef * truth[cell] for coef, cell in eq) != 0:
            continue  # a coincidence of the reference data sets, false here: no rule
        row, constant = [0.0] * len(hidden), 0.0
        for coef, cell in eq:
            if cell in position:
                row[position[cell]] += coef
            else:
                constant -= coef * value[cell]
        if any(row):
            matrix.append(row)
            rhs.append(constant)
    found = []
    if matrix:
        a = np.array(matrix)
        rank = np.linalg.matrix_rank(a)
        for cell, i in position.items():
            unit = np.zeros(len(hidden))
            unit[i] = 1
            if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
                found.append((cell, "solved"))
    low, high = [1.0] * len(hidden), [math.inf] * len(hidden)
    for _ in range(60):
        before = (list(low), list(high))
        for row, constant in zip(matrix, rhs, strict=True):
            for i, a_i in enumerate(row):
                if not a_i:
                    continue
                lo_rest = sum(
                    b * (low[j] if b > 0 else high[j]) for j, b in enumerate(row) if j != i and b
                )
                hi_rest = sum(
                    b * (high[j] if b > 0 else low[j]) for j, b in enumerate(row) if j != i and b
                )
                bounds = sorted(((constant - hi_rest) / a_i, (constant - lo_rest) / a_i))
                if not math.isnan(bounds[0]) and bounds[0] > -math.inf:
                    low[i] = max(low[i], math.ceil(bounds[0] - 1e-9))
                if not math.isnan(bounds[1]) and bounds[1] < math.inf:
                    high[i] = min(high[i], math.floor(bounds[1] + 1e-9))
        if (low, high) == before:
            break
    found += [(cell, low[i]) for cell, i in position.items() if low[i] == high[i]]
    # A share shown next to a hidden count would give it away too.
    for t, table in enumerate(shown):
        for share in table.get("shares", []):
            for r, row in enumerate(table["rows"]):
                if row[share["column"]] != SUPPRESSED and SUPPRESSED in (
                    row[share["in_time"]],
                    row[share["total"]],
                ):
                    found.append(((t, r, share["column"]), "share"))
    return found


def _published(figures: dict[str, Any]) -> tuple[list[dict], list[dict]]:
    shown = [t for t in suppress_figures(figures)["tables"] if _counts(t)]
    by_key = {t["key"]: t for t in figures["tables"]}
    return [by_key[t["key"]] for t in shown], shown


def _small_counts(shown: list[dict[str, Any]]) -> int:
    return sum(row.count(SUPPRESSED) for t in shown for row in t["rows"])


def _small_count_year(start: date) -> None:
    """Adversarial: one case of each kind in each outcome every fortnight, so that most counts
    are small and every identity has hidden cells in it."""
    kinds = ["enquiry", "service_complaint", "unpublished_statistics", "media", "foi_complaint"]
    for n, kind in enumerate(kinds):
        received = start + timedelta(days=14 * n)
        acknowledged, responded = working_days_after(received, 1), working_days_after(received, 3)
        make_case(
            kind, received, acknowledged_on=acknowledged, responded_on=responded, state="responded"
        )
        late = working_days_after(received, 8)
        make_case(kind, received, acknowledged_on=late, state="acknowledged")
        make_case(
            kind, received, transferred_on=received, transferred_to="foi", state="transferred"
        )
        if n % 2:
            withdrawn = working_days_after(received, 9)
            make_case(kind, received, withdrawn_on=withdrawn, state="withdrawn")


def _varied_year(start: date) -> None:
    """Many cases with outcomes drawn at random: no coincidence survives in its figures."""
    rng = random.Random(14)
    kinds = sorted(CASE_KINDS)
    for _ in range(300):
        received = start + timedelta(days=rng.randrange(360))
        fields: dict[str, Any] = {"state": "received"}
        if rng.random() < 0.8:
            fields["acknowledged_on"] = working_days_after(received, rng.randrange(0, 9))
            fields["state"] = "acknowledged"
            if rng.random() < 0.7:
                fields["responded_on"] = working_days_after(received, rng.randrange(9, 30))
                fields["state"] = "responded"
        if "responded_on" not in fields and rng.random() < 0.4:
            stop = working_days_after(received, rng.randrange(0, 25))
            if rng.random() < 0.5:
                fields.update(transferred_on=stop, transferred_to="foi", state="transferred")
            else:
                fields.update(withdrawn_on=stop, state="withdrawn")
        if rng.random() < 0.1:
            fields["delay_notice_on"] = received + timedelta(days=20)
            fields["revised_target_on"] = received + timedelta(days=40)
        make_case(rng.choice(kinds), received, **fields)


def test_nothing_hidden_can_be_recovered_on_demo_and_adversarial_data(app):
    """Demo data (a signed report, the live report of the year in progress, /performance) and
    a year of small counts; the identities are those that hold in these and in a year of varied
    cases."""
    _varied_year(date(2022, 4, 1))
    varied = compute_figures(2022, date(2023, 6, 1))
    varied_performance = performance_figures(date(2023, 6, 1))
    _small_count_year(date(2025, 4, 7))
    small = compute_figures(2025, date(2026, 5, 1))
    small_performance = performance_figures(date(2026, 5, 1))
    today = date(2029, 6, 1)  # demo data from 2027 on: apart from the small counts
    seed_demo(today=today)
    signed = db.session.execute(
        db.select(AnnualReport).where(AnnualReport.state == "signed_off")
    ).scalar_one()
    live = compute_figures(reporting_year_of(today), today)
    demo_performance = performance_figures(today)
    report_rules = identities_in(small["tables"], signed.figures["tables"], varied["tables"])
    performance_rules = identities_in(
        small_performance["raw"], demo_performance["raw"], varied_performance["raw"]
    )
    assert len(report_rules) > 50 and len(performance_rules) > 10

    for figures in (small, signed.figures, live, varied):
        raw, shown = _published(figures)
        assert recovered(raw, shown, report_rules) == [], figures["year_label"]
    assert _small_counts(_published(small)[1]) > 20
    for performance in (small_performance, demo_performance, varied_performance):
        assert recovered(performance["raw"], performance["tables"], performance_rules) == []
    assert _small_counts(small_performance["tables"]) > 0


def _related(values: list[list[int]], later: list[int]) -> list[dict[str, Any]]:
    """A table with a total row and "all = measured + other", "measured = met + missed", and a
    second table that repeats its first column."""
    body = [
        [f"r{i}", met + missed + other, met, missed, met + missed, other]
        for i, (met, missed, other) in enumerate(values)
    ]
    first = make_table(
        "first",
        "s",
        "First",
        ["Row", "All", "Met", "Missed", "Measured", "Other"],
        with_total_row(body, [1, 2, 3, 4, 5]),
        count_columns=[1, 2, 3, 4, 5],
        total_row=True,
        row_sums=[{"total": 4, "parts": [2, 3]}, {"total": 1, "parts": [4, 5]}],
    )
    extra = [[r[0], r[1], n] for r, n in zip(body, later, strict=True)]
    second = make_table(
        "second",
        "s",
        "Second",
        ["Row", "All", "Later"],
        with_total_row(extra, [1, 2]),
        count_columns=[1, 2],
        total_row=True,
        links=[(i, 1, "first", i, 1) for i in range(len(body) + 1)],
    )
    return [first, second]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(st.tuples(*[st.integers(0, 9)] * 4), min_size=1, max_size=5))
def test_nothing_hidden_can_be_recovered_from_random_related_tables(rows):
    tables = _related([list(r[:3]) for r in rows], [r[3] for r in rows])
    references = [
        _related(
            [[n * 7 + k * 13 + 11 + seed for k in range(3)] for n in range(len(rows))],
            [n * 5 + 17 + seed for n in range(len(rows))],
        )
        for seed in (0, 3)
    ]
    rules = identities_in(*references)
    assert recovered(tables, suppress_tables(tables), rules) == []
