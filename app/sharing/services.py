"""Publishing an employee summary and issuing its survey-wide results link. Services
style: add and flush, raise DomainError, never commit; every change is audited."""

from __future__ import annotations

from app.audit.services import record_event
from app.auth.models import StaffUser
from app.db import Session, utcnow
from app.errors import DomainError
from app.i18n import _
from app.sharing.models import EmployeeSummary
from app.sharing.queries import summary_of
from app.surveys.services import get_survey
from app.surveys.tokens import new_token


def publish_summary(
    survey_id: int, release: tuple[int, int] | None, *, actor: StaffUser | None
) -> EmployeeSummary:
    """Let the survey's employees read a summary of a release (`release`: its id and
    number; the caller passes the survey's latest). Publishing again moves the summary to
    that release. Raises DomainError for a survey without a release: a summary shows
    nothing beyond a release, so there is nothing to share before one."""
    survey = get_survey(survey_id)
    if release is None:
        raise DomainError(
            _(
                "Survey %(id)s has no release yet: publish a release before sharing "
                "results with employees.",
                id=survey.id,
            )
        )
    release_id, number = release
    summary = summary_of(survey.id)
    if summary is None:
        summary = EmployeeSummary(survey_id=survey.id, release_id=release_id)
        Session.add(summary)
    summary.release_id = release_id
    summary.published_on = utcnow().date()
    summary.published_by_id = actor.id if actor is not None else None
    Session.flush()
    record_event(actor, "summary.publish", "survey", survey.id, release=number)
    return summary


def issue_results_link(survey_id: int, *, actor: StaffUser | None) -> str:
    """A new survey-wide results link's token for the survey's published summary (HR copies
    or sends the link). Only its sha256 is stored; the earlier link stops working. Raises
    DomainError when no summary is published."""
    summary = summary_of(survey_id)
    if summary is None:
        raise DomainError(
            _(
                "Survey %(id)s has no published employee summary: publish one first.",
                id=survey_id,
            )
        )
    raw, digest = new_token()
    summary.link_sha256 = digest
    Session.flush()
    record_event(actor, "summary.link", "survey", survey_id)
    return raw
