"""When a survey's results are expected back.

Reviewed by hand. `survey.results_expected_on` (a date, nullable): optional, set on the admin
survey form; the employee's thank-you and closed pages say when results are expected.
Existing surveys have none. The downgrade drops the column (the dates are lost).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 03:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("survey") as batch:
        batch.add_column(sa.Column("results_expected_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("survey") as batch:
        batch.drop_column("results_expected_on")
