"""Reads of published employee summaries: by survey (the employee's own link, staff pages)
and by the survey-wide results link."""

from __future__ import annotations

from sqlalchemy import select

from app.db import Session
from app.sharing.models import EmployeeSummary
from app.surveys.tokens import token_sha256

# Results links are 43 characters (secrets.token_urlsafe(32)); anything much longer is
# refused before it is hashed.
MAX_LINK_LENGTH = 128


def summary_of(survey_id: int) -> EmployeeSummary | None:
    """The survey's published employee summary, or None."""
    return Session.scalar(select(EmployeeSummary).where(EmployeeSummary.survey_id == survey_id))


def has_summary(survey_id: int) -> bool:
    """Whether employees of the survey may read a summary (no row is loaded)."""
    found = Session.scalar(select(EmployeeSummary.id).where(EmployeeSummary.survey_id == survey_id))
    return found is not None


def summary_by_link(raw_token: str) -> EmployeeSummary | None:
    """The summary whose results link's token hashes like `raw_token`, or None (also for a
    token of no plausible length)."""
    if not raw_token or len(raw_token) > MAX_LINK_LENGTH:
        return None
    digest = token_sha256(raw_token)
    return Session.scalar(select(EmployeeSummary).where(EmployeeSummary.link_sha256 == digest))
