"""Pagination for long lists: one COUNT and one page query, whatever the page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import request, url_for
from markupsafe import Markup
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
    from engage.urls import bounded_int

    # Bounded: page 10**30 is the last page, not an OFFSET the database cannot hold.
    return bounded_int(request.args.get("page"), 1, low=1, high=1_000_000) or 1


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
    return Page(items=items, page=page, per_page=per_page, total=total, _url=_page_urls())


def paginate_known(
    load: Callable[[int, int], list[Any]],
    *,
    total: int,
    per_page: int = DEFAULT_PER_PAGE,
    page: int | None = None,
) -> Page:
    """A page of a list whose length the caller knows: `load(start, stop)` reads its rows
    `start` to `stop` (for a search that has already found, in order, what it lists)."""
    page = min(page or requested_page(), max(1, -(-total // per_page)))
    start, stop = (page - 1) * per_page, min(page * per_page, total)
    items = load(start, stop) if stop > start else []
    return Page(items=items, page=page, per_page=per_page, total=total, _url=_page_urls())


def _page_urls() -> Callable[[int], str]:
    """The URL of page n of the list this request shows (its other arguments kept)."""
    endpoint = request.endpoint
    args = {**(request.view_args or {}), **request.args.to_dict()}

    def make_url(n: int) -> str:
        return url_for(endpoint, **{**args, "page": n})  # type: ignore[arg-type]

    return make_url


# GOV.UK Frontend's pagination component (govukPagination with numbered items), built in Python:
# every long list shows one, and the macro costs more than the rest of a small page's list.
# tests/test_pagination.py checks that it gives the macro's HTML.
_ARROW_PREV = Markup(
    '<svg class="govuk-pagination__icon govuk-pagination__icon--prev" '
    'xmlns="http://www.w3.org/2000/svg" height="13" width="15" aria-hidden="true" '
    'focusable="false" viewBox="0 0 15 13"><path d="m6.5938-0.0078125-6.7266 6.7266 6.7441 '
    '6.4062 1.377-1.449-4.1856-3.9768h12.896v-2h-12.984l4.2931-4.293-1.414-1.414z"></path></svg>'
)
_ARROW_NEXT = Markup(
    '<svg class="govuk-pagination__icon govuk-pagination__icon--next" '
    'xmlns="http://www.w3.org/2000/svg" height="13" width="15" aria-hidden="true" '
    'focusable="false" viewBox="0 0 15 13"><path d="m8.107-0.0078125-1.4136 1.414 4.2926 '
    '4.293h-12.986v2h12.896l-4.1855 3.9766 1.377 1.4492 6.7441-6.4062-6.7246-6.7266z"></path></svg>'
)
_PREV = Markup(
    '<div class="govuk-pagination__prev"><a class="govuk-link govuk-pagination__link" '
    'href="{}" rel="prev">{}<span class="govuk-pagination__link-title">Previous'
    '<span class="govuk-visually-hidden"> page</span></span></a></div>'
)
_NEXT = Markup(
    '<div class="govuk-pagination__next"><a class="govuk-link govuk-pagination__link" '
    'href="{}" rel="next"><span class="govuk-pagination__link-title">Next'
    '<span class="govuk-visually-hidden"> page</span></span>{}</a></div>'
)
_ITEM = Markup(
    '<li class="govuk-pagination__item"><a class="govuk-link govuk-pagination__link" '
    'href="{}" aria-label="Page {}">{}</a></li>'
)
_CURRENT = Markup(
    '<li class="govuk-pagination__item govuk-pagination__item--current">'
    '<a class="govuk-link govuk-pagination__link" href="{}" aria-label="Page {}" '
    'aria-current="page">{}</a></li>'
)
_ELLIPSIS = Markup(
    '<li class="govuk-pagination__item govuk-pagination__item--ellipsis">&ctdot;</li>'
)


def pager_html(page: Page) -> Markup:
    """The GOV.UK pagination of `page` (nothing when there is one page)."""
    if page.pages <= 1:
        return Markup("")
    parts = [Markup('<nav class="govuk-pagination" aria-label="Pagination">')]
    if page.page > 1:
        parts.append(_PREV.format(page.url(page.page - 1), _ARROW_PREV))
    parts.append(Markup('<ul class="govuk-pagination__list">'))
    for n in page.window():
        if n is None:
            parts.append(_ELLIPSIS)
        else:
            parts.append((_CURRENT if n == page.page else _ITEM).format(page.url(n), n, n))
    parts.append(Markup("</ul>"))
    if page.page < page.pages:
        parts.append(_NEXT.format(page.url(page.page + 1), _ARROW_NEXT))
    parts.append(Markup("</nav>"))
    return Markup("").join(parts)
