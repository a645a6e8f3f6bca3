"""seed-demo: the service, the shared batch path it stores through, and the command."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter
from typing import Any

import numpy as np
import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from app.auth.models import Role, StaffUser
from app.demo.commands import seed_demo_command
from app.demo.model import NOT_ASKED, draw_population, plan_focus, plan_org, simulate_wave
from app.demo.services import (
    ARCHIVED_INSTRUMENT,
    BUNDLED_INSTRUMENT,
    DEMO_ADMIN,
    DemoSummary,
    seed_demo,
)
from app.errors import Conflict, DomainError, Gone
from app.instruments.document import InstrumentDocument, content_sha256
from app.instruments.models import Instrument, InstrumentVersion
from app.instruments.queries import document_of
from app.instruments.scoring import score_response
from app.org.models import Team
from app.surveys.models import Invitation, InvitationToken, Survey, SurveyState
from app.taking.models import Answer, Comment, DimensionScore, FamilyScore, Response
from app.taking.services import BatchSubmission, record_submission, store_responses
from tests.conftest import OpenSurvey

TODAY = dt.date(2026, 3, 15)
SMALL = {"teams": 6, "people": 60, "waves": 2, "seed": 3}


def count(db: Any, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)))


@pytest.fixture
def seeded(db_session: Any) -> DemoSummary:
    summary = seed_demo(**SMALL, today=TODAY)
    db_session.commit()
    return summary


def test_the_demo_builds_closed_surveys_six_months_apart(
    db_session: Any, seeded: DemoSummary
) -> None:
    surveys = db_session.scalars(select(Survey).order_by(Survey.opens_at)).all()
    assert [s.id for s in surveys] == [s.id for s in seeded.surveys]
    assert {s.state for s in surveys} == {SurveyState.CLOSED.value}
    assert surveys[-1].closes_at.date() == TODAY - dt.timedelta(days=7)
    assert (surveys[1].opens_at - surveys[0].opens_at).days == 182
    for survey in surveys:
        assert survey.opens_at < survey.closes_at
        assert [lv.rank for lv in survey.levels] == [1, 2, 3]
        assert len(survey.teams) == 6
        assert "(demo)" in survey.title
    # The first wave answers version 1 (the archive), the second the bundled file: one
    # version when the two files hold the same content.
    versions = db_session.scalars(select(InstrumentVersion).order_by(InstrumentVersion.version))
    stored = {v.sha256: v.id for v in versions}
    assert surveys[0].instrument_version_id == stored[content_sha256(_file(ARCHIVED_INSTRUMENT))]
    assert surveys[1].instrument_version_id == stored[content_sha256(_file(BUNDLED_INSTRUMENT))]
    assert count(db_session, Instrument) == 1


def _file(path: Any) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _response_counts(db: Any) -> list[tuple[InstrumentDocument, int, int]]:
    """(document, responses, leader-level responses) per survey."""
    found = []
    for survey in db.scalars(select(Survey).order_by(Survey.opens_at)):
        leading = {level.id for level in survey.levels if level.leads_work_group}
        levels = list(db.scalars(select(Response.level_id).where(Response.survey_id == survey.id)))
        found.append(
            (
                document_of(survey.instrument_version),
                len(levels),
                sum(level in leading for level in levels),
            )
        )
    return found


def test_departments_hold_the_teams(db_session: Any, seeded: DemoSummary) -> None:
    teams = db_session.scalars(select(Team)).all()
    leaves = [t for t in teams if t.parent_id is not None]
    roots = [t for t in teams if t.parent_id is None]
    assert len(leaves) == seeded.teams == 6
    assert len(roots) == seeded.departments >= 2
    assert all(t.path == f"{t.parent.path}/{t.name}" for t in leaves)


def test_responded_invitations_match_responses_team_by_team(
    db_session: Any, seeded: DemoSummary
) -> None:
    assert count(db_session, Invitation) == 60 * 2
    assert count(db_session, Response) == seeded.responses
    assert seeded.responses == sum(s.responses for s in seeded.surveys)
    for survey in seeded.surveys:
        responded = dict(
            db_session.execute(
                select(Invitation.team_id, func.count())
                .where(Invitation.survey_id == survey.id, Invitation.responded.is_(True))
                .group_by(Invitation.team_id)
            ).all()
        )
        responses = dict(
            db_session.execute(
                select(Response.team_id, func.count())
                .where(Response.survey_id == survey.id)
                .group_by(Response.team_id)
            ).all()
        )
        assert responded == responses
        invited = db_session.scalar(select(func.count()).where(Invitation.survey_id == survey.id))
        assert invited == survey.invited == 60
        assert 0.6 < survey.responses / invited < 0.95
        # Small teams stay below k = 5, so reports must hide them.
        assert any(n < 5 for n in responses.values())
    # Closing purged every email address; demo invitations have no links.
    assert db_session.scalar(select(func.count()).where(Invitation.email.is_not(None))) == 0
    assert db_session.scalar(select(func.count()).select_from(InvitationToken)) == 0


def test_responses_carry_the_level_and_a_date_within_the_field_period(
    db_session: Any, seeded: DemoSummary
) -> None:
    for survey in db_session.scalars(select(Survey)):
        rows = db_session.execute(
            select(Response.level_id, Response.submitted_on).where(Response.survey_id == survey.id)
        ).all()
        levels = {lv.id: lv.rank for lv in survey.levels}
        ranks = Counter(levels[level_id] for level_id, _ in rows)
        assert ranks[1] > ranks[2] > 0  # most people at the bottom
        days = {submitted for _, submitted in rows}
        assert min(days) >= survey.opens_at.date()
        assert max(days) < survey.closes_at.date()
        assert len(days) > 3


def test_scores_are_those_of_the_shared_scoring_code(db_session: Any, seeded: DemoSummary) -> None:
    per_survey = _response_counts(db_session)
    # A leader is not asked the items asked only of the people the leader leads.
    answers = sum(
        n * len(d.items) - leaders * (len(d.items) - len(d.items_asked_of(leads_work_group=True)))
        for d, n, leaders in per_survey
    )
    assert count(db_session, Answer) == answers
    assert count(db_session, DimensionScore) == sum(n * len(d.dimensions) for d, n, _ in per_survey)
    assert count(db_session, FamilyScore) == sum(n * len(d.families) for d, n, _ in per_survey)
    missing = db_session.scalar(select(func.count()).where(Answer.value.is_(None)))
    assert 0 < missing < 0.05 * answers
    for response in db_session.scalars(select(Response).limit(20)):
        document = document_of(db_session.get(InstrumentVersion, response.instrument_version_id))
        answers = dict(
            db_session.execute(
                select(Answer.item_key, Answer.value).where(Answer.response_id == response.id)
            ).all()
        )
        expected = score_response(document, answers)
        stored = dict(
            db_session.execute(
                select(DimensionScore.dimension_key, DimensionScore.score).where(
                    DimensionScore.response_id == response.id
                )
            ).all()
        )
        families = dict(
            db_session.execute(
                select(FamilyScore.family_key, FamilyScore.score).where(
                    FamilyScore.response_id == response.id
                )
            ).all()
        )
        assert stored == pytest.approx(dict(expected.dimensions))
        assert families == pytest.approx(dict(expected.families))


def test_the_stored_data_are_what_the_model_generates(db_session: Any, seeded: DemoSummary) -> None:
    documents = [
        document_of(db_session.get(Survey, survey.id).instrument_version)
        for survey in seeded.surveys
    ]
    rng = np.random.default_rng(SMALL["seed"])
    org = plan_org(SMALL["teams"], SMALL["people"], 3, rng)
    population = draw_population(documents, org, SMALL["waves"], rng)
    plans = plan_focus(documents, org, SMALL["waves"], np.random.default_rng([SMALL["seed"], 1]))
    population = dataclasses.replace(population, focus=plans)
    waves = [simulate_wave(documents[w], population, w, rng) for w in range(SMALL["waves"])]
    for survey, wave in zip(seeded.surveys, waves, strict=True):
        expected = Counter(v for v in wave.values.ravel().tolist() if v != NOT_ASKED)
        stored = Counter(
            0 if value is None else value
            for value in db_session.scalars(
                select(Answer.value).join(Response).where(Response.survey_id == survey.id)
            )
        )
        assert stored == expected
        assert survey.comments == len(wave.comments)


def test_comments_are_stored_apart_from_responses(db_session: Any, seeded: DemoSummary) -> None:
    comments = db_session.scalars(select(Comment)).all()
    assert len(comments) == seeded.comments > 0
    assert "response_id" not in Comment.__table__.columns
    response_ids = set(db_session.scalars(select(Response.id)))
    assert not response_ids & {c.id for c in comments}
    for comment in comments:
        survey = db_session.get(Survey, comment.survey_id)
        assert comment.team_id in {t.id for t in survey.teams}
        prompts = {p.key for p in document_of(survey.instrument_version).prompts}
        assert comment.prompt_key in prompts
        assert comment.text.strip()


def test_demo_staff_accounts_are_created(db_session: Any, seeded: DemoSummary) -> None:
    users = {u.email: u for u in db_session.scalars(select(StaffUser))}
    assert {login.email for login in seeded.logins} == set(users)
    roles = {u.role for u in users.values()}
    assert roles == {Role.ADMIN.value, Role.HR.value, Role.MANAGER.value}
    (manager,) = [u for u in users.values() if u.role == Role.MANAGER.value]
    (scope,) = manager.team_scopes
    assert scope.parent_id is None and scope.children  # a whole department
    assert all(login.created for login in seeded.logins)


def test_running_twice_is_refused_and_changes_nothing(db_session: Any, seeded: DemoSummary) -> None:
    before = [count(db_session, m) for m in (Survey, Team, Invitation, Response, StaffUser)]
    with pytest.raises(Conflict, match="already holds 2 survey"):
        seed_demo(**SMALL, today=TODAY)
    after = [count(db_session, m) for m in (Survey, Team, Invitation, Response, StaffUser)]
    assert after == before


def test_existing_demo_accounts_are_kept(db_session: Any, make_user: Any) -> None:
    existing = make_user(DEMO_ADMIN[0], Role.ADMIN)
    summary = seed_demo(teams=2, people=10, waves=1, seed=1, today=TODAY)
    admin = next(login for login in summary.logins if login.email == DEMO_ADMIN[0])
    assert not admin.created
    assert (
        db_session.scalars(select(StaffUser).where(StaffUser.email == DEMO_ADMIN[0])).one()
        is existing
    )
    assert count(db_session, StaffUser) == 3


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"teams": 0}, "--teams must be at least 1"),
        ({"teams": 10, "people": 9}, "--people must be at least --teams"),
        ({"waves": 0}, "--waves must be between 1 and 12"),
        ({"waves": 13}, "--waves must be between 1 and 12"),
        ({"seed": -1}, "--seed"),
    ],
)
def test_bad_arguments_store_nothing(
    db_session: Any, options: dict[str, int], message: str
) -> None:
    with pytest.raises(DomainError, match=message):
        seed_demo(**{**SMALL, **options}, today=TODAY)
    for model in (Instrument, Team, Survey, Invitation, Response, StaffUser):
        assert count(db_session, model) == 0


def test_one_team_one_wave_works(db_session: Any) -> None:
    summary = seed_demo(teams=1, people=3, waves=1, seed=0, today=TODAY)
    assert (summary.teams, summary.departments, summary.people) == (1, 1, 3)
    assert count(db_session, Survey) == 1
    assert count(db_session, Response) == summary.responses <= 3


# --- the batch path shared with real submissions ------------------------------------------


def _answers(document: Any, value: int = 4) -> dict[str, int | None]:
    return {item.key: value for item in document.items}


def _pinned(open_survey: OpenSurvey) -> tuple[int, int, InstrumentDocument]:
    """The open survey's id, its pinned version's id and that version's document."""
    version = open_survey.survey.instrument_version
    return open_survey.survey.id, version.id, document_of(version)


