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
