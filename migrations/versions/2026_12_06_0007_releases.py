"""Releases: immutable stored publications of a survey, read by every report.

Reviewed by hand. One table; a release's snapshot (aggregates and disclosure decisions,
zlib-compressed JSON) is written once by app.reports.releases and never updated. Surveys
already open or closed have no release until one is published (the report pages say so).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 22:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("responded", sa.Integer(), nullable=True),
        sa.Column("invited", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("snapshot", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["staff_user.id"],
            name=op.f("fk_release_published_by_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["survey.id"],
            name=op.f("fk_release_survey_id_survey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release")),
        sa.UniqueConstraint("survey_id", "number", name=op.f("uq_release_survey_id_number")),
    )
    op.create_index(op.f("ix_release_survey_id"), "release", ["survey_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_release_survey_id"), table_name="release")
    op.drop_table("release")
