"""Owners' reminders: queued a set number of days before an action is due, once per action
and due date, never for done or dropped actions or deactivated owners; sent through the
outbox to a real SMTP server (aiosmtpd on loopback); a step of the worker's round."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from flask import Flask
from sqlalchemy import Engine, select

from app.auth.models import Role
from app.auth.services import create_staff_user, set_active
from app.db import Session
from app.instruments.services import sync_instruments
from app.outbox.models import OutboxMessage
from app.outbox.services import deliver_pending
from app.plans import services
from app.plans.models import PlanAction
from app.plans.reminders import ACTION_DUE, queue_due_reminders
from app.surveys.models import Survey
from app.worker.rounds import STEPS, Round
from tests.conftest import BUNDLED_INSTRUMENT, TEST_PASSWORD
from tests.outbox.conftest import SmtpServer
from tests.plans.conftest import Staff, make_first_wave

TODAY = dt.date(2027, 5, 1)


def _reminders(db: Any) -> list[OutboxMessage]:
    return list(
        db.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == ACTION_DUE).order_by(OutboxMessage.id)
        )
    )


def _actions(db_session: Any, staff: Staff, survey: Survey, team: int) -> dict[str, PlanAction]:
    plan = services.create_plan(staff.eng, survey.id, team, ["silencing"])
    actions = {
        name: services.add_action(
            staff.eng,
            plan,
            text=f"Action {name}",
            owner_id=owner.id,
            due_on=TODAY + dt.timedelta(days=days),
            status=status,
        )
        for name, owner, days, status in [
            ("soon", staff.owner, 5, "planned"),
            ("today", staff.eng, 0, "in_progress"),
            ("later", staff.owner, 10, "planned"),
            ("overdue", staff.owner, -1, "planned"),
            ("done", staff.owner, 3, "done"),
            ("dropped", staff.owner, 3, "dropped"),
            ("inactive", staff.hr, 2, "planned"),
        ]
    }
    db_session.commit()
    set_active(staff.hr.id, False)
    db_session.commit()
    return actions


def test_reminders_are_queued_once_per_action_and_due_date(
    app: Flask, db_session: Any, staff: Staff, first_wave: Survey, teams: dict[str, int]
) -> None:
    actions = _actions(db_session, staff, first_wave, teams["Eng/Alpha"])
    with app.app_context():
        assert queue_due_reminders(TODAY, 7) == 2
        assert queue_due_reminders(TODAY, 7) == 0  # once
    queued = _reminders(db_session)
    assert sorted((m.payload or {})["action_id"] for m in queued) == sorted(
        [actions["soon"].id, actions["today"].id]
    )
    assert {m.recipient for m in queued} == {"owner@example.org", "eng@example.org"}
    for message in queued:  # ids only: no text, date or figure in the row
        assert set(message.payload or {}) == {"plan_id", "action_id"}
    # a new due date earns a new reminder; a finished action none
    soon = db_session.get(PlanAction, actions["soon"].id)
    services.update_action(
        staff.eng,
        soon,
        text=soon.text,
        owner_id=soon.owner_id,
        due_on=TODAY + dt.timedelta(days=6),
        status="planned",
        notes=None,
    )
    today = db_session.get(PlanAction, actions["today"].id)
    services.update_action(
        staff.eng,
        today,
        text=today.text,
        owner_id=today.owner_id,
        due_on=TODAY + dt.timedelta(days=1),
        status="done",
        notes=None,
    )
    db_session.commit()
    with app.app_context():
        assert queue_due_reminders(TODAY, 7) == 1
        # days ahead: the later action is reached when its day comes
        assert queue_due_reminders(TODAY + dt.timedelta(days=3), 7) == 1
        assert queue_due_reminders(TODAY + dt.timedelta(days=3), 7) == 0


def test_the_owner_gets_the_email_through_the_outbox(
    app: Flask,
    db_session: Any,
    staff: Staff,
    first_wave: Survey,
    teams: dict[str, int],
    mail_server: SmtpServer,
) -> None:
    actions = _actions(db_session, staff, first_wave, teams["Eng/Alpha"])
    with app.app_context():
        queue_due_reminders(TODAY, 7)
        report = deliver_pending(batch_size=50)
    assert report.failed == 0
    mails = mail_server.handler.to("owner@example.org")
    (mail,) = [m for m in mails if m.subject.startswith("Reminder:")]
    assert mail.subject == "Reminder: an action you own is due on 2027-05-06"
    assert "Action soon" in mail.body
    plan_id = actions["soon"].plan_id
    assert f"http://survey.test/plans/{plan_id}\r\n" in mail.body
    assert "the plan for Eng/Alpha" in mail.body and '"Wave one"' in mail.body
    assert mail.message.get_body(preferencelist=("html",)) is not None
    # sent: the address is gone from the row
    assert all(m.recipient is None for m in _reminders(db_session))


def test_the_worker_round_queues_the_reminders(
    app: Flask, db_session: Any, staff: Staff, first_wave: Survey, teams: dict[str, int]
) -> None:
    _actions(db_session, staff, first_wave, teams["Eng/Alpha"])
    (step,) = [s for s in STEPS if s.run.__name__ == "plan_reminders"]
    now = dt.datetime.combine(TODAY, dt.time(9), tzinfo=dt.UTC)
    r = Round(now=now, clock=lambda: now, worker_id="w1", stop=threading.Event())
    with app.app_context():
        app.config["PLAN_REMINDER_DAYS"] = 1
        try:
            assert step.run(r) == "queued 1 action reminder(s)"  # due today only
            assert step.run(r) is None
        finally:
            app.config.pop("PLAN_REMINDER_DAYS")


def test_parallel_workers_queue_each_reminder_once(app: Flask, committed_db: Engine) -> None:
    with app.app_context():
        (outcome,) = sync_instruments([BUNDLED_INSTRUMENT])
        Session.commit()
        survey = make_first_wave(Session, outcome.version)
        owner = create_staff_user("owner@example.org", TEST_PASSWORD, Role.HR)
        plan = services.create_plan(owner, survey.id, survey.teams[0].id, ["silencing"])
        for n in range(12):
            services.add_action(
                owner, plan, text=f"Step {n}", owner_id=owner.id, due_on=TODAY + dt.timedelta(n)
            )
        Session.commit()
        Session.remove()
    barrier = threading.Barrier(3)
    counts: list[int] = []
    errors: list[str] = []

    def work() -> None:
        with app.app_context():
            barrier.wait()
            try:
                counts.append(queue_due_reminders(TODAY, 7))
            except Exception as exc:  # any error fails the test
                errors.append(repr(exc))
            finally:
                Session.remove()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sum(counts) == 8  # due today to a week ahead, each once
    with app.app_context():
        assert len(_reminders(Session)) == 8
        Session.remove()
