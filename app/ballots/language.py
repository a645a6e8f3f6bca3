"""A response's language, sealed with the ballot keys (`app.ballots.keys`).

The language a person answered in is a cut like team and level, but unlike them it can be
matched against the participants file's language column: one Spanish speaker in a team would
be the only Spanish response of that team and level to anyone reading the database. So the
response table never holds it in clear: the mixer seals it into `response.language_sealed`,
and only the release build unseals it, in memory, at publication (its cut then passes the
disclosure-control module like any other number).

The plaintext is always LANGUAGE_BYTES long (the code in ASCII, padded with NUL bytes), and
every seal draws a fresh nonce: a sealed value's length and bytes say nothing about the
language, and equal languages give unequal bytes. A response whose language was not
recorded (a ballot cast before languages were) has NULL: that says only that its ballot is
older than the upgrade, which its date says too.
Sealed values are bound to their survey and to this use (associated data), so a ballot
or another survey's sealed language cannot stand in for one.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.ballots.contents import MAX_LANGUAGE
from app.ballots.keys import RESPONSE_LANGUAGE, BallotKeys, UnopenableBallot, ballot_keys

LANGUAGE_BYTES = MAX_LANGUAGE
# The sealed size of every language: format, key id, nonce, plaintext, GCM tag.
SEALED_LANGUAGE_BYTES = 1 + 8 + 12 + LANGUAGE_BYTES + 16


def seal_language(keys: BallotKeys, survey_id: int, language: str) -> bytes:
    """`language` (a declared language code) sealed for a response of `survey_id`.
    ValueError for a code that is empty, not ASCII or longer than LANGUAGE_BYTES (a
    ballot's contents refuse all three before the mixer gets here)."""
    if not language or not language.isascii() or "\0" in language:
        raise ValueError(f"not a language code: {language[:40]!r}")
    encoded = language.encode("ascii")
    if len(encoded) > LANGUAGE_BYTES:
        raise ValueError(f"a language code has at most {LANGUAGE_BYTES} characters")
    return keys.seal(encoded.ljust(LANGUAGE_BYTES, b"\0"), survey_id, kind=RESPONSE_LANGUAGE)


def seal_languages(
    survey_id: int, languages: Iterable[str | None], keys: BallotKeys | None = None
) -> list[bytes | None]:
    """Each of `languages` sealed for a response of `survey_id` (None stays None: not
    recorded). The app's keys are looked up only when there is something to seal."""
    found = list(languages)
    if keys is None and any(language is not None for language in found):
        keys = ballot_keys()
    return [
        None if language is None or keys is None else seal_language(keys, survey_id, language)
        for language in found
    ]


def unseal_language(keys: BallotKeys, sealed: bytes | None, survey_id: int) -> str | None:
    """The language sealed in `sealed` for a response of `survey_id`, or None when none can
    be read: no sealed value (not recorded), a key no longer configured, damaged bytes. The
    caller counts such a response in totals only."""
    if sealed is None:
        return None
    try:
        plaintext = keys.open(bytes(sealed), survey_id, kind=RESPONSE_LANGUAGE)
    except UnopenableBallot:
        return None
    if len(plaintext) != LANGUAGE_BYTES:
        return None
    code = plaintext.rstrip(b"\0")
    if not code or b"\0" in code or not code.isascii():
        return None
    return code.decode("ascii")
