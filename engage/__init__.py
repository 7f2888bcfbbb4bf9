"""Engage: the case-tracker behind a statistics office's Customer Service and Engagement
Statement."""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, g, render_template, request, session
from flask_login import current_user, logout_user
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy.orm import joinedload

from engage.config import ROOT, dev_key_refusal, load_config
from engage.extensions import csrf, db, limiter, login_manager, migrate


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        static_url_path="/assets",
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(load_config(config))
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    from engage import models  # noqa: F401  (every table registered before migrate)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    from engage import urls

    urls.install(app)  # bounded <int:...> and trailing slashes, before any blueprint
    _register_session_teardown(app)
    _register_blueprints(app)
    _register_template_helpers(app)
    _register_security(app)
    from engage import submissions

    submissions.install(app)  # every staff form applied once however often it is sent
    _register_errors(app)
    _register_cli(app)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    from engage import privacy_log

    privacy_log.install()  # no email addresses in any log line
    return app


def _register_blueprints(app: Flask) -> None:
    from engage.admin import blueprint as admin_blueprint
    from engage.auth import blueprint as auth_blueprint
    from engage.cases import blueprint as cases_blueprint
    from engage.consent import bp as consent_bp
    from engage.consultations import blueprint as consultations_blueprint
    from engage.exports import bp as exports_bp
    from engage.mail import blueprint as mail_blueprint
    from engage.mailin import blueprint as mailin_blueprint
    from engage.outputs import blueprint as outputs_blueprint
    from engage.public import blueprint as public_blueprint
    from engage.releases import bp as releases_bp
    from engage.reports import blueprint as reports_blueprint
    from engage.staff import bp as staff_bp

    for bp in (
        public_blueprint(),
        auth_blueprint(),
        staff_bp,
        outputs_blueprint(),
        cases_blueprint(),
        consultations_blueprint(),
        reports_blueprint(),
        admin_blueprint(),
        mail_blueprint(),
        exports_bp,
        mailin_blueprint(),
        releases_bp,
        consent_bp,
    ):
        app.register_blueprint(bp)


def _register_template_helpers(app: Flask) -> None:
    from govuk_frontend_wtf.main import WTFormsHelpers

    from engage import filters
    from engage.auth.permissions import has_permission
    from engage.forms import error_summary

    WTFormsHelpers(app)
    filters.register(app)
    from engage.submissions import token_input

    app.jinja_env.globals["submission_token_input"] = token_input  # m.csrf(form)

    @app.context_processor
    def inject() -> dict[str, Any]:
        return {
            "service_name": app.config["SERVICE_NAME"],
            "office_name": app.config["OFFICE_NAME"],
            "can": lambda permission: has_permission(current_user, permission),
            "error_summary": error_summary,
            "cspNonce": g.get("csp_nonce", ""),
        }


# Public pages that show back what a person typed (their answers, their name and email): a
# shared computer's browser cache or a proxy must not keep them.
NO_STORE_PUBLIC_PAGES = {
    "consultations.respond",
    "consultations.check_answers",
    "consultations.response_confirmation",
    "cases.contact",
    "cases.contact_confirmation",
}


