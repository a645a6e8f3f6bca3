"""Reads about the organisation tree."""

from __future__ import annotations

from sqlalchemy import select

from app.db import Session
from app.org.models import OrganisationProfile, Team


def team_paths() -> list[str]:
    """The path of every team, sorted (a parent before its children)."""
    return list(Session.scalars(select(Team.path).order_by(Team.path)))


def organisation_profile() -> OrganisationProfile | None:
    """The organisation's name and contact for emails, or None while no admin has set them."""
    return Session.get(OrganisationProfile, 1)
