from __future__ import annotations

import factory

from engage.auth.models import User
from engage.auth.passwords import hash_password
from tests.factories.base import Factory

DEFAULT_PASSWORD = "correct-horse-battery"


class UserFactory(Factory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"staff{n}@example.gov.uk")
    name = factory.Sequence(lambda n: f"Staff Member {n}")
    password_hash = factory.LazyFunction(lambda: hash_password(DEFAULT_PASSWORD))
    active = True

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        self.set_roles(extracted or ["producer"])
        if create:
            from engage.extensions import db

            db.session.commit()


def admin(**kw) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(roles=["admin"], **kw)


def chief(**kw) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(roles=["chief_statistician"], **kw)


def cso(**kw) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(roles=["cso"], **kw)


def producer(**kw) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(roles=["producer"], **kw)
