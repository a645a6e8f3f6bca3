"""Reads for the employee-facing pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, false, func, select

from app.db import Session
from app.instruments.models import InstrumentVersion
from app.surveys.models import Invitation, InvitationToken, Level, Survey
from app.surveys.tokens import token_sha256

MAX_TOKEN_LENGTH = 128


@dataclass(frozen=True)
class LinkedSurvey:
    """What the survey page shows and checks of a link's survey."""

    id: int
    state: str
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None
    k_scores: int
    k_comments: int
    results_expected_on: dt.date | None
    instrument_version_id: int
    instrument_sha256: str
    # Each respondent sees a part's items in an order of their own (nothing stored).
    mixed_item_order: bool = False


@dataclass(frozen=True)
class SurveyLink:
    """One personal link as the survey page needs it: never the person, only whether the
    person has answered (with this link or another of theirs), the language the invitation
    was issued in, whether their level leads the work group (the items about its leader
    are not asked of them), and its survey."""

    token_sha256: str
    responded: bool
    language: str | None
    survey: LinkedSurvey
    leads_work_group: bool = False


# Every GET of the survey page starts here (and every POST that needs explaining): Core
# columns and a statement built once cost a fraction of loading three ORM objects.
_invitation = Invitation.__table__.c
_link = InvitationToken.__table__.c
_survey = Survey.__table__.c
_version = InstrumentVersion.__table__.c
_level = Level.__table__.c
_LINK_BY_TOKEN = (
    select(
        _invitation.responded,
        _invitation.language,
        func.coalesce(_level.leads_work_group, false()),
        _survey.id,
        _survey.state,
        _survey.opens_at,
        _survey.closes_at,
        _survey.k_scores,
        _survey.k_comments,
        _survey.results_expected_on,
        _version.id,
        _version.sha256,
        _survey.mixed_item_order,
    )
    .join_from(
        InvitationToken.__table__, Invitation.__table__, _invitation.id == _link.invitation_id
    )
    .join(Survey.__table__, _survey.id == _invitation.survey_id)
    .join(InstrumentVersion.__table__, _version.id == _survey.instrument_version_id)
    .outerjoin(Level.__table__, _level.id == _invitation.level_id)
    .where(_link.token_sha256 == bindparam("link_sha256"))
)


def survey_link(raw_token: str) -> SurveyLink | None:
    """The link whose token hashes to `raw_token`'s sha256, or None."""
    if not raw_token or len(raw_token) > MAX_TOKEN_LENGTH:
        return None
    digest = token_sha256(raw_token)
    row = Session.connection().execute(_LINK_BY_TOKEN, {"link_sha256": digest}).first()
    if row is None:
        return None
    responded, language, leads, *survey = row
    return SurveyLink(digest, responded, language, LinkedSurvey(*survey), bool(leads))


@dataclass(frozen=True)
class ThankedSurvey:
    """What the thank-you page says of the survey just answered."""

    id: int
    k_scores: int
    results_expected_on: dt.date | None


def thanked_survey(survey_id: int) -> ThankedSurvey | None:
    """The survey `survey_id` as the thank-you page shows it, or None."""
    row = (
        Session.connection()
        .execute(
            select(_survey.id, _survey.k_scores, _survey.results_expected_on).where(
                _survey.id == survey_id
            )
        )
        .first()
    )
    return None if row is None else ThankedSurvey(*row)
