"""URL plumbing for every blueprint: integers in URLs are bounded before any view sees them, and
a path typed with or without its trailing slash reaches its page.

- `<int:...>` matches at most 10 digits and at most 2**31 - 1 (what a database integer
  holds): anything larger is a 404, never an OverflowError or a database error.
- `<slug>` and every other string part of a URL never holds a control character (NUL
  included): PostgreSQL refuses NUL in a text parameter, so `/staff/outputs/%00/user-log` was
  a database error; such a path is a 404 before any view sees it.
- Rules are not strict about slashes: `/staff/` reaches `/staff`, `/statistics/` reaches
  `/statistics` (by a redirect to the canonical URL, so there is one address per page); a path
  that is no page without its slash either is a 404 at once.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, redirect, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, Map, UnicodeConverter

DB_INT_MAX = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    regex = r"\d{1,10}"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


class PrintableConverter(UnicodeConverter):
    """The default `<name>` converter (one path segment, any length arguments), without the
    C0 control characters and DEL."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\\x00-\\x1f\\x7f]", 1)


def bounded_int(
    raw: Any, default: int | None = None, *, low: int = 0, high: int = DB_INT_MAX
) -> int | None:
    """An integer from a query string or form value within [low, high], else `default`."""
    text = str(raw or "").strip()
    if not text or len(text) > 10 or not (text.isascii() and text.isdigit()):
        return default
    value = int(text)
    return value if low <= value <= high else default


def _is_page(app: Flask, path: str) -> bool:
    """Whether `path` is a page Engage has (so a slash-less redirect never leads to a 404)."""
    adapter = app.create_url_adapter(request)
    if adapter is None:
        return False
    try:
        adapter.match(path, method="GET")
    except HTTPException:
        return False
    return True


def install(app: Flask) -> None:
    """Call before any blueprint is registered."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.url_map.converters["default"] = app.url_map.converters["string"] = PrintableConverter

    @app.before_request
    def drop_trailing_slash():  # type: ignore[no-untyped-def]
        # Every Engage URL is written without a trailing slash; one typed with it (or pasted
        # from a link that had it) is sent to the page, keeping the query string.
        path = request.path
        if (
            request.routing_exception is not None
            and len(path) > 1
            and path.endswith("/")
            and request.method in ("GET", "HEAD")
        ):
            target = "/" + path.strip("/")  # never "//host": that would leave the site
            if not _is_page(app, target):
                return None  # the 404 it is, not a redirect to one
            if request.query_string:
                target += "?" + request.query_string.decode("latin-1")
            return redirect(target, 308)
        return None
