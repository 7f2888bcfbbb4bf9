"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

MIN_LENGTH = 8
MAX_LENGTH = 256


@lru_cache(maxsize=2)
def _hasher(fast: bool) -> PasswordHasher:
    if fast:  # tests only: same algorithm, cheaper parameters
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return PasswordHasher()


def _current_hasher() -> PasswordHasher:
    fast = has_app_context() and bool(current_app.config.get("FAST_PASSWORD_HASHING"))
    return _hasher(fast)


def hash_password(password: str) -> str:
    return _current_hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _current_hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip().lower() for line in path.read_text().splitlines() if line.strip())


def password_problem(password: str, email: str = "") -> str | None:
    """Return a GOV.UK-style error message, or None when the password is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    if password.lower() in common_passwords():
        return "Password is too common. Choose a password that is harder to guess"
    if email and password.lower() == email.lower():
        return "Password must not be your email address"
    return None
