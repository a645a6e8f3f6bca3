from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.instruments.models import InstrumentVersion
from app.surveys.models import Invitation, Survey
from tests.conftest import PARTICIPANTS_CSV, OpenSurvey, invitation_for_token


def _create(runner: FlaskCliRunner, *extra: str) -> Any:
    return runner.invoke(
        args=["surveys", "create", "--instrument", "relational-climate", "--title", "Q1", *extra]
    )


def test_survey_cycle_through_the_cli(
    runner: FlaskCliRunner, db_session: Any, bundled_version: InstrumentVersion, tmp_path: Path
) -> None:
    created = _create(runner, "--level", "ic=Individual contributor", "--level", "lead=Lead")
    assert created.exit_code == 0, created.output
    survey_id = int(created.output.strip())
    survey = db_session.get(Survey, survey_id)
    assert [lv.key for lv in survey.levels] == ["ic", "lead"]

    people = tmp_path / "people.csv"
    people.write_text(
        PARTICIPANTS_CSV.replace("individual_contributor", "ic")
        .replace(",manager", ",lead")
        .replace("senior_leader", "lead")
    )
    imported = runner.invoke(args=["participants", "import", str(survey_id), str(people)])
    assert imported.exit_code == 0, imported.output
    assert "Invited 3 participant(s)" in imported.output
    again = runner.invoke(args=["participants", "import", str(survey_id), str(people)])
    assert again.exit_code == 0, again.output
    assert "Invited 0 participant(s).\n3 row(s) already invited, skipped (lines 2, 3, 4)." in (
        again.output
    )

    out = tmp_path / "links.csv"
    links = runner.invoke(args=["surveys", "links", str(survey_id), "--out", str(out), "--yes"])
    assert links.exit_code == 0, links.output
    assert "can see who answered" in links.stderr
    assert runner.invoke(args=["surveys", "open", str(survey_id)]).exit_code == 0
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["email"] for r in rows] == ["ana@example.org", "ben@example.org", "cai@example.org"]
    for row in rows:
        assert row["link"].startswith("http://survey.test/s/")
        assert invitation_for_token(row["link"].rsplit("/", 1)[1]) is not None

    listed = runner.invoke(args=["surveys", "list"])
    # responded counts come from releases only: none while the survey is open
    assert f"{survey_id}\topen\tno release yet/3 responded\tQ1" in listed.output
    closed = runner.invoke(args=["surveys", "close", str(survey_id)])
    assert closed.exit_code == 0, closed.output
    assert f"Survey {survey_id} is closed. Final results, as of" in closed.output
    # the final release's count passes disclosure control: 0 of 3 reads "fewer than 5*"
    listed = runner.invoke(args=["surveys", "list"])
    assert f"{survey_id}\tclosed\tfewer than 5*/3 responded\tQ1" in listed.output


def test_cli_errors_exit_non_zero_with_a_message(
    runner: FlaskCliRunner, db_session: Any, bundled_version: InstrumentVersion, tmp_path: Path
) -> None:
    low_k = _create(runner, "--k-scores", "2")
    assert low_k.exit_code == 1
    assert "never be below 3" in low_k.output

    missing = runner.invoke(args=["surveys", "open", "999"])
    assert missing.exit_code == 1
    assert "No survey with id 999" in missing.output

    survey_id = int(_create(runner).output.strip())
    bad = tmp_path / "bad.csv"
    bad.write_text("email,team,level\nnobody,Sales,manager\nok@example.org,Sales,boss\n")
    result = runner.invoke(args=["participants", "import", str(survey_id), str(bad)])
    assert result.exit_code == 1
    assert "line 2, column email" in result.output
    assert "line 3, column level" in result.output
    assert db_session.scalar(select(func.count()).select_from(Invitation)) == 0

    twice = runner.invoke(args=["surveys", "close", str(survey_id)])
    assert twice.exit_code == 1
    assert "is draft; it cannot be closed" in twice.output


def test_links_file_asks_first_and_is_refused_once_open(
    runner: FlaskCliRunner, db_session: Any, open_survey: OpenSurvey, tmp_path: Path
) -> None:
    draft = runner.invoke(
        args=["surveys", "create", "--instrument", "relational-climate", "--title", "Draft"]
    )
    draft_id = int(draft.output.strip())
    out = tmp_path / "links.csv"
    declined = runner.invoke(
        args=["surveys", "links", str(draft_id), "--out", str(out)], input="n\n"
    )
    assert declined.exit_code == 1
    assert "answer for anyone" in declined.stderr and "Make the links file?" in declined.stderr
    assert not out.exists()

    survey_id = open_survey.survey.id
    refused = runner.invoke(args=["surveys", "links", str(survey_id), "--out", str(out), "--yes"])
    assert refused.exit_code == 1
    assert "only before the survey opens" in refused.output
    assert not out.exists() and not out.with_name("links.csv.part").exists()
    for raw in open_survey.tokens.values():
        assert invitation_for_token(raw) is not None  # nothing revoked
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "links.download"))
    assert events.all() == []

    accepted = runner.invoke(
        args=["surveys", "links", str(draft_id), "--out", str(out)], input="y\n"
    )
    assert accepted.exit_code == 0, accepted.output
    (event,) = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "links.download")
    ).all()
    assert (event.actor_id, event.object_id, event.detail) == (
        None,
        str(draft_id),
        {"links": 0, "via": "cli"},
    )
