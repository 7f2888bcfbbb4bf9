"""Wrong passwords that arrive at the same moment (a client sending its guesses in parallel)
must each count towards the lock-outs, and never end in a server error: counting them in
Python let 8 parallel guesses count as 1 and a new address's first failures fail with a
duplicate row (found attacking `make run`)."""

from __future__ import annotations

import threading

from sqlalchemy import update

from engage.auth import lockout
from engage.auth.models import SignInThrottle, User
from engage.extensions import db
from tests.factories.auth import producer


def test_a_failure_recorded_by_another_request_meanwhile_is_not_lost(app):
    user = producer()
    db.session.commit()
    assert user.failed_sign_ins == 0  # this request has read the account...
    with db.engine.begin() as other:  # ...when another request's wrong password is committed
        other.execute(
            update(User).where(User.id == user.id).values(failed_sign_ins=User.failed_sign_ins + 1)
        )
    lockout.record_account_failure(user, "sign_in.failed")
    db.session.commit()
    db.session.expire_all()
    assert user.failed_sign_ins == 2


def test_parallel_wrong_passwords_from_a_new_address_all_count(app):
    user = producer()
    email, user_id = user.email, user.id
    db.session.commit()
    n = 8
    start = threading.Barrier(n)
    statuses: list[int] = []

    def guess(k: int) -> None:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = "127.0.0.99"
        start.wait()
        response = client.post(
            "/staff/sign-in", data={"email": email, "password": f"wrong-guess-{k}"}
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=(k,)) for k in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * n
    db.session.expire_all()
    assert db.session.get(User, user_id).failed_sign_ins == n
    assert (
        db.session.execute(
            db.select(SignInThrottle.failures).where(SignInThrottle.address == "127.0.0.99")
        ).scalar_one()
        == n
    )
