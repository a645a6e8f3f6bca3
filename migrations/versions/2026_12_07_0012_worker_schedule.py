"""The worker's schedule and heartbeat.

Reviewed by hand. `survey` gains its schedule: `open_automatically` (the worker opens the
draft at `opens_at` and emails the invitations; false for existing surveys),
`remind_after_days` and `max_reminders` (the reminder cadence; none for existing surveys).
New tables: `scheduled_release` (interim releases the worker publishes at set times) and
`worker_heartbeat` (one row per worker process: when it was last seen, what it last did).
The downgrade drops them (schedules and heartbeats are lost; releases are not).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("survey") as batch:
        batch.add_column(
            sa.Column("open_automatically", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("remind_after_days", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("max_reminders", sa.Integer(), nullable=True))
        batch.create_check_constraint(
            "remind_after_days_min", "remind_after_days IS NULL OR remind_after_days >= 1"
        )
        batch.create_check_constraint(
            "max_reminders_min", "max_reminders IS NULL OR max_reminders >= 0"
        )
    op.create_table(
        "scheduled_release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("publish_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("release_number", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["survey.id"],
            name=op.f("fk_scheduled_release_survey_id_survey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_release")),
    )
    op.create_index(
        op.f("ix_scheduled_release_survey_id"), "scheduled_release", ["survey_id"], unique=False
    )
    op.create_index(
        op.f("ix_scheduled_release_publish_at"), "scheduled_release", ["publish_at"], unique=False
    )
    op.create_table(
        "worker_heartbeat",
        sa.Column("worker_id", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rounds", sa.Integer(), nullable=False),
        sa.Column("last_did", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_worker_heartbeat")),
    )
    op.create_index(
        op.f("ix_worker_heartbeat_seen_at"), "worker_heartbeat", ["seen_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_worker_heartbeat_seen_at"), table_name="worker_heartbeat")
    op.drop_table("worker_heartbeat")
    op.drop_index(op.f("ix_scheduled_release_publish_at"), table_name="scheduled_release")
    op.drop_index(op.f("ix_scheduled_release_survey_id"), table_name="scheduled_release")
    op.drop_table("scheduled_release")
    with op.batch_alter_table("survey") as batch:
        batch.drop_constraint("max_reminders_min", type_="check")
        batch.drop_constraint("remind_after_days_min", type_="check")
        batch.drop_column("max_reminders")
        batch.drop_column("remind_after_days")
        batch.drop_column("open_automatically")
