"""Writes for the organisation tree."""

from __future__ import annotations

from sqlalchemy import select

from app.db import Session, utcnow
from app.errors import DomainError
from app.i18n import N_, _
from app.input_rules import text_problem
from app.org.models import PATH_SEPARATOR, OrganisationProfile, Team

MAX_NAME = 120
MAX_PATH = 1000  # Team.path's column


def normalize_team_path(path: str) -> str:
    """Canonical form of a team path: segments stripped, joined by "/".

    Raises DomainError for an empty path, an empty segment ("Sales//East"), a segment
    longer than a team name may be, or a path longer than MAX_PATH.
    """
    parts = [part.strip() for part in path.strip().strip(PATH_SEPARATOR).split(PATH_SEPARATOR)]
    if not path.strip() or any(not part for part in parts):
        raise DomainError(
            _("%(path)s is not a team path like Engineering/Platform.", path=repr(path))
        )
    too_long = [p for p in parts if len(p) > MAX_NAME]
    if too_long:
        raise DomainError(
            _(
                "Team name %(name)s... is over %(most)s characters.",
                name=repr(too_long[0][:30]),
                most=MAX_NAME,
            )
        )
    if len(PATH_SEPARATOR.join(parts)) > MAX_PATH:
        raise DomainError(
            _(
                "The team path %(path)s... is over %(most)s characters.",
                path=repr(path[:30]),
                most=MAX_PATH,
            )
        )
    return PATH_SEPARATOR.join(parts)


def ensure_team(path: str) -> tuple[Team, bool]:
    """Return the team at `path`, creating it and its missing ancestors; the flag tells
    whether anything was created."""
    canonical = normalize_team_path(path)
    parts = canonical.split(PATH_SEPARATOR)
    paths = [PATH_SEPARATOR.join(parts[: i + 1]) for i in range(len(parts))]
    existing = {t.path: t for t in Session.scalars(select(Team).where(Team.path.in_(paths)))}
    parent: Team | None = None
    created = False
    for name, sub in zip(parts, paths, strict=True):
        team = existing.get(sub)
        if team is None:
            team = Team(name=name, path=sub, parent=parent)
            Session.add(team)
            created = True
        parent = team
    if created:
        Session.flush()
    assert parent is not None
    return parent, created


MAX_ORGANISATION_NAME = 120
MAX_CONTACT = 200


def set_organisation_profile(name: str, contact: str) -> OrganisationProfile:
    """Set the organisation's name and the contact (an address or a line of text) that
    every email shows. Both are required, one line each, within their columns' sizes."""
    name, contact = (
        _one_line(name, N_("The organisation's name"), MAX_ORGANISATION_NAME),
        _one_line(contact, N_("The organisation's contact"), MAX_CONTACT),
    )
    profile = Session.get(OrganisationProfile, 1)
    if profile is None:
        profile = OrganisationProfile(id=1, name=name, contact=contact)
        Session.add(profile)
    else:
        profile.name, profile.contact, profile.updated_at = name, contact, utcnow()
    Session.flush()
    return profile


def _one_line(value: str, what: str, limit: int) -> str:
    """`value` on one line, or DomainError naming `what` (a marked phrase, translated
    here)."""
    field = _(what)
    problem = text_problem(value, field)
    if problem is not None:
        raise DomainError(problem)
    value = " ".join(value.split())
    if not value:
        raise DomainError(_("%(field)s is required.", field=field))
    if len(value) > limit:
        raise DomainError(
            _(
                "%(field)s has %(count)s characters; at most %(most)s.",
                field=field,
                count=len(value),
                most=limit,
            )
        )
    return value
