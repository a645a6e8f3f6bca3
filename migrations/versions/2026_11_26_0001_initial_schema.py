"""Initial schema: organisation, staff, instruments, surveys, invitations, responses, audit.

Reviewed by hand. Anonymity is part of the schema: no table refers from a response, an
answer, a score or a comment to an invitation; comments have random ids and (on SQLite) no
rowid; invitations carry no time of response.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 09:50:49.387184
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "instrument",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instrument")),
        sa.UniqueConstraint("key", name=op.f("uq_instrument_key")),
    )
    op.create_table(
        "staff_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('admin', 'hr', 'manager')", name=op.f("ck_staff_user_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_user")),
        sa.UniqueConstraint("email", name=op.f("uq_staff_user_email")),
    )
    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["team.id"],
            name=op.f("fk_team_parent_id_team"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team")),
        sa.UniqueConstraint("path", name=op.f("uq_team_path")),
    )
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=64), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["staff_user.id"],
            name=op.f("fk_audit_event_actor_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_event_occurred_at"), ["occurred_at"], unique=False
        )

    op.create_table(
        "instrument_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instrument.id"],
            name=op.f("fk_instrument_version_instrument_id_instrument"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instrument_version")),
        sa.UniqueConstraint(
            "instrument_id",
            "sha256",
            name=op.f("uq_instrument_version_instrument_id_sha256"),
        ),
        sa.UniqueConstraint(
            "instrument_id",
            "version",
            name=op.f("uq_instrument_version_instrument_id_version"),
        ),
    )
    op.create_table(
        "staff_team_scope",
        sa.Column("staff_user_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_user.id"],
            name=op.f("fk_staff_team_scope_staff_user_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
            name=op.f("fk_staff_team_scope_team_id_team"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("staff_user_id", "team_id", name=op.f("pk_staff_team_scope")),
    )
    op.create_table(
        "survey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("instrument_version_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("k_scores", sa.Integer(), nullable=False),
        sa.Column("k_comments", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('draft', 'open', 'closed', 'archived')",
            name=op.f("ck_survey_state"),
        ),
        sa.CheckConstraint("k_comments >= 3", name=op.f("ck_survey_k_comments_min")),
        sa.CheckConstraint("k_scores >= 3", name=op.f("ck_survey_k_scores_min")),
        sa.CheckConstraint(
            "opens_at IS NULL OR closes_at IS NULL OR opens_at < closes_at",
            name=op.f("ck_survey_dates_order"),
        ),
        sa.ForeignKeyConstraint(
            ["instrument_version_id"],
            ["instrument_version.id"],
            name=op.f("fk_survey_instrument_version_id_instrument_version"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey")),
    )
    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_instrument_version_id"),
            ["instrument_version_id"],
            unique=False,
        )

    op.create_table(
        "comment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("prompt_key", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["survey.id"],
            name=op.f("fk_comment_survey_id_survey"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
            name=op.f("fk_comment_team_id_team"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comment_survey_id"), ["survey_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comment_team_id"), ["team_id"], unique=False)

    op.create_table(
        "level",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["survey.id"],
            name=op.f("fk_level_survey_id_survey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_level")),
        sa.UniqueConstraint("survey_id", "key", name=op.f("uq_level_survey_id_key")),
        sa.UniqueConstraint("survey_id", "rank", name=op.f("uq_level_survey_id_rank")),
    )
    op.create_table(
        "survey_team",
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["survey.id"],
            name=op.f("fk_survey_team_survey_id_survey"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
            name=op.f("fk_survey_team_team_id_team"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("survey_id", "team_id", name=op.f("pk_survey_team")),
    )
    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("level_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("responded", sa.Boolean(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminder_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["level_id"],
            ["level.id"],
            name=op.f("fk_invitation_level_id_level"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["survey.id"],
            name=op.f("fk_invitation_survey_id_survey"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
            name=op.f("fk_invitation_team_id_team"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation")),
        sa.UniqueConstraint("survey_id", "email", name=op.f("uq_invitation_survey_id_email")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_invitation_token_sha256")),
    )
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitation_survey_id"), ["survey_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invitation_team_id"), ["team_id"], unique=False)

    op.create_table(
        "response",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("level_id", sa.Integer(), nullable=True),
        sa.Column("instrument_version_id", sa.Integer(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instrument_version_id"],
            ["instrument_version.id"],
            name=op.f("fk_response_instrument_version_id_instrument_version"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["level_id"],
            ["level.id"],
            name=op.f("fk_response_level_id_level"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["survey.id"],
            name=op.f("fk_response_survey_id_survey"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
            name=op.f("fk_response_team_id_team"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response")),
    )
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_response_survey_id"), ["survey_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_response_team_id"), ["team_id"], unique=False)

    op.create_table(
        "answer",
        sa.Column("response_id", sa.Uuid(), nullable=False),
        sa.Column("item_key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["response.id"],
            name=op.f("fk_answer_response_id_response"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", "item_key", name=op.f("pk_answer")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "dimension_score",
        sa.Column("response_id", sa.Uuid(), nullable=False),
        sa.Column("dimension_key", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["response.id"],
            name=op.f("fk_dimension_score_response_id_response"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", "dimension_key", name=op.f("pk_dimension_score")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("dimension_score")
    op.drop_table("answer")
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_team_id"))
        batch_op.drop_index(batch_op.f("ix_response_survey_id"))

    op.drop_table("response")
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitation_team_id"))
        batch_op.drop_index(batch_op.f("ix_invitation_survey_id"))

    op.drop_table("invitation")
    op.drop_table("survey_team")
    op.drop_table("level")
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_team_id"))
        batch_op.drop_index(batch_op.f("ix_comment_survey_id"))

    op.drop_table("comment")
    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_instrument_version_id"))

    op.drop_table("survey")
    op.drop_table("staff_team_scope")
    op.drop_table("instrument_version")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_audit_event_actor_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_action"))

    op.drop_table("audit_event")
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_parent_id"))

    op.drop_table("team")
    op.drop_table("staff_user")
    op.drop_table("instrument")
