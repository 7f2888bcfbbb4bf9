"""The demo calendar: the 22 outputs over three years back and twelve months ahead, with date
changes, a cancellation, a late and an early publication, and figures the pages show."""

from __future__ import annotations

import random
from datetime import date

from engage.extensions import db
from engage.releases import listing
from engage.releases.demo import seed
from engage.releases.models import Release, ReleaseBreach, ReleaseDateChange
from engage.seed import DEMO_STAFF, DemoContext, seed_outputs
from tests.factories.auth import UserFactory

TODAY = date(2026, 11, 28)


def test_the_demo_calendar_has_every_kind_of_history(app, client):
    ctx = DemoContext(today=TODAY, rng=random.Random(1))
    for email, name, roles, _password in DEMO_STAFF:
        ctx.users[email] = UserFactory(email=email, name=name, roles=roles)
    seed_outputs(ctx)
    seed(ctx)
    releases = db.session.execute(db.select(Release)).scalars().all()
    assert {r.status for r in releases} == {"provisional", "confirmed", "published", "cancelled"}
    assert len({r.output_id for r in releases}) >= 20
    scheduled = [r.scheduled_at.date() for r in releases if r.scheduled_at]
    assert min(scheduled) < date(2023, 12, 31) and max(scheduled) > TODAY
    assert max(r.provisional_month for r in releases if r.provisional_month) >= date(2027, 10, 1)
    rules = [b.rule for b in db.session.execute(db.select(ReleaseBreach)).scalars()]
    assert {"month_notice", "date_changed", "publication_time"} <= set(rules)
    timings = {
        (b.extra or {}).get("timing")
        for b in db.session.execute(db.select(ReleaseBreach)).scalars()
        if b.rule == "publication_time"
    }
    assert timings == {"early", "late"}
    states = {c.state for c in db.session.execute(db.select(ReleaseDateChange)).scalars()}
    assert states == {"approved", "pending"}
    for release in releases:  # versions numbered 0, 1, 2 ... with the release at the last
        assert [v.version for v in release.versions] == list(range(release.version + 1))
    record = listing.record_for(date(2024, 4, 1), date(2026, 3, 31), "Two years")
    assert record.published > 100 and record.published_on_time < record.published
    page = client.get("/releases").get_data(as_text=True)
    assert "Published on time" in page
