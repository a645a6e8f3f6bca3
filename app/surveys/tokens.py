"""Personal survey tokens. The raw token exists only in the link; the database keeps its
sha256. A 32-byte random token makes guessing and hash inversion infeasible, so an unsalted
hash is enough and allows a unique index for lookup."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> tuple[str, str]:
    """A fresh (raw token, sha256 hex) pair."""
    raw = secrets.token_urlsafe(32)
    return raw, token_sha256(raw)


def token_sha256(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()
