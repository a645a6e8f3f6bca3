"""The purge at the close clears the people's languages with their addresses: a language
kept beside a team and level would pick out the only speaker of it, whose response the
release counts. Refused before the close, it leaves everything as it was."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.errors import DomainError
from app.instruments.models import InstrumentVersion
from app.surveys.models import Invitation
from app.surveys.services import (
    close_survey,
    create_survey,
    import_participants,
    open_survey,
    purge_contacts,
)

PARTICIPANTS = (
    "email,team,level,language\n"
    "ana@example.org,Engineering/Platform,individual_contributor,es\n"
    "ben@example.org,Engineering/Platform,individual_contributor,en\n"
    "cai@example.org,Engineering/Platform,manager,\n"
)


def _people(db_session: Any, survey_id: int) -> list[tuple[str | None, str | None, int, int]]:
    return sorted(
        db_session.execute(
            select(Invitation.email, Invitation.language, Invitation.team_id, Invitation.level_id)
            .where(Invitation.survey_id == survey_id)
            .order_by(Invitation.id)
        ).all(),
        key=str,
    )


def test_the_purge_clears_every_language_and_keeps_team_and_level(
    db_session: Any, bundled_version: InstrumentVersion
) -> None:
    survey = create_survey(instrument_key="relational-climate", title="Purged languages")
    import_participants(survey.id, PARTICIPANTS)
    other = create_survey(instrument_key="relational-climate", title="Still open")
    import_participants(other.id, PARTICIPANTS)
    open_survey(survey.id)
    open_survey(other.id)
    db_session.commit()
    before = _people(db_session, survey.id)
    assert {language for _e, language, _t, _l in before} == {"es", "en", None}

    close_survey(survey.id)
    purge_contacts(survey.id)
    db_session.commit()

    after = db_session.execute(
        select(Invitation.email, Invitation.language, Invitation.team_id, Invitation.level_id)
        .where(Invitation.survey_id == survey.id)
        .order_by(Invitation.id)
    ).all()
    assert len(after) == 3
    assert all(email is None and language is None for email, language, _t, _l in after)
    assert sorted((t, lv) for _e, _lang, t, lv in after) == sorted(
        (t, lv) for _e, _lang, t, lv in before
    )
    # another survey's people keep theirs
    assert {lang for _e, lang, _t, _l in _people(db_session, other.id)} == {"es", "en", None}


def test_a_purge_before_the_close_is_refused_and_keeps_the_languages(
    db_session: Any, bundled_version: InstrumentVersion
) -> None:
    survey = create_survey(instrument_key="relational-climate", title="Open wave")
    import_participants(survey.id, PARTICIPANTS)
    open_survey(survey.id)
    db_session.commit()
    before = _people(db_session, survey.id)
    with pytest.raises(DomainError, match="purged"):
        purge_contacts(survey.id)
    db_session.rollback()
    assert _people(db_session, survey.id) == before
