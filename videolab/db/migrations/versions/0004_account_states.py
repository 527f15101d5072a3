"""Accounts can be disabled and deleted.

``users.disabled_at``: a disabled account cannot sign in and its sessions end. ``deleted_at``:
a deleted account stays as a row, because its ledger rows (what it paid, and for what) must
outlive it, but it is no longer an account: its email may be given to a new one, so the
unique constraint on ``email`` becomes a unique index over accounts not deleted, as dataset
names are. Existing accounts are neither.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 15:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_LIVE = sa.text("deleted_at IS NULL")


def upgrade() -> None:
    # SQLite rebuilds the table to drop the constraint; the migration environment switches
    # foreign keys off meanwhile, so rows that reference users are left alone.
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
        batch.drop_constraint("uq_users_email", type_="unique")
        batch.create_index(
            "uq_users_email_live",
            ["email"],
            unique=True,
            sqlite_where=_LIVE,
            postgresql_where=_LIVE,
        )


def downgrade() -> None:
    # Deleted accounts' rows stay (their ledger needs them); an email reused since cannot
    # become unique again, so the downgrade refuses rather than guess which row to keep.
    with op.batch_alter_table("users") as batch:
        batch.drop_index("uq_users_email_live", sqlite_where=_LIVE, postgresql_where=_LIVE)
        batch.create_unique_constraint("uq_users_email", ["email"])
        batch.drop_column("deleted_at")
        batch.drop_column("disabled_at")
