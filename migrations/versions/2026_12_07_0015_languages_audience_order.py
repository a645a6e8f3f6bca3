"""Languages, the leader items' audience and mixed item order.

- response.language_sealed: the language the employee answered in, sealed with the ballot
  keys (app.ballots.language), never in clear: in clear, with the participants file's
  languages, it would tie a response to the only invitation of its team and level with that
  language. Only the release build unseals it (a cut only through the privacy module); NULL
  for responses written before this revision.
- level.leads_work_group: people at this level lead the work group their link names, so the
  instrument's items about the group's leader (audience "led") are not asked of them.
- survey.mixed_item_order: each respondent sees the items of a part in a random order;
  nothing about the order is stored.
- staff_user.language: the staff member's chosen interface language (NULL: the browser's).

Reviewed by hand. Only added columns, each nullable or with a server default, so existing
rows stay valid; the downgrade drops them.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 06:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("response") as batch:
        batch.add_column(sa.Column("language_sealed", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("level") as batch:
        batch.add_column(
            sa.Column("leads_work_group", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("survey") as batch:
        batch.add_column(
            sa.Column("mixed_item_order", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("staff_user") as batch:
        batch.add_column(sa.Column("language", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_user") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("survey") as batch:
        batch.drop_column("mixed_item_order")
    with op.batch_alter_table("level") as batch:
        batch.drop_column("leads_work_group")
    with op.batch_alter_table("response") as batch:
        batch.drop_column("language_sealed")
