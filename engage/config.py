"""Settings from environment variables, with safe local defaults.

`ENGAGE_ENV` is exactly `development`, `test` or `production`; anything else refuses to start.
`production` refuses to start without a real SECRET_KEY and turns on secure cookies and the
second factor. The public development key is refused under gunicorn at start, and for any
request that reaches the app from beyond loopback (see `dev_key_refusal`).
"""

from __future__ import annotations

import ipaddress
import os
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"
DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105  # nosec B105 - refused in production


ENVIRONMENTS = ("development", "test", "production")
LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


class ConfigError(RuntimeError):
    pass


def _environment() -> str:
    env = os.environ.get("ENGAGE_ENV", "development")
    if env not in ENVIRONMENTS:
        # A typo ("prod") must not quietly run with development settings.
        raise ConfigError(f"ENGAGE_ENV must be one of {', '.join(ENVIRONMENTS)} (got {env!r})")
    return env


def is_loopback(host: str | None) -> bool:
    host = (host or "").strip().lower()
    if host.startswith("[") and "]" in host:
        host = host[1 : host.index("]")]
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def under_gunicorn() -> bool:
    return "gunicorn" in sys.modules


def dev_key_refusal(secret_key: str, environ: dict) -> str | None:
    """Why a request must be refused because the app signs sessions with the public development
    key, or None. Only requests between loopback addresses are answered with it: a server
    reachable from elsewhere would accept sessions anyone can forge."""
    if secret_key != DEV_SECRET_KEY:
        return None
    if not is_loopback(environ.get("REMOTE_ADDR")):
        return "client beyond loopback"
    if not is_loopback(environ.get("SERVER_NAME")):
        return "server listening beyond loopback"
    return None


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        INSTANCE.mkdir(exist_ok=True)
        return f"sqlite:///{INSTANCE / 'engage.sqlite'}"
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def load_config(overrides: dict | None = None) -> dict:
    """Build the Flask config dict from the environment, then apply overrides (tests)."""
    env = _environment()
    production = env == "production"
    config: dict = {
        "ENGAGE_ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": _database_url(),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "DEBUG": False,
        "TESTING": False,
        "SERVICE_NAME": os.environ.get("SERVICE_NAME", "Engage"),
        "OFFICE_NAME": os.environ.get("OFFICE_NAME", "Ministry of Justice statistics"),
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000"),
        # Sessions: idle expiry via PERMANENT_SESSION_LIFETIME, absolute cap checked per request.
        "PERMANENT_SESSION_LIFETIME": timedelta(
            minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
        ),
        "SESSION_ABSOLUTE_HOURS": int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12")),
        "SESSION_REFRESH_EACH_REQUEST": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(12 * 1024 * 1024))),
        "HSTS_SECONDS": int(os.environ.get("HSTS_SECONDS", "31536000")),
        # Email
        "MAIL_TRANSPORT": os.environ.get("MAIL_TRANSPORT", "console"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "engage@statistics.example.gov.uk"),
        "SMTP_HOST": os.environ.get("SMTP_HOST", "127.0.0.1"),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "25")),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _bool("SMTP_STARTTLS", False),
        "SMTP_TIMEOUT": float(os.environ.get("SMTP_TIMEOUT", "10")),
        # The least wait for the server's reply to the end of a message (engage.mail.delivery).
        "SMTP_END_OF_DATA_TIMEOUT": float(os.environ.get("SMTP_END_OF_DATA_TIMEOUT", "60")),
        # How long to keep trying to record a 250 while the database is unreachable.
        "MAIL_SENT_RECORD_SECONDS": float(os.environ.get("MAIL_SENT_RECORD_SECONDS", "60")),
        "CSO_EMAIL": os.environ.get("CSO_EMAIL", "cso@statistics.example.gov.uk"),
        "PRESS_OFFICE_EMAIL": os.environ.get(
            "PRESS_OFFICE_EMAIL", "press@statistics.example.gov.uk"
        ),
        # Rate limits (Flask-Limiter): memory by default, Redis when REDIS_URL is set.
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL", "memory://"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": False,
        "PUBLIC_FORM_RATE_LIMIT": os.environ.get("PUBLIC_FORM_RATE_LIMIT", "200 per 10 minutes"),
        "PUBLIC_FORM_TOKEN_RATE_LIMIT": os.environ.get(
            "PUBLIC_FORM_TOKEN_RATE_LIMIT", "10 per 10 minutes"
        ),
        "SIGN_IN_RATE_LIMIT": os.environ.get("SIGN_IN_RATE_LIMIT", "30 per 10 minutes"),
        # The earliest received date a case may have (ISO date): older ones are typos.
        "RECORDS_BEGIN": os.environ.get("RECORDS_BEGIN", "2000-01-01"),
        # Automatic acknowledgements of the contact form sent to one address in 24 hours.
        "CONTACT_ACKNOWLEDGEMENTS_PER_ADDRESS_PER_DAY": int(
            os.environ.get("CONTACT_ACKNOWLEDGEMENTS_PER_ADDRESS_PER_DAY", "3")
        ),
        # Per staff account: user log uploads (each parses a spreadsheet).
        "STAFF_UPLOAD_RATE_LIMIT": os.environ.get("STAFF_UPLOAD_RATE_LIMIT", "20 per hour"),
        # Data protection
        "RETENTION_YEARS": int(os.environ.get("RETENTION_YEARS", "6")),
        "AUDIT_IP_RETENTION_DAYS": int(os.environ.get("AUDIT_IP_RETENTION_DAYS", "365")),
        "IMPORT_UPLOAD_HOURS": int(os.environ.get("IMPORT_UPLOAD_HOURS", "24")),
        "SENT_EMAIL_BODY_RETENTION_DAYS": int(
            os.environ.get("SENT_EMAIL_BODY_RETENTION_DAYS", "90")
        ),
        "SCHEDULER_MISFIRE_GRACE_SECONDS": int(
            os.environ.get("SCHEDULER_MISFIRE_GRACE_SECONDS", str(6 * 3600))
        ),
        "REQUIRE_SECOND_FACTOR": _bool("REQUIRE_SECOND_FACTOR", production),
        "PASSWORD_RESET_MINUTES": int(os.environ.get("PASSWORD_RESET_MINUTES", "30")),
        # Cache of costly, rarely changing figures (engage.caching.for_seconds); 0 = off.
        "PERFORMANCE_CACHE_SECONDS": int(os.environ.get("PERFORMANCE_CACHE_SECONDS", "600")),
        # Exports (engage.exports): rows read per batch; where background exports are kept, and
        # for how long.
        "EXPORT_BATCH_ROWS": int(os.environ.get("EXPORT_BATCH_ROWS", "5000")),
        "EXPORT_DIR": os.environ.get("EXPORT_DIR", str(INSTANCE / "exports")),
        "EXPORT_KEEP_HOURS": float(os.environ.get("EXPORT_KEEP_HOURS", "24")),
    }
    if overrides:
        config.update(overrides)
    if config["ENGAGE_ENV"] not in ENVIRONMENTS:
        raise ConfigError(f"ENGAGE_ENV must be one of {', '.join(ENVIRONMENTS)}")
    # A secure cookie takes the __Host- prefix: the browser then refuses it from plain HTTP,
    # from a subdomain, or with another path. Plain-HTTP local runs keep a plain name.
    config.setdefault(
        "SESSION_COOKIE_NAME",
        "__Host-engage_session" if config["SESSION_COOKIE_SECURE"] else "engage_session",
    )
    if config["SECRET_KEY"] == DEV_SECRET_KEY and under_gunicorn():
        raise ConfigError(
            "The development SECRET_KEY is refused under gunicorn: set SECRET_KEY to a random "
            "value of 32+ characters"
        )
    if config["ENGAGE_ENV"] == "production":
        key = config["SECRET_KEY"]
        if not key or key == DEV_SECRET_KEY or len(key) < 32:
            raise ConfigError(
                "ENGAGE_ENV=production needs SECRET_KEY set to a random value of 32+ characters"
            )
        config["DEBUG"] = False
    return config
