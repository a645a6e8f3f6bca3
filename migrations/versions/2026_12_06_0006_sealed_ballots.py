"""Sealed ballots: submissions wait encrypted until they are mixed into responses in batches of at least k.

Reviewed by hand. A new table `ballot` (random key, survey, sealed bytes; no rowid on
SQLite). On SQLite the `response` table is rebuilt without its rowid, whose order followed
the submissions. Rebuilding it drops the old table, and with foreign keys on that deletes
its answers and scores by cascade: they are kept aside in temporary tables and put back.
Downgrading drops the ballot table, and with it any ballot not yet mixed: mix first
(close the survey, or run `flask worker --once` until none waits).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 22:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RESPONSE_CHILDREN = ("answer", "dimension_score", "family_score")


def upgrade() -> None:
    op.create_table(
        "ballot",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["survey.id"],
            name=op.f("fk_ballot_survey_id_survey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("ballot") as batch:
        batch.create_index(batch.f("ix_ballot_survey_id"), ["survey_id"], unique=False)
    _rebuild_response(with_rowid=False)


def downgrade() -> None:
    _rebuild_response(with_rowid=True)
    with op.batch_alter_table("ballot") as batch:
        batch.drop_index(batch.f("ix_ballot_survey_id"))
    op.drop_table("ballot")


def _rebuild_response(*, with_rowid: bool) -> None:
    """SQLite only: recreate `response` with or without its rowid, keeping its children."""
    if op.get_bind().dialect.name != "sqlite":
        return
    # The table names are this module's constants, not input.
    for child in _RESPONSE_CHILDREN:
        op.execute(f"CREATE TEMP TABLE _kept_{child} AS SELECT * FROM {child}")  # noqa: S608
    with op.batch_alter_table(
        "response", recreate="always", table_kwargs={"sqlite_with_rowid": with_rowid}
    ):
        pass
    for child in _RESPONSE_CHILDREN:
        op.execute(f"INSERT INTO {child} SELECT * FROM _kept_{child}")  # noqa: S608
        op.execute(f"DROP TABLE _kept_{child}")
