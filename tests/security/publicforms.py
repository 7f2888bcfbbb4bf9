"""Finding and filling every public form, from the URL map and the pages themselves, so forms
added later are covered by the abuse and bad-input tests without editing them."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlencode, urljoin

import sqlalchemy as sa
from bs4 import BeautifulSoup

from engage.extensions import db
from tests.factories.consultations import ConsultationFactory, QuestionFactory
from tests.factories.outputs import OutputFactory

SLUG = "target"


def make_world() -> None:
    """Records every public form's URL can point at: an output and an open consultation."""
    output = OutputFactory(slug=SLUG)
    today = date.today()
    consultation = ConsultationFactory(
        slug=SLUG,
        state="open",
        opens_on=today - timedelta(days=7),
        closes_on=today + timedelta(days=50),
        outputs=[output],
    )
    QuestionFactory(consultation=consultation, kind="free_text", options=[], text="Your views?")
    QuestionFactory(consultation=consultation, kind="single_choice", text="Do you agree?")
    QuestionFactory(
        consultation=consultation,
        kind="multiple_choice",
        options=["Tables", "Charts"],
        text="Which do you use?",
    )
    db.session.commit()


def public_post_urls(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Every public (non-staff) route that accepts POST: the entry points of public forms.
    Steps that follow another step (check your answers) are reached through the flow."""
    urls = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.rule.startswith("/staff") or "POST" not in rule.methods:
            continue
        if not getattr(view, "engage_public", False):
            continue
        if "check-your-answers" in rule.rule or "confirm" in rule.rule:
            continue
        if rule.rule == "/unsubscribe/<token>":  # a link in an email, not a form: its token
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = re.sub(rf"<[^>]*\b{arg}>", SLUG, url)
        urls.append(url)
    return sorted(urls)


def main_form(html: str):  # type: ignore[no-untyped-def]
    """The page's main form: the POST form inside <main> that is not the sign-out form."""
    soup = BeautifulSoup(html, "html.parser")
    main = soup.find("main") or soup
    for form in main.find_all("form"):
        if (form.get("method") or "get").lower() == "post":
            return form
    return None


def fill(form, values=None) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Valid-looking data for every field of a form. `values(name, kind)` may override a
    field's value (return None to keep the default)."""
    data: dict[str, object] = {}
    seen_radio: set[str] = set()
    for field in form.find_all(["input", "textarea", "select"]):
        name = field.get("name")
        if not name:
            continue
        kind = field.name if field.name != "input" else (field.get("type") or "text")
        default: object
        if kind == "hidden":
            default = field.get("value", "")
        elif kind in ("submit", "button"):
            continue
        elif kind == "radio":
            if name in seen_radio:
                continue
            seen_radio.add(name)
            default = field.get("value")
        elif kind == "checkbox":
            if name in data:
                continue
            default = field.get("value", "y")
        elif kind == "select":
            options = [o.get("value") for o in field.find_all("option") if o.get("value")]
            default = options[0] if options else ""
        elif name == "website":
            default = ""
        elif name.endswith("-day") or name.endswith("day"):
            default = "1"
        elif name.endswith("-month") or name.endswith("month"):
            default = "6"
        elif name.endswith("-year") or name.endswith("year"):
            default = "2026"
        elif kind == "email" or "email" in name:
            default = "person@example.org"
        elif kind == "textarea":
            default = "A message about the statistics."
        else:
            default = "Sam Example"
        override = values(name, kind) if values else None
        data[name] = default if override is None else override
    return data


FORM_TYPE = "application/x-www-form-urlencoded"


def encode_form(data: dict[str, object]) -> bytes:
    """A form body as a browser would send it; lone surrogates (which a str can hold but UTF-8
    cannot) are sent as the raw bytes a broken client would send."""
    return urlencode(data, doseq=True, encoding="utf-8", errors="surrogatepass").encode()


def submit_flow(client, url: str, values=None, steps: int = 3):  # type: ignore[no-untyped-def]
    """GET the form, fill it and POST; follow into further form steps on the same journey
    (for example 'check your answers'). Returns the last response."""
    response = client.get(url)
    for _ in range(steps):
        form = main_form(response.get_data(as_text=True))
        if form is None:
            return response
        action = urljoin(url, form.get("action") or url)
        response = client.post(action, data=encode_form(fill(form, values)), content_type=FORM_TYPE)
        if response.status_code in (301, 302, 303) and response.location:
            url = urljoin(action, response.location)
            if url.startswith("http"):
                url = "/" + url.split("/", 3)[3]
            response = client.get(url)
            if main_form(response.get_data(as_text=True)) is None:
                return response
            continue
        return response
    return response


def row_counts() -> dict[str, int]:
    counts = {}
    for table in db.metadata.sorted_tables:
        if table.name in ("audit_events",):
            continue
        counts[table.name] = db.session.execute(
            sa.select(sa.func.count()).select_from(table)
        ).scalar_one()
    return counts
