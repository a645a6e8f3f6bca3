"""What a sealed ballot holds, and its bytes (JSON). Pure: imports neither Flask nor the
database.

Everything the response, its answers, scores and comments will be made of: the team and
level copied from the invitation, the instrument version, the date of submission, the
language the page was submitted in, the raw answers (only to the items asked of the
respondent), the comments and the scores computed at submission (so opening needs no
instrument document).

Format 2 added the language; a format-1 ballot (cast before) still opens, its language
None. Nothing about the order the questions were shown in is part of a ballot.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.instruments.scoring import ResponseScores

FORMAT_VERSION = 2
# Formats still opened: ballots cast before an upgrade wait in the box until they are mixed.
READABLE_FORMATS = (1, 2)
# The smallest size class of a ballot's contents: the answers, scores and usual comments of
# the bundled instrument fit in it.
MIN_PADDED_BYTES = 4096
# A language code has at most this many characters, all ASCII: the response's sealed
# language (app.ballots.language) pads it to this fixed size.
MAX_LANGUAGE = 16


def padded(data: bytes) -> bytes:
    """`data` with NUL bytes up to its size class: MIN_PADDED_BYTES, then each power of two.

    A sealed ballot's length is its plaintext's, and a ballot waits beside the invitation it
    was cast with: unpadded, the length of its comments would tie them, once opened, to that
    invitation. Padded, a ballot only tells its size class (comments past about 2,500
    characters move up a class). JSON never holds a raw NUL byte, so the padding strips off.
    """
    size = MIN_PADDED_BYTES
    while size < len(data):
        size *= 2
    return data + b"\0" * (size - len(data))


@dataclass(frozen=True)
class BallotContents:
    team_id: int
    level_id: int | None
    instrument_version_id: int
    submitted_on: dt.date
    answers: Mapping[str, int | None]
    comments: Mapping[str, str]
    scores: ResponseScores
    # The language the page was submitted in (one the instrument declares); None in a
    # format-1 ballot.
    language: str | None = None

    def to_bytes(self) -> bytes:
        """The contents as JSON, padded with NUL bytes to their size class (see `padded`)."""
        return padded(self._json())

    def _json(self) -> bytes:
        return json.dumps(
            {
                "v": FORMAT_VERSION,
                "team": self.team_id,
                "level": self.level_id,
                "version": self.instrument_version_id,
                "on": self.submitted_on.isoformat(),
                "lang": self.language,
                "answers": dict(self.answers),
                "comments": dict(self.comments),
                "dimensions": dict(self.scores.dimensions),
                "families": dict(self.scores.families),
            },
            separators=(",", ":"),
        ).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> BallotContents:
        """Read contents written by `to_bytes`; ValueError on anything else."""
        try:
            raw = json.loads(data.rstrip(b"\0"))
            if type(raw["v"]) is not int or raw["v"] not in READABLE_FORMATS:
                raise ValueError(f"unknown ballot format {raw['v']!r}")
            language = None if raw["v"] == 1 else raw["lang"]
            if language is not None and not (
                isinstance(language, str)
                and 0 < len(language) <= MAX_LANGUAGE
                and language.isascii()
                and "\0" not in language
            ):
                raise ValueError(f"expected a language code, got {language!r}")
            return cls(
                team_id=_whole(raw["team"]),
                level_id=None if raw["level"] is None else _whole(raw["level"]),
                instrument_version_id=_whole(raw["version"]),
                submitted_on=dt.date.fromisoformat(raw["on"]),
                answers=_mapping(raw["answers"], (int, type(None))),
                comments=_mapping(raw["comments"], (str,)),
                scores=ResponseScores(
                    dimensions=_mapping(raw["dimensions"], (int, float, type(None))),
                    families=_mapping(raw["families"], (int, float, type(None))),
                ),
                language=language,
            )
        except (KeyError, TypeError, UnicodeDecodeError) as exc:
            raise ValueError(f"not ballot contents: {type(exc).__name__}") from None


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number, got {value!r}")
    return value


def _mapping(value: Any, types: tuple[type, ...]) -> dict[str, Any]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, types) and not isinstance(v, bool)
        for k, v in value.items()
    ):
        raise ValueError("expected an object of the right values")
    return value
