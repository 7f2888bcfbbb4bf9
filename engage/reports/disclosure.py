"""What an attacker can work out from a published set of tables: the hidden cells whose value
follows from the shown cells and the identities between cells (a total is the sum of its parts,
the same count shown in two tables).

Two kinds of reasoning, both exact:

- **linear algebra**: the identities are linear equations in the hidden cells; a hidden cell is
  determined when its unit vector lies in the row space of the system (Gaussian elimination over
  fractions, so no rounding);
- **intervals**: every hidden cell is at least 1 (a zero is shown as 0), and each equation bounds
  each of its cells by the bounds of the others; a cell whose lower and upper bounds meet is
  determined (for example two hidden cells that add up to 2).

Used by ``engage.reports.suppression`` to hide more until nothing is determined, and by the
tests to attack every published table.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from fractions import Fraction
from typing import TypeVar

K = TypeVar("K", bound=Hashable)  # a cell
Equation = Sequence[tuple[int, K]]  # sum of coefficient * cell == 0


def determined(
    equations: Iterable[Equation[K]], values: dict[K, int], hidden: set[K]
) -> dict[K, Fraction]:
    """{hidden cell: its value} for every hidden cell an attacker can work out. `values` holds
    every cell's true value (only the shown ones are used to reason)."""
    rows: list[tuple[dict[K, Fraction], Fraction]] = []
    for equation in equations:
        coefficients: dict[K, Fraction] = {}
        constant = Fraction(0)
        for coefficient, cell in equation:
            if cell in hidden:
                coefficients[cell] = coefficients.get(cell, Fraction(0)) + coefficient
            else:
                constant -= coefficient * values[cell]
        coefficients = {c: v for c, v in coefficients.items() if v}
        if coefficients:
            rows.append((coefficients, constant))
    found = _by_elimination(rows)
    found.update(_by_intervals(rows, hidden, found))
    return found


def _by_elimination(
    rows: list[tuple[dict[K, Fraction], Fraction]],
) -> dict[K, Fraction]:
    """Reduced row echelon form; a row left with a single variable determines it."""
    pivots: list[tuple[K, dict[K, Fraction], Fraction]] = []
    for coefficients, constant in rows:
        row, rhs = dict(coefficients), constant
        for var, prow, prhs in pivots:
            factor = row.get(var)
            if factor:
                for v, c in prow.items():
                    row[v] = row.get(v, Fraction(0)) - factor * c
                rhs -= factor * prhs
                row = {v: c for v, c in row.items() if c}
        if not row:
            continue
        var = min(row, key=repr)
        scale = row[var]
        row = {v: c / scale for v, c in row.items()}
        rhs /= scale
        reduced = []
        for pvar, prow, prhs in pivots:  # keep the earlier rows reduced
            factor = prow.get(var)
            if factor:
                prow = {
                    v: prow.get(v, Fraction(0)) - factor * row.get(v, Fraction(0))
                    for v in set(prow) | set(row)
                }
                prow = {v: c for v, c in prow.items() if c}
                prhs -= factor * rhs
            reduced.append((pvar, prow, prhs))
        pivots = [*reduced, (var, row, rhs)]
    return {var: rhs for var, row, rhs in pivots if len(row) == 1}


def _by_intervals(
    rows: list[tuple[dict[K, Fraction], Fraction]],
    hidden: set[K],
    known: dict[K, Fraction],
) -> dict[K, Fraction]:
    inf = Fraction(10**12)
    low = {c: Fraction(1) for c in hidden}
    high = dict.fromkeys(hidden, inf)
    for cell, value in known.items():
        low[cell] = high[cell] = value
    for _ in range(50):
        changed = False
        for coefficients, constant in rows:
            for cell, a in coefficients.items():
                # a * cell = constant - sum(others): bound the others' sum, then the cell.
                lo_rest = hi_rest = Fraction(0)
                for other, b in coefficients.items():
                    if other == cell:
                        continue
                    lo_rest += b * (low[other] if b > 0 else high[other])
                    hi_rest += b * (high[other] if b > 0 else low[other])
                lo, hi = (constant - hi_rest) / a, (constant - lo_rest) / a
                if a < 0:
                    lo, hi = hi, lo
                lo, hi = Fraction(math.ceil(lo)), Fraction(math.floor(hi))  # whole numbers
                if lo > low[cell] and lo < inf / 2:
                    low[cell], changed = lo, True
                if hi < high[cell] and hi < inf / 2:
                    high[cell], changed = hi, True
        if not changed:
            break
    return {c: low[c] for c in hidden if c not in known and low[c] == high[c]}
