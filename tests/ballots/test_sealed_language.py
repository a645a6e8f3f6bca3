"""A response's sealed language (app.ballots.language): what its bytes reveal, what opens
it, what the release build does with one it cannot open, and the mixer's use of it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask
from sqlalchemy import select, update

from app.ballots.box import cast_ballot
from app.ballots.contents import BallotContents
from app.ballots.keys import BallotKeys
from app.ballots.language import (
    LANGUAGE_BYTES,
    SEALED_LANGUAGE_BYTES,
    seal_language,
    seal_languages,
    unseal_language,
)
from app.db import Session
from app.instruments.scoring import ResponseScores
from app.reports.language_queries import language_aggregates
from app.reports.privacy.languages import NOT_RECORDED
from app.surveys.models import Invitation
from app.taking.models import Response
from tests.taking.v2 import LedSurvey, open_led_survey

KEYS = BallotKeys.from_keys([AESGCM.generate_key(bit_length=256)])
OTHER_KEYS = BallotKeys.from_keys([AESGCM.generate_key(bit_length=256)])


@pytest.mark.parametrize("language", ["en", "es", "es-419", "zh-Hant", "x" * LANGUAGE_BYTES])
def test_a_sealed_language_opens_to_itself_and_its_length_says_nothing(language: str) -> None:
    sealed = seal_language(KEYS, 7, language)
    assert len(sealed) == SEALED_LANGUAGE_BYTES
    assert language.encode() not in sealed
    assert unseal_language(KEYS, sealed, 7) == language


def test_equal_languages_give_unequal_bytes() -> None:
    assert seal_language(KEYS, 7, "es") != seal_language(KEYS, 7, "es")


def test_a_sealed_language_opens_only_for_its_survey_and_its_keys() -> None:
    sealed = seal_language(KEYS, 7, "es")
    assert unseal_language(KEYS, sealed, 8) is None  # another survey's
    assert unseal_language(OTHER_KEYS, sealed, 7) is None  # a key no longer configured
    damaged = sealed[:-1] + bytes([sealed[-1] ^ 1])
    assert unseal_language(KEYS, damaged, 7) is None
    assert unseal_language(KEYS, sealed[:10], 7) is None
    assert unseal_language(KEYS, None, 7) is None  # nothing stored: not recorded


def test_a_ballot_or_other_sealed_bytes_do_not_pass_for_a_language() -> None:
    """The same keys seal ballots: bytes sealed as a ballot never open as a language, even
    with a plaintext of the language's size, nor a language as a ballot."""
    ballot = KEYS.seal(b"es".ljust(LANGUAGE_BYTES, b"\0"), 7)
    assert unseal_language(KEYS, ballot, 7) is None
    with pytest.raises(Exception, match="integrity"):
        KEYS.open(seal_language(KEYS, 7, "es"), 7)


@pytest.mark.parametrize(
    "bad", ["", "x" * (LANGUAGE_BYTES + 1), "español", "es\0", "日本"], ids=repr
)
def test_what_is_not_a_language_code_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="language code"):
        seal_language(KEYS, 7, bad)


def test_a_language_not_recorded_stays_null_and_needs_no_key() -> None:
    assert seal_languages(7, [None, None]) == [None, None]  # no app: no key looked up
    sealed = seal_languages(7, ["es", None], KEYS)
    assert sealed[1] is None and sealed[0] is not None
    assert unseal_language(KEYS, sealed[0], 7) == "es"


def test_a_ballots_contents_refuse_a_language_that_could_not_be_sealed() -> None:
    contents = BallotContents(
        team_id=1,
        level_id=None,
        instrument_version_id=1,
        submitted_on=dt.date(2027, 1, 4),
        answers={},
        comments={},
        scores=ResponseScores(dimensions={}, families={}),
        language="español",
    )
    with pytest.raises(ValueError, match="language code"):
        BallotContents.from_bytes(contents.to_bytes())


@pytest.fixture
def led(db_session: Any) -> LedSurvey:
    return open_led_survey()


def _cast(led: LedSurvey, language: str | None) -> None:
    team_id, level_id = Session.execute(
        select(Invitation.team_id, Invitation.level_id)
        .where(Invitation.survey_id == led.survey.id)
        .limit(1)
    ).one()
    cast_ballot(
        led.survey.id,
        BallotContents(
            team_id=team_id,
            level_id=level_id,
            instrument_version_id=led.survey.instrument_version_id,
            submitted_on=dt.date(2027, 1, 4),
            answers={},
            comments={},
            scores=ResponseScores(dimensions={}, families={"trust": 3.0}),
            language=language,
        ),
    )


def test_the_mixer_seals_each_language_and_the_release_reads_the_unreadable_as_unrecorded(
    app: Flask, led: LedSurvey, db_session: Any, mix_all: Any
) -> None:
    """Five Spanish, one English and one unrecorded ballot are mixed: the responses hold
    sealed bytes of one length (NULL for the unrecorded one). The release's aggregates
    count a response whose sealed language is damaged, or sealed with a key no longer
    configured, under NOT_RECORDED, in totals only; nothing is written back."""
    with app.app_context():
        for language in ["es"] * 5 + ["en", None]:
            _cast(led, language)
        db_session.commit()
    mix_all(led.survey)
    rows = db_session.execute(select(Response.id, Response.language_sealed)).all()
    sealed = [value for _id, value in rows if value is not None]
    assert len(rows) == 7 and len(sealed) == 6
    assert {len(value) for value in sealed} == {SEALED_LANGUAGE_BYTES}
    assert len(set(sealed)) == 6

    with app.app_context():
        before = language_aggregates(led.survey.id)
    by_language: dict[str, int] = {}
    for (_team, _level, language), n in before.responses.items():
        by_language[language] = by_language.get(language, 0) + n
    assert by_language == {"es": 5, "en": 1, NOT_RECORDED: 1}
    assert sum(s["trust"].n for s in before.family_sums.values()) == 7

    keys = BallotKeys.from_keys(app.config["BALLOT_KEYS"])
    spanish = [i for i, v in rows if unseal_language(keys, v, led.survey.id) == "es"]
    damaged, foreign = spanish[0], spanish[1]
    value = dict(rows)[damaged]
    assert value is not None
    broken = value[:-1] + bytes([value[-1] ^ 1])
    db_session.execute(
        update(Response).where(Response.id == damaged).values(language_sealed=broken)
    )
    db_session.execute(
        update(Response)
        .where(Response.id == foreign)
        .values(language_sealed=seal_language(OTHER_KEYS, led.survey.id, "es"))
    )
    db_session.commit()
    with app.app_context():
        after = language_aggregates(led.survey.id)
    by_language = {}
    for (_team, _level, language), n in after.responses.items():
        by_language[language] = by_language.get(language, 0) + n
    assert by_language == {"es": 3, "en": 1, NOT_RECORDED: 3}
    assert sum(s["trust"].n for s in after.family_sums.values()) == 7
    # the release build only reads: the bytes it could not open are left as they were
    stored = db_session.scalar(select(Response.language_sealed).where(Response.id == damaged))
    assert stored == broken
