"""Anonymity over time, links and storage: invitation links, sealed ballots, releases.

Reviewed by hand. Three changes of one wave, each in its own pair of functions below:

Invitation links. Each invitation's one hash moves to `invitation_token` (token_sha256
primary key, WITHOUT ROWID on SQLite), which may hold several per invitation: a reminder
adds a link instead of replacing the earlier one. `invitation.token_sha256` and its unique
constraint go (batch mode, for SQLite). The downgrade keeps one hash per invitation (any
one: the links are equal) and gives an invitation without a link the hash of a fresh
random token, which nobody holds.

Sealed ballots. A new table `ballot` (random key, survey, sealed bytes; no rowid on
SQLite). On SQLite the `response` table is rebuilt without its rowid, whose order followed
the submissions. Rebuilding it drops the old table, and with foreign keys on that deletes
its answers and scores by cascade: they are kept aside in temporary tables and put back.
Downgrading drops the ballot table, and with it any ballot not yet mixed: mix first
(close the survey, or run `flask worker --once` until none waits).

Releases. One table; a release's snapshot (aggregates and disclosure decisions,
zlib-compressed JSON) is written once by app.reports.releases and never updated. Surveys
already open or closed have no release until one is published (the report pages say so;
`flask reports release ID --final` publishes a closed survey's).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 22:20:00
"""

import hashlib
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RESPONSE_CHILDREN = ("answer", "dimension_score", "family_score")


def upgrade() -> None:
    _upgrade_links()
    _upgrade_ballots()
    _upgrade_releases()


def downgrade() -> None:
    _downgrade_releases()
    _downgrade_ballots()
    _downgrade_links()


def _upgrade_links() -> None:
    op.create_table(
        "invitation_token",
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitation.id"],
            name=op.f("fk_invitation_token_invitation_id_invitation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_sha256", name=op.f("pk_invitation_token")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        op.f("ix_invitation_token_invitation_id"),
        "invitation_token",
        ["invitation_id"],
        unique=False,
    )
    op.execute(
        "INSERT INTO invitation_token (token_sha256, invitation_id) "
        "SELECT token_sha256, id FROM invitation"
    )
    with op.batch_alter_table("invitation") as batch:
        batch.drop_constraint(op.f("uq_invitation_token_sha256"), type_="unique")
        batch.drop_column("token_sha256")


def _downgrade_links() -> None:
    with op.batch_alter_table("invitation") as batch:
        batch.add_column(sa.Column("token_sha256", sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE invitation SET token_sha256 = (SELECT min(t.token_sha256) FROM "
        "invitation_token t WHERE t.invitation_id = invitation.id)"
    )
    connection = op.get_bind()
    unlinked = connection.execute(
        sa.text("SELECT id FROM invitation WHERE token_sha256 IS NULL")
    ).scalars()
    for invitation_id in list(unlinked):
        digest = hashlib.sha256(secrets.token_urlsafe(32).encode("utf-8")).hexdigest()
        connection.execute(
            sa.text("UPDATE invitation SET token_sha256 = :digest WHERE id = :id"),
            {"digest": digest, "id": invitation_id},
        )
    with op.batch_alter_table("invitation") as batch:
        batch.alter_column("token_sha256", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint(op.f("uq_invitation_token_sha256"), ["token_sha256"])
    op.drop_index(op.f("ix_invitation_token_invitation_id"), table_name="invitation_token")
    op.drop_table("invitation_token")


def _upgrade_ballots() -> None:
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


def _downgrade_ballots() -> None:
    _rebuild_response(with_rowid=True)
    with op.batch_alter_table("ballot") as batch:
        batch.drop_index(batch.f("ix_ballot_survey_id"))
    op.drop_table("ballot")


def _upgrade_releases() -> None:
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


def _downgrade_releases() -> None:
    op.drop_index(op.f("ix_release_survey_id"), table_name="release")
    op.drop_table("release")


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
