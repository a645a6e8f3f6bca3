"""Deleting a draft survey holds in storage: after the admin's deletion, the database FILES
hold none of its participants' addresses (the page compacts the storage as the close does).
The same scan before the deletion finds them, so it can fail."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Engine

from app.auth.models import Role
from app.auth.services import create_staff_user
from app.db import Session
from app.instruments.services import sync_instruments
from app.surveys.services import create_survey, import_participants, issue_links
from tests.conftest import BUNDLED_INSTRUMENT, TEST_PASSWORD, AuthActions, csrf_token_from
from tests.surveys.test_purge import _found

ADDRESSES = tuple(f"deleted-{name}-41c9@example.org" for name in ("ana", "ben", "cai"))


def test_a_deleted_draft_leaves_no_address_in_the_database_files(
    app: Flask, committed_db: Engine
) -> None:
    sync_instruments([BUNDLED_INSTRUMENT])
    create_staff_user("admin@example.org", TEST_PASSWORD, Role.ADMIN)
    survey = create_survey(instrument_key="relational-climate", title="Draft to delete")
    rows = "".join(f"{a},Engineering,manager\n" for a in ADDRESSES)
    import_participants(survey.id, "email,team,level\n" + rows)
    issue_links(survey.id)
    Session.commit()
    survey_id = survey.id
    Session.remove()
    assert sorted(_found(committed_db, list(ADDRESSES))) == sorted(ADDRESSES)

    client = app.test_client()
    assert AuthActions(client).login("admin@example.org").status_code == 302
    url = f"/admin/surveys/{survey_id}/delete"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    done = client.post(url, data={"csrf_token": token, "title": "Draft to delete"})
    assert done.status_code == 302
    Session.remove()
    assert _found(committed_db, list(ADDRESSES)) == {}
