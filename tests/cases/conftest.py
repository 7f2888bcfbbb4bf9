"""Fixtures for the cases tests: a real SMTP server on loopback (correspondence, bounces), and
the CSO mailbox's address (the SLA warnings copy it)."""

from tests.mail.conftest import cso_address  # noqa: F401  (fixture)
from tests.smtp import smtp_sink  # noqa: F401  (fixture)
