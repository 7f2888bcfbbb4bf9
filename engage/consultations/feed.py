"""The Atom feed of consultations: open consultations and published responses, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

# Only builds the feed; never parses anything.
from xml.etree import ElementTree as ET  # nosec B405

from engage.consultations import rules
from engage.consultations.models import Consultation
from engage.extensions import db
from engage.textpolicy import xml_text

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 100


def _items() -> list[Any]:
    """The latest consultations in the feed (rows of the columns it shows)."""
    return list(
        db.session.execute(
            db.select(
                Consultation.slug,
                Consultation.title,
                Consultation.summary,
                Consultation.state,
                Consultation.opens_on,
                Consultation.opened_at,
                Consultation.response_published_at,
            )
            .where(Consultation.state.in_(("open", "response_published")))
            .order_by(Consultation.id.desc())
            .limit(FEED_SIZE)
        ).all()
    )


def _stamp(consultation: Any) -> str:
    """When it last changed for the feed: the response published, or the consultation opened."""
    moment = (
        consultation.response_published_at
        if consultation.state == "response_published"
        else consultation.opened_at
    ) or rules.opens_at(consultation.opens_on)
    return moment.isoformat().replace("+00:00", "Z")


def atom_feed(base: str, office_name: str, now: datetime) -> str:
    """The feed's XML: `base` is the site's address without a trailing slash. Every stored text
    goes through xml_text, so the feed stays well-formed XML 1.0 whatever is stored."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    office = xml_text(office_name)
    ET.SubElement(feed, f"{{{ATOM}}}title").text = f"Consultations – {office}"
    ET.SubElement(feed, f"{{{ATOM}}}id").text = f"{base}/consultations"
    ET.SubElement(feed, f"{{{ATOM}}}link", href=f"{base}/consultations.atom", rel="self")
    ET.SubElement(feed, f"{{{ATOM}}}link", href=f"{base}/consultations", rel="alternate")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = office
    entries = sorted(_items(), key=_stamp, reverse=True)
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = (
        _stamp(entries[0]) if entries else now.isoformat().replace("+00:00", "Z")
    )
    for consultation in entries:
        url = f"{base}/consultations/{consultation.slug}"
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        published = consultation.state == "response_published"
        prefix = "Response published: " if published else "Open consultation: "
        ET.SubElement(entry, f"{{{ATOM}}}title").text = prefix + xml_text(consultation.title)
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"{url}#{consultation.state}"
        ET.SubElement(entry, f"{{{ATOM}}}link", href=url, rel="alternate")
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _stamp(consultation)
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = xml_text(consultation.summary)
    body = ET.tostring(feed, encoding="unicode", xml_declaration=False)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body
