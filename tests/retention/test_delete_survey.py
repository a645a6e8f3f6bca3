"""Deleting a whole survey: after its exact title is typed, the survey and every row
derived from it go (checked over every table of the models' metadata); a wrong title or an
open survey deletes nothing; the deletion is audited with the title and id only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Table, false, func, or_, select, text

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.db import Base, Session, utcnow
from app.errors import Conflict, DomainError
from app.org.models import Team
from app.outbox.models import MessageStatus, OutboxMessage
from app.plans.models import ActionPlan
from app.reports.models import Release
from app.retention.queries import rows_referring_to
from app.retention.services import delete_survey
from app.sharing.models import EmployeeSummary
from app.surveys.imports import queue_import
from app.surveys.models import Invitation, Survey
from app.surveys.services import create_survey, import_participants, issue_links
from app.worker.models import ScheduledRelease
from tests.conftest import AuthActions, csrf_token_from
from tests.retention.conftest import make_wave

SURVEY = Survey.__table__.c.id


def _referring(survey_id: int) -> dict[str, int]:
    """Rows of every table that refer to the survey, directly or through the rows that
    do (answers through responses, links and emails through invitations, ...)."""
    counts: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        n = Session.scalar(
            select(func.count()).select_from(table).where(_refers(table, survey_id, depth=0))
        )
        if n:
            counts[table.name] = int(n)
    return counts


def _refers(table: Table, survey_id: int, depth: int) -> Any:
    """The condition "this row of `table` leads to the survey through foreign keys"."""
    conditions = []
    for fk in table.foreign_keys:
        if fk.column is SURVEY:
            conditions.append(fk.parent == survey_id)
        elif depth < 3 and fk.column.table is not table:
            parent = fk.column.table
            conditions.append(
                fk.parent.in_(select(fk.column).where(_refers(parent, survey_id, depth + 1)))
            )
    if table is SURVEY.table:
        conditions.append(survey_id == SURVEY)
    return or_(*conditions) if conditions else false()


def _everything_derived(db_session: Any, survey: Survey) -> None:
    """Add a row of each kind other features keep for a survey."""
    team = db_session.scalar(select(Team).where(Team.path == "Engineering"))
    release = db_session.scalar(select(Release).where(Release.survey_id == survey.id))
    db_session.add(ActionPlan(survey_id=survey.id, team_id=team.id))
    db_session.add(
        EmployeeSummary(survey_id=survey.id, release_id=release.id, published_on=utcnow().date())
    )
    db_session.add(
        ScheduledRelease(survey_id=survey.id, publish_at=utcnow() + dt.timedelta(days=1))
    )
    db_session.commit()


@pytest.fixture
def kept(db_session: Any, bundled_version: Any) -> Survey:
    return make_wave("Kept wave")


def test_the_survey_and_everything_derived_from_it_go(
    db_session: Any, wave: Survey, kept: Survey
) -> None:
    _everything_derived(db_session, wave)
    before = _referring(wave.id)
    for table in (
        "invitation",
        "response",
        "answer",
        "dimension_score",
        "family_score",
        "comment",
        "release",
        "level",
        "survey_team",
        "action_plan",
        "employee_summary",
        "scheduled_release",
        "survey",
    ):
        assert before.get(table), f"the test wave has no {table} row"
    kept_before = _referring(kept.id)

    deleted = delete_survey(wave.id, "Spring wave")
    db_session.commit()

    assert (deleted.id, deleted.title) == (wave.id, "Spring wave")
    assert _referring(wave.id) == {}, "rows still refer to the deleted survey"
    assert _referring(kept.id) == kept_before
    if db_session.get_bind().dialect.name == "sqlite":
        assert db_session.execute(text("PRAGMA foreign_key_check")).all() == []
    assert db_session.get(Survey, wave.id) is None


def test_a_draft_with_queued_files_and_emails_goes_too(
    db_session: Any, bundled_version: Any
) -> None:
    draft = create_survey(instrument_key="relational-climate", title="Draft wave")
    import_participants(draft.id, "email,team,level\nzoe@example.org,Sales,manager\n")
    issue_links(draft.id)
    queue_import(draft.id, b"email,team,level\nyan@example.org,Sales,manager\n", "more.csv", None)
    invitation = db_session.scalar(select(Invitation).where(Invitation.survey_id == draft.id))
    db_session.add(
        OutboxMessage(
            invitation_id=invitation.id,
            kind="invitation",
            status=MessageStatus.PENDING.value,
            raw_token="not-a-real-token",
        )
    )
    db_session.commit()
    assert {"participant_import", "outbox_message", "invitation_token"} <= set(_referring(draft.id))
    delete_survey(draft.id, "  Draft wave ")  # surrounding spaces aside
    db_session.commit()
    assert _referring(draft.id) == {}


@pytest.mark.parametrize("typed", ["spring wave", "Spring", "Spring wave!", "", "Kept wave"])
def test_a_wrong_title_deletes_nothing(
    db_session: Any, wave: Survey, kept: Survey, typed: str
) -> None:
    before = _referring(wave.id)
    with pytest.raises(DomainError, match=r"is not this survey's title.*Nothing was deleted"):
        delete_survey(wave.id, typed)
    db_session.rollback()
    assert _referring(wave.id) == before


def test_an_open_survey_is_not_deleted(db_session: Any, bundled_version: Any) -> None:
    survey = make_wave("Open wave", close=False)
    before = _referring(survey.id)
    with pytest.raises(Conflict, match=r"is open.*Close it first"):
        delete_survey(survey.id, "Open wave")
    db_session.rollback()
    assert _referring(survey.id) == before


def test_the_page_lists_what_goes(
    client: FlaskClient, auth: AuthActions, make_user: Any, wave: Survey
) -> None:
    make_user("admin@example.org", Role.ADMIN)
    auth.login("admin@example.org")
    page = client.get(f"/admin/surveys/{wave.id}/delete")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    counts = rows_referring_to(wave.id)
    assert f"{counts['invitation']} invitations (with their links and emails)" in html
    assert f"{counts['release']} releases of the results" in html
    # How many answered or commented may be withheld by the release: never counted here.
    assert "All its responses (with their answers and scores)" in html
    assert "All its comments" in html
    assert f"{counts['response']} responses" not in html
    shown = client.get(f"/admin/surveys/{wave.id}").get_data(as_text=True)
    assert f'href="/admin/surveys/{wave.id}/delete"' in shown


def test_an_admin_deletes_a_survey_by_typing_its_title(
    client: FlaskClient, auth: AuthActions, make_user: Any, db_session: Any, wave: Survey
) -> None:
    make_user("admin@example.org", Role.ADMIN)
    auth.login("admin@example.org")
    url = f"/admin/surveys/{wave.id}/delete"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    report = f"/reports/surveys/{wave.id}/"
    assert client.get(report).status_code == 200

    wrong = client.post(url, data={"csrf_token": token, "title": "Spring"})
    assert wrong.status_code == 400
    assert "is not this survey&#39;s title" in wrong.get_data(as_text=True)
    assert db_session.get(Survey, wave.id) is not None

    empty = client.post(url, data={"csrf_token": token, "title": ""})
    assert empty.status_code == 400
    assert "Type the survey&#39;s title to delete it." in empty.get_data(as_text=True)

    no_token = client.post(url, data={"title": "Spring wave"})
    assert no_token.status_code == 400
    assert db_session.get(Survey, wave.id) is not None

    done = client.post(url, data={"csrf_token": token, "title": "Spring wave"})
    assert done.status_code == 302 and done.location.endswith("/admin/surveys/")
    assert db_session.get(Survey, wave.id) is None
    listing = client.get("/admin/surveys/").get_data(as_text=True)
    assert "The survey “Spring wave” and everything derived from it are deleted." in listing
    (event,) = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "survey.delete"))
    assert (event.object_type, event.object_id) == ("survey", str(wave.id))
    assert event.detail == {"title": "Spring wave"}
    assert client.get(url).status_code == 404
    assert client.get(report).status_code == 404  # its releases went with it
    assert client.get(f"/reports/surveys/{wave.id}/export.csv").status_code == 404


def test_an_open_survey_page_says_to_close_it_first(
    client: FlaskClient, auth: AuthActions, make_user: Any, db_session: Any, bundled_version: Any
) -> None:
    survey = make_wave("Open wave", close=False)
    make_user("admin@example.org", Role.ADMIN)
    auth.login("admin@example.org")
    url = f"/admin/surveys/{survey.id}/delete"
    page = client.get(url).get_data(as_text=True)
    assert "Close it first" in page
    token = csrf_token_from(page)
    refused = client.post(url, data={"csrf_token": token, "title": "Open wave"})
    assert refused.status_code == 409
    assert db_session.get(Survey, survey.id) is not None
