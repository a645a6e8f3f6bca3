"""Staff session version: a password reset ends the account's open sessions.

Reviewed by hand. Existing accounts start at version 1. A session opened before this
revision holds a bare account id, which no longer matches: its user signs in once more.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_user") as batch:
        batch.add_column(
            sa.Column("session_version", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_user") as batch:
        batch.drop_column("session_version")
