"""The mixer: batches of at least k, kept-back ballots, unopenable ballots kept and counted,
key rotation, and a batch that fails leaving everything as it was."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert, select

from app.ballots import services
from app.ballots.contents import MIN_PADDED_BYTES, BallotContents
from app.ballots.keys import DAMAGED, MISSING_KEY, UNREADABLE, BallotKeys, ballot_keys
from app.ballots.models import Ballot
from app.ballots.services import batch_size, mix_ballots
from app.db import Session
from app.instruments.scoring import ResponseScores
from app.surveys.models import Survey
from app.taking.models import Answer, FamilyScore
from config import new_ballot_key, parse_ballot_keys
from tests.ballots.conftest import K, cast, comments_of, contents, counts


def test_while_open_nothing_opens_below_2k_and_k_are_kept_back(small_survey: Survey) -> None:
    cast(small_survey, 2 * K - 1)
    outcome = mix_ballots(small_survey, final=False)
    assert (outcome.opened, outcome.kept_back) == (0, 2 * K - 1)
    assert counts(small_survey) == (2 * K - 1, 0)

    cast(small_survey, 2)
    outcome = mix_ballots(small_survey, final=False)
    assert (outcome.opened, outcome.kept_back) == (K + 1, K)
    assert counts(small_survey) == (K, K + 1)


def test_a_backlog_opens_over_rounds_of_at_most_the_limit(
    small_survey: Survey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker back from a long stop claims MIX_LIMIT ballots a round, never the whole
    backlog at once; each batch still holds k and keeps k back; the close opens the rest."""
    monkeypatch.setattr(services, "MIX_LIMIT", 3 * K)
    cast(small_survey, 7 * K)
    first = mix_ballots(small_survey, final=False)
    assert (first.opened, first.kept_back) == (2 * K, K)  # of the 3k claimed
    assert counts(small_survey) == (5 * K, 2 * K)
    second = mix_ballots(small_survey, final=False)
    assert second.opened == 2 * K and counts(small_survey) == (3 * K, 4 * K)
    final = mix_ballots(small_survey, final=True)
    assert final.opened == 3 * K and counts(small_survey) == (0, 7 * K)


def test_the_final_batch_opens_everything_even_below_k(small_survey: Survey) -> None:
    cast(small_survey, 2, comment="Thanks")
    outcome = mix_ballots(small_survey, final=True)
    assert (outcome.opened, outcome.kept_back, dict(outcome.unopenable)) == (2, 0, {})
    assert counts(small_survey) == (0, 2)
    assert comments_of(small_survey) == 2
    # The answers, scores and comments of the sealed contents, one set per response.
    assert Session.scalar(select(Answer.value).where(Answer.item_key == "ea_1")) == 4
    assert Session.scalars(select(FamilyScore.score)).all() == [4.0, 4.0]


@pytest.mark.parametrize("seed", range(5))
def test_every_batch_holds_at_least_k_ballots(small_survey: Survey, seed: int) -> None:
    """Random arrivals, a mix after each: every batch, the final one included, holds k."""
    draw = random.Random(seed)
    batches = []
    total = 0
    for _ in range(12):
        arriving = draw.randint(0, 4)
        cast(small_survey, arriving)
        total += arriving
        batches.append(mix_ballots(small_survey, final=False).opened)
    final = mix_ballots(small_survey, final=True).opened
    opened = [size for size in batches if size]
    assert all(size >= K for size in opened)
    assert final >= K or total < K
    assert sum(opened) + final == total
    assert counts(small_survey) == (0, total)


def test_batch_size() -> None:
    assert [batch_size(n, 5, final=False) for n in (0, 4, 9, 10, 11, 40)] == [0, 0, 0, 5, 6, 35]
    assert [batch_size(n, 5, final=True) for n in (0, 1, 40)] == [0, 1, 40]


def _insert_sealed(survey: Survey, sealed: bytes) -> None:
    Session.execute(insert(Ballot).values(survey_id=survey.id, sealed=sealed))


