"""Sign-in timing (ASVS V6.3.8): with the real argon2 parameters, an unknown email, a wrong
password, a locked and a deactivated account all take as long as each other."""

from __future__ import annotations

import statistics
import time

from engage.auth.passwords import hash_password
from engage.db_types import utcnow
from engage.extensions import db
from tests.conftest import make_app
from tests.factories.auth import producer

ROUNDS = 5


def test_every_failing_sign_in_costs_the_same(app, database_url):
    real = make_app(database_url, FAST_PASSWORD_HASHING=False)
    with real.app_context():
        slow_hash = hash_password("correct-horse-battery")
    known, locked, gone = producer(), producer(), producer()
    for user in (known, locked, gone):
        user.password_hash = slow_hash
    locked.failed_sign_ins, locked.locked_at = 5, utcnow()
    gone.active = False
    db.session.commit()
    paths = {
        "unknown": "nobody.here@example.gov.uk",
        "wrong password": known.email,
        "locked": locked.email,
        "deactivated": gone.email,
    }
    times: dict[str, list[float]] = {name: [] for name in paths}
    with real.app_context():
        real.test_client().get("/staff/sign-in")  # warm up (templates, the dummy hash)
        for n in range(ROUNDS):
            for name, email in paths.items():
                client = real.test_client()
                client.environ_base["REMOTE_ADDR"] = f"127.0.1.{n + 1}"
                started = time.perf_counter()
                response = client.post(
                    "/staff/sign-in", data={"email": email, "password": "wrong-password"}
                )
                times[name].append(time.perf_counter() - started)
                assert response.status_code == 200
    medians = {name: statistics.median(t) for name, t in times.items()}
    reference = medians["wrong password"]
    assert reference > 0.02, medians  # the real hash, not the tests' cheap one
    for name, median in medians.items():
        assert 0.6 * reference < median < 1.6 * reference, (name, medians)
