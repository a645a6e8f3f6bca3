"""Passwords: the strength rule (zxcvbn) and hashing with Argon2id (argon2-cffi)."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY
from zxcvbn import zxcvbn

from app.errors import DomainError

MIN_PASSWORD_LENGTH = 12
# zxcvbn's score 3 means about 10^8 to 10^10 guesses: common passwords, words of the
# account's email, repeats ("aaaaaaaaaaaa"), sequences and keyboard rows all score lower.
MIN_PASSWORD_SCORE = 3
# zxcvbn refuses longer input (its matching is quadratic): a longer password is judged on
# its first characters, which must be strong on their own.
ESTIMATED_PREFIX = 72
PASSWORD_RULE = (
    f"At least {MIN_PASSWORD_LENGTH} characters, and hard to guess: not a common password, "
    "not a repeat or a sequence (aaaa, 1234, qwerty), not built on the account's email "
    "address. A few unrelated words make a good one."
)

_TOO_EASY = "This password is too easy to guess."
_BUILT_ON_EMAIL = "It is built on the account's email address."


def _letters_and_digits(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _personal_words(email: str) -> list[str]:
    """The words of an account's address (ana.lopez@example.org: ana, lopez, example, org,
    and the address itself), which its password must not rest on."""
    address = email.strip().lower()
    return [address, *(w for w in re.split(r"[^a-z0-9]+", address) if len(w) >= 3)]


def check_password_strength(password: str, email: str) -> None:
    """Raise DomainError, saying why, unless `password` follows PASSWORD_RULE for the
    account `email`."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    # The mailbox name whole (ana.lopez in "AnaLopez2027!"), however it is punctuated.
    mailbox = _letters_and_digits(email.strip().partition("@")[0])
    if len(mailbox) >= 4 and mailbox in _letters_and_digits(password):
        raise DomainError(f"{_TOO_EASY} {_BUILT_ON_EMAIL} {PASSWORD_RULE}")
    estimate = zxcvbn(password[:ESTIMATED_PREFIX], user_inputs=_personal_words(email))
    if estimate["score"] >= MIN_PASSWORD_SCORE:
        return
    why = estimate["feedback"]["warning"] or "It would be guessed quickly."
    if any(m.get("dictionary_name") == "user_inputs" for m in estimate["sequence"]):
        why = _BUILT_ON_EMAIL
    raise DomainError(f"{_TOO_EASY} {why} {PASSWORD_RULE}")


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
