"""Pagination for long lists: one COUNT and one page query, whatever the page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import request, url_for
from sqlalchemy import Select, func, select
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from engage.extensions import db

DEFAULT_PER_PAGE = 50


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int
    _url: Callable[[int], str] = field(repr=False)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first_index(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return min(self.total, self.page * self.per_page)

    def url(self, n: int) -> str:
        return self._url(n)

    def window(self) -> list[int | None]:
        """Page numbers to show, GOV.UK style: first, last, current and neighbours."""
        shown = sorted({1, self.pages, self.page - 1, self.page, self.page + 1} - {0})
        shown = [n for n in shown if 1 <= n <= self.pages]
        out: list[int | None] = []
        for n in shown:
            if out and out[-1] is not None and n - out[-1] > 1:  # type: ignore[operator]
                out.append(None)
            out.append(n)
        return out


def requested_page() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def _reversed(clause: Any) -> Any:
    if isinstance(clause, UnaryExpression) and clause.modifier is operators.desc_op:
        return clause.element.asc()
    if isinstance(clause, UnaryExpression) and clause.modifier is operators.asc_op:
        return clause.element.desc()
    return clause.desc()


def paginate(
    query: Select,
    *,
    per_page: int = DEFAULT_PER_PAGE,
    page: int | None = None,
    scalars=True,
    total: int | None = None,
    reversible: bool = False,
) -> Page:
    """`total`: the number of rows of `query` when the caller already knows it (saves the
    COUNT). `reversible`: the query's order is total (it ends with a unique column), so a page
    past the middle may be read in the reverse order (each direction flipped, which also flips
    where NULLs go, on SQLite and PostgreSQL alike) and turned round."""
    page = page or requested_page()
    if total is None:
        total = db.session.execute(
            select(func.count()).select_from(query.order_by(None).subquery())
        ).scalar_one()
    pages = max(1, -(-total // per_page))
    page = min(page, pages)
    start, stop = (page - 1) * per_page, min(page * per_page, total)
    if reversible and start > total // 2 and query._order_by_clauses:
        # Past the middle, read the page from the other end of the order: a short OFFSET from
        # the end instead of walking (on PostgreSQL) every row before the page.
        backwards = query.order_by(None).order_by(*map(_reversed, query._order_by_clauses))
        result = db.session.execute(backwards.limit(stop - start).offset(total - stop))
        items = list(result.scalars() if scalars else result)[::-1]
    else:
        result = db.session.execute(query.limit(per_page).offset(start))
        items = list(result.scalars() if scalars else result)
    endpoint = request.endpoint
    args = {**(request.view_args or {}), **request.args.to_dict()}

    def make_url(n: int) -> str:
        return url_for(endpoint, **{**args, "page": n})  # type: ignore[arg-type]

    return Page(items=items, page=page, per_page=per_page, total=total, _url=make_url)
