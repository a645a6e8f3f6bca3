"""A worker killed (SIGKILL) in the middle of a batch, its responses inserted and its
ballots not yet deleted, loses and doubles nothing: the batch is one transaction."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from flask import Flask
from sqlalchemy import Engine

from app.ballots.services import mix_ballots
from app.db import Session
from app.instruments.services import sync_instruments
from app.org.models import Team
from app.surveys.models import Survey
from app.surveys.services import create_survey, open_survey
from tests.ballots.conftest import K, cast, counts
from tests.conftest import BUNDLED_INSTRUMENT

ROOT = Path(__file__).resolve().parents[2]

# Mixes the survey, stalling after the responses are inserted and before the opened
# ballots are deleted, until the test kills it.
WORKER = """
import sys, time
from app import create_app
from app.ballots import services
from app.db import Session
from app.surveys.models import Survey

def stall(_ids):
    print("mid-batch", flush=True)
    time.sleep(120)

services._delete = stall
app = create_app("testing", DATABASE_URL=sys.argv[1])
with app.app_context():
    services.mix_ballots(Session.get_one(Survey, int(sys.argv[2])), final=True)
    Session.commit()
"""


def test_a_worker_killed_mid_batch_loses_and_doubles_nothing(
    app: Flask, committed_db: Engine
) -> None:
    with app.app_context():
        sync_instruments([BUNDLED_INSTRUMENT])
        Session.add(Team(name="Ops", path="Ops"))
        survey = create_survey(instrument_key="relational-climate", title="Kill", k_scores=K)
        open_survey(survey.id)
        cast(survey, 4 * K)
        Session.commit()
        survey_id = survey.id
    url = committed_db.url.render_as_string(hide_password=False)
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, url, str(survey_id)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "mid-batch"
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
        if worker.stdout is not None:
            worker.stdout.close()
    assert worker.returncode == -signal.SIGKILL

    Session.remove()
    with app.app_context():
        survey = Session.get_one(Survey, survey_id)
        assert counts(survey) == (4 * K, 0)  # every ballot waits, no response
        assert mix_ballots(survey, final=True).opened == 4 * K
        Session.commit()
        assert counts(survey) == (0, 4 * K)
