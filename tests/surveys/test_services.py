from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from app.errors import Conflict, DomainError, NotFound
from app.instruments.models import InstrumentVersion
from app.org.models import Team
from app.surveys.models import Invitation, InvitationToken, Survey
from app.surveys.services import (
    ParticipantsInvalid,
    accepts_responses,
    archive_survey,
    close_survey,
    create_survey,
    import_participants,
    issue_links,
    open_survey,
    purge_contacts,
    update_draft_survey,
)
from app.surveys.tokens import token_sha256
from tests.conftest import PARTICIPANTS_CSV, OpenSurvey, invitation_for_token

UTC = dt.UTC


def _count(db: Any, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model))


def test_create_survey_pins_the_latest_version_with_default_levels(
    db_session: Any, bundled_version: InstrumentVersion
) -> None:
    survey = create_survey(instrument_key="relational-climate", title="  Autumn  ")
    assert survey.title == "Autumn"
    assert survey.instrument_version_id == bundled_version.id
    assert survey.state == "draft"
    assert (survey.k_scores, survey.k_comments) == (5, 10)
    assert [lv.key for lv in survey.levels] == [
        "individual_contributor",
        "manager",
        "senior_leader",
    ]
    assert [lv.rank for lv in survey.levels] == [1, 2, 3]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k_scores": 2}, "never be below 3"),
        ({"k_comments": 1}, "never be below 3"),
        ({"title": " "}, "needs a title"),
        ({"levels": [("a", "A"), ("a", "B")]}, "unique"),
        ({"levels": []}, "at least one level"),
        ({"version": 9}, "has no version 9"),
        (
            {
                "opens_at": dt.datetime(2027, 2, 1, tzinfo=UTC),
                "closes_at": dt.datetime(2027, 1, 1, tzinfo=UTC),
            },
            "open before it closes",
        ),
    ],
)
def test_create_survey_rejects_bad_settings(
    db_session: Any, bundled_version: InstrumentVersion, kwargs: dict[str, Any], message: str
) -> None:
    args: dict[str, Any] = {"instrument_key": "relational-climate", "title": "Wave"}
    args.update(kwargs)
    with pytest.raises(DomainError, match=message):
        create_survey(**args)
    db_session.rollback()
    assert _count(db_session, Survey) == 0


def test_unknown_instrument_is_not_found(db_session: Any) -> None:
    with pytest.raises(NotFound, match="No instrument 'nope'"):
        create_survey(instrument_key="nope", title="Wave")


def test_lifecycle_is_enforced_and_closing_purges_emails(
    db_session: Any, open_survey: OpenSurvey
) -> None:
    survey_id = open_survey.survey.id
    with pytest.raises(Conflict, match="is open; it cannot be opened"):
        open_survey_again(survey_id)
    with pytest.raises(Conflict, match="cannot be archived"):
        archive_survey(survey_id)
    with pytest.raises(Conflict, match="is open; it cannot be purged"):
        purge_contacts(survey_id)  # the addresses are needed while the survey is open
    close_survey(survey_id)
    purge_contacts(survey_id)
    emails = db_session.scalars(select(Invitation.email).where(Invitation.survey_id == survey_id))
    assert list(emails) == [None, None, None]
    assert archive_survey(survey_id).state == "archived"


def open_survey_again(survey_id: int) -> None:
    open_survey(survey_id)


def test_responses_are_accepted_only_while_open_and_within_dates(
    db_session: Any, open_survey: OpenSurvey
) -> None:
    survey = open_survey.survey
    now = dt.datetime(2027, 3, 10, 12, tzinfo=UTC)
    assert accepts_responses(survey, now)
    survey.opens_at = now + dt.timedelta(hours=1)
    assert not accepts_responses(survey, now)
    survey.opens_at, survey.closes_at = None, now
    assert not accepts_responses(survey, now)
    survey.closes_at = None
    survey.state = "closed"
    assert not accepts_responses(survey, now)


def test_import_creates_teams_and_one_invitation_per_person(
    db_session: Any, bundled_version: InstrumentVersion
) -> None:
    survey = create_survey(instrument_key="relational-climate", title="Wave")
    report = import_participants(
        survey.id,
        "Email,Team,Level,Language\n"
        "A@Example.org, Engineering / Platform ,Manager,es\n"
        "b@example.org,Engineering,individual_contributor,\n"
        "\n",
    )
    assert report.invited == 2
    assert report.teams_created == ["Engineering/Platform"]  # its parent came with it
    invitations = db_session.scalars(select(Invitation).order_by(Invitation.email)).all()
    assert [i.email for i in invitations] == ["a@example.org", "b@example.org"]
    assert invitations[0].level.key == "manager"
    assert invitations[0].language == "es"
    assert invitations[0].team.path == "Engineering/Platform"
    assert {t.path for t in survey.teams} == {"Engineering/Platform", "Engineering"}
    # No link yet: links go out by email, or in a links file before the opening.
    assert db_session.scalar(select(func.count()).select_from(InvitationToken)) == 0


