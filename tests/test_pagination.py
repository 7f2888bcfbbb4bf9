"""The Python-built pager gives GOV.UK Frontend's own pagination HTML (govukPagination), for
first, middle, last and near-edge pages, with and without ellipses."""

from __future__ import annotations

import re

import pytest
from flask import render_template_string

from engage.pagination import Page, pager_html

MACRO = """{% from "govuk_frontend_jinja/components/pagination/macro.html" import govukPagination %}
{% set items = [] %}
{% for n in page.window() %}
  {% if n is none %}{% set _ = items.append({'ellipsis': true}) %}
  {% else %}
    {% set _ = items.append({'number': n, 'href': page.url(n), 'current': n == page.page}) %}
  {% endif %}
{% endfor %}
{{ govukPagination({
  'previous': {'href': page.url(page.page - 1)} if page.page > 1 else None,
  'next': {'href': page.url(page.page + 1)} if page.page < page.pages else None,
  'items': items
}) }}"""


def _normalised(html: str) -> str:
    return (
        re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html))
        .replace("> ", ">")
        .replace(" <", "<")
        .strip()
    )


@pytest.mark.parametrize(
    ("current", "total"),
    [(1, 60), (2, 60), (1, 500), (2, 500), (5, 500), (9, 500), (10, 500), (3, 125), (20, 1000)],
)
def test_the_python_pager_is_the_govuk_macros_html(app, current, total):
    page = Page(
        items=[],
        page=current,
        per_page=50,
        total=total,
        _url=lambda n: f"/staff/cases?a=1&page={n}",
    )
    with app.test_request_context("/staff/cases"):
        expected = render_template_string(MACRO, page=page)
        ours = str(pager_html(page))
    assert "govuk-pagination__item--current" in ours
    assert _normalised(ours) == _normalised(expected)


def test_one_page_has_no_pager(app):
    page = Page(items=[], page=1, per_page=50, total=50, _url=lambda n: f"/x?page={n}")
    assert pager_html(page) == ""
