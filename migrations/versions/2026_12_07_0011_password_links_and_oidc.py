"""Staff accounts by email and single sign-on: set-password links and the OIDC subject.

Reviewed by hand. A new table `password_link`: one row per set-password link emailed to a
staff member (an invitation to a new account, or "forgot password"), holding the SHA-256 of
the link's token, never the token, with its expiry and the moment it was used.
`staff_user.oidc_subject` (nullable, unique): the account's subject at the OpenID Connect
provider once it has signed in there. The downgrade drops both (unused links stop working,
and accounts sign in through the provider anew, matched by email).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "password_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "purpose IN ('invitation', 'reset')", name=op.f("ck_password_link_purpose")
        ),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_user.id"],
            name=op.f("fk_password_link_staff_user_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_link")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_password_link_token_sha256")),
    )
    op.create_index(
        op.f("ix_password_link_staff_user_id"), "password_link", ["staff_user_id"], unique=False
    )
    with op.batch_alter_table("staff_user") as batch:
        batch.add_column(sa.Column("oidc_subject", sa.String(length=255), nullable=True))
        batch.create_unique_constraint(op.f("uq_staff_user_oidc_subject"), ["oidc_subject"])


def downgrade() -> None:
    with op.batch_alter_table("staff_user") as batch:
        batch.drop_constraint(op.f("uq_staff_user_oidc_subject"), type_="unique")
        batch.drop_column("oidc_subject")
    op.drop_index(op.f("ix_password_link_staff_user_id"), table_name="password_link")
    op.drop_table("password_link")
