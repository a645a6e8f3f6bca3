"""The audience rule: the items about the group's leader (audience "led") are not asked of
respondents whose level leads their work group: not shown, not required, not stored (not
even as "prefer not to answer"), and scored as not asked."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.ballots.keys import BallotKeys
from app.ballots.language import unseal_language
from app.ballots.models import Ballot
from app.errors import Conflict, DomainError
from app.surveys.models import Invitation, Level, Survey
from app.surveys.services import create_survey, open_survey, update_draft_survey
from app.taking.forms import _serializer
from app.taking.models import Answer, DimensionScore, Response
from app.taking.queries import survey_link
from app.taking.services import BatchSubmission, store_responses
from tests.conftest import csrf_token_from
from tests.taking.v2 import (
    LED_ITEMS,
    LedSurvey,
    answers_for,
    open_led_survey,
    publish_led_instrument,
    waiting_ballots,
)

QUESTION = re.compile(r'<fieldset class="field question[^"]*" id="item_([a-z_0-9]+)"')


@pytest.fixture
def led(db_session: Any) -> LedSurvey:
    return open_led_survey()


def _page(client: FlaskClient, url: str) -> tuple[str, dict[str, str]]:
    html = client.get(url).get_data(as_text=True)
    return html, {"csrf_token": csrf_token_from(html), "lang": "en"}


def _count(db: Any, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)))


def test_levels_above_the_lowest_lead_their_work_group_by_default(led: LedSurvey) -> None:
    flags = [(level.key, level.leads_work_group) for level in led.survey.levels]
    assert flags == [
        ("individual_contributor", False),
        ("manager", True),
        ("senior_leader", True),
    ]


def test_a_leader_is_not_shown_the_items_about_the_leader(
    client: FlaskClient, led: LedSurvey
) -> None:
    everyone, _ = _page(client, led.url("ana"))
    leader, _ = _page(client, led.url("ben"))
    shown_to_everyone = QUESTION.findall(everyone)
    shown_to_leader = QUESTION.findall(leader)
    assert len(shown_to_everyone) == 52
    assert set(LED_ITEMS) <= set(shown_to_everyone)
    assert len(shown_to_leader) == 52 - len(LED_ITEMS)
    assert not set(LED_ITEMS) & set(shown_to_leader)
    assert 'name="item_ea_2"' not in leader
    # The progress counts the questions shown, and they are numbered without gaps.
    assert f'data-total="{52 - len(LED_ITEMS)}"' in leader
    numbers = [int(n) for n in re.findall(r'<span class="qnum">(\d+)\.</span>', leader)]
    assert numbers == list(range(1, 52 - len(LED_ITEMS) + 1))
    assert "Part 13 of 13" in leader  # ea_1 keeps empathic attunement on a leader's page


def test_a_leaders_complete_answers_are_stored_without_the_items_not_asked(
    app: Flask, client: FlaskClient, led: LedSurvey, db_session: Any, mix_all: Any
) -> None:
    _, form = _page(client, led.url("ben"))
    data = form | answers_for(led.document, leads=True, value="4", item_ea_1="2")
    response = client.post(led.url("ben"), data=data)
    assert response.status_code == 302

    with app.app_context():
        ((plaintext, contents),) = waiting_ballots(led.survey)
    assert not set(LED_ITEMS) & set(contents.answers)
    for key in LED_ITEMS:
        assert f'"{key}"'.encode() not in plaintext

    mix_all(led.survey)
    answers = dict(db_session.execute(select(Answer.item_key, Answer.value)).all())
    assert len(answers) == 52 - len(LED_ITEMS)
    assert not set(LED_ITEMS) & set(answers)
    scores = dict(
        db_session.execute(select(DimensionScore.dimension_key, DimensionScore.score)).all()
    )
    # One of its four items asked (min_answered 3): min(3, 1) = 1 answer makes a score.
    assert scores["empathic_attunement"] == 2.0
    assert scores["accountability"] == 4.0
    assert None not in scores.values()


def test_a_forged_post_answering_items_not_asked_stores_nothing_for_them(
    app: Flask, client: FlaskClient, led: LedSurvey, db_session: Any, mix_all: Any
) -> None:
    _, form = _page(client, led.url("cai"))
    # Every item answered, the leader items with a value and with "prefer not to answer".
    data = form | answers_for(led.document, leads=False, value="5", item_ea_2="na")
    assert client.post(led.url("cai"), data=data).status_code == 302
    with app.app_context():
        ((plaintext, contents),) = waiting_ballots(led.survey)
    assert not set(LED_ITEMS) & set(contents.answers)
    assert b'"ea_2"' not in plaintext
    mix_all(led.survey)
    stored = set(db_session.scalars(select(Answer.item_key)))
    assert not set(LED_ITEMS) & stored
    assert len(stored) == 52 - len(LED_ITEMS)


def test_a_forged_post_on_the_slow_path_drops_them_too(
    app: Flask, client: FlaskClient, led: LedSurvey, db_session: Any, mix_all: Any
) -> None:
    """A token without the leader flag (as issued before this change) is read with the
    link: the answers are still checked against what the link's level is asked."""
    link = survey_link(led.token("ben"))
    assert link is not None and link.leads_work_group is True
    with app.test_request_context():
        old = _serializer(link.token_sha256).dumps(
            [link.survey.instrument_version_id, link.survey.instrument_sha256]
        )
    data = {"csrf_token": old, "lang": "en"} | answers_for(led.document, leads=False)
    assert client.post(led.url("ben"), data=data).status_code == 302
    mix_all(led.survey)
    assert not set(LED_ITEMS) & set(db_session.scalars(select(Answer.item_key)))


