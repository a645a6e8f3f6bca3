"""One person added or removed, a roster imported again, and the participants list:
paged, searchable, and the same whether or not anyone has answered."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from app.errors import Conflict, DomainError, NotFound
from app.org.models import Team
from app.outbox.services import queue_invitations
from app.surveys.models import Invitation, InvitationToken, Survey
from app.surveys.queries import email_dates, participant_page
from app.surveys.services import (
    ParticipantsInvalid,
    add_participant,
    close_survey,
    create_survey,
    import_participants,
    remove_participant,
)
from tests.conftest import PARTICIPANTS_CSV, OpenSurvey


def _count(db: Any, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)))


def _invitation(db: Any, email: str) -> Invitation:
    invitation = db.scalar(select(Invitation).where(Invitation.email == email))
    assert invitation is not None
    return invitation


@pytest.fixture
def draft(db_session: Any, bundled_version: Any) -> Survey:
    survey = create_survey(instrument_key="relational-climate", title="Spring wave")
    import_participants(survey.id, PARTICIPANTS_CSV)
    db_session.commit()
    return survey


def test_one_person_is_added_by_the_rules_of_a_files_row(db_session: Any, draft: Survey) -> None:
    invitation = add_participant(
        draft.id, email=" Dee@Example.org ", team="Sales/East", level="Manager", language="es"
    )
    assert (invitation.email, invitation.team.path, invitation.level.key) == (
        "dee@example.org",
        "Sales/East",
        "manager",
    )
    assert invitation.language == "es"
    assert "Sales/East" in {t.path for t in draft.teams}  # a draft takes new teams


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"email": "not-an-email"}, DomainError, "Email: 'not-an-email' is not an email."),
        ({"level": "chief"}, DomainError, "Level: 'chief' is not a level"),
        ({"team": "Sales//East"}, DomainError, "Team: "),
        ({"language": "fr"}, DomainError, "Language: 'fr' is not one of"),
        ({"email": "ANA@example.org"}, Conflict, "ana@example.org is already invited"),
    ],
)
def test_adding_one_person_refuses_bad_input_and_stores_nothing(
    db_session: Any, draft: Survey, fields: dict[str, str], error: type, message: str
) -> None:
    values = {"email": "dee@example.org", "team": "Sales", "level": "manager", "language": ""}
    values.update(fields)
    teams = _count(db_session, Team)
    with pytest.raises(error) as excinfo:
        add_participant(draft.id, **values)
    assert message in excinfo.value.message
    db_session.rollback()
    assert _count(db_session, Invitation) == 3
    assert _count(db_session, Team) == teams


def test_an_open_survey_takes_people_only_in_its_teams_and_a_closed_one_none(
    db_session: Any, open_survey: OpenSurvey
) -> None:
    survey = open_survey.survey
    with pytest.raises(DomainError, match="Marketing is not in this survey, which is open"):
        add_participant(survey.id, email="dee@example.org", team="Marketing", level="manager")
    db_session.rollback()
    add_participant(survey.id, email="dee@example.org", team="Sales", level="manager")
    close_survey(survey.id)
    with pytest.raises(Conflict, match="is closed; it cannot be given participants"):
        add_participant(survey.id, email="eve@example.org", team="Sales", level="manager")
    with pytest.raises(Conflict, match="is closed; it cannot be changed"):
        remove_participant(survey.id, _invitation(db_session, "dee@example.org").id)


def test_a_person_not_invited_yet_can_be_removed(db_session: Any, draft: Survey) -> None:
    remove_participant(draft.id, _invitation(db_session, "ben@example.org").id)
    db_session.commit()
    assert _count(db_session, Invitation) == 2


def test_an_invited_person_stays_whether_by_links_file_or_email(
    db_session: Any, open_survey: OpenSurvey
) -> None:
    survey = open_survey.survey
    # The fixture's links file gave everyone a link.
    with pytest.raises(Conflict, match="they hold a link"):
        remove_participant(survey.id, _invitation(db_session, "ana@example.org").id)
    added = add_participant(survey.id, email="dee@example.org", team="Sales", level="manager")
    queue_invitations(survey.id)
    with pytest.raises(Conflict, match="they hold a link"):
        remove_participant(survey.id, added.id)
    db_session.rollback()
    assert _count(db_session, Invitation) == 3


def test_removing_a_person_of_another_survey_is_not_found(
    db_session: Any, draft: Survey, bundled_version: Any
) -> None:
    other = create_survey(instrument_key="relational-climate", title="Other")
    with pytest.raises(NotFound):
        remove_participant(other.id, _invitation(db_session, "ana@example.org").id)
    with pytest.raises(NotFound):
        remove_participant(draft.id, 999_999)


def test_a_roster_imported_again_adds_the_new_people_and_skips_the_invited(
    db_session: Any, open_survey: OpenSurvey
) -> None:
    roster = PARTICIPANTS_CSV + "dee@example.org,Sales,manager\n"
    report = import_participants(open_survey.survey.id, roster)
    assert (report.invited, report.skipped) == (1, [2, 3, 4])
    assert report.skipped_summary() == "3 row(s) already invited, skipped (lines 2, 3, 4)."
    # Nothing new at all: not an error either.
    again = import_participants(open_survey.survey.id, roster)
    assert (again.invited, again.skipped) == (0, [2, 3, 4, 5])
    assert _count(db_session, Invitation) == 4


def test_a_roster_with_a_person_twice_names_every_repeat_and_imports_nothing(
    db_session: Any, draft: Survey
) -> None:
    content = (
        "email,team,level\n"
        "dee@example.org,Sales,manager\n"
        "eve@example.org,Sales,manager\n"
        "DEE@example.org,Sales,manager\n"
        "eve@example.org,Sales,manager\n"
        "dee@example.org,Sales,manager\n"
        "ana@example.org,Sales,manager\n"
    )
    with pytest.raises(ParticipantsInvalid) as excinfo:
        import_participants(draft.id, content)
    db_session.rollback()
    assert [str(e) for e in excinfo.value.errors] == [
        "line 4, column email: dee@example.org is also on line 2: list each person once",
        "line 5, column email: eve@example.org is also on line 3: list each person once",
        "line 6, column email: dee@example.org is also on line 2: list each person once",
    ]
    assert _count(db_session, Invitation) == 3


def test_the_list_is_paged_and_searched_by_address(db_session: Any, draft: Survey) -> None:
    import_participants(
        draft.id,
        "email,team,level\n" + "".join(f"p{n:03}@example.org,Sales,manager\n" for n in range(120)),
    )
    first = participant_page(draft.id, 1, per_page=50)
    assert (first.total, first.pages, len(first.rows)) == (123, 3, 50)
    assert first.rows[0].email == "ana@example.org"
    last = participant_page(draft.id, 99, per_page=50)  # past the end: the last page
    assert (last.page, len(last.rows)) == (3, 23)
    found = participant_page(draft.id, search="P01")
    assert [r.email for r in found.rows] == [f"p{n:03}@example.org" for n in range(10, 20)]
    assert participant_page(draft.id, search="%").total == 0  # a wildcard is a character


def test_the_list_reads_the_same_whether_people_answered_or_not(
    db_session: Any, open_survey: OpenSurvey
) -> None:
    survey = open_survey.survey
    before = participant_page(survey.id)
    assert all(row.invited for row in before.rows)
    _invitation(db_session, "ben@example.org").responded = True
    db_session.flush()
    assert participant_page(survey.id) == before
    assert participant_page(survey.id, search="ben").rows == [
        r for r in before.rows if r.email == "ben@example.org"
    ]


def test_after_the_close_the_list_keeps_teams_and_levels_without_addresses(
    db_session: Any, open_survey: OpenSurvey
) -> None:
    from app.surveys.services import purge_contacts

    survey = open_survey.survey
    close_survey(survey.id)
    purge_contacts(survey.id)
    page = participant_page(survey.id)
    assert [(r.email, r.team) for r in page.rows] == [
        (None, "Engineering/Platform"),
        (None, "Engineering/Platform"),
        (None, "Sales"),
    ]
    assert _count(db_session, InvitationToken) == 3
    assert email_dates(survey.id).first_invitation is None


def test_a_queued_roster_reports_its_skipped_rows_by_line(db_session: Any, draft: Survey) -> None:
    from app.surveys.imports import queue_import, run_queued_imports
    from app.surveys.models import ParticipantImport

    roster = (PARTICIPANTS_CSV + "dee@example.org,Sales,manager\n").encode()
    queue_import(draft.id, roster, "roster.csv", None)
    db_session.commit()
    (outcome,) = run_queued_imports()
    assert (outcome.state, outcome.invited) == ("done", 1)
    job = db_session.scalar(select(ParticipantImport))
    assert job.message == "3 row(s) already invited, skipped (lines 2, 3, 4)."
    assert "@" not in job.message
