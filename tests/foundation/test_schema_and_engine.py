"""Schema through Alembic, SQLite settings on every connection, and write transactions."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text, update
from sqlalchemy.exc import IntegrityError

from videolab.db.engine import Database
from videolab.db.migrate import current_revision, head_revision, upgrade_to_head
from videolab.db.models import Base, Dataset, User, Video, VideoChunk
from videolab.inference.synthetic import SyntheticVideo
from videolab.services.app import VideoLab
from videolab.settings import AppPaths

EXPECTED_TABLES = {
    "users", "tags", "dataset_tags", "datasets", "videos", "video_chunks", "inference_jobs",
    "results", "result_chunks", "credit_ledger", "auth_tokens", "sign_in_throttle",
    "alembic_version",
}


def schema_of(path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "select type, name, coalesce(sql, '') from sqlite_master order by type, name"
        ).fetchall()


def test_init_on_an_empty_file_creates_the_schema_at_head_and_again_is_a_no_op(
    tmp_path: Path, run_cli, tmp_home: AppPaths
) -> None:
    db_file = tmp_path / "empty.db"
    db_file.touch()  # an empty file is an empty SQLite database

    first = run_cli("init", db=db_file)
    assert first.code == 0, first.err
    assert first.json()["schema"] == "current"
    schema = schema_of(db_file)
    assert {name for kind, name, _ in schema if kind == "table"} == EXPECTED_TABLES
    db = Database(f"sqlite:///{db_file}")
    try:
        assert current_revision(db) == head_revision(db) is not None
    finally:
        db.dispose()

    second = run_cli("init", db=db_file)
    assert second.code == 0, second.err
    assert schema_of(db_file) == schema
    with sqlite3.connect(db_file) as conn:
        assert conn.execute("select count(*) from alembic_version").fetchone() == (1,)


def test_upgrade_keeps_data_and_models_match_the_migrations(app: VideoLab) -> None:
    before = current_revision(app.db)
    upgrade_to_head(app.db)  # already at head: nothing to do, nothing lost
    assert current_revision(app.db) == before
    with app.db.read() as s:
        assert s.scalar(select(User.id).limit(1)) is not None
    with app.db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_every_connection_has_foreign_keys_wal_and_full_sync(app: VideoLab) -> None:
    seen: list[tuple[int, str, int, int]] = []
    lock = threading.Lock()

    def read_pragmas(write: bool) -> None:
        with app.db.write() if write else app.db.read() as s:
            row = (
                s.execute(text("PRAGMA foreign_keys")).scalar_one(),
                s.execute(text("PRAGMA journal_mode")).scalar_one(),
                s.execute(text("PRAGMA synchronous")).scalar_one(),
                s.execute(text("PRAGMA busy_timeout")).scalar_one(),
            )
        with lock:
            seen.append(row)

    threads = [threading.Thread(target=read_pragmas, args=(i % 2 == 0,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    read_pragmas(False)
    assert len(seen) == 7
    for foreign_keys, journal, synchronous, busy in seen:
        assert foreign_keys == 1
        assert journal.lower() == "wal"
        assert synchronous == 2  # FULL
        assert busy >= 1000


def test_foreign_keys_and_checks_are_enforced_by_the_database(app: VideoLab, demo) -> None:
    with pytest.raises(IntegrityError), app.db.write() as s:
        s.add(Dataset(user_id=uuid.uuid4(), name="orphan"))
    with pytest.raises(IntegrityError), app.db.write() as s:
        s.execute(update(User).where(User.id == demo.bob.id).values(tokens=-1))
    assert app.credits.balance(demo.bob) == 50_000


def test_deleting_a_user_cascades_to_datasets_videos_and_chunks(
    app: VideoLab, demo, clip: SyntheticVideo, counts
) -> None:
    ds = app.datasets.create(demo.bob, "cascade")
    video = app.videos.upload(demo.bob, ds.id, clip.path)
    with app.db.write() as s:
        s.execute(text("DELETE FROM users WHERE id = :id"), {"id": demo.bob.id.hex})
    with app.db.read() as s:
        assert s.get(Dataset, ds.id) is None
        assert s.get(Video, video.id) is None
        assert s.scalar(select(VideoChunk.seq).where(VideoChunk.video_id == video.id)) is None


@contextmanager
def impatient_connection(app: VideoLab) -> Iterator[Any]:
    """A second raw connection to the same file that gives up at once when the file is locked.

    It goes through the app's own SQLite library: two copies of SQLite in one process (the
    stdlib's and pysqlite3's) do not see each other's POSIX locks.
    """
    other = Database(app.db.url)
    raw = other.engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA busy_timeout=0")
        yield raw.driver_connection
    finally:
        raw.invalidate()
        other.dispose()


def test_write_units_of_work_take_the_write_lock_at_begin(app: VideoLab) -> None:
    """BEGIN IMMEDIATE: a second writer waits at BEGIN instead of failing half way through."""
    holding = threading.Event()
    release = threading.Event()

    def hold_write() -> None:
        with app.db.write() as s:
            s.execute(select(1))  # a read-only statement: only BEGIN IMMEDIATE takes the lock
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold_write)
    holder.start()
    try:
        assert holding.wait(10)
        with impatient_connection(app) as other:
            with pytest.raises(Exception, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            other.execute("BEGIN")  # readers still read under WAL
            assert other.execute("select count(*) from users").fetchone() == (3,)
            other.execute("ROLLBACK")
        with app.db.read() as s:  # and so do VideoLab's own read units of work
            assert s.scalar(select(User.email).where(User.email == "bob@example.com"))
    finally:
        release.set()
        holder.join()


def test_read_units_of_work_do_not_take_the_write_lock(app: VideoLab) -> None:
    with app.db.read() as s:
        s.execute(select(1)).all()
        with impatient_connection(app) as other:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")


def test_schema_tables_listed_by_sqlalchemy(app: VideoLab) -> None:
    assert set(inspect(app.db.engine).get_table_names()) == EXPECTED_TABLES
    indexes = {ix["name"]: ix for ix in inspect(app.db.engine).get_indexes("datasets")}
    assert indexes["uq_datasets_user_name_key_live"]["unique"]


TABLE_REBUILD_MIGRATION = '''
"""A later migration that rebuilds parent tables, as SQLite's batch mode does."""
import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("users", "datasets", "videos"):
        with op.batch_alter_table(table, recreate="always") as batch:
            batch.add_column(sa.Column("note", sa.String(20), nullable=True))


