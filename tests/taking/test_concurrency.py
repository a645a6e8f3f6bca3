"""Twenty browsers submit one link at the same moment: exactly one ballot is stored, and
mixed it is exactly one response.

Runs on a database of its own with real commits (the rollback-per-test transaction would
hide other connections' work), on PostgreSQL in CI and on a SQLite file locally.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask
from sqlalchemy import Engine, func, select

from app.ballots.models import Ballot
from app.ballots.services import mix_ballots
from app.db import Session
from app.errors import Gone
from app.instruments.queries import document_of
from app.instruments.services import sync_instruments
from app.surveys.models import Invitation, Survey
from app.surveys.services import create_survey, import_participants, issue_links, open_survey
from app.surveys.tokens import token_sha256
from app.taking.models import Answer, Response
from app.taking.services import record_submission
from tests.conftest import BUNDLED_INSTRUMENT

PARALLEL = 20


def test_parallel_submissions_of_one_link_store_exactly_one_response(
    app: Flask, committed_db: Engine
) -> None:
    (outcome,) = sync_instruments([BUNDLED_INSTRUMENT])
    survey = create_survey(instrument_key="relational-climate", title="Race")
    import_participants(survey.id, "email,team,level\nrace@example.org,Ops,manager\n")
    ((_email, token),) = issue_links(survey.id)
    open_survey(survey.id)
    Session.commit()
    version_id = outcome.version.id
    document = document_of(outcome.version)
    answers: dict[str, int | None] = {item.key: 3 for item in document.items}
    Session.remove()

    barrier = threading.Barrier(PARALLEL)
    results: list[str] = []
    lock = threading.Lock()

    def submit() -> None:
        barrier.wait()
        with app.app_context():  # the ballot is sealed with the app's keys
            outcome_name = _submit_once(token, version_id, document, answers)
        with lock:
            results.append(outcome_name)

    threads = [threading.Thread(target=submit) for _ in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(results) == ["refused"] * (PARALLEL - 1) + ["stored"]
    with committed_db.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Ballot)) == 1
        assert conn.scalar(select(func.count()).select_from(Response)) == 0
    with app.app_context():
        mix_ballots(Session.get_one(Survey, survey.id), final=True)
        Session.commit()
    with committed_db.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Ballot)) == 0
        assert conn.scalar(select(func.count()).select_from(Response)) == 1
        assert conn.scalar(select(func.count()).select_from(Answer)) == len(answers)
        assert conn.scalar(select(Invitation.responded)) is True


def _submit_once(token: str, version_id: int, document: Any, answers: dict[str, int | None]) -> str:
    try:
        record_submission(token_sha256(token), version_id, document, answers, {"x": "y"})
        Session.commit()
        return "stored"
    except Gone:
        Session.rollback()
        return "refused"
    except Exception as exc:  # anything else is a failure of the test
        Session.rollback()
        return f"error: {exc!r}"
    finally:
        Session.remove()
