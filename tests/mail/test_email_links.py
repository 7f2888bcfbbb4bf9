"""Every email template renders, and every link into Engage it holds is a page of the URL map
(a renamed route would otherwise break the emails silently)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from jinja2 import ChainableUndefined
from werkzeug.exceptions import MethodNotAllowed, NotFound

from engage.mail.outbox import render_email

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "email"
NAMES = sorted(path.stem for path in TEMPLATES.glob("*.txt") if not path.stem.startswith("_"))
URL = re.compile(r"https?://[^\s<>\"')]+")


class Sample(ChainableUndefined):
    """Any value a template asks for that the test does not give: "1" as text (a number, a
    reference or a slug in a URL), true, and a list of one of itself, so every branch and
    loop of the template is rendered."""

    def __str__(self) -> str:
        return "1"

    def __bool__(self) -> bool:
        return True

    def __iter__(self):  # type: ignore[no-untyped-def]
        yield Sample()

    def __len__(self) -> int:
        return 1

    def __format__(self, spec: str) -> str:
        return "1"

    def __call__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return Sample()

    def __add__(self, other):  # type: ignore[no-untyped-def]
        return Sample()

    __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __add__

    def __lt__(self, other) -> bool:  # type: ignore[no-untyped-def]
        return False

    __le__ = __gt__ = __ge__ = __lt__


def test_every_email_template_is_covered():
    assert len(NAMES) >= 20
    assert all((TEMPLATES / f"{name}.html").exists() for name in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_link_in_an_email_is_a_page_of_engage(app, name):
    before = app.jinja_env.undefined
    app.jinja_env.undefined = Sample
    try:
        with app.test_request_context():
            subject, text, html = render_email(name)
    finally:
        app.jinja_env.undefined = before
    assert subject
    base = app.config["BASE_URL"].rstrip("/")
    adapter = app.url_map.bind("engage.invalid")
    links = [url for url in URL.findall(text) if url.startswith(base)]
    if "base_url" in (TEMPLATES / f"{name}.txt").read_text():
        assert links, f"email/{name}.txt names base_url but renders no link"
    for url in links:
        path = urlsplit(url).path
        try:
            adapter.match(path, method="GET")
        except (NotFound, MethodNotAllowed):
            pytest.fail(f"email/{name}.txt links to {path}, which is no page of Engage")
