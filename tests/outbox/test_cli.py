"""`flask outbox invite|remind|run|status`."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from app.outbox.commands import outbox_cli, run_worker
from app.outbox.models import OutboxMessage
from app.outbox.services import queue_invitations
from app.surveys.models import Survey
from tests.outbox.conftest import SmtpServer, free_port


def outbox(runner: FlaskCliRunner, *args: str) -> Any:
    """`flask outbox ARGS...` (the group object itself: registration is app/cli.py's)."""
    return runner.invoke(outbox_cli, list(args))


def test_invite_run_once_and_status(
    runner: FlaskCliRunner, db_session: Any, people_survey: Survey, mail_server: SmtpServer
) -> None:
    survey_id = str(people_survey.id)
    invited = outbox(runner, "invite", survey_id)
    assert invited.exit_code == 0, invited.output
    assert f"Queued 3 invitation(s) for survey {survey_id}" in invited.output

    status = outbox(runner, "status", survey_id)
    assert status.exit_code == 0, status.output
    assert f"Survey {survey_id}: 3 message(s)" in status.output
    assert "pending  3\n" in status.output

    run = outbox(runner, "run", "--once", "--batch", "2")
    assert run.exit_code == 0, run.output
    assert "2 claimed: 2 sent, 0 to retry, 0 failed" in run.output
    assert "1 claimed: 1 sent, 0 to retry, 0 failed" in run.output
    assert "Outbox: 0 pending, 3 sent, 0 failed." in run.output
    assert "/s/" not in run.output and "@" not in run.output
    assert len(mail_server.received) == 3

    status = outbox(runner, "status")
    assert "All surveys: 3 message(s)" in status.output
    assert "pending  0\nsent     3\nfailed   0\n" in status.output

    reminded = outbox(runner, "remind", survey_id)
    assert reminded.exit_code == 0, reminded.output
    assert "Queued 3 reminder(s)" in reminded.output
    again = outbox(runner, "run", "--once")
    assert again.exit_code == 0, again.output
    assert len(mail_server.received) == 6


def test_with_the_smtp_server_down_run_once_leaves_the_mail_pending(
    runner: FlaskCliRunner, db_session: Any, people_survey: Survey, mail_to: Any
) -> None:
    mail_to(free_port())
    outbox(runner, "invite", str(people_survey.id))
    run = outbox(runner, "run", "--once")
    assert run.exit_code == 0, run.output  # waiting for a retry is not a failure
    assert "3 claimed: 0 sent, 3 to retry, 0 failed" in run.output
    assert "Outbox: 3 pending, 0 sent, 0 failed." in run.output

    status = outbox(runner, "status", str(people_survey.id))
    assert "pending  3  (3 waiting to retry; next attempt " in status.output
    assert "last error cannot connect: ConnectionRefusedError: 3 message(s)" in status.output
    assert all(m.raw_token for m in db_session.scalars(select(OutboxMessage)))


def test_run_once_exits_1_when_a_message_fails_for_good(
    runner: FlaskCliRunner, db_session: Any, people_survey: Survey, mail_to: Any
) -> None:
    mail_to(free_port(), OUTBOX_MAX_ATTEMPTS=1)
    outbox(runner, "invite", str(people_survey.id))
    run = outbox(runner, "run", "--once")
    assert run.exit_code == 1
    assert "3 message(s) failed for good; see `outbox status`." in run.output
    status = outbox(runner, "status")
    assert "failed   3" in status.output


def test_bad_input_exits_1_with_a_message(
    runner: FlaskCliRunner, db_session: Any, people_survey: Survey
) -> None:
    for command in ("invite", "remind", "status"):
        result = outbox(runner, command, "999")
        assert result.exit_code == 1, command
        assert "No survey with id 999" in result.output
    runner.invoke(args=["surveys", "close", str(people_survey.id)])
    closed = outbox(runner, "invite", str(people_survey.id))
    assert closed.exit_code == 1
    assert "is closed; invitations go out only while it is open" in closed.output
    assert outbox(runner, "run", "--batch", "0").exit_code == 2


def test_the_worker_loop_sends_until_stopped(
    app: Flask, db_session: Any, people_survey: Survey, mail_server: SmtpServer
) -> None:
    queue_invitations(people_survey.id)
    db_session.commit()
    stop = threading.Event()
    lines: list[str] = []
    timer = threading.Timer(1.0, stop.set)
    timer.start()
    try:
        failed = run_worker(batch=2, interval=0.1, once=False, stop=stop, echo=lines.append)
    finally:
        timer.cancel()
    assert failed == 0
    assert len(mail_server.received) == 3
    assert [line.split("UTC  ")[1] for line in lines] == [
        "2 claimed: 2 sent, 0 to retry, 0 failed",
        "1 claimed: 1 sent, 0 to retry, 0 failed",
    ]