def test_the_batch_path_stores_what_a_real_submission_stores(
    app: Any, db_session: Any, open_survey: OpenSurvey, mix_all: Any
) -> None:
    survey_id, version_id, document = _pinned(open_survey)
    answers = _answers(document) | {"ea_2": None, "au_4": 5}
    ana_link = _token_hash(db_session, "ana@example.org")
    with app.app_context():  # the ballot is sealed with the app's keys
        record_submission(ana_link, version_id, document, answers, {})
        db_session.commit()
    mix_all(open_survey.survey)
    ben = db_session.scalar(select(Invitation).where(Invitation.email == "ben@example.org"))
    stored = store_responses(
        survey_id,
        version_id,
        document,
        [BatchSubmission(ben.id, answers, {"safer_to_speak": "Listen."}, TODAY)],
    )
    assert stored == 1
    assert ben.responded is True
    ana = db_session.scalar(select(Invitation).where(Invitation.email == "ana@example.org"))
    real, batch = (
        db_session.scalars(select(Response).where(Response.level_id == invitation.level_id)).one()
        for invitation in (ana, ben)
    )
    assert (batch.level_id, batch.submitted_on) == (ben.level_id, TODAY)

    def rows(model: Any, key: Any, value: Any, response: Response) -> dict[str, Any]:
        return dict(
            db_session.execute(select(key, value).where(model.response_id == response.id)).all()
        )

    for model, key in (
        (Answer, Answer.item_key),
        (DimensionScore, DimensionScore.dimension_key),
        (FamilyScore, FamilyScore.family_key),
    ):
        assert rows(model, key, model.value if model is Answer else model.score, real) == rows(
            model, key, model.value if model is Answer else model.score, batch
        )
    assert rows(FamilyScore, FamilyScore.family_key, FamilyScore.score, real)["mutuality"]
    comment = db_session.scalars(select(Comment)).one()
    assert (comment.team_id, comment.text) == (ben.team_id, "Listen.")


