"""The `flask --app app ...` commands: the contract scripts and operators rely on.

Each feature keeps its commands in its own commands.py; this module only registers them.
"""

from __future__ import annotations

from flask import Flask

from app.auth.commands import create_admin_command, dev_setup_command, users_cli
from app.demo.commands import seed_demo_command
from app.instruments.commands import instruments_cli
from app.outbox.commands import outbox_cli
from app.reports.commands import reports_cli
from app.retention.commands import retention_cli
from app.surveys.commands import participants_cli, surveys_cli
from app.worker.commands import worker_command


def register(app: Flask) -> None:
    """Add every feature's commands to `app.cli`."""
    app.cli.add_command(create_admin_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(dev_setup_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(instruments_cli)
    app.cli.add_command(surveys_cli)
    app.cli.add_command(participants_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(retention_cli)
