"""Sign-in back-off per email address (known or not) instead of per account.

The back-off used to live on ``users`` (failed_logins, locked_until), so only real accounts
ever locked and "Too many failed sign-ins" told an attacker which addresses have one. It now
lives in ``sign_in_throttle``, keyed by the SHA-256 of the normalised address. Counters in
progress are not carried over: a back-off restarts from zero once, at this upgrade.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 21:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_throttle",
        sa.Column("email_digest", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("email_digest", name=op.f("pk_sign_in_throttle")),
    )
    op.create_index(
        op.f("ix_sign_in_throttle_updated_at"), "sign_in_throttle", ["updated_at"], unique=False
    )
    # SQLite rebuilds the table to drop columns; the migration environment switches foreign
    # keys off meanwhile, so rows that reference users are left alone.
    with op.batch_alter_table("users") as batch:
        batch.drop_column("failed_logins")
        batch.drop_column("locked_until")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    op.drop_index(op.f("ix_sign_in_throttle_updated_at"), table_name="sign_in_throttle")
    op.drop_table("sign_in_throttle")
