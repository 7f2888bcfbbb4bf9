"""Fixtures for the release tests: a real SMTP server on loopback."""

from tests.smtp import smtp_sink  # noqa: F401  (fixture)
