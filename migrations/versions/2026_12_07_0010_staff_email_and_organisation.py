"""Outbox messages to staff members, and the organisation's name and contact.

Reviewed by hand. `outbox_message.invitation_id` becomes nullable: a message of a kind other
than invitation or reminder (a test send to the admin, the account emails) goes to a staff
member's address, `recipient`, kept only while the message is pending, and is built from
`payload` (JSON, never a token or an address). The check on the kinds becomes the check on
the addressee: a participant's kind through an invitation, any other kind never. A new
one-row table `organisation_profile` holds the name and contact shown in every email. The
downgrade deletes the staff messages, then restores the columns and the check.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 03:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTICIPANT_KINDS = "kind IN ('invitation', 'reminder')"


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_constraint(op.f("ck_outbox_message_kind"), type_="check")
        batch.alter_column("invitation_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("recipient", sa.String(length=254), nullable=True))
        batch.add_column(sa.Column("payload", sa.JSON(), nullable=True))
        batch.create_check_constraint(
            op.f("ck_outbox_message_addressee"),
            f"({PARTICIPANT_KINDS} AND invitation_id IS NOT NULL AND recipient IS NULL)"
            f" OR (NOT {PARTICIPANT_KINDS} AND invitation_id IS NULL)",
        )
        batch.create_check_constraint(
            op.f("ck_outbox_message_recipient_only_pending"),
            "status = 'pending' OR recipient IS NULL",
        )
        batch.create_check_constraint(
            op.f("ck_outbox_message_pending_recipient"),
            "status <> 'pending' OR invitation_id IS NOT NULL OR recipient IS NOT NULL",
        )
    op.create_table(
        "organisation_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_organisation_profile_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_profile")),
    )


def downgrade() -> None:
    op.drop_table("organisation_profile")
    op.execute(sa.text("DELETE FROM outbox_message WHERE kind NOT IN ('invitation', 'reminder')"))
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_constraint(op.f("ck_outbox_message_pending_recipient"), type_="check")
        batch.drop_constraint(op.f("ck_outbox_message_recipient_only_pending"), type_="check")
        batch.drop_constraint(op.f("ck_outbox_message_addressee"), type_="check")
        batch.drop_column("payload")
        batch.drop_column("recipient")
        batch.alter_column("invitation_id", existing_type=sa.Integer(), nullable=False)
        batch.create_check_constraint(op.f("ck_outbox_message_kind"), PARTICIPANT_KINDS)
