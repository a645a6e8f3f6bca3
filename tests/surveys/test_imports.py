"""Large participants files: queued from the admin page, imported by the worker with a
lease, all or none, with their progress on the page; their files and problems go at the
close."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.db import utcnow
from app.surveys.imports import IMPORT_LEASE, claim_import, run_import, run_queued_imports
from app.surveys.models import ImportState, Invitation, ParticipantImport, Survey
from app.surveys.services import close_survey, create_survey, open_survey, purge_contacts
from tests.conftest import AuthActions, csrf_token_from

HEADER = b"email,team,level\n"


def _people(count: int, bad_line: int | None = None) -> bytes:
    lines = [f"p{n}@example.org,Sales/East,manager\n".encode() for n in range(count)]
    if bad_line is not None:
        lines[bad_line - 2] = b'oops@example.org,"Sales,manager\n'
    return HEADER + b"".join(lines)


@pytest.fixture
def draft(db_session: Any, bundled_version: Any) -> Survey:
    survey = create_survey(instrument_key="relational-climate", title="Big wave")
    db_session.commit()
    return survey


@pytest.fixture
def admin_client(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Any, monkeypatch: Any
) -> FlaskClient:
    monkeypatch.setitem(app.config, "PARTICIPANTS_QUEUE_BYTES", 10_000)
    make_user("admin@example.org", Role.ADMIN)
    auth.login("admin@example.org")
    return client


def _upload(client: FlaskClient, survey: Survey, content: bytes) -> Any:
    page = client.get(f"/admin/surveys/{survey.id}").get_data(as_text=True)
    return client.post(
        f"/admin/surveys/{survey.id}/participants",
        data={"csrf_token": csrf_token_from(page), "file": (io.BytesIO(content), "all.csv")},
        content_type="multipart/form-data",
    )


def _count(db: Any, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)))


def test_a_large_file_is_queued_then_imported_by_the_worker(
    admin_client: FlaskClient, draft: Survey, db_session: Any
) -> None:
    queued = _upload(admin_client, draft, _people(3_000))
    assert queued.status_code == 302
    assert _count(db_session, Invitation) == 0
    page = admin_client.get(f"/admin/surveys/{draft.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="5">' in page
    assert "waiting for the worker" in page
    # One file at a time per survey, whatever its size.
    assert _upload(admin_client, draft, _people(2)).status_code == 409

    (outcome,) = run_queued_imports()
    assert outcome.state == "done" and outcome.invited == 3_000
    assert _count(db_session, Invitation) == 3_000
    job = db_session.scalar(select(ParticipantImport))
    assert job.state == ImportState.DONE.value and job.content is None  # no addresses kept
    page = admin_client.get(f"/admin/surveys/{draft.id}").get_data(as_text=True)
    assert "imported; 3,000 participants invited" in page
    assert 'http-equiv="refresh"' not in page
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "participants.import"))
    assert event.actor.email == "admin@example.org" and event.detail["invited"] == 3_000


def test_a_refused_file_stores_nothing_and_lists_its_lines(
    admin_client: FlaskClient, draft: Survey, db_session: Any
) -> None:
    _upload(admin_client, draft, _people(3_000, bad_line=2_500))
    (outcome,) = run_queued_imports()
    assert outcome.state == "failed" and outcome.problems == 1
    assert _count(db_session, Invitation) == 0
    job = db_session.scalar(select(ParticipantImport))
    assert job.content is None
    assert job.errors == [[2_500, "-", 'a quoted field does not end on its line (a stray quote ")']]
    page = admin_client.get(f"/admin/surveys/{draft.id}").get_data(as_text=True)
    assert '<tr><th scope="row">2500</th><td>-</td>' in page
    assert "nothing was imported" in page


def test_a_job_is_run_by_one_worker_only(draft: Survey, db_session: Any) -> None:
    db_session.add(
        ParticipantImport(
            survey_id=draft.id, filename="a.csv", content=_people(10), size=1, lines=11
        )
    )
    db_session.commit()
    first = claim_import("worker-a")
    assert first is not None
    assert claim_import("worker-b") is None  # leased to worker-a
    # worker-a died: once its lease is over, worker-b takes the job and imports it ...
    later = utcnow() + IMPORT_LEASE + dt.timedelta(seconds=1)
    assert claim_import("worker-b", now=later) == first
    assert run_import(first, "worker-b").invited == 10
    # ... and worker-a, coming back, finds it no longer holds the job: nothing twice.
    assert run_import(first, "worker-a").state == "lost"
    assert _count(db_session, Invitation) == 10


def test_the_close_deletes_every_import_job_of_the_survey(draft: Survey, db_session: Any) -> None:
    for state in ImportState:
        db_session.add(
            ParticipantImport(
                survey_id=draft.id,
                filename=f"{state}.csv",
                state=state.value,
                content=_people(2) if state in ("queued", "running") else None,
                errors=[[2, "email", "'x@' is not an email"]] if state == "failed" else None,
                size=1,
                lines=3,
            )
        )
    open_survey(draft.id)
    close_survey(draft.id)
    purge_contacts(draft.id)
    db_session.commit()
    assert _count(db_session, ParticipantImport) == 0


def test_a_run_stopped_by_an_error_is_queued_again_and_given_up_after_three(
    draft: Survey, db_session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.surveys.imports as imports

    survey_id = draft.id  # the runs' rollbacks leave `draft` expired
    db_session.add(
        ParticipantImport(
            survey_id=survey_id, filename="a.csv", content=_people(5), size=1, lines=6
        )
    )
    db_session.commit()

    def database_busy(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(imports, "invite_participants", database_busy)
    assert run_queued_imports() == []
    job = db_session.scalar(select(ParticipantImport))
    assert (job.state, job.attempts, job.claimed_by) == ("queued", 1, None)
    monkeypatch.undo()
    (outcome,) = run_queued_imports()  # the next round imports it
    assert outcome.invited == 5 == _count(db_session, Invitation)

    db_session.add(
        ParticipantImport(
            survey_id=survey_id,
            filename="b.csv",
            content=HEADER + b"zoe@example.org,Sales,manager\n",
            size=1,
            lines=6,
        )
    )
    db_session.commit()
    monkeypatch.setattr(imports, "invite_participants", database_busy)
    for _ in range(3):
        run_queued_imports()
    last = db_session.scalars(select(ParticipantImport).order_by(ParticipantImport.id)).all()[-1]
    assert last.state == "failed" and last.content is None and "stopped 3 times" in last.message
