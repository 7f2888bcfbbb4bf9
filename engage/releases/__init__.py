"""Releases: the release calendar (provisional, confirmed, published, cancelled), every version
of each release, the Chief Statistician's approval of date changes, the commitments missed, the
public pages and the iCalendar and Atom feeds."""

from flask import Blueprint

bp = Blueprint("releases", __name__)

from engage.releases import (  # noqa: E402,F401
    access_views,
    public_views,
    subscribe_views,
    transfer_views,
    views,
)
