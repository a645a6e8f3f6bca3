"""Recording a submission: one transaction, no link to the invitation.

The invitation is flipped with a conditional UPDATE (WHERE responded = false, exactly one
row must change) in the same transaction that inserts the response. Two concurrent
submissions of one link both try the UPDATE; the database lets one change the row and the
other sees it already flipped, so exactly one response is stored. The UPDATE returns the
team and level to copy onto the response: that is all the response learns from the
invitation.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import exists, insert, update

from app.db import Session, utcnow
from app.errors import Gone
from app.instruments.document import InstrumentDocument
from app.instruments.scoring import score_response
from app.surveys.models import Invitation, Survey, SurveyState
from app.taking.models import Answer, Comment, DimensionScore, Response

ALREADY_USED = "This link has already been used to answer the survey."


def record_submission(
    token_sha256: str,
    instrument_version_id: int,
    document: InstrumentDocument,
    answers: Mapping[str, int | None],
    comments: Mapping[str, str],
) -> None:
    """Store one validated submission and mark its invitation as responded.

    `answers` maps every item key to a raw value (None = prefer not to answer);
    `comments` maps prompt keys to non-blank text. Raises Gone when the link was used
    already or its survey is no longer open; nothing is stored then.
    """
    scores = score_response(document, answers)  # ValueError on bad values, before writing
    survey_open = exists().where(
        Survey.id == Invitation.survey_id, Survey.state == SurveyState.OPEN.value
    )
    flipped = Session.execute(
        update(Invitation)
        .where(
            Invitation.token_sha256 == token_sha256,
            Invitation.responded.is_(False),
            survey_open,
        )
        .values(responded=True)
        .returning(Invitation.survey_id, Invitation.team_id, Invitation.level_id)
    ).all()
    if len(flipped) != 1:
        raise Gone(ALREADY_USED)
    survey_id, team_id, level_id = flipped[0]
    response_id = uuid.uuid4()
    Session.execute(
        insert(Response).values(
            id=response_id,
            survey_id=survey_id,
            team_id=team_id,
            level_id=level_id,
            instrument_version_id=instrument_version_id,
            submitted_on=utcnow().date(),
        )
    )
    Session.execute(
        insert(Answer),
        [{"response_id": response_id, "item_key": k, "value": v} for k, v in answers.items()],
    )
    Session.execute(
        insert(DimensionScore),
        [
            {"response_id": response_id, "dimension_key": k, "score": v}
            for k, v in scores.dimensions.items()
        ],
    )
    if comments:
        Session.execute(
            insert(Comment),
            [
                {
                    "id": uuid.uuid4(),
                    "survey_id": survey_id,
                    "team_id": team_id,
                    "prompt_key": key,
                    "text": text,
                }
                for key, text in comments.items()
            ],
        )
