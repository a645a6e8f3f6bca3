"""Pilot waves, and a changelog line per instrument version.

Reviewed by hand. `survey.pilot` (not null, false for every existing survey): a pilot is
reported on its own but left out of trends and of "change since the last comparable wave".
`instrument_version.changelog` (nullable, at most 300 characters): the line the editor asks
for when a version is published; versions stored before have none. The downgrade drops both
columns (pilot marks and changelog lines are lost).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("survey") as batch:
        batch.add_column(
            sa.Column("pilot", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("instrument_version") as batch:
        batch.add_column(sa.Column("changelog", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("instrument_version") as batch:
        batch.drop_column("changelog")
    with op.batch_alter_table("survey") as batch:
        batch.drop_column("pilot")
