"""A lost database connection answers with a GOV.UK 503 page, not a server error."""

from __future__ import annotations

import psycopg
from sqlalchemy.exc import OperationalError


def test_lost_database_connection_is_a_503_with_retry_after(app, client):
    @app.route("/db-gone-for-test")
    def db_gone():  # pragma: no cover - exercised below
        raise OperationalError("SELECT 1", {}, psycopg.OperationalError("server closed"))

    response = client.get("/db-gone-for-test")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Sorry, the service is unavailable" in response.get_data(as_text=True)


def test_other_database_errors_are_still_bugs(app, client):
    @app.route("/db-bug-for-test")
    def db_bug():  # pragma: no cover - exercised below
        raise OperationalError("SELEC 1", {}, ValueError("syntax"))

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/db-bug-for-test")
    assert response.status_code == 500


def test_a_connection_lost_after_the_response_is_built_is_not_a_server_error(database_url, _schema):
    """A database restart can kill the connection between the view and the end of the request:
    the closing ROLLBACK then fails. The person still gets the page that was built."""
    from engage.extensions import db
    from tests.conftest import make_app

    app = make_app(database_url)  # no outer app context: each request has its own, as in prod
    closes = []

    @app.route("/db-dies-after-for-test")
    def db_dies_after():  # pragma: no cover - exercised below
        session = db.session.registry()
        db.session.execute(db.text("SELECT 1"))
        real_close = session.close

        def failing_close():  # type: ignore[no-untyped-def]
            session.close = real_close
            closes.append("failed")
            raise OperationalError(
                "ROLLBACK", {}, psycopg.OperationalError("terminating connection")
            )

        session.close = failing_close
        return "<!DOCTYPE html><title>Done</title><h1>Done</h1>"

    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    response = client.get("/db-dies-after-for-test")
    assert response.status_code == 200
    assert closes == ["failed"]
    assert client.get("/").status_code == 200
    with app.app_context():
        db.engine.dispose()
