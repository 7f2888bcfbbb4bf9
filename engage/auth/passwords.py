"""Password hashing (argon2id) and the password policy.

The blocklist (common_passwords.txt.gz) is the 20,000 commonest passwords list that Django
ships (django/contrib/auth/common-passwords.txt.gz, BSD licence; made by Royce Williams from
breach corpora, lowercased), in order of frequency, plus Engage's earlier 117 entries.
"""

from __future__ import annotations

import gzip
import re
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


_DUMMY_PASSWORD = "not-a-real-password-for-timing"  # noqa: S105  # nosec B105


@lru_cache(maxsize=2)
def _dummy_hash(fast: bool) -> str:
    return _hasher(fast).hash(_DUMMY_PASSWORD)


def dummy_hash() -> str:
    """A real hash with the current parameters, made once per process: verifying against it
    costs what verifying a real account's password costs (sign-in timing, ASVS V6.3)."""
    fast = has_app_context() and bool(current_app.config.get("FAST_PASSWORD_HASHING"))
    return _dummy_hash(fast)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _current_hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt.gz")
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def _letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _personal_words(email: str, name: str) -> list[str]:
    """Words from the person's own email address and name that a password must not contain."""
    local = email.lower().partition("@")[0]
    words = [_letters(local), _letters(name)]
    words += [_letters(w) for w in re.split(r"[\s._+\-]+", f"{local} {name}")]
    return [w for w in words if len(w) >= 4]


def password_problem(password: str, email: str = "", name: str = "") -> str | None:
    """Return a GOV.UK-style error message, or None when the password is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    if any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in password):
        return "Password must not contain control characters such as line breaks"
    if password.lower() in common_passwords():
        return "Password is too common. Choose a password that is harder to guess"
    if email and password.lower() == email.lower():
        return "Password must not be your email address"
    squashed = _letters(password)
    if any(word in squashed for word in _personal_words(email, name)):
        return "Password must not contain your name or email address"
    return None
