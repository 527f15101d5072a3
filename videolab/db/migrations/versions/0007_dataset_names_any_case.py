"""Dataset names are unique per user whatever their case; jobs outlive their dataset.

``datasets.name_key`` holds the case-folded name (Python's ``str.casefold``, as the service
compares) and the partial unique index over live datasets moves from ``name`` to it: "Birds"
and "birds" can no longer both be live datasets of one user. Existing live datasets whose
names differ only by case keep their names for the oldest one; each later one is renamed
"NAME (2)", "NAME (3)"... (the first number free). Datasets in the trash keep their names:
they are not covered by the index, and restoring one refuses a clash as before.

``inference_jobs.dataset_id`` becomes nullable with ON DELETE SET NULL, as ``video_id`` did in
0003: a dataset deleted for good from the trash leaves its jobs, their results and the ledger
rows that name them in place.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 18:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_LIVE = sa.text("deleted_at IS NULL")
_MAX_NAME = 200  # services.datasets.MAX_DATASET_NAME


def _free_name(name: str, taken: set[str]) -> str:
    """``name`` with the first " (N)" suffix whose folded form is not in ``taken``."""
    n = 2
    while True:
        suffix = f" ({n})"
        candidate = name[: _MAX_NAME - len(suffix)] + suffix
        if candidate.casefold() not in taken:
            return candidate
        n += 1


def upgrade() -> None:
    op.add_column("datasets", sa.Column("name_key", sa.String(600), nullable=True))
    conn = op.get_bind()
    datasets = sa.table(
        "datasets",
        sa.column("id", sa.Uuid()),
        sa.column("user_id", sa.Uuid()),
        sa.column("name", sa.String()),
        sa.column("name_key", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("deleted_at", sa.DateTime(timezone=True)),
    )
    rows = conn.execute(
        sa.select(
            datasets.c.id, datasets.c.user_id, datasets.c.name, datasets.c.deleted_at
        ).order_by(datasets.c.user_id, datasets.c.created_at, datasets.c.id)
    ).all()
    # Every live name of each user, folded, so a new "(N)" never lands on an existing one.
    live: dict[object, set[str]] = {}
    for _id, user_id, name, deleted_at in rows:
        if deleted_at is None:
            live.setdefault(user_id, set()).add(name.casefold())
    kept: dict[object, set[str]] = {}
    for dataset_id, user_id, name, deleted_at in rows:
        values = {"name_key": name.casefold()}
        if deleted_at is None:
            mine = kept.setdefault(user_id, set())
            if name.casefold() in mine:  # an older live dataset has this name in another case
                name = _free_name(name, live[user_id])
                live[user_id].add(name.casefold())
                values = {"name": name, "name_key": name.casefold()}
            mine.add(name.casefold())
        conn.execute(datasets.update().where(datasets.c.id == dataset_id).values(**values))

    # SQLite rebuilds both tables; the migration environment switches foreign keys off
    # meanwhile, so the rows that point at them are left alone.
    with op.batch_alter_table("datasets") as batch:
        batch.alter_column("name_key", existing_type=sa.String(600), nullable=False)
        batch.drop_index("uq_datasets_user_name_live", sqlite_where=_LIVE, postgresql_where=_LIVE)
        batch.create_index(
            "uq_datasets_user_name_key_live",
            ["user_id", "name_key"],
            unique=True,
            sqlite_where=_LIVE,
            postgresql_where=_LIVE,
        )
    with op.batch_alter_table("inference_jobs") as batch:
        batch.alter_column("dataset_id", existing_type=sa.Uuid(), nullable=True)
        batch.drop_constraint("fk_inference_jobs_dataset_id_datasets", type_="foreignkey")
        batch.create_foreign_key(
            "fk_inference_jobs_dataset_id_datasets",
            "datasets",
            ["dataset_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    # Jobs whose dataset was deleted for good cannot point at one again: the old schema loses
    # them, and their ledger rows lose the link (as 0003's downgrade does for videos).
    conn = op.get_bind()
    orphans = "SELECT id FROM inference_jobs WHERE dataset_id IS NULL"
    conn.execute(sa.text(f"UPDATE credit_ledger SET job_id = NULL WHERE job_id IN ({orphans})"))
    conn.execute(sa.text("DELETE FROM inference_jobs WHERE dataset_id IS NULL"))
    with op.batch_alter_table("inference_jobs") as batch:
        batch.drop_constraint("fk_inference_jobs_dataset_id_datasets", type_="foreignkey")
        batch.create_foreign_key(
            "fk_inference_jobs_dataset_id_datasets",
            "datasets",
            ["dataset_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.alter_column("dataset_id", existing_type=sa.Uuid(), nullable=False)
    # Names stay as they are (renamed ones keep their "(N)"): still unique, now by case too.
    with op.batch_alter_table("datasets") as batch:
        batch.drop_index(
            "uq_datasets_user_name_key_live", sqlite_where=_LIVE, postgresql_where=_LIVE
        )
        batch.create_index(
            "uq_datasets_user_name_live",
            ["user_id", "name"],
            unique=True,
            sqlite_where=_LIVE,
            postgresql_where=_LIVE,
        )
        batch.drop_column("name_key")
