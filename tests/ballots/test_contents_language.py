"""Ballot contents format 2 carries the page's language; format-1 ballots still open."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from app.ballots.contents import FORMAT_VERSION, BallotContents
from app.instruments.scoring import ResponseScores


def _contents(language: str | None) -> BallotContents:
    return BallotContents(
        team_id=3,
        level_id=None,
        instrument_version_id=1,
        submitted_on=dt.date(2027, 3, 2),
        answers={"ea_1": 4},
        comments={},
        scores=ResponseScores({"empathic_attunement": 4.0}, {"care": 4.0}),
        language=language,
    )


def test_the_language_goes_in_and_comes_out() -> None:
    assert FORMAT_VERSION == 2
    data = _contents("es").to_bytes()
    assert json.loads(data.rstrip(b"\0"))["lang"] == "es"
    assert BallotContents.from_bytes(data) == _contents("es")
    assert BallotContents.from_bytes(_contents(None).to_bytes()).language is None


def test_a_format_1_ballot_opens_with_no_language() -> None:
    raw = json.loads(_contents("es").to_bytes().rstrip(b"\0"))
    raw["v"] = 1
    del raw["lang"]
    opened = BallotContents.from_bytes(json.dumps(raw).encode())
    assert opened.language is None
    assert opened.answers == {"ea_1": 4}


@pytest.mark.parametrize("language", [3, "", "x" * 17, ["es"], True])
def test_a_bad_language_is_refused(language: object) -> None:
    raw = json.loads(_contents("es").to_bytes().rstrip(b"\0"))
    raw["lang"] = language
    with pytest.raises(ValueError, match="language code"):
        BallotContents.from_bytes(json.dumps(raw).encode())


@pytest.mark.parametrize("version", [0, 3, "2", True, None])
def test_an_unknown_format_is_refused(version: object) -> None:
    raw = json.loads(_contents("es").to_bytes().rstrip(b"\0"))
    raw["v"] = version
    with pytest.raises(ValueError, match="unknown ballot format"):
        BallotContents.from_bytes(json.dumps(raw).encode())


def test_a_format_2_ballot_without_its_language_is_refused() -> None:
    raw = json.loads(_contents("es").to_bytes().rstrip(b"\0"))
    del raw["lang"]
    with pytest.raises(ValueError, match="not ballot contents"):
        BallotContents.from_bytes(json.dumps(raw).encode())
