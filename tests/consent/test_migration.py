"""The consent migration keeps what was recorded: consultation invitations reach the same
people as before, and each person's consent says it was recorded before consent per purpose."""

from __future__ import annotations

import sqlalchemy as sa

from tests.databases import fresh_database
from tests.test_migrations import _flask

BEFORE = "b585032c7be4-1"  # the revision before the consent migration


def test_existing_consent_to_contact_becomes_given_consents(tmp_path):
    with fresh_database(tmp_path, "engage_consent_mig") as url:
        assert _flask(["db", "upgrade", BEFORE], url).returncode == 0
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO outputs (id, slug, title, summary, producing_body, area, "
                    "frequency, lead_statistician, lead_contact, page_url, status, "
                    "review_interval_months, created_at) VALUES "
                    "(1, 'a', 'A', '', 'MoJ', 'x', 'Annual', 'L', 'l@example.org', '', "
                    "'active', 12, CURRENT_TIMESTAMP), "
                    "(2, 'b', 'B', '', 'MoJ', 'x', 'Annual', 'L', 'l@example.org', '', "
                    "'active', 12, CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO stakeholders (id, name, organisation, email, category, "
                    "consent_to_contact, created_at) VALUES "
                    "(1, 'Yes', '', 'yes@example.org', 'academic', :t, CURRENT_TIMESTAMP), "
                    "(2, 'No', '', 'no@example.org', 'academic', :f, CURRENT_TIMESTAMP)"
                ),
                {"t": True, "f": False},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO log_entries (output_id, stakeholder_id, stakeholder_name, "
                    "stakeholder_category, engagement_level, uses, source, created_at, "
                    "updated_at) VALUES "
                    "(1, 1, 'Yes', 'academic', 'informed', '', 'other', CURRENT_TIMESTAMP, "
                    "CURRENT_TIMESTAMP), "
                    "(2, 1, 'Yes', 'academic', 'informed', '', 'other', CURRENT_TIMESTAMP, "
                    "CURRENT_TIMESTAMP), "
                    "(1, 2, 'No', 'academic', 'informed', '', 'other', CURRENT_TIMESTAMP, "
                    "CURRENT_TIMESTAMP)"
                )
            )
        upgrade = _flask(["db", "upgrade"], url)
        assert upgrade.returncode == 0, upgrade.stderr[-2000:]
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT stakeholder_id, purpose, output_id, status, source, given_at "
                    "FROM consents ORDER BY purpose, output_id"
                )
            ).all()
            flags = conn.execute(
                sa.text("SELECT id, consent_to_contact FROM stakeholders ORDER BY id")
            ).all()
        engine.dispose()
        assert [r[:5] for r in rows] == [
            (1, "consultations", None, "given", "migrated"),
            (1, "news", 1, "given", "migrated"),
            (1, "news", 2, "given", "migrated"),
        ]
        assert all(r[5] is not None for r in rows)
        assert [bool(f[1]) for f in flags] == [True, False]
