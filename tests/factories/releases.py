from __future__ import annotations

from datetime import UTC, datetime

import factory

from engage.releases.models import Release
from tests.factories.base import Factory


class ReleaseFactory(Factory):
    """A confirmed routine release at 9:30 on Thu 14 Jan 2027 (GMT: 09:30 UTC)."""

    class Meta:
        model = Release

    slug = factory.Sequence(lambda n: f"release-{n}")
    title = factory.Sequence(lambda n: f"Prison population statistics {n}")
    kind = "routine"
    status = "confirmed"
    provisional_month = factory.LazyFunction(lambda: datetime(2027, 1, 1).date())
    month_announced_on = factory.LazyFunction(lambda: datetime(2025, 12, 1).date())
    scheduled_at = datetime(2027, 1, 14, 9, 30, tzinfo=UTC)
    date_announced_on = factory.LazyFunction(lambda: datetime(2026, 11, 1).date())
    version = 0