def test_import_reports_every_bad_row_and_stores_nothing(
    db_session: Any, bundled_version: InstrumentVersion
) -> None:
    survey = create_survey(instrument_key="relational-climate", title="Wave")
    db_session.commit()
    content = (
        "email,team,level,language\n"
        "ok@example.org,Sales,manager,\n"
        "not-an-email,Sales,manager,\n"
        "ok@example.org,Sales,manager,\n"
        "c@example.org,Sales//East,manager,\n"
        "d@example.org,Sales,chief,\n"
        "e@example.org,Sales,manager,fr\n"
        "f@example.org,Sales,manager,,extra\n"
    )
    with pytest.raises(ParticipantsInvalid) as excinfo:
        import_participants(survey.id, content)
    db_session.rollback()
    found = {(e.line, e.column) for e in excinfo.value.errors}
    assert found == {
        (3, "email"),
        (4, "email"),
        (5, "team"),
        (6, "level"),
        (7, "language"),
        (8, "-"),
    }
    assert "ok@example.org is also on line 2: list each person once" in str(excinfo.value)
    assert "nothing was imported" in str(excinfo.value)
    assert _count(db_session, Invitation) == 0
    assert _count(db_session, Team) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"email,team\nx@example.org,Sales\n", "missing column"),
        (b"email,team,level\n", "lists no participants"),
        (b"email,team,level\n\xff\xfe,Sales,manager\n", "not UTF-8"),
    ],
)
def test_import_rejects_unusable_files(
    db_session: Any, bundled_version: InstrumentVersion, content: bytes, message: str
) -> None:
    survey = create_survey(instrument_key="relational-climate", title="Wave")
    with pytest.raises(ParticipantsInvalid, match=message):
        import_participants(survey.id, content)


def test_an_already_invited_person_is_skipped_by_line(
    db_session: Any, open_survey: OpenSurvey
) -> None:
    report = import_participants(
        open_survey.survey.id,
        "email,team,level\nana@example.org,Sales,manager\nnew@example.org,Sales,manager\n",
    )
    assert (report.invited, report.skipped) == (1, [2])
    assert report.skipped_summary() == "1 row(s) already invited, skipped (lines 2)."


def test_an_open_survey_keeps_its_teams(db_session: Any, open_survey: OpenSurvey) -> None:
    with pytest.raises(ParticipantsInvalid, match="not in this survey, which is open"):
        import_participants(
            open_survey.survey.id, "email,team,level\nnew@example.org,Marketing,manager\n"
        )
    report = import_participants(
        open_survey.survey.id, "email,team,level\nnew@example.org,Sales,manager\n"
    )
    assert report.invited == 1


def test_links_file_only_before_the_opening_replacing_the_earlier_file(
    db_session: Any, bundled_version: InstrumentVersion
) -> None:
    survey = create_survey(instrument_key="relational-climate", title="Links")
    import_participants(survey.id, PARTICIPANTS_CSV)
    first = dict(issue_links(survey.id))
    links = dict(issue_links(survey.id))
    # Everyone invited: a list of only some would say who they are.
    assert set(links) == {"ana@example.org", "ben@example.org", "cai@example.org"}
    for email in links:
        assert invitation_for_token(first[email]) is None  # the earlier file is revoked
        fresh = invitation_for_token(links[email])
        assert fresh is not None and fresh.email == email
    open_survey(survey.id)
    with pytest.raises(Conflict, match="only before the survey opens"):
        issue_links(survey.id)


def test_raw_tokens_are_never_stored(db_session: Any, open_survey: OpenSurvey) -> None:
    stored = [
        *db_session.execute(select(Invitation.__table__)).all(),
        *db_session.execute(select(InvitationToken.__table__)).all(),
    ]
    flat = " ".join(str(value) for row in stored for value in row)
    for raw in open_survey.tokens.values():
        assert raw not in flat
        assert token_sha256(raw) in flat


def test_an_open_survey_keeps_its_version_levels_and_teams(
    db_session: Any, open_survey: OpenSurvey, make_team: Any
) -> None:
    survey = db_session.get(Survey, open_survey.survey.id)
    survey.levels[0].label = "Renamed"
    with pytest.raises(Conflict, match="levels can no longer change"):
        db_session.flush()
    db_session.rollback()

    survey = db_session.get(Survey, open_survey.survey.id)
    survey.teams.append(make_team("Marketing"))
    with pytest.raises(Conflict, match="teams can no longer change"):
        db_session.flush()
    db_session.rollback()

    survey = db_session.get(Survey, open_survey.survey.id)
    survey.instrument_version_id = survey.instrument_version_id + 1
    with pytest.raises(Conflict, match="instrument version id can no longer change"):
        db_session.flush()
    db_session.rollback()

    survey = db_session.get(Survey, open_survey.survey.id)
    survey.title = "A new title is fine"
    db_session.flush()


def test_a_draft_survey_can_still_change(
    db_session: Any, bundled_version: InstrumentVersion
) -> None:
    survey = create_survey(instrument_key="relational-climate", title="Draft")
    survey.levels[0].label = "Renamed"
    db_session.flush()
    open_survey(survey.id)  # opening in the same flush as other changes is allowed
    db_session.flush()
    assert survey.state == "open"


def test_a_drafts_new_dates_may_not_leave_its_reminder_cadence_past_the_close(
    db_session: Any, bundled_version: InstrumentVersion
) -> None:
    opens = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    survey = create_survey(
        instrument_key="relational-climate",
        title="Autumn",
        opens_at=opens,
        closes_at=opens + dt.timedelta(days=20),
    )
    survey.remind_after_days = 7  # set on the schedule page
    db_session.flush()
    settings: dict[str, Any] = {
        "title": "Autumn",
        "team_paths": [t.path for t in survey.teams],
        "levels": [(lv.key, lv.label) for lv in survey.levels],
        "opens_at": opens,
        "k_scores": survey.k_scores,
        "k_comments": survey.k_comments,
    }
    with pytest.raises(DomainError, match="A first reminder 7 day"):
        update_draft_survey(survey.id, closes_at=opens + dt.timedelta(days=5), **settings)
    assert survey.closes_at == opens + dt.timedelta(days=20)  # unchanged
    update_draft_survey(survey.id, closes_at=opens + dt.timedelta(days=8), **settings)
    assert survey.closes_at == opens + dt.timedelta(days=8)