def downgrade() -> None:
    pass
'''


def test_a_migration_that_rebuilds_tables_keeps_every_child_row(
    app: VideoLab, demo, clip: SyntheticVideo, tmp_path: Path, counts
) -> None:
    """SQLite rebuilds a table to alter it (create, copy, DROP, rename). With foreign keys on,
    the DROP first deletes every child row through ON DELETE CASCADE: the first migration
    that touched ``users`` would empty the database. Migrations must run with them off."""
    from alembic import command

    from videolab.db.migrate import MIGRATIONS_DIR, alembic_config

    ds = app.datasets.create(demo.bob, "keep me", ["demo"])
    app.videos.upload(demo.bob, ds.id, clip.path)
    rows = counts(app)
    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    head = head_revision(app.db)
    (scripts / "versions" / "9999_rebuild.py").write_text(
        TABLE_REBUILD_MIGRATION.replace("{head}", str(head))
    )
    config = alembic_config(app.db)
    config.set_main_option("script_location", str(scripts))

    command.upgrade(config, "head")

    assert counts(app) == rows
    with app.db.read() as s:
        assert s.execute(text("select count(*) from dataset_tags")).scalar_one() >= 3
        assert s.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    assert app.datasets.get(demo.bob, ds.id).tags == ("demo",)


#: Columns whose values outgrow 32 bits: byte sizes (a 2 GB video is 2^31 bytes) and
#: milli-token amounts (2^31 milli-tokens is only 2.1 million tokens).
WIDE_COLUMNS = {
    "users": ("tokens",),
    "videos": ("size_bytes", "cost"),
    "inference_jobs": ("cost", "charged"),
    "results": ("zip_size",),
    "credit_ledger": ("delta", "balance_after"),
}


def test_byte_sizes_and_money_are_64_bit_on_every_backend(app: VideoLab) -> None:
    """SQLite stores any integer in 64 bits, PostgreSQL's INTEGER is 32: a 2 GB upload or a
    balance above 2,147,483.647 tokens would fail there. Models and migration must agree."""
    from sqlalchemy.dialects import postgresql

    reflected = inspect(app.db.engine)
    for table, columns in WIDE_COLUMNS.items():
        types = {c["name"]: c["type"] for c in reflected.get_columns(table)}
        for column in columns:
            model_type = Base.metadata.tables[table].c[column].type
            assert model_type.compile(dialect=postgresql.dialect()) == "BIGINT", (table, column)
            assert str(types[column]) == "BIGINT", (table, column)


def test_a_balance_beyond_32_bits_is_exact(app: VideoLab, demo, audit_balance) -> None:
    for _ in range(3):
        app.credits.recharge(demo.admin, "bob@example.com", 1_000_000_000)
    expected = 50_000 + 3_000_000_000
    assert app.credits.balance(demo.bob) == expected
    assert audit_balance(app, demo.bob) == (expected, expected)


def test_wal_shrinks_back_after_a_big_upload(
    tmp_home: AppPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_clip
) -> None:  # type: ignore[no-untyped-def]
    """A big upload grows the WAL by its size; the next write after a checkpoint truncates it
    to the limit instead of leaving the file that large on disk while the app runs."""
    import videolab.db.engine as engine_mod

    monkeypatch.setattr(engine_mod, "WAL_SIZE_LIMIT", 256 * 1024)
    db_path = tmp_path / "wal.db"
    lab = VideoLab.open(str(db_path), paths=tmp_home)
    try:
        admin = lab.auth.create_first_admin("admin@example.com", "correct horse battery")
        admin = lab.credits.recharge(admin, admin.email, 1_000)
        dataset = lab.datasets.create(admin, "big")
        video = make_clip(seed=31, frames=48, size=(640, 360))
        padded = tmp_path / "padded.mp4"  # an mp4 with 6 MiB of trailing bytes: a big write
        padded.write_bytes(video.path.read_bytes() + bytes(6 * 2**20))
        lab.videos.upload(admin, dataset.id, padded)
        wal = Path(str(db_path) + "-wal")
        assert wal.stat().st_size > 6 * 2**20  # the upload went through the WAL
        with lab.db.read() as s:  # no reader left behind: the checkpoint can finish
            s.execute(text("SELECT 1"))
        lab.datasets.create(admin, "after")  # checkpoint ran at the last commit; this resets
        lab.datasets.create(admin, "after-2")
        assert wal.stat().st_size <= 512 * 1024
    finally:
        lab.close()


@pytest.mark.parametrize("start", ["0001", "0002", "0003"])
def test_upgrade_from_0001_with_data_keeps_every_row(
    app: VideoLab, tmp_home: AppPaths, tmp_path: Path, start: str
) -> None:
    """0002 rebuilds ``users`` (dropping its old back-off columns), 0004 rebuilds it again
    (account states, the email unique among accounts not deleted): every row, and every row
    that points at a user, survives, and the demo accounts still sign in."""
    from alembic import command

    from videolab.db.migrate import alembic_config, current_revision, head_revision
    from videolab.services.seed import DEMO_PASSWORD

    try:  # the SQLite the app uses (see db/engine.py), not an older one beside it
        from pysqlite3 import dbapi2 as sqlite
    except ImportError:  # pragma: no cover - platforms without pysqlite3
        sqlite = sqlite3  # type: ignore[misc]

    def connect(path: Path) -> Any:
        return closing(sqlite.connect(str(path)))

    tables = [
        "users", "tags", "datasets", "dataset_tags", "videos", "video_chunks",
        "inference_jobs", "results", "result_chunks", "credit_ledger", "auth_tokens",
    ]
    source = Path(app.db.engine.url.database or "")
    app.close()
    copy = tmp_path / "old.db"
    old = Database(f"sqlite:///{copy}")
    command.upgrade(alembic_config(old), start)  # a fresh database at ``start`` ...
    old.dispose()
    with connect(source) as src, connect(copy) as dst:
        dst.execute("PRAGMA foreign_keys=OFF")
        for table in tables:  # ... given the demo data, as that revision stored it
            cols = [r[1] for r in dst.execute(f"PRAGMA table_info({table})")]
            picked = {"failed_logins": "0", "locked_until": "NULL"}
            rows = src.execute(
                f"SELECT {', '.join(picked.get(c, c) for c in cols)} FROM {table}"
            ).fetchall()
            dst.executemany(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                rows,
            )
        dst.commit()
        counts = {t: dst.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    assert counts["users"] == 3 and counts["datasets"] == 2 and counts["credit_ledger"] > 0

    upgraded = VideoLab.open(str(copy), paths=tmp_home)  # upgrades to head at start
    try:
        assert current_revision(upgraded.db) == head_revision(upgraded.db)
        with connect(copy) as conn:
            assert {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables} \
                == counts
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
            cols = {r[1] for r in conn.execute("PRAGMA table_info(users)")}
            assert "failed_logins" not in cols and "locked_until" not in cols
            # 0004: every existing account is in use, neither disabled nor deleted.
            assert conn.execute(
                "SELECT count(*) FROM users WHERE disabled_at IS NULL AND deleted_at IS NULL"
            ).fetchone()[0] == 3
        assert upgraded.auth.login("alice@example.com", DEMO_PASSWORD).user.tokens_milli > 0
    finally:
        upgraded.close()
