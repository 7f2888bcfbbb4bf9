"""Walks the URL map: staff routes need sign-in and name a permission; public routes are
marked public; every POST is CSRF-protected; URLs are kebab-case."""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

from engage.extensions import csrf

SEGMENT = re.compile(
    r"^([a-z0-9]+(-[a-z0-9]+)*|<[^>]+>|[a-z0-9]+(-[a-z0-9]+)*\.(atom|csv|xlsx|ics))$"
)


def _rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def test_every_staff_route_names_a_permission(app):
    missing = []
    for rule in _rules(app):
        view = app.view_functions[rule.endpoint]
        if rule.rule.startswith("/staff"):
            if not (
                getattr(view, "engage_permission", None) or getattr(view, "engage_public", False)
            ):
                missing.append(rule.rule)
        elif not getattr(view, "engage_public", False) and not getattr(
            view, "engage_permission", None
        ):
            missing.append(rule.rule)
    assert missing == [], f"routes without @requires or @public: {missing}"


def test_public_marker_is_used_only_for_sign_in_pages_under_staff(app):
    allowed = {"/staff/sign-in", "/staff/sign-out", "/staff/signed-out"}
    allowed_prefix = "/staff/sign-in/"
    for rule in _rules(app):
        view = app.view_functions[rule.endpoint]
        if rule.rule.startswith("/staff") and getattr(view, "engage_public", False):
            assert rule.rule in allowed or rule.rule.startswith(allowed_prefix), rule.rule


def _example_url(rule) -> str:
    url = rule.rule
    for arg in rule.arguments:
        number = isinstance(rule._converters[arg], IntegerConverter)
        url = re.sub(rf"<[^>]*{arg}>", "1" if number else "x", url)
    return url


def test_anonymous_requests_to_staff_routes_go_to_sign_in(app):
    client = app.test_client()
    client.check_pages = False
    for rule in _rules(app):
        view = app.view_functions[rule.endpoint]
        if not rule.rule.startswith("/staff") or getattr(view, "engage_public", False):
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(_example_url(rule), method=method)
        assert response.status_code == 302, (rule.rule, response.status_code)
        assert "/staff/sign-in" in response.headers["Location"], rule.rule


# The one exception: RFC 8058 one-click unsubscribe, POSTed by mail programs (no CSRF token can
# be sent); its signed token in the URL authenticates it (engage/consent/views.py).
CSRF_EXEMPT = {"engage.consent.views.unsubscribe"}


def test_no_view_is_exempt_from_csrf(app):
    exempt = set(getattr(csrf, "_exempt_views", set())) | set(
        getattr(csrf, "_exempt_blueprints", set())
    )
    assert exempt == CSRF_EXEMPT
    for rule in _rules(app):
        if "POST" in rule.methods:
            view = app.view_functions[rule.endpoint]
            name = f"{view.__module__}.{view.__name__}"
            assert name not in exempt or rule.rule == "/unsubscribe/<token>"


@pytest.mark.parametrize("check", ["urls"])
def test_urls_are_kebab_case(app, check):
    bad = []
    for rule in _rules(app):
        for segment in rule.rule.strip("/").split("/"):
            if segment and not SEGMENT.match(segment):
                bad.append(rule.rule)
    assert bad == []
