"""Family scores stored at submission, for fast reports.

Reviewed by hand. Like dimension_score, the table hangs off a response and never off an
invitation.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:08:11.473010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "family_score",
        sa.Column("response_id", sa.Uuid(), nullable=False),
        sa.Column("family_key", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["response.id"],
            name=op.f("fk_family_score_response_id_response"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", "family_key", name=op.f("pk_family_score")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("family_score")
