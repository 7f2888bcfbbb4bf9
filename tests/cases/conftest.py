"""Fixtures for the cases tests: a real SMTP server on loopback (correspondence, bounces)."""

from tests.smtp import smtp_sink  # noqa: F401  (fixture)
