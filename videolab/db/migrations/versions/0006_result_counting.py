"""Counting lines and zones drawn on a job's result, saved with it.

Predictions (``json_res``) stay as the job wrote them; what a person drew afterwards lives in
its own nullable column: ``{"lines": [{"name", "points"}], "zones": [...]}``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("results") as batch:
        batch.add_column(sa.Column("counting", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("results") as batch:
        batch.drop_column("counting")
