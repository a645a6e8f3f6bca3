"""The baseline of the submission benchmark: a bare Flask app whose one POST route inserts
the rows a submission of the bundled instrument stores (one response, one answer per item,
one dimension score per dimension, one family score per family when the schema has that
table, one comment per non-blank prompt) on an engine from `app.db.make_engine`, in one
transaction, with one executemany per table. No validation, no scoring (a constant score),
no template, no session, no CSRF.

Served by bench_submission.py with the same gunicorn settings as the real app:

    gunicorn -w 2 -b 127.0.0.1:PORT "bench.bare_app:create_bare_app()"

with DATABASE_URL and BENCH_SURVEY_ID, BENCH_TEAM_ID, BENCH_LEVEL_ID,
BENCH_INSTRUMENT_VERSION_ID (rows the foreign keys point at) in the environment.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from pathlib import Path

from flask import Flask, request
from sqlalchemy import insert
from werkzeug.wrappers import Response as HttpResponse

from app.db import make_engine
from app.taking import models
from app.taking.models import Answer, Comment, DimensionScore, Response

# Family scores are stored at submission since migration 0002; mirror them when present.
FamilyScore = getattr(models, "FamilyScore", None)

ROOT = Path(__file__).resolve().parents[1]
BUNDLED_INSTRUMENT = ROOT / "instruments" / "archive" / "relational-climate.v1.json"


def create_bare_app() -> Flask:
    env = os.environ
    engine = make_engine(env["DATABASE_URL"])
    survey_id = int(env["BENCH_SURVEY_ID"])
    team_id = int(env["BENCH_TEAM_ID"])
    level_id = int(env["BENCH_LEVEL_ID"])
    version_id = int(env["BENCH_INSTRUMENT_VERSION_ID"])
    document = json.loads(BUNDLED_INSTRUMENT.read_text(encoding="utf-8"))
    dimension_keys = [d["key"] for d in document["dimensions"]]
    family_keys = [f["key"] for f in document.get("families", [])] if FamilyScore else []

    app = Flask(__name__)

    @app.post("/submit")
    def submit() -> HttpResponse:
        form = request.form
        response_id = uuid.uuid4()
        answers = [
            {"response_id": response_id, "item_key": name[5:], "value": int(value)}
            for name, value in form.items()
            if name.startswith("item_")
        ]
        comments = [
            {
                "id": uuid.uuid4(),
                "survey_id": survey_id,
                "team_id": team_id,
                "prompt_key": name[7:],
                "text": value,
            }
            for name, value in form.items()
            if name.startswith("prompt_") and value
        ]
        scores = [
            {"response_id": response_id, "dimension_key": key, "score": 3.0}
            for key in dimension_keys
        ]
        family_scores = [
            {"response_id": response_id, "family_key": key, "score": 3.0} for key in family_keys
        ]
        with engine.begin() as conn:
            conn.execute(
                insert(Response).values(
                    id=response_id,
                    survey_id=survey_id,
                    team_id=team_id,
                    level_id=level_id,
                    instrument_version_id=version_id,
                    submitted_on=dt.datetime.now(dt.UTC).date(),
                )
            )
            conn.execute(insert(Answer), answers)
            conn.execute(insert(DimensionScore), scores)
            if family_scores:
                conn.execute(insert(FamilyScore), family_scores)
            if comments:
                conn.execute(insert(Comment), comments)
        return HttpResponse("", status=302, headers={"Location": "/done"})

    return app
