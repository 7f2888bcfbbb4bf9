"""The count a message to a log's check page shows is the number of people it is then sent to,
filtered or not, and stays so although the consenting people's count is kept per version of the
logs and consents (engage.consent.messages.count): any change to either table, however made, or a
new bounce, gives the next preview the new number."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from engage.consent import messages
from engage.consent.models import Consent
from engage.extensions import db
from engage.mail.models import OutboxEmail
from engage.outputs.models import Stakeholder
from engage.table_versions import current_version
from tests.conftest import count_queries
from tests.consent.test_log_messages import logs  # noqa: F401 - the fixture: two logs, eight people

AUDIENCES = {
    "no filter": {},
    "levels": {"levels": ["informed", "consulted"]},
    "category": {"categories": ["media"]},
    "category and level": {"categories": ["academic", "public"], "levels": ["informed"]},
}


def _recipients(audience: messages.Audience) -> int:
    """The people `send` would email: the distinct stakeholders of the entries it goes to."""
    return len({sid for _, sid, _ in db.session.execute(messages.eligible_entries(audience))})


@pytest.mark.parametrize("name", AUDIENCES)
def test_the_previewed_count_is_the_number_sent(logs, name):  # noqa: F811
    owner, first, second, _ = logs
    audience = messages.Audience.of([first.id, second.id], **AUDIENCES[name])
    shown = messages.count(audience)
    assert shown == messages.count(audience)  # the kept count, the same
    assert shown == _recipients(audience)
    message = messages.send(owner, audience, "New tables", "We have added tables.")
    assert message.recipients == shown
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxEmail)
            .where(OutboxEmail.template == "log_message", OutboxEmail.status == "queued")
        )
        == shown
    )


def test_the_kept_count_follows_every_change_to_logs_consents_and_bounces(logs):  # noqa: F811
    owner, first, second, _ = logs
    audience = messages.Audience.of([first.id, second.id])
    assert messages.count(audience) == 3
    with count_queries() as statements:
        assert messages.count(audience) == 3
    assert not any("log_entries" in s.lower() for s in statements), (
        "logs, consents and bounces unchanged: nobody is counted again"
    )

    # A withdrawal written by plain SQL (no ORM event): the database changes the version.
    version = current_version("log_consents")
    db.session.execute(
        sa.update(Consent)
        .where(Consent.stakeholder_id == _id("both@example.org"))
        .values(status="withdrawn")
    )
    db.session.commit()
    assert current_version("log_consents") != version
    assert messages.count(audience) == 2 == _recipients(audience)

    # A bounce: the outbox has no version; the unreachable people are read afresh each time.
    db.session.add(
        OutboxEmail(
            to_address="everything@example.org",
            subject="Earlier",
            body_text="x",
            template="log_message",
            status="failed",
            last_error="Bounced: Undelivered Mail Returned to Sender",
        )
    )
    db.session.commit()
    assert messages.count(audience) == 1 == _recipients(audience)

    # A person taken out of a log.
    db.session.execute(
        sa.text("DELETE FROM log_entries WHERE stakeholder_id = :sid"),
        {"sid": _id("access@example.org")},
    )
    db.session.commit()
    assert messages.count(audience) == 0 == _recipients(audience)


def _id(email: str) -> int:
    return db.session.scalar(sa.select(Stakeholder.id).where(Stakeholder.email == email))
