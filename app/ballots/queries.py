"""Reads of the ballot box: which surveys have ballots waiting, and what an admin may see
of a survey's box."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import exists, select

from app.ballots.box import open_ballot
from app.ballots.keys import UnopenableBallot, ballot_keys
from app.ballots.models import Ballot
from app.db import Session
from app.surveys.models import Survey, SurveyState


def open_surveys_with_ballots() -> list[int]:
    """The ids of the open surveys that have ballots waiting, for the worker."""
    return list(
        Session.scalars(
            select(Survey.id)
            .where(
                Survey.state == SurveyState.OPEN.value,
                exists().where(Ballot.survey_id == Survey.id),
            )
            .order_by(Survey.id)
        )
    )


@dataclass(frozen=True)
class BoxState:
    """What the survey's admin page says about its ballot box.

    `unopenable` counts, by reason, the waiting ballots that do not open with the
    configured keys. `waiting` counts the ballots that open but wait to be mixed, given
    only once the survey no longer takes submissions: while it is open, the number
    waiting is the number of submissions since the last batch, and watching it would date
    them (someone sent a new link at 10:00; one more waiting at 10:05).
    """

    unopenable: Mapping[str, int] = field(default_factory=dict)
    waiting: int | None = None

    @property
    def unopenable_total(self) -> int:
        return sum(self.unopenable.values())


def box_state(survey: Survey) -> BoxState:
    """Try every waiting ballot of `survey` with the configured keys (nothing is written)."""
    keys = ballot_keys()
    unopenable: Counter[str] = Counter()
    openable = 0
    for sealed in Session.scalars(select(Ballot.sealed).where(Ballot.survey_id == survey.id)):
        try:
            open_ballot(keys, sealed, survey.id)
        except UnopenableBallot as exc:
            unopenable[exc.reason] += 1
        else:
            openable += 1
    taking_ballots = survey.state in (SurveyState.DRAFT.value, SurveyState.OPEN.value)
    return BoxState(unopenable=dict(unopenable), waiting=None if taking_ballots else openable)