def test_someone_led_must_still_answer_the_items_about_their_leader(
    client: FlaskClient, led: LedSurvey, db_session: Any
) -> None:
    _, form = _page(client, led.url("ana"))
    response = client.post(led.url("ana"), data=form | answers_for(led.document, leads=True))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f"{len(LED_ITEMS)} questions need an answer" in html
    assert _count(db_session, Ballot) == 0
    assert not db_session.scalar(
        select(Invitation.responded).where(Invitation.email == "ana@example.org")
    )


def test_a_leaders_page_with_an_error_still_leaves_the_leader_items_out(
    client: FlaskClient, led: LedSurvey, db_session: Any
) -> None:
    _, form = _page(client, led.url("ben"))
    data = form | answers_for(led.document, leads=True)
    del data["item_ea_1"]
    response = client.post(led.url("ben"), data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "1 question needs an answer" in html
    assert not set(LED_ITEMS) & set(QUESTION.findall(html))
    assert _count(db_session, Ballot) == 0


def test_the_demo_path_drops_and_scores_items_not_asked_of_a_leader(
    app: Flask, led: LedSurvey, db_session: Any
) -> None:
    invitations = {
        i.email: i
        for i in db_session.scalars(select(Invitation).where(Invitation.survey_id == led.survey.id))
    }
    # The app's BALLOT_KEYS seal the Spanish response's language.
    with app.app_context():
        every = {item.key: 3 for item in led.document.items}
        stored = store_responses(
            led.survey.id,
            led.survey.instrument_version_id,
            led.document,
            [
                BatchSubmission(
                    invitations["ben@example.org"].id, every, {}, dt.date.today(), "es"
                ),
                BatchSubmission(invitations["ana@example.org"].id, every, {}, dt.date.today()),
            ],
        )
        assert stored == 2
        manager = next(lv for lv in led.survey.levels if lv.key == "manager")
        leader_response = db_session.scalars(
            select(Response).where(Response.level_id == manager.id)
        ).one()
        sealing = BallotKeys.from_keys(app.config["BALLOT_KEYS"])
        assert unseal_language(sealing, leader_response.language_sealed, led.survey.id) == "es"
        keys = set(
            db_session.scalars(
                select(Answer.item_key).where(Answer.response_id == leader_response.id)
            )
        )
        assert not set(LED_ITEMS) & keys
        assert len(db_session.scalars(select(Answer.item_key)).all()) == 52 + 52 - len(LED_ITEMS)


# --- who leads: settings ---------------------------------------------------------------


def test_the_admin_names_the_levels_that_lead(db_session: Any) -> None:
    publish_led_instrument()
    levels = [("ic", "Individual contributor"), ("lead", "Team lead"), ("exec", "Executive")]
    survey = create_survey(
        instrument_key="led-climate", title="Named", levels=levels, leading_levels=["Team lead"]
    )
    assert [lv.leads_work_group for lv in survey.levels] == [False, True, False]
    update_draft_survey(
        survey.id,
        title="Named",
        team_paths=[],
        levels=levels,
        opens_at=None,
        closes_at=None,
        k_scores=5,
        k_comments=10,
        leading_levels=["ic", "EXEC"],
        mixed_item_order=True,
    )
    assert [lv.leads_work_group for lv in survey.levels] == [True, False, True]
    assert survey.mixed_item_order is True
    update_draft_survey(
        survey.id,
        title="Named",
        team_paths=[],
        levels=levels,
        opens_at=None,
        closes_at=None,
        k_scores=5,
        k_comments=10,
        leading_levels=[],
    )
    assert [lv.leads_work_group for lv in survey.levels] == [False, False, False]
    assert survey.mixed_item_order is True  # None keeps it


def test_an_unknown_level_cannot_lead_and_nothing_is_created(db_session: Any) -> None:
    publish_led_instrument()
    before = _count(db_session, Survey)
    with pytest.raises(DomainError, match=r"'boss' is not a level of this survey"):
        create_survey(instrument_key="led-climate", title="Bad", leading_levels=["boss"])
    db_session.rollback()
    assert _count(db_session, Survey) == before


def test_who_leads_and_the_item_order_are_locked_once_open(led: LedSurvey, db_session: Any) -> None:
    level = db_session.scalars(select(Level).where(Level.survey_id == led.survey.id)).first()
    level.leads_work_group = not level.leads_work_group
    with pytest.raises(Conflict, match="levels can no longer change"):
        db_session.flush()
    db_session.rollback()
    survey = db_session.get(Survey, led.survey.id)
    survey.mixed_item_order = True
    with pytest.raises(Conflict, match="mixed item order can no longer change"):
        db_session.flush()
    db_session.rollback()


def test_a_single_level_leads_nothing_by_default(db_session: Any) -> None:
    publish_led_instrument()
    survey = create_survey(instrument_key="led-climate", title="Flat", levels=[("all", "All")])
    open_survey(survey.id)
    assert [lv.leads_work_group for lv in survey.levels] == [False]


def test_record_submission_takes_the_levels_word_or_refuses_a_page_built_for_another(
    app: Flask, led: LedSurvey, db_session: Any
) -> None:
    from app.errors import Gone
    from app.surveys.tokens import token_sha256
    from app.taking.services import record_submission

    version = led.survey.instrument_version_id
    every: dict[str, int | None] = {item.key: 4 for item in led.document.items}
    with app.app_context():
        # A page built for someone led, posted through a leader's link: refused.
        with pytest.raises(Gone, match="out of date"):
            record_submission(
                token_sha256(led.token("ben")),
                version,
                led.document,
                every,
                {},
                leads_work_group=False,
            )
        db_session.rollback()
        assert _count(db_session, Ballot) == 0
        # Without a word from the page, the level decides: the leader items are dropped.
        record_submission(token_sha256(led.token("ben")), version, led.document, every, {})
        ((_plaintext, contents),) = waiting_ballots(led.survey)
    assert not set(LED_ITEMS) & set(contents.answers)
    assert contents.scores.dimensions["empathic_attunement"] == 4.0
