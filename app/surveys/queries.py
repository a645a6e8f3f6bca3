"""Reads for surveys and invitations."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from app.db import Session
from app.surveys.models import Invitation, Survey


def list_surveys() -> Sequence[tuple[Survey, int, int]]:
    """Every survey with its number of invitations and of responses, newest first."""
    invited = func.count(Invitation.id)
    responded = func.count(Invitation.id).filter(Invitation.responded.is_(True))
    rows = Session.execute(
        select(Survey, invited, responded)
        .outerjoin(Invitation, Invitation.survey_id == Survey.id)
        .group_by(Survey.id)
        .order_by(Survey.id.desc())
    ).all()
    return [(survey, int(n_invited), int(n_responded)) for survey, n_invited, n_responded in rows]


def survey_link(base_url: str, token: str) -> str:
    """The full personal link for a raw token."""
    return f"{base_url.rstrip('/')}/s/{token}"
