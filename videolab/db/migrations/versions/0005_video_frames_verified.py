"""Uploads charge by packets, then the decoder checks them: ``videos.frames_verified``.

An upload now charges the video packets its container holds (demuxing runs at disk speed)
and counts the frames that decode afterwards, refunding any packet that did not decode. Until
then ``frame_count`` is the packet count and ``frames_verified`` is false; jobs run only on
verified counts. Every video stored before this revision was counted by decoding it, so
existing rows are verified.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 15:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN with a constant default: no table rebuild, every row gets true.
    op.add_column(
        "videos",
        sa.Column("frames_verified", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    with op.batch_alter_table("videos") as batch:
        batch.drop_column("frames_verified")
