"""Mixed item order: each respondent sees the items of each part in an order of their own,
kept across a re-rendered page (an error, a language switch) by a seed the form carries,
and stored nowhere."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.taking.forms import checked_order_seed, new_order_seed
from app.taking.models import Answer, Comment, DimensionScore, FamilyScore, Response
from tests.conftest import csrf_token_from
from tests.taking.v2 import LedSurvey, answers_for, open_led_survey, waiting_ballots

QUESTION = re.compile(r'<fieldset class="field question[^"]*" id="item_([a-z_0-9]+)"')
SEED = re.compile(r'name="order" type="hidden" value="([0-9a-f]{16})"')


@pytest.fixture
def mixed(db_session: Any) -> LedSurvey:
    return open_led_survey(mixed_item_order=True)


def _shown(html: str) -> list[str]:
    return QUESTION.findall(html)


def _parts(html: str) -> list[list[str]]:
    """The item keys of each part of the page, in the order shown."""
    chunks = html.split('<section class="survey-section"')[1:]
    return [found for chunk in chunks if (found := QUESTION.findall(chunk))]


def _seed(html: str) -> str:
    match = SEED.search(html)
    assert match is not None, "the form carries no order seed"
    return match.group(1)


def test_without_mixed_order_the_page_follows_the_document(
    client: FlaskClient, db_session: Any
) -> None:
    led = open_led_survey()
    html = client.get(led.url("ana")).get_data(as_text=True)
    assert _shown(html) == [item.key for item in led.document.items]
    assert 'name="order"' not in html


def test_two_respondents_see_different_orders_within_the_same_parts(
    client: FlaskClient, mixed: LedSurvey
) -> None:
    ana = client.get(mixed.url("ana")).get_data(as_text=True)
    dev = client.get(mixed.url("dev")).get_data(as_text=True)
    document_order = [item.key for item in mixed.document.items]
    # 13 parts of four items: the chance of one order twice is (1/24)^13.
    assert _shown(ana) != _shown(dev)
    assert _shown(ana) != document_order
    # The parts stay in order and keep their items; only the order within a part changes.
    by_part: dict[str | None, list[str]] = {}
    for item in mixed.document.items:
        by_part.setdefault(item.dimension, []).append(item.key)
    expected = [sorted(keys) for keys in by_part.values()]
    assert [sorted(part) for part in _parts(ana)] == expected
    assert [sorted(part) for part in _parts(dev)] == expected
    # The scale's order never changes: 1 to 5, then "prefer not to answer".
    first = _shown(ana)[0]
    values = re.findall(rf'name="item_{first}"[^>]*type="radio" value="([^"]+)"', ana)
    assert values == ["1", "2", "3", "4", "5", "na"]
    # Numbered in the order shown.
    numbers = [int(n) for n in re.findall(r'<span class="qnum">(\d+)\.</span>', ana)]
    assert numbers == list(range(1, 53))


def test_a_page_with_an_error_comes_back_in_the_same_order(
    client: FlaskClient, mixed: LedSurvey, db_session: Any
) -> None:
    html = client.get(mixed.url("ana")).get_data(as_text=True)
    shown, seed = _shown(html), _seed(html)
    data = {"csrf_token": csrf_token_from(html), "lang": "en", "order": seed}
    data |= answers_for(mixed.document, leads=False)
    missing = [shown[1], shown[30]]
    for key in missing:
        del data[f"item_{key}"]
    again = client.post(mixed.url("ana"), data=data)
    assert again.status_code == 400
    page = again.get_data(as_text=True)
    assert _shown(page) == shown
    assert _seed(page) == seed
    # The error summary points at the questions by the numbers shown: 2 and 31.
    assert "Go to the first: question 2" in page
    assert f'href="#item_{missing[0]}" aria-label="question 2"' in page
    assert f'href="#item_{missing[1]}" aria-label="question 31"' in page
    assert db_session.scalar(select(Response.id)) is None


def test_a_language_switch_keeps_the_order(client: FlaskClient, mixed: LedSurvey) -> None:
    html = client.get(mixed.url("ana")).get_data(as_text=True)
    data = {
        "csrf_token": csrf_token_from(html),
        "lang": "en",
        "order": _seed(html),
        "switch_lang": "es",
    }
    spanish = client.post(mixed.url("ana"), data=data)
    assert spanish.status_code == 200
    page = spanish.get_data(as_text=True)
    assert '<html lang="es">' in page
    assert _shown(page) == _shown(html)


def test_a_forged_seed_gets_a_fresh_order_and_no_error(
    client: FlaskClient, mixed: LedSurvey
) -> None:
    html = client.get(mixed.url("ana")).get_data(as_text=True)
    for forged in ("", "zz", "0" * 17, "<script>", "ABCDEF0123456789"):
        data = {"csrf_token": csrf_token_from(html), "lang": "en", "order": forged}
        data["switch_lang"] = "en"
        page = client.post(mixed.url("ana"), data=data)
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert len(_shown(text)) == 52
        assert forged not in re.findall(r'name="order" type="hidden" value="([^"]*)"', text)
        assert _seed(text) != forged


def test_seeds_are_checked() -> None:
    seed = new_order_seed()
    assert checked_order_seed(seed) == seed
    assert len({new_order_seed() for _ in range(100)}) == 100
    for bad in (None, "", "x" * 16, seed + "0", seed.upper(), seed[:-1] + "\n"):
        assert checked_order_seed(bad) is None


def test_nothing_about_the_order_is_stored(
    app: Flask, client: FlaskClient, mixed: LedSurvey, db_session: Any, mix_all: Any
) -> None:
    html = client.get(mixed.url("ana")).get_data(as_text=True)
    seed, shown = _seed(html), _shown(html)
    data = {"csrf_token": csrf_token_from(html), "lang": "en", "order": seed}
    data |= answers_for(mixed.document, leads=False)
    data["prompt_change_together"] = "More time to talk."
    response = client.post(mixed.url("ana"), data=data)
    assert response.status_code == 302
    assert "Set-Cookie" not in response.headers
    assert seed not in response.location

    with app.app_context():
        ((plaintext, contents),) = waiting_ballots(mixed.survey)
    assert seed.encode() not in plaintext
    sealed = json.loads(plaintext)
    assert set(sealed) == {"v", "team", "level", "version", "on", "lang", "answers"} | {
        "comments",
        "dimensions",
        "families",
    }
    # The answers are sealed in the document's order, not in the order shown.
    assert list(contents.answers) == [item.key for item in mixed.document.items]
    assert list(contents.answers) != shown

    mix_all(mixed.survey)
    for model in (Response, Answer, DimensionScore, FamilyScore, Comment):
        for row in db_session.scalars(select(model)):
            values = [str(getattr(row, column.key)) for column in model.__table__.columns]
            assert not any(seed in value for value in values), model.__name__
    assert set(Response.__table__.columns.keys()) == {
        "id",
        "survey_id",
        "team_id",
        "level_id",
        "instrument_version_id",
        "submitted_on",
        "language_sealed",
    }


def test_a_leader_gets_a_mixed_order_of_the_items_asked(
    client: FlaskClient, mixed: LedSurvey, mix_all: Any, db_session: Any
) -> None:
    html = client.get(mixed.url("ben")).get_data(as_text=True)
    shown = _shown(html)
    assert len(shown) == 52 - 6
    data = {"csrf_token": csrf_token_from(html), "lang": "en", "order": _seed(html)}
    data |= answers_for(mixed.document, leads=True)
    assert client.post(mixed.url("ben"), data=data).status_code == 302
    mix_all(mixed.survey)
    assert len(db_session.scalars(select(Answer.item_key)).all()) == 52 - 6
