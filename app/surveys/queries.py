"""Reads for surveys and invitations."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from app.db import Session
from app.reports.privacy import ResponseRate
from app.reports.queries import response_rates_of
from app.surveys.models import Survey


def list_surveys() -> Sequence[tuple[Survey, ResponseRate]]:
    """Every survey, newest first, with its organisation-wide response rate as disclosure
    control shows it (a responded count below k reads "fewer than k*")."""
    surveys = Session.scalars(select(Survey).order_by(Survey.id.desc())).all()
    return [(survey, response_rates_of(survey)[None]) for survey in surveys]


def survey_link(base_url: str, token: str) -> str:
    """The full personal link for a raw token."""
    return f"{base_url.rstrip('/')}/s/{token}"
