"""Reads for surveys and invitations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import exists, func, select

from app.db import Session
from app.org.models import Team
from app.surveys.models import Invitation, InvitationToken, Level

PARTICIPANTS_PER_PAGE = 50


def survey_link(base_url: str, token: str) -> str:
    """The full personal link for a raw token."""
    return f"{base_url.rstrip('/')}/s/{token}"


@dataclass(frozen=True)
class ParticipantRow:
    """One person on the participants page. Nothing here depends on whether they have
    answered: `invited` says they hold a link (one is never taken back), and their own
    email and reminder dates are left out (reminders skip those who answered)."""

    id: int
    email: str | None  # None once the survey has closed
    team: str
    level: str | None
    language: str | None
    invited: bool


@dataclass(frozen=True)
class ParticipantPage:
    rows: list[ParticipantRow]
    total: int  # the people matching the search
    page: int
    pages: int


@dataclass(frozen=True)
class EmailDates:
    """When the survey's invitation emails and reminders went out, for the survey as a
    whole: a person's own dates would tell whether they had answered by then. Not the
    last invitation email either: a new link sent to one person moves it only if they
    have not answered."""

    first_invitation: dt.datetime | None
    last_reminder: dt.datetime | None


def participant_page(
    survey_id: int, page: int = 1, *, search: str = "", per_page: int = PARTICIPANTS_PER_PAGE
) -> ParticipantPage:
    """A page of the survey's participants in the order of their addresses (of their
    import once addresses are purged); `search` keeps the addresses containing it.
    The order and the search read nothing that answering changes."""
    where = [Invitation.survey_id == survey_id]
    if search.strip():
        where.append(Invitation.email.contains(search.strip().lower(), autoescape=True))
    total = Session.scalar(select(func.count()).select_from(Invitation).where(*where)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    # The page's ids first, from the (survey_id, email) index alone: an OFFSET deep into
    # 100,000 people then skips index entries, not joined rows.
    page_ids = (
        select(Invitation.id)
        .where(*where)
        .order_by(Invitation.email, Invitation.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .subquery()
    )
    has_link = exists().where(InvitationToken.invitation_id == Invitation.id)
    rows = Session.execute(
        select(
            Invitation.id,
            Invitation.email,
            Team.path,
            Level.label,
            Invitation.language,
            has_link | Invitation.sent_at.is_not(None),
        )
        .join(page_ids, page_ids.c.id == Invitation.id)
        .join(Team, Team.id == Invitation.team_id)
        .outerjoin(Level, Level.id == Invitation.level_id)
        .order_by(Invitation.email, Invitation.id)
    ).all()
    return ParticipantPage(
        [ParticipantRow(r[0], r[1], r[2], r[3], r[4], bool(r[5])) for r in rows],
        total,
        page,
        pages,
    )


def email_dates(survey_id: int) -> EmailDates:
    """The first invitation email and the last reminder of the survey."""
    first, reminded = Session.execute(
        select(func.min(Invitation.sent_at), func.max(Invitation.reminded_at)).where(
            Invitation.survey_id == survey_id
        )
    ).one()
    return EmailDates(first, reminded)