def _token_hash(db: Any, email: str) -> str:
    return str(
        db.scalar(
            select(InvitationToken.token_sha256)
            .join(Invitation, Invitation.id == InvitationToken.invitation_id)
            .where(Invitation.email == email)
        )
    )


def test_the_batch_path_refuses_used_or_repeated_invitations(
    db_session: Any, open_survey: OpenSurvey
) -> None:
    survey_id, version_id, document = _pinned(open_survey)
    invitations = db_session.scalars(select(Invitation).order_by(Invitation.email)).all()
    ana, ben, _cai = invitations
    with pytest.raises(ValueError, match="more than once"):
        store_responses(
            survey_id,
            version_id,
            document,
            [BatchSubmission(ana.id, _answers(document), {}, TODAY)] * 2,
        )
    with pytest.raises(ValueError, match="outside scale"):
        store_responses(
            survey_id,
            version_id,
            document,
            [BatchSubmission(ana.id, _answers(document, 9), {}, TODAY)],
        )
    assert count(db_session, Response) == 0
    assert not any(i.responded for i in invitations)  # nothing flipped before validation

    store_responses(
        survey_id, version_id, document, [BatchSubmission(ana.id, _answers(document), {}, TODAY)]
    )
    db_session.commit()
    with pytest.raises(Gone, match="1 of 2 invitations"):
        store_responses(
            survey_id,
            version_id,
            document,
            [
                BatchSubmission(ana.id, _answers(document), {}, TODAY),
                BatchSubmission(ben.id, _answers(document), {}, TODAY),
            ],
        )
    db_session.rollback()
    assert count(db_session, Response) == 1
    assert db_session.scalar(select(Invitation.responded).where(Invitation.id == ben.id)) is False


