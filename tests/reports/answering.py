"""Helpers for report tests: answer a survey directly (the bulk path, no ballot box) and
publish releases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import select

from app.db import Session
from app.instruments.queries import document_of
from app.reports.models import Release
from app.reports.releases import publish_release
from app.surveys.models import Invitation, Survey
from app.taking.services import BatchSubmission, store_responses


def answer(
    survey: Survey,
    emails: Mapping[str, int],
    comments: Mapping[str, Mapping[str, str]] | None = None,
) -> None:
    """Store one response per email (every scored item answered with its value), with the
    comments given per email."""
    document = document_of(survey.instrument_version)
    ids = dict(
        Session.execute(
            select(Invitation.email, Invitation.id).where(
                Invitation.survey_id == survey.id, Invitation.email.in_(list(emails))
            )
        ).all()
    )
    submissions = [
        BatchSubmission(
            invitation_id=ids[email],
            answers={item.key: value for item in document.items},
            comments=(comments or {}).get(email, {}),
            submitted_on=dt.date(2027, 3, 3),
        )
        for email, value in emails.items()
    ]
    store_responses(survey.id, survey.instrument_version_id, document, submissions)


def release(survey: Survey, *, final: bool = False) -> Release:
    """Publish the next release and commit."""
    published = publish_release(survey, actor=None, final=final)
    Session.commit()
    return published
