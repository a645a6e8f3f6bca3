"""Outbox of invitation and reminder email.

Reviewed by hand. A message refers to an invitation, never to a response; it holds the raw
survey token only while pending (check constraint token_only_pending), and at most one
message per invitation can be pending (partial unique index, on both engines).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 10:44:26.629606
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING_ONLY = "status = 'pending'"


def upgrade() -> None:
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("raw_token", sa.String(length=128), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('invitation', 'reminder')", name=op.f("ck_outbox_message_kind")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed')", name=op.f("ck_outbox_message_status")
        ),
        sa.CheckConstraint(
            "status = 'pending' OR raw_token IS NULL",
            name=op.f("ck_outbox_message_token_only_pending"),
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_outbox_message_attempts_min")),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitation.id"],
            name=op.f("fk_outbox_message_invitation_id_invitation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_message_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_outbox_message_invitation_id"), ["invitation_id"], unique=False
        )
        batch_op.create_index(
            "uq_outbox_message_pending_invitation",
            ["invitation_id"],
            unique=True,
            sqlite_where=sa.text(PENDING_ONLY),
            postgresql_where=sa.text(PENDING_ONLY),
        )


def downgrade() -> None:
    op.drop_table("outbox_message")  # its indexes go with it