def test_ballots_that_cannot_be_opened_are_kept_and_counted_by_reason(
    small_survey: Survey,
) -> None:
    cast(small_survey, K)
    genuine = Session.scalars(select(Ballot.sealed)).first()
    assert genuine is not None
    foreign = BallotKeys.from_keys(parse_ballot_keys(new_ballot_key()))
    sample = contents(1, small_survey.instrument_version_id).to_bytes()
    _insert_sealed(small_survey, foreign.seal(sample, small_survey.id))
    _insert_sealed(small_survey, b"\x01" + b"\x00" * 40)  # an unknown key id
    _insert_sealed(small_survey, genuine[:-1] + bytes([genuine[-1] ^ 1]))  # altered
    _insert_sealed(small_survey, b"garbage")
    _insert_sealed(small_survey, ballot_keys().seal(b"not json", small_survey.id))

    outcome = mix_ballots(small_survey, final=True)
    assert outcome.opened == K
    assert dict(outcome.unopenable) == {MISSING_KEY: 2, DAMAGED: 2, UNREADABLE: 1}
    assert counts(small_survey) == (5, K)  # never deleted
    assert mix_ballots(small_survey, final=True).unopenable == outcome.unopenable


def test_a_ballot_moved_to_another_survey_does_not_open(
    small_survey: Survey, bundled_version: Any
) -> None:
    cast(small_survey, 1)
    other = Survey(
        title="Other",
        instrument_version_id=small_survey.instrument_version_id,
        state="open",
        k_scores=K,
        k_comments=K,
    )
    Session.add(other)
    Session.flush()
    Session.execute(Ballot.__table__.update().values(survey_id=other.id))
    assert dict(mix_ballots(other, final=True).unopenable) == {DAMAGED: 1}


def test_a_ballot_sealed_with_a_rotated_key_still_opens(
    app: Flask, small_survey: Survey, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = app.config["BALLOT_KEYS"][0], parse_ballot_keys(new_ballot_key())[0]
    cast(small_survey, 2)  # sealed with the old key
    monkeypatch.setitem(app.config, "BALLOT_KEYS", (new, old))
    cast(small_survey, 2)  # sealed with the new key
    assert mix_ballots(small_survey, final=True).opened == 4

    cast(small_survey, 1)
    monkeypatch.setitem(app.config, "BALLOT_KEYS", (old,))  # the new key went missing
    assert dict(mix_ballots(small_survey, final=True).unopenable) == {MISSING_KEY: 1}


def test_a_batch_that_fails_leaves_ballots_and_responses_as_they_were(
    small_survey: Survey, monkeypatch: pytest.MonkeyPatch
) -> None:
    cast(small_survey, 3 * K)
    Session.commit()

    def fail(_ids: Any) -> None:
        raise RuntimeError("the process dies here")

    monkeypatch.setattr(services, "_delete", fail)
    with pytest.raises(RuntimeError):
        mix_ballots(small_survey, final=True)  # responses inserted, ballots not yet deleted
    Session.rollback()
    assert counts(small_survey) == (3 * K, 0)


def test_sealed_ballots_show_their_size_class_not_their_comments_length() -> None:
    """A ballot waits beside its invitation: its length must not tell its comments'."""
    keys = BallotKeys.from_keys(parse_ballot_keys(new_ballot_key()))

    def sealed_length(comment: str) -> int:
        contents = BallotContents(
            team_id=1,
            level_id=2,
            instrument_version_id=3,
            submitted_on=dt.date(2027, 3, 1),
            answers={f"i{n}": 3 for n in range(52)},
            comments={"change": comment} if comment else {},
            scores=ResponseScores(dimensions={"d": 3.0}, families={"f": 3.0}),
        )
        sealed = keys.seal(contents.to_bytes(), 7)
        assert BallotContents.from_bytes(keys.open(sealed, 7)) == contents
        return len(sealed)

    usual = {sealed_length(text) for text in ("", "ok", "x" * 500, "é" * 300, "word " * 400)}
    assert len(usual) == 1  # every usual ballot is as long as an empty one
    header = sealed_length("") - MIN_PADDED_BYTES  # format, key id, nonce, tag
    assert sealed_length("y" * 5000) == 2 * MIN_PADDED_BYTES + header  # the next class
