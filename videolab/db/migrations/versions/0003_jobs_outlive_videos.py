"""Jobs outlive their videos; the model file and the consent to load it get their own columns.

Deleting a video used to cascade to its jobs while their ledger rows stayed behind with
``job_id`` set to NULL: a live job's hold was never refunded. Now ``inference_jobs.video_id``
is cleared instead (the job keeps the video's name in ``video_name``), and ``credit_ledger.job_id``
has no ON DELETE action, so deleting a job that has ledger rows fails.

``model_path`` and ``allow_untrusted_model`` used to hide inside the user-visible ``params``
JSON; they move to columns of their own.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_HIDDEN = ("model_path", "allow_untrusted_model")


def upgrade() -> None:
    # SQLite rebuilds both tables; the migration environment switches foreign keys off meanwhile.
    with op.batch_alter_table("inference_jobs") as batch:
        batch.add_column(sa.Column("video_name", sa.String(255), nullable=False, server_default=""))
        batch.add_column(sa.Column("model_path", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column(
                "allow_untrusted_model", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch.alter_column("video_id", existing_type=sa.Uuid(), nullable=True)
        batch.drop_constraint("fk_inference_jobs_video_id_videos", type_="foreignkey")
        batch.create_foreign_key(
            "fk_inference_jobs_video_id_videos", "videos", ["video_id"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("credit_ledger") as batch:
        batch.drop_constraint("fk_credit_ledger_job_id_inference_jobs", type_="foreignkey")
        batch.create_foreign_key(
            "fk_credit_ledger_job_id_inference_jobs", "inference_jobs", ["job_id"], ["id"]
        )
        batch.create_index("ix_credit_ledger_job_id", ["job_id"], unique=False)

    conn = op.get_bind()
    jobs = sa.table(
        "inference_jobs",
        sa.column("id", sa.Uuid()),
        sa.column("video_id", sa.Uuid()),
        sa.column("video_name", sa.String()),
        sa.column("params", sa.JSON()),
        sa.column("model_path", sa.Text()),
        sa.column("allow_untrusted_model", sa.Boolean()),
    )
    videos = sa.table("videos", sa.column("id", sa.Uuid()), sa.column("name", sa.String()))
    rows = conn.execute(
        sa.select(jobs.c.id, jobs.c.params, videos.c.name).outerjoin(
            videos, videos.c.id == jobs.c.video_id
        )
    ).all()
    for job_id, params, name in rows:
        params = dict(params or {})
        model_path = params.pop("model_path", None)
        consent = bool(params.pop("allow_untrusted_model", False))
        conn.execute(
            jobs.update()
            .where(jobs.c.id == job_id)
            .values(
                video_name=name or "",
                params=params,
                model_path=model_path,
                allow_untrusted_model=consent,
            )
        )


def downgrade() -> None:
    conn = op.get_bind()
    jobs = sa.table(
        "inference_jobs",
        sa.column("id", sa.Uuid()),
        sa.column("params", sa.JSON()),
        sa.column("model_path", sa.Text()),
        sa.column("allow_untrusted_model", sa.Boolean()),
    )
    for job_id, params, path, consent in conn.execute(
        sa.select(jobs.c.id, jobs.c.params, jobs.c.model_path, jobs.c.allow_untrusted_model)
    ).all():
        params = dict(params or {}, model_path=path, allow_untrusted_model=bool(consent))
        conn.execute(jobs.update().where(jobs.c.id == job_id).values(params=params))
    # Jobs whose video is gone cannot point at one again: the old schema loses them, and their
    # ledger rows lose the link, as they did before this revision.
    orphans = "SELECT id FROM inference_jobs WHERE video_id IS NULL"
    conn.execute(sa.text(f"UPDATE credit_ledger SET job_id = NULL WHERE job_id IN ({orphans})"))
    conn.execute(sa.text("DELETE FROM inference_jobs WHERE video_id IS NULL"))
    with op.batch_alter_table("credit_ledger") as batch:
        batch.drop_index("ix_credit_ledger_job_id")
        batch.drop_constraint("fk_credit_ledger_job_id_inference_jobs", type_="foreignkey")
        batch.create_foreign_key(
            "fk_credit_ledger_job_id_inference_jobs",
            "inference_jobs",
            ["job_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("inference_jobs") as batch:
        batch.drop_constraint("fk_inference_jobs_video_id_videos", type_="foreignkey")
        batch.create_foreign_key(
            "fk_inference_jobs_video_id_videos", "videos", ["video_id"], ["id"], ondelete="CASCADE"
        )
        batch.alter_column("video_id", existing_type=sa.Uuid(), nullable=False)
        batch.drop_column("allow_untrusted_model")
        batch.drop_column("model_path")
        batch.drop_column("video_name")
