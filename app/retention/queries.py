"""Reads for retention: when each closed survey closed, and what refers to a survey."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, func, select

from app.audit.models import AuditEvent
from app.db import Base, Session
from app.reports.models import Release
from app.surveys.models import Survey, SurveyState

ENDED_STATES = (SurveyState.CLOSED.value, SurveyState.ARCHIVED.value)


@dataclass(frozen=True)
class ClosedSurvey:
    survey_id: int
    closed_on: dt.date


def closed_surveys_holding(holds: ColumnElement[bool]) -> list[ClosedSurvey]:
    """Closed (or archived) surveys for which `holds` (a condition correlated with
    `Survey.id`, such as "a response refers to it") is true, with the date each closed.

    The close date is the date of the survey's final release, which the close publishes;
    a closed survey without one (none is known, but older data may hold one) falls back to
    its scheduled `closes_at`, and one with neither is left out: nothing is deleted on a
    guess. One query, cheap enough for every worker round.
    """
    final_on = (
        select(func.max(Release.created_on))
        .where(Release.survey_id == Survey.id, Release.final.is_(True))
        .correlate(Survey)
        .scalar_subquery()
    )
    rows = Session.execute(
        select(Survey.id, final_on, Survey.closes_at)
        .where(Survey.state.in_(ENDED_STATES), holds)
        .order_by(Survey.id)
    ).all()
    found = []
    for survey_id, released_on, closes_at in rows:
        closed_on = released_on or (closes_at.date() if closes_at is not None else None)
        if closed_on is not None:
            found.append(ClosedSurvey(survey_id, closed_on))
    return found


def refers_to_survey(column_holder: type[Base]) -> ColumnElement[bool]:
    """ "A row of `column_holder` (a model with `survey_id`) refers to the survey."""
    column = column_holder.__table__.c.survey_id
    return exists().where(column == Survey.id)


def rows_referring_to(survey_id: int) -> dict[str, int]:
    """How many rows of each table refer to the survey through a foreign key, by table
    name (tables without any left out): what deleting the survey deletes with it. Read from
    the models' metadata, so a table added later is counted without a change here."""
    counts: dict[str, int] = {}
    survey_id_column = Survey.__table__.c.id
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column is not survey_id_column:
                continue
            n = Session.scalar(
                select(func.count()).select_from(table).where(fk.parent == survey_id)
            )
            if n:
                counts[table.name] = counts.get(table.name, 0) + n
    return counts


def audit_events_before(moment: dt.datetime) -> bool:
    """Whether any audit event is older than `moment`."""
    return bool(Session.scalar(select(exists().where(AuditEvent.occurred_at < moment))))
