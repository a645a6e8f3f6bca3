"""Queueing: in the caller's transaction, once per person, never for a closed survey."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.db import Base
from app.errors import Conflict
from app.instruments.models import InstrumentVersion
from app.outbox.models import OutboxMessage
from app.outbox.services import queue_invitations, queue_reminders
from app.surveys.models import Invitation, Survey
from app.surveys.services import (
    add_link,
    close_survey,
    create_survey,
    import_participants,
    open_survey,
)
from app.surveys.tokens import token_sha256
from tests.conftest import invitation_for_token
from tests.outbox.conftest import PEOPLE_CSV, open_people_survey

UTC = dt.UTC


def _messages(db: Any) -> list[OutboxMessage]:
    return list(db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _count(db: Any, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)))


def test_invitations_and_their_emails_are_stored_in_one_transaction(
    db_session: Any, bundled_version: InstrumentVersion
) -> None:
    survey = create_survey(
        instrument_key="relational-climate",
        title="Wave",
        team_paths=["Engineering/Platform", "Sales"],
    )
    open_survey(survey.id)
    db_session.commit()
    survey_id = survey.id

    import_participants(survey_id, PEOPLE_CSV)
    assert queue_invitations(survey_id) == 3
    db_session.rollback()  # the unit of work fails: neither the people nor their email stay
    assert _count(db_session, Invitation) == 0
    assert _count(db_session, OutboxMessage) == 0

    import_participants(survey_id, PEOPLE_CSV)
    assert queue_invitations(survey_id) == 3
    db_session.commit()
    messages = _messages(db_session)
    assert [(m.kind, m.status, m.attempts) for m in messages] == [("invitation", "pending", 0)] * 3
    for message in messages:
        # The link works from the moment the invitation is queued.
        assert message.raw_token is not None
        assert invitation_for_token(message.raw_token) is message.invitation


def test_each_person_gets_one_invitation_email(db_session: Any, people_survey: Survey) -> None:
    ana, ben, eva = db_session.scalars(select(Invitation).order_by(Invitation.email)).all()
    ben.responded = True  # answered through a link handed out by other means
    db_session.commit()
    assert queue_invitations(people_survey.id) == 2
    assert queue_invitations(people_survey.id) == 0  # pending already
    db_session.execute(update(OutboxMessage).values(status="sent", raw_token=None))
    assert queue_invitations(people_survey.id) == 0  # sent already
    assert {m.invitation_id for m in _messages(db_session)} == {ana.id, eva.id}


def test_no_email_for_a_survey_that_is_not_open(
    db_session: Any, bundled_version: InstrumentVersion
) -> None:
    draft = create_survey(instrument_key="relational-climate", title="Draft")
    import_participants(draft.id, PEOPLE_CSV)
    with pytest.raises(Conflict, match="is draft"):
        queue_invitations(draft.id)
    open_survey(draft.id)
    close_survey(draft.id)
    with pytest.raises(Conflict, match="is closed"):
        queue_invitations(draft.id)
    with pytest.raises(Conflict, match="is closed"):
        queue_reminders(draft.id)
    assert _count(db_session, OutboxMessage) == 0


def test_no_email_after_the_closing_date(
    db_session: Any, bundled_version: InstrumentVersion
) -> None:
    survey = open_people_survey(
        "Past",
        opens_at=dt.datetime(2026, 1, 1, tzinfo=UTC),
        closes_at=dt.datetime(2026, 2, 1, tzinfo=UTC),
    )
    with pytest.raises(Conflict, match="closing date"):
        queue_invitations(survey.id, now=dt.datetime(2026, 3, 1, tzinfo=UTC))


def test_invitations_to_a_survey_that_opens_later_wait_for_it(
    db_session: Any, bundled_version: InstrumentVersion
) -> None:
    opens = dt.datetime(2030, 5, 4, 8, 0, tzinfo=UTC)
    survey = open_people_survey("Later", opens_at=opens)
    assert queue_invitations(survey.id, now=dt.datetime(2030, 5, 1, tzinfo=UTC)) == 3
    assert {m.next_attempt_at for m in _messages(db_session)} == {opens}
    with pytest.raises(Conflict, match="not opened yet"):
        queue_reminders(survey.id, now=dt.datetime(2030, 5, 1, tzinfo=UTC))


def test_reminders_go_to_people_invited_by_email_who_have_not_answered(
    db_session: Any, people_survey: Survey
) -> None:
    ana, ben, eva = db_session.scalars(select(Invitation).order_by(Invitation.email)).all()
    now = dt.datetime(2030, 1, 10, tzinfo=UTC)
    assert queue_reminders(people_survey.id, now=now) == 0  # nobody was sent an invitation
    for invitation in (ana, ben, eva):
        invitation.sent_at = now
    ben.responded = True
    eva.reminder_count = 2
    add_link(ana.id, token_sha256("ana's invitation link"))
    db_session.commit()

    assert queue_reminders(people_survey.id, now=now, max_reminders=2) == 1
    (reminder,) = _messages(db_session)
    assert (reminder.invitation_id, reminder.kind) == (ana.id, "reminder")
    # The reminder's link works once it is sent; the one in hand works on.
    assert reminder.raw_token is not None and invitation_for_token(reminder.raw_token) is None
    assert invitation_for_token("ana's invitation link") is not None
    assert queue_reminders(people_survey.id, now=now, max_reminders=2) == 0  # one at a time
    assert queue_reminders(people_survey.id, now=now, max_reminders=3) == 1  # eva, under 3


def test_reminders_take_their_limit_from_the_configuration(
    app: Any, db_session: Any, people_survey: Survey, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_session.execute(update(Invitation).values(sent_at=dt.datetime(2030, 1, 1, tzinfo=UTC)))
    db_session.execute(update(Invitation).values(reminder_count=1))
    monkeypatch.setitem(app.config, "OUTBOX_MAX_REMINDERS", 1)
    assert queue_reminders(people_survey.id) == 0
    monkeypatch.setitem(app.config, "OUTBOX_MAX_REMINDERS", 2)
    assert queue_reminders(people_survey.id) == 3


def test_the_schema_allows_one_pending_message_per_invitation(
    db_session: Any, people_survey: Survey
) -> None:
    invitation = db_session.scalars(select(Invitation)).first()
    db_session.add(OutboxMessage(invitation_id=invitation.id, kind="invitation", raw_token="a"))
    db_session.flush()
    second = OutboxMessage(invitation_id=invitation.id, kind="reminder", raw_token="b")
    # ... and no raw token on a message that is not pending.
    sent_with_token = OutboxMessage(
        invitation_id=invitation.id, kind="reminder", status="sent", raw_token="c"
    )
    for bad in (second, sent_with_token):
        with db_session.begin_nested():
            db_session.add(bad)
            with pytest.raises(IntegrityError):
                db_session.flush()


def test_the_outbox_refers_to_invitations_only() -> None:
    table = Base.metadata.tables["outbox_message"]
    assert {fk.column.table.name for fk in table.foreign_keys} == {"invitation"}
    assert not any("response" in column.name for column in table.columns)
    assert "email" not in table.columns  # addresses stay on the invitation (purged at close)
