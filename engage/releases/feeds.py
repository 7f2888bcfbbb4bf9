"""The release calendar as iCalendar (RFC 5545, through the `icalendar` package) and Atom.

Each release is one VEVENT whose UID never changes and whose SEQUENCE is the release's version,
so a calendar that subscribed sees a moved date as an update of the same event and a cancelled
release as STATUS:CANCELLED. A provisional release is an all-day TENTATIVE event spanning its
month, free time (TRANSP:TRANSPARENT), so nobody mistakes it for a date."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

# Only builds the feed; never parses anything.
from xml.etree import ElementTree as ET  # nosec B405

from icalendar import Calendar, Event

from engage.db_types import utcnow
from engage.releases import listing, rules
from engage.releases.models import Release
from engage.textpolicy import xml_text

ICAL_STATUS = {
    "provisional": "TENTATIVE",
    "confirmed": "CONFIRMED",
    "published": "CONFIRMED",
    "cancelled": "CANCELLED",
}


def uid(release: Release, base_url: str) -> str:
    host = urlsplit(base_url).hostname or "engage.invalid"
    return f"release-{release.id}@{host}"


def _summary(release: Release) -> str:
    prefix = {"cancelled": "Cancelled: ", "provisional": "Provisional: "}.get(release.status, "")
    return prefix + release.title


def _description(release: Release) -> str:
    lines = []
    if release.output is not None:
        lines.append(f"Output: {release.output.title}")
    if release.status == "provisional" and release.provisional_month:
        lines.append(
            f"Provisional: due in {rules.month_label(release.provisional_month)}; the exact "
            "date is announced at least 4 weeks ahead."
        )
    elif release.scheduled_at is not None:
        lines.append(f"Announced for {rules.london_time_label(release.scheduled_at)} (UK time).")
    if release.status in ("published", "cancelled"):
        lines.append(listing.what_happened(release))
    return xml_text("\n".join(lines))


def icalendar_feed(releases: list[Release], base_url: str, name: str) -> bytes:
    base = base_url.rstrip("/")
    cal = Calendar()
    cal.add("prodid", "-//Engage//Release calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", xml_text(name))
    cal.add("x-wr-timezone", "Europe/London")
    for release in releases:
        month = release.provisional_month
        if release.scheduled_at is None and month is None:
            continue
        event = Event()
        event.add("uid", uid(release, base))
        event.add("sequence", release.version)
        event.add("dtstamp", release.updated_at)
        event.add("last-modified", release.updated_at)
        event.add("created", release.created_at)
        event.add("summary", xml_text(_summary(release)))
        event.add("status", ICAL_STATUS[release.status])
        if release.scheduled_at is not None:
            event.add("dtstart", release.scheduled_at)
            event.add("dtend", release.scheduled_at + timedelta(minutes=30))
        else:
            assert month is not None  # nosec B101 (checked above)
            following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
            event.add("dtstart", month)
            event.add("dtend", following)
            event.add("transp", "TRANSPARENT")
        event.add("description", _description(release))
        event.add("url", f"{base}/releases/{release.slug}")
        cal.add_component(event)
    return cal.to_ical()


ATOM = "http://www.w3.org/2005/Atom"


def _stamp(moment) -> str:  # type: ignore[no-untyped-def]
    return moment.isoformat().replace("+00:00", "Z")


def atom_feed(releases: list[Release], base_url: str, office: str) -> str:
    """One entry per release version people should hear of: an entry's id names the release
    and its version, so a feed reader shows each announcement, change, publication and
    cancellation once. Built like /consultations.atom."""
    base = base_url.rstrip("/")
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    office = xml_text(office)
    ET.SubElement(feed, f"{{{ATOM}}}title").text = f"Release calendar – {office}"
    ET.SubElement(feed, f"{{{ATOM}}}id").text = f"{base}/releases"
    ET.SubElement(feed, f"{{{ATOM}}}link", href=f"{base}/releases.atom", rel="self")
    ET.SubElement(feed, f"{{{ATOM}}}link", href=f"{base}/releases", rel="alternate")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = office
    entries = sorted(releases, key=lambda r: (r.updated_at, r.id), reverse=True)[:100]
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _stamp(
        entries[0].updated_at if entries else utcnow()
    )
    for release in entries:
        url = f"{base}/releases/{release.slug}"
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        if release.status == "provisional" and release.provisional_month:
            when = f"provisionally {rules.month_label(release.provisional_month)}"
        elif release.scheduled_at is not None:
            when = rules.london_time_label(release.scheduled_at)
        else:
            when = ""
        title = f"{_summary(release)} ({when})" if when else _summary(release)
        ET.SubElement(entry, f"{{{ATOM}}}title").text = xml_text(title)
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"{url}#version-{release.version}"
        ET.SubElement(entry, f"{{{ATOM}}}link", href=url, rel="alternate")
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _stamp(release.updated_at)
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = _description(release)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode")


def feed_name(office: str, output_title: str | None = None) -> str:
    return f"{output_title} releases – {office}" if output_title else f"Releases – {office}"
