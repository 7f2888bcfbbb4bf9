"""A very small expression language in which the SLA rules (``rules.py``) are written once,
and its three readings: a Python function, a SQLAlchemy expression and plain SQL text (for the
generated column ``cases.sla_outcome``).

Only what the rules need: columns, parameters (``today``, ``boundary``), string results,
``COALESCE``, ``IS NULL``, ``<`` / ``<=`` / ``=``, ``AND`` / ``OR`` and a searched ``CASE``.
Python follows SQL's three-valued logic, so both readings give the same answer on every row:
a comparison with NULL (``None``) is unknown, and ``CASE`` takes the first branch whose condition
is true.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, literal, or_


class Expr:
    """Base of every node. Nodes are frozen dataclasses (hashable, so SQL is built once)."""


@dataclass(frozen=True)
class Col(Expr):
    name: str


@dataclass(frozen=True)
class Param(Expr):
    name: str


@dataclass(frozen=True)
class Text(Expr):
    value: str | None


@dataclass(frozen=True)
class Coalesce(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class IsNull(Expr):
    arg: Expr


@dataclass(frozen=True)
class NotNull(Expr):
    arg: Expr


@dataclass(frozen=True)
class Cmp(Expr):
    op: str  # "<", "<=", "="
    left: Expr
    right: Expr


@dataclass(frozen=True)
class All(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class AnyOf(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class When(Expr):
    """CASE WHEN cond THEN value ... ELSE otherwise END."""

    branches: tuple[tuple[Expr, Expr], ...]
    otherwise: Expr


def lt(a: Expr, b: Expr) -> Cmp:
    return Cmp("<", a, b)


def le(a: Expr, b: Expr) -> Cmp:
    return Cmp("<=", a, b)


def eq(a: Expr, b: Expr | str) -> Cmp:
    return Cmp("=", a, Text(b) if isinstance(b, str) else b)


def coalesce(*names: str) -> Expr:
    return Col(names[0]) if len(names) == 1 else Coalesce(tuple(Col(n) for n in names))


def all_null(*names: str) -> All:
    return All(tuple(IsNull(Col(n)) for n in names))


def any_set(*names: str) -> AnyOf:
    return AnyOf(tuple(NotNull(Col(n)) for n in names))


def when(*branches: tuple[Expr, Expr | str | None], otherwise: Expr | str | None) -> When:
    def wrap(v: Expr | str | None) -> Expr:
        return v if isinstance(v, Expr) else Text(v)

    return When(tuple((c, wrap(v)) for c, v in branches), wrap(otherwise))


# --- Python ------------------------------------------------------------------------------------

PyFn = Callable[[Any, Mapping[str, Any]], Any]
_PY_OPS = {"<": operator.lt, "<=": operator.le, "=": operator.eq}


def to_python(expr: Expr) -> PyFn:  # noqa: C901 - one branch per node type
    """A function (row, params) -> value; None is SQL's NULL and unknown."""
    if isinstance(expr, Col):
        name = expr.name
        return lambda row, p: getattr(row, name)
    if isinstance(expr, Param):
        key = expr.name
        return lambda row, p: p[key]
    if isinstance(expr, Text):
        value = expr.value
        return lambda row, p: value
    if isinstance(expr, Coalesce):
        parts = [to_python(i) for i in expr.items]
        return lambda row, p: next((v for v in (f(row, p) for f in parts) if v is not None), None)
    if isinstance(expr, IsNull):
        arg = to_python(expr.arg)
        return lambda row, p: arg(row, p) is None
    if isinstance(expr, NotNull):
        arg = to_python(expr.arg)
        return lambda row, p: arg(row, p) is not None
    if isinstance(expr, Cmp):
        left, right, op = to_python(expr.left), to_python(expr.right), _PY_OPS[expr.op]

        def compare(row: Any, p: Mapping[str, Any]) -> bool | None:
            a, b = left(row, p), right(row, p)
            return None if a is None or b is None else bool(op(a, b))

        return compare
    if isinstance(expr, All):
        parts = [to_python(i) for i in expr.items]

        def all_(row: Any, p: Mapping[str, Any]) -> bool | None:
            values = [f(row, p) for f in parts]
            if False in values:
                return False
            return None if None in values else True

        return all_
    if isinstance(expr, AnyOf):
        parts = [to_python(i) for i in expr.items]

        def any_(row: Any, p: Mapping[str, Any]) -> bool | None:
            values = [f(row, p) for f in parts]
            if True in values:
                return True
            return None if None in values else False

        return any_
    if isinstance(expr, When):
        branches = [(to_python(c), to_python(v)) for c, v in expr.branches]
        otherwise = to_python(expr.otherwise)

        def when_(row: Any, p: Mapping[str, Any]) -> Any:
            for cond, value in branches:
                if cond(row, p) is True:
                    return value(row, p)
            return otherwise(row, p)

        return when_
    raise TypeError(expr)


# --- SQLAlchemy --------------------------------------------------------------------------------


def to_sql(expr: Expr, table: Any, params: Mapping[str, Any] | None = None) -> Any:  # noqa: C901
    """A SQLAlchemy expression over `table`'s columns (a mapped class or a ``Table.c``)."""
    params = params or {}

    def go(e: Expr) -> Any:
        if isinstance(e, Col):
            return getattr(table, e.name)
        if isinstance(e, Param):
            return literal(params[e.name])
        if isinstance(e, Text):
            return None if e.value is None else literal(e.value)
        if isinstance(e, Coalesce):
            return func.coalesce(*[go(i) for i in e.items])
        if isinstance(e, IsNull):
            return go(e.arg).is_(None)
        if isinstance(e, NotNull):
            return go(e.arg).is_not(None)
        if isinstance(e, Cmp):
            return _PY_OPS[e.op](go(e.left), go(e.right))
        if isinstance(e, All):
            return and_(*[go(i) for i in e.items])
        if isinstance(e, AnyOf):
            return or_(*[go(i) for i in e.items])
        if isinstance(e, When):
            return case(*[(go(c), go(v)) for c, v in e.branches], else_=go(e.otherwise))
        raise TypeError(e)

    return go(expr)


# --- plain SQL text (generated columns: no parameters) ------------------------------------------


def to_ddl(expr: Expr) -> str:  # noqa: C901
    """SQL text that SQLite and PostgreSQL both accept in a generated column."""
    if isinstance(expr, Col):
        return expr.name
    if isinstance(expr, Param):
        raise ValueError(f"a generated column cannot depend on {expr.name}")
    if isinstance(expr, Text):
        return "NULL" if expr.value is None else "'" + expr.value.replace("'", "''") + "'"
    if isinstance(expr, Coalesce):
        return f"COALESCE({', '.join(to_ddl(i) for i in expr.items)})"
    if isinstance(expr, IsNull):
        return f"{to_ddl(expr.arg)} IS NULL"
    if isinstance(expr, NotNull):
        return f"{to_ddl(expr.arg)} IS NOT NULL"
    if isinstance(expr, Cmp):
        return f"{to_ddl(expr.left)} {expr.op} {to_ddl(expr.right)}"
    if isinstance(expr, All):
        return "(" + " AND ".join(to_ddl(i) for i in expr.items) + ")"
    if isinstance(expr, AnyOf):
        return "(" + " OR ".join(to_ddl(i) for i in expr.items) + ")"
    if isinstance(expr, When):
        whens = " ".join(f"WHEN {to_ddl(c)} THEN {to_ddl(v)}" for c, v in expr.branches)
        inner = to_ddl(expr.otherwise)
        return f"(CASE {whens} ELSE {inner} END)"
    raise TypeError(expr)
