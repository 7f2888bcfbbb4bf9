"""Public release pages: the calendar, each release with its history, the missed commitments,
and the iCalendar and Atom feeds (all releases and per output)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, abort, current_app, render_template, request

from engage.auth.permissions import public
from engage.calendar import london_date
from engage.db_types import utcnow
from engage.pagination import paginate
from engage.releases import bp, feeds, listing, rules, service


def _year_start(today: date) -> date:
    """The reporting year (April to March) that `today` falls in."""
    return date(today.year if today.month >= 4 else today.year - 1, 4, 1)


@bp.app_context_processor
def output_release_helpers() -> dict[str, Any]:
    """The output page (templates/public/output.html) shows the next release and history."""
    return {
        "next_release_of": listing.next_release,
        "release_history_of": listing.output_history,
        "release_outcome": listing.what_happened,
        "release_time_label": rules.london_time_label,
        "release_month_label": rules.month_label,
    }


@bp.route("/releases")
@public
def calendar():
    return render_template(
        "releases/public-calendar.html",
        groups=listing.upcoming_by_month(),
        past=paginate(listing.past_query(), per_page=30),
        label=rules.london_time_label,
        month_label=rules.month_label,
        outcome=listing.what_happened,
    )


@bp.route("/releases/<slug>")
@public
def release_page(slug: str):
    release = listing.public_release(slug)
    if release is None:
        abort(404)
    return render_template(
        "releases/public-release.html",
        release=release,
        versions=listing.versions_newest_first(release),
        breaches=listing.breaches_by_version(release),
        label=rules.london_time_label,
        month_label=rules.month_label,
        outcome=listing.what_happened,
        rules_text=rules.RULES,
        reasons=rules.CHANGE_REASONS,
        pre_release=service.pre_release_list(release) if release.status == "published" else [],
    )


@bp.route("/releases/missed-commitments")
@public
def missed():
    today = london_date(utcnow())
    current = _year_start(today)
    try:
        year = int(request.args.get("year", current.year))
    except ValueError:
        year = current.year
    if not 2000 <= year <= current.year:
        abort(404)
    start, end = date(year, 4, 1), date(year + 1, 3, 31)
    return render_template(
        "releases/public-missed.html",
        year=year,
        years=list(range(current.year, max(2000, current.year - 5) - 1, -1)),
        breaches=listing.missed_commitments(start, end),
        cancellations=listing.cancellations(start, end),
        rules_text=rules.RULES,
        reasons=rules.CHANGE_REASONS,
        label=rules.london_time_label,
    )


def _ics(body: bytes, filename: str) -> Response:
    return Response(
        body,
        content_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@bp.route("/releases.ics")
@public
def icalendar_all():
    config = current_app.config
    return _ics(
        feeds.icalendar_feed(
            listing.feed_releases(), config["BASE_URL"], feeds.feed_name(config["OFFICE_NAME"])
        ),
        "releases.ics",
    )


@bp.route("/statistics/<slug>/releases.ics")
@public
def icalendar_output(slug: str):
    output = listing.output_by_slug(slug)
    if output is None:
        abort(404)
    config = current_app.config
    return _ics(
        feeds.icalendar_feed(
            listing.feed_releases(output.id),
            config["BASE_URL"],
            feeds.feed_name(config["OFFICE_NAME"], output.title),
        ),
        f"{output.slug}-releases.ics",
    )


@bp.route("/releases.atom")
@public
def atom():
    config = current_app.config
    return Response(
        feeds.atom_feed(listing.feed_releases(), config["BASE_URL"], config["OFFICE_NAME"]),
        content_type="application/atom+xml; charset=utf-8",
    )
