"""Release notices: when a release is published (an admin's interim one, the close's final
one, or one the worker's schedule publishes), every active HR user and every active
manager of a team in the survey gets an email through the outbox, with a link to their view
of the release: HR the survey's report, a manager each of their teams' views. The email
holds no figure, and neither does the outbox row (the survey, the release's number and the
manager's teams only). Services style: add and flush, never commit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from app.auth.models import Role, StaffUser, staff_team_scope
from app.db import Session
from app.i18n import _
from app.outbox.models import MessageStatus, OutboxMessage
from app.outbox.services import OutboxSettings, register_staff_email
from app.reports.models import Release
from app.reports.queries import survey_team_tree
from app.surveys.models import Survey

# The outbox kind of a release notice (its template: email/release_notice.txt).
RELEASE_NOTICE = "release_notice"


def queue_release_notices(survey: Survey, release: Release) -> int:
    """Queue one release notice per active HR user and per active manager scoped to a team
    of the survey (with those teams); returns how many were queued."""
    teams = survey_team_tree(survey).paths
    recipients: dict[int, tuple[StaffUser, list[int]]] = {}
    for user in Session.scalars(
        select(StaffUser).where(StaffUser.is_active.is_(True), StaffUser.role == Role.HR.value)
    ):
        recipients[user.id] = (user, [])
    scoped = Session.execute(
        select(StaffUser, staff_team_scope.c.team_id)
        .join(staff_team_scope, staff_team_scope.c.staff_user_id == StaffUser.id)
        .where(
            StaffUser.is_active.is_(True),
            StaffUser.role == Role.MANAGER.value,
            staff_team_scope.c.team_id.in_(list(teams)),
        )
    ).all()
    for user, team_id in scoped:
        recipients.setdefault(user.id, (user, []))[1].append(team_id)
    for user, team_ids in recipients.values():
        Session.add(
            OutboxMessage(
                kind=RELEASE_NOTICE,
                recipient=user.email,
                status=MessageStatus.PENDING.value,
                payload={
                    "survey_id": survey.id,
                    "release": release.number,
                    "final": release.final,
                    "teams": sorted(team_ids, key=teams.__getitem__),
                },
            )
        )
    Session.flush()
    return len(recipients)


def release_notice(
    message: OutboxMessage, settings: OutboxSettings
) -> tuple[str, Mapping[str, Any]]:
    """The template and context of a release notice: the survey's title and the
    links of the recipient's views, read when it is sent (no figures)."""
    payload = message.payload or {}
    survey = Session.get_one(Survey, int(payload["survey_id"]))
    base = f"{settings.public_base_url.rstrip('/')}/reports/surveys/{survey.id}"
    team_ids = [int(team) for team in payload.get("teams", [])]
    paths = survey_team_tree(survey).paths if team_ids else {}
    links = [(paths.get(team, _("your team")), f"{base}/teams/{team}") for team in team_ids]
    context = {
        "survey_title": survey.title,
        "release": payload.get("release"),
        "final": bool(payload.get("final")),
        "report_link": f"{base}/",
        "team_links": links,
    }
    return RELEASE_NOTICE, context


register_staff_email(RELEASE_NOTICE, release_notice)
