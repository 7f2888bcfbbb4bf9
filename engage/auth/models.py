"""Staff accounts and roles. A person may hold several roles."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.db_types import UTCDateTime, utcnow
from engage.extensions import Model

ROLES: dict[str, str] = {
    "admin": "Administrator",
    "chief_statistician": "Chief Statistician",
    "cso": "Chief Statistician's office officer",
    "producer": "Producer (statistician)",
}


# Sign-in lock-outs are temporary and grow: every LOCK_EVERY failures in a row lock for twice as
# long as the last time (1, 2, 4 ... minutes, at most LOCK_MAX_MINUTES). Used for accounts
# (failures on the account) and client addresses (failures from the address).
LOCK_EVERY = 5
ADDRESS_LOCK_EVERY = 10
LOCK_MAX_MINUTES = 60


def lock_minutes(failures: int, every: int) -> int:
    steps = failures // every
    return 0 if steps < 1 else min(LOCK_MAX_MINUTES, 2 ** (steps - 1))


def locked_until(locked_at: datetime | None, failures: int, every: int) -> datetime | None:
    if locked_at is None:
        return None
    return locked_at + timedelta(minutes=max(1, lock_minutes(failures, every)))


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    failed_sign_ins: Mapped[int] = mapped_column(default=0)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bumped at sign-out and deactivation: sessions carrying an older value are refused.
    session_version: Mapped[int] = mapped_column(default=0)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled: Mapped[bool] = mapped_column(default=False)
    totp_last_counter: Mapped[int | None] = mapped_column()
    # Wrong second-factor codes since the password step (kept here, not in the session cookie,
    # so replaying an older cookie cannot reset the count).
    code_failures: Mapped[int] = mapped_column(default=0)
    # Set when an administrator made the account (or the password): the holder must choose a
    # new one at their next sign-in.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> set[str]:
        return {r.role for r in self.role_rows}

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def set_roles(self, roles: set[str] | list[str]) -> None:
        wanted = set(roles)
        self.role_rows = [r for r in self.role_rows if r.role in wanted]
        have = {r.role for r in self.role_rows}
        for role in sorted(wanted - have):
            self.role_rows.append(UserRole(role=role))

    def locked_until(self) -> datetime | None:
        return locked_until(self.locked_at, self.failed_sign_ins, LOCK_EVERY)

    def is_locked(self, now: datetime | None = None) -> bool:
        until = self.locked_until()
        return until is not None and (now or utcnow()) < until

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def role_labels(self) -> list[str]:
        return [ROLES[r] for r in ROLES if r in self.roles]


class UserRole(Model):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(40), index=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class RecoveryCode(Model):
    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SignInThrottle(Model):
    """Failed sign-ins from one client address, across accounts (password spraying): the
    address is locked out for a while, however many accounts it tries."""

    __tablename__ = "sign_in_throttles"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(64), unique=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def locked_until(self) -> datetime | None:
        return locked_until(self.locked_at, self.failures, ADDRESS_LOCK_EVERY)
