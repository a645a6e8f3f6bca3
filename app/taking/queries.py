"""Reads for the employee-facing pages."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.db import Session
from app.instruments.models import InstrumentVersion
from app.surveys.models import Invitation, Survey
from app.surveys.tokens import token_sha256


def invitation_for_token(raw_token: str) -> Invitation | None:
    """The invitation whose token hashes to `raw_token`'s sha256, with its survey and
    pinned version loaded in the same query."""
    if not raw_token or len(raw_token) > 128:
        return None
    return Session.scalar(
        select(Invitation)
        .options(
            # The document itself is parsed once per version (document_of); not reloaded here.
            joinedload(Invitation.survey)
            .joinedload(Survey.instrument_version)
            .defer(InstrumentVersion.document)
        )
        .where(Invitation.token_sha256 == token_sha256(raw_token))
    )
