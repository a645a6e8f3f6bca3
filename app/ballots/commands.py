"""The ballot mixer's step of the worker's round (app.worker.rounds): each open survey's
waiting ballots are mixed into responses in a transaction of its own that touches no
invitation. On PostgreSQL the mixer skips ballots another worker has locked (SQLite has
one writer at a time). Lines carry counts only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import click

from app.ballots.queries import open_surveys_with_ballots
from app.ballots.services import MixOutcome, mix_ballots
from app.db import Session, begin_write_transaction, utcnow
from app.surveys.models import Survey, SurveyState

log = logging.getLogger(__name__)


def mix_open_surveys(echo: Callable[[str], None] = click.echo) -> list[MixOutcome]:
    """Mix the ballots of every open survey, each in a transaction of its own that touches
    no invitation; returns the outcomes. A survey whose batch fails is rolled back (its
    ballots keep waiting) and the others are still mixed."""
    outcomes = []
    for survey_id in open_surveys_with_ballots():
        Session.commit()
        try:
            begin_write_transaction()
            survey = Session.get(Survey, survey_id, populate_existing=True)
            if survey is None or survey.state != SurveyState.OPEN.value:
                Session.commit()
                continue
            outcome = mix_ballots(survey, final=False)
            Session.commit()
        except Exception:
            Session.rollback()
            log.exception("mixing the ballots of survey %d failed; they keep waiting", survey_id)
            continue
        outcomes.append(outcome)
        if outcome.opened or outcome.unopenable:
            echo(f"{utcnow():%Y-%m-%d %H:%M:%S} UTC  survey {survey_id}: ballots {outcome}")
    Session.remove()
    return outcomes
