"""Passwords: the strength rule (zxcvbn) and hashing with Argon2id (argon2-cffi)."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

from app.errors import DomainError
from app.i18n import N_, _

MIN_PASSWORD_LENGTH = 12
# zxcvbn's score 3 means about 10^8 to 10^10 guesses: common passwords, words of the
# account's email, repeats ("aaaaaaaaaaaa"), sequences and keyboard rows all score lower.
MIN_PASSWORD_SCORE = 3
# zxcvbn refuses longer input (its matching is quadratic): a longer password is judged on
# its first characters, which must be strong on their own.
ESTIMATED_PREFIX = 72
# The rule as forms and messages state it, in the language of the page or email where it
# is shown (lazy).
PASSWORD_RULE = _l(
    "At least %(min)s characters, and hard to guess: not a common password, not a repeat "
    "or a sequence (aaaa, 1234, qwerty), not built on the account's email address. A few "
    "unrelated words make a good one.",
    min=MIN_PASSWORD_LENGTH,
)

_TOO_EASY = N_("This password is too easy to guess.")
_BUILT_ON_EMAIL = N_("It is built on the account's email address.")
_GUESSED_QUICKLY = N_("It would be guessed quickly.")
# zxcvbn's warnings (English only in the library), marked here so that the catalogs carry
# them: a warning not listed reads in English.
ZXCVBN_WARNINGS = (
    N_("Straight rows of keys are easy to guess."),
    N_("Short keyboard patterns are easy to guess."),
    N_('Repeats like "aaa" are easy to guess.'),
    N_('Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
    N_('Sequences like "abc" or "6543" are easy to guess.'),
    N_("Recent years are easy to guess."),
    N_("Dates are often easy to guess."),
    N_("This is a top-10 common password."),
    N_("This is a top-100 common password."),
    N_("This is a very common password."),
    N_("This is similar to a commonly used password."),
    N_("A word by itself is easy to guess."),
    N_("Names and surnames by themselves are easy to guess."),
    N_("Common names and surnames are easy to guess."),
)


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
        raise DomainError(
            _("The password must have at least %(min)s characters.", min=MIN_PASSWORD_LENGTH)
        )
    # The mailbox name whole (ana.lopez in "AnaLopez2027!"), however it is punctuated.
    mailbox = _letters_and_digits(email.strip().partition("@")[0])
    if len(mailbox) >= 4 and mailbox in _letters_and_digits(password):
        raise DomainError(f"{_(_TOO_EASY)} {_(_BUILT_ON_EMAIL)} {PASSWORD_RULE}")
    estimate = zxcvbn(password[:ESTIMATED_PREFIX], user_inputs=_personal_words(email))
    if estimate["score"] >= MIN_PASSWORD_SCORE:
        return
    why = estimate["feedback"]["warning"] or _GUESSED_QUICKLY
    if any(m.get("dictionary_name") == "user_inputs" for m in estimate["sequence"]):
        why = _BUILT_ON_EMAIL
    raise DomainError(f"{_(_TOO_EASY)} {_(why)} {PASSWORD_RULE}")


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
