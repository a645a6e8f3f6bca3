"""Invitation links: an invitation holds several live token hashes (one per link sent).

Reviewed by hand. Each invitation's one hash moves to `invitation_token` (token_sha256
primary key, WITHOUT ROWID on SQLite), which may hold several per invitation: a reminder
adds a link instead of replacing the earlier one. `invitation.token_sha256` and its unique
constraint go (batch mode, for SQLite). The downgrade keeps one hash per invitation (any
one: the links are equal) and gives an invitation without a link the hash of a fresh
random token, which nobody holds.

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


def upgrade() -> None:
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


def downgrade() -> None:
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