def _register_security(app: Flask) -> None:
    from engage.auth.models import User

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        try:
            raw_id, raw_version = user_id.split(":", 1)
            # One query for the person and their roles (every signed-in request runs it).
            user = (
                db.session.execute(
                    sa.select(User)
                    .options(joinedload(User.role_rows))
                    .where(User.id == int(raw_id))
                )
                .unique()
                .scalar_one_or_none()
            )
        except (ValueError, TypeError):
            return None
        # A sign-out or deactivation bumps session_version and so ends every session server-side.
        if user is None or str(user.session_version) != raw_version or not user.active:
            return None
        return user

    @app.before_request
    def refuse_development_key():  # type: ignore[no-untyped-def]
        """The public development key signs sessions anyone could forge: answer only on
        loopback with it."""
        reason = dev_key_refusal(app.config["SECRET_KEY"], request.environ)
        if reason is None:
            return None
        app.logger.error("refused a request: development SECRET_KEY and %s", reason)
        return (
            "Engage is running with the development SECRET_KEY and answers only on this "
            "computer. Set SECRET_KEY to a random value of 32+ characters.",
            503,
            {"Content-Type": "text/plain; charset=utf-8"},
        )

    @app.before_request
    def before() -> None:
        g.csp_nonce = secrets.token_urlsafe(16)
        if current_user.is_authenticated:
            started = session.get("signed_in_at")
            limit = app.config["SESSION_ABSOLUTE_HOURS"] * 3600
            now = datetime.now(UTC).timestamp()
            if started is None or now - float(started) > limit:
                logout_user()
                session.clear()

    @app.after_request
    def headers(response):  # type: ignore[no-untyped-def]
        nonce = g.get("csp_nonce", "")
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self'; img-src 'self' data:; font-src 'self'; "
            "connect-src 'self'; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'none'"
        )
        response.headers["Strict-Transport-Security"] = (
            f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if request.path.startswith("/staff") or request.endpoint in NO_STORE_PUBLIC_PAGES:
            response.headers["Cache-Control"] = "no-store"
        return response


def _register_errors(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    def page(template: str, code: int):  # type: ignore[no-untyped-def]
        try:
            return render_template(template), code
        except Exception:  # the error page must never fail itself
            app.logger.exception("error page failed")
            return f"Error {code}", code

    @app.errorhandler(400)
    def bad_request(e):  # type: ignore[no-untyped-def]
        return page("errors/400.html", 400)

    @app.errorhandler(CSRFError)
    def csrf_error(e):  # type: ignore[no-untyped-def]
        return page("errors/csrf.html", 400)

    @app.errorhandler(403)
    def forbidden(e):  # type: ignore[no-untyped-def]
        return page("errors/403.html", 403)

    from engage.errors import Refusal

    @app.errorhandler(Refusal)
    def refused(e: Refusal):  # type: ignore[no-untyped-def]
        """Every refusal, whether a view's `deny` or a domain function's: nothing it was doing
        is kept, the audit log records why, and the person sees the 403 page."""
        from engage.auth.permissions import record_refusal

        db.session.rollback()
        record_refusal(e.reason)
        return page("errors/403.html", 403)

    @app.errorhandler(404)
    def not_found(e):  # type: ignore[no-untyped-def]
        return page("errors/404.html", 404)

    @app.errorhandler(405)
    def not_allowed(e):  # type: ignore[no-untyped-def]
        return page("errors/405.html", 405)

    @app.errorhandler(413)
    def too_large(e):  # type: ignore[no-untyped-def]
        return page("errors/413.html", 413)

    @app.errorhandler(429)
    def too_many(e):  # type: ignore[no-untyped-def]
        from engage.public.abuse import retry_after_seconds, typed_values

        seconds = retry_after_seconds()
        try:
            body = render_template(
                "errors/429.html",
                typed=typed_values() if request.method == "POST" else [],
                minutes=max(1, -(-seconds // 60)),
            )
        except Exception:  # the error page must never fail itself
            app.logger.exception("error page failed")
            body = "Error 429"
        return body, 429, {"Retry-After": str(seconds)}

    @app.errorhandler(500)
    def server_error(e):  # type: ignore[no-untyped-def]
        db.session.rollback()
        return page("errors/500.html", 500)

    from sqlalchemy.exc import DBAPIError

    @app.errorhandler(DBAPIError)
    def database_unavailable(e):  # type: ignore[no-untyped-def]
        """A lost database connection (a restart, a failover) is an outage, not a bug: answer
        503 with Retry-After; the pool's pre-ping reconnects on the next request."""
        if not getattr(e, "connection_invalidated", False) and not isinstance(
            getattr(e, "orig", None), _disconnect_errors()
        ):
            raise e
        try:
            db.session.rollback()
        except DBAPIError:
            db.session.remove()
        app.logger.warning("database unavailable: %s", type(e.orig).__name__)
        response = page("errors/503.html", 503)
        return response[0], 503, {"Retry-After": "5"}


def _register_session_teardown(app: Flask) -> None:
    """End the request's session without letting a dead connection turn a finished response
    into a server error: when the database went away (a restart), the closing ROLLBACK fails;
    the connection is then discarded instead. Runs before Flask-SQLAlchemy's own teardown."""
    from sqlalchemy.exc import DBAPIError

    @app.teardown_appcontext
    def close_session(exc: BaseException | None) -> None:
        try:
            db.session.remove()
        except DBAPIError:
            app.logger.warning("database connection lost while closing the session")
            db.session.registry().invalidate()
            db.session.registry.clear()


def _disconnect_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = []
    try:
        import psycopg

        errors.append(psycopg.OperationalError)
    except ImportError:  # pragma: no cover - psycopg is a dependency
        pass
    return tuple(errors)


def _register_cli(app: Flask) -> None:
    from engage.cli import register

    register(app)
