"""Password hashing with Argon2id (argon2-cffi)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY


class _Hashing:
    def __init__(self, hasher: PasswordHasher) -> None:
        self.hasher = hasher
        # Verified against when the email is unknown, so both failures cost the same work.
        self.dummy_hash = hasher.hash("not a real password")


_state = _Hashing(PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY))


def use_fast_hashing(fast: bool) -> None:
    """Tests use the cheapest Argon2 parameters. Existing hashes stay verifiable either way
    because each hash carries its own parameters."""
    global _state
    _state = _Hashing(PasswordHasher.from_parameters(CHEAPEST if fast else RFC_9106_LOW_MEMORY))


def hash_password(password: str) -> str:
    return _state.hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _state.hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def burn_verification_time(password: str) -> None:
    verify_password(_state.dummy_hash, password)
