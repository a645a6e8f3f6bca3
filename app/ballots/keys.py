"""Sealing and opening ballots with the keys of BALLOT_KEYS (AES-256-GCM).

Sealed bytes: a format byte (1), the key's id (the first 8 bytes of its SHA-256, so ids
survive reordering the configured keys), a random 12-byte nonce, then the ciphertext and
its tag. The survey's id and what the bytes are (a ballot, a response's language) are
authenticated with them as associated data: a ballot copied to another survey's box, or
passed off as a language, does not open. The first configured key seals; every configured key
opens, so a key can be rotated out once no ballot sealed with it waits and no survey whose
responses' languages it sealed (app.ballots.language) will publish another release: a
language it sealed then counts as not recorded, and a release's language cut assumes that
what an earlier release counted in a language stays there. Not Fernet: its
tokens carry their creation time in clear, which would date each submission.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

FORMAT = b"\x01"
KEY_ID_BYTES = 8
NONCE_BYTES = 12
_HEADER_BYTES = len(FORMAT) + KEY_ID_BYTES + NONCE_BYTES

# Why a ballot does not open (shown to admins, counted by the mixer).
MISSING_KEY = "sealed with a key that is not in BALLOT_KEYS"
DAMAGED = "damaged: it fails its integrity check"
UNREADABLE = "its contents cannot be read"


class UnopenableBallot(Exception):
    """A ballot that cannot be opened; `reason` is one of the reasons above."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def key_id(key: bytes) -> bytes:
    """The id stored with every ballot a key seals."""
    return hashlib.sha256(key).digest()[:KEY_ID_BYTES]


# What a key seals; part of the associated data, so one kind never opens as another.
BALLOT = "ballot"
RESPONSE_LANGUAGE = "response language"


def _associated_data(survey_id: int, kind: str) -> bytes:
    return f"mutuality {kind} of survey {survey_id}".encode("ascii")


@dataclass(frozen=True)
class BallotKeys:
    """The configured keys: the first seals, any opens."""

    ciphers: Mapping[bytes, AESGCM]
    sealing_id: bytes | None

    @classmethod
    def from_keys(cls, keys: Sequence[bytes]) -> BallotKeys:
        return cls(
            ciphers={key_id(key): AESGCM(key) for key in keys},
            sealing_id=key_id(keys[0]) if keys else None,
        )

    def seal(self, contents: bytes, survey_id: int, *, kind: str = BALLOT) -> bytes:
        """`contents` sealed for the box of `survey_id` (or, with another `kind`, for
        another use of the same keys)."""
        if self.sealing_id is None:
            raise RuntimeError("BALLOT_KEYS is empty: no key to seal ballots with")
        nonce = os.urandom(NONCE_BYTES)
        cipher = self.ciphers[self.sealing_id]
        return (
            FORMAT
            + self.sealing_id
            + nonce
            + cipher.encrypt(nonce, contents, _associated_data(survey_id, kind))
        )

    def open(self, sealed: bytes, survey_id: int, *, kind: str = BALLOT) -> bytes:
        """The contents of a ballot of `survey_id`; UnopenableBallot when its key is not
        configured or it fails its integrity check."""
        if len(sealed) <= _HEADER_BYTES or sealed[:1] != FORMAT:
            raise UnopenableBallot(DAMAGED)
        cipher = self.ciphers.get(sealed[1 : 1 + KEY_ID_BYTES])
        if cipher is None:
            raise UnopenableBallot(MISSING_KEY)
        nonce = sealed[1 + KEY_ID_BYTES : _HEADER_BYTES]
        try:
            return cipher.decrypt(nonce, sealed[_HEADER_BYTES:], _associated_data(survey_id, kind))
        except InvalidTag:
            raise UnopenableBallot(DAMAGED) from None


def ballot_keys() -> BallotKeys:
    """The running app's BALLOT_KEYS, built once for each value of the setting."""
    configured = tuple(current_app.config["BALLOT_KEYS"])
    cached = current_app.extensions.get("ballot_keys")
    if cached is None or cached[0] != configured:
        cached = current_app.extensions["ballot_keys"] = (
            configured,
            BallotKeys.from_keys(configured),
        )
    keys: BallotKeys = cached[1]
    return keys
