"""A closed wave with responses, comments and a final release, for retention tests."""

from __future__ import annotations

from typing import Any

import pytest

from app.db import Session
from app.instruments.models import InstrumentVersion
from app.reports.releases import close_with_final_release
from app.surveys.models import Survey
from app.surveys.services import create_survey, import_participants, open_survey, purge_contacts
from tests.reports.answering import answer

TEAMS = ("Engineering", "Sales")
PER_TEAM = 5


def emails(title: str) -> list[str]:
    slug = title.lower().replace(" ", "-")
    return [f"{slug}-{team.lower()}{i}@example.org" for team in TEAMS for i in range(PER_TEAM)]


def make_wave(title: str, *, close: bool = True, answered: int = PER_TEAM * len(TEAMS)) -> Survey:
    """A survey of two teams of five, `answered` of them answered (each with a comment),
    closed with its final release (today) unless `close` is false."""
    survey = create_survey(
        instrument_key="relational-climate", title=title, k_scores=3, k_comments=3
    )
    people = emails(title)
    rows = [f"{email},{TEAMS[i // PER_TEAM]},manager" for i, email in enumerate(people)]
    import_participants(survey.id, "email,team,level\n" + "\n".join(rows) + "\n")
    open_survey(survey.id)
    Session.commit()
    chosen = people[:answered]
    answer(
        survey,
        dict.fromkeys(chosen, 4),
        {email: {"change_together": f"secret comment of {email}"} for email in chosen},
    )
    Session.commit()
    if close:
        close_with_final_release(survey.id, actor=None)
        Session.commit()
        purge_contacts(survey.id)
        Session.commit()
    return survey


@pytest.fixture
def wave(db_session: Any, bundled_version: InstrumentVersion) -> Survey:
    return make_wave("Spring wave")
