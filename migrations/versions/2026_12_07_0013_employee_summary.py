"""Employee summaries: the release a survey's employees may read, and the hash of its
survey-wide results link.

Reviewed by hand. One row per survey (unique survey_id); the results link's token is kept
only as its sha256 (unique). The downgrade drops the table (published summaries are lost;
the releases they point at stay).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 03:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "employee_summary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("link_sha256", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["staff_user.id"],
            name=op.f("fk_employee_summary_published_by_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["release.id"],
            name=op.f("fk_employee_summary_release_id_release"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["survey.id"],
            name=op.f("fk_employee_summary_survey_id_survey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employee_summary")),
        sa.UniqueConstraint("link_sha256", name=op.f("uq_employee_summary_link_sha256")),
        sa.UniqueConstraint("survey_id", name=op.f("uq_employee_summary_survey_id")),
    )


def downgrade() -> None:
    op.drop_table("employee_summary")