def test_the_batch_path_needs_an_open_survey(db_session: Any, open_survey: OpenSurvey) -> None:
    from app.surveys.services import close_survey

    survey_id, version_id, document = _pinned(open_survey)
    invitation = db_session.scalars(select(Invitation).limit(1)).one()
    close_survey(survey_id)
    with pytest.raises(Gone):
        store_responses(
            survey_id,
            version_id,
            document,
            [BatchSubmission(invitation.id, _answers(document), {}, TODAY)],
        )


# --- the command --------------------------------------------------------------------------


def test_the_command_seeds_prints_the_logins_and_refuses_a_second_run(
    runner: FlaskCliRunner, db_session: Any
) -> None:
    args = ["--teams", "3", "--people", "20", "--waves", "1", "--seed", "2"]
    result = runner.invoke(seed_demo_command, args)
    assert result.exit_code == 0, result.output
    assert "Demo data: 3 teams" in result.output
    assert "20 people, 1 wave(s)" in result.output
    assert f"{DEMO_ADMIN[0]}" in result.output and DEMO_ADMIN[1] in result.output
    assert count(db_session, Survey) == 1

    again = runner.invoke(seed_demo_command, args)
    assert again.exit_code == 1
    assert "already holds 1 survey" in again.output
    assert count(db_session, Survey) == 1


def test_the_command_reports_bad_arguments(runner: FlaskCliRunner, db_session: Any) -> None:
    result = runner.invoke(seed_demo_command, ["--people", "3"])
    assert result.exit_code == 1
    assert "--people must be at least --teams" in result.output
    assert count(db_session, Team) == 0
