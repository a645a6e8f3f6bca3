"""Action plans: a team's plan made from a survey's release (action_plan), its one to three
focus areas (plan_focus: dimension keys in order) and its actions (plan_action: text,
owner, due date, status, notes, and the due date the owner's reminder was queued for).

Reviewed by hand. Deleting a survey deletes its plans (and their focus areas and actions);
a team with plans cannot be deleted; an action's owner is a staff account (deactivated,
never deleted, so the action keeps its owner); a plan's creator becomes NULL if that
account is ever deleted. The downgrade drops the three tables (plans are lost).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 03:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "action_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_user.id"],
            name=op.f("fk_action_plan_created_by_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["survey.id"],
            name=op.f("fk_action_plan_survey_id_survey"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_action_plan_team_id_team"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_plan")),
    )
    op.create_index(op.f("ix_action_plan_survey_id"), "action_plan", ["survey_id"])
    op.create_index(op.f("ix_action_plan_team_id"), "action_plan", ["team_id"])
    op.create_table(
        "plan_focus",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("dimension_key", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("position BETWEEN 1 AND 3", name=op.f("ck_plan_focus_position")),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["action_plan.id"],
            name=op.f("fk_plan_focus_plan_id_action_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("plan_id", "dimension_key", name=op.f("pk_plan_focus")),
    )
    op.create_table(
        "plan_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("reminded_for", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('planned', 'in_progress', 'done', 'dropped')",
            name=op.f("ck_plan_action_status"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["staff_user.id"],
            name=op.f("fk_plan_action_owner_id_staff_user"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["action_plan.id"],
            name=op.f("fk_plan_action_plan_id_action_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_action")),
    )
    op.create_index(op.f("ix_plan_action_due_on"), "plan_action", ["due_on"])
    op.create_index(op.f("ix_plan_action_owner_id"), "plan_action", ["owner_id"])
    op.create_index(op.f("ix_plan_action_plan_id"), "plan_action", ["plan_id"])


def downgrade() -> None:
    op.drop_table("plan_action")
    op.drop_table("plan_focus")
    op.drop_table("action_plan")
