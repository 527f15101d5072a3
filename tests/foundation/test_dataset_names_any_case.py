"""Dataset names are unique per user whatever their case, as tag names are; the service, the
database and the upgrade of an existing database all agree on that rule."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from videolab.db.engine import Database
from videolab.db.models import Dataset
from videolab.db.types import utcnow
from videolab.domain.errors import Conflict
from videolab.services.app import VideoLab
from videolab.settings import AppPaths


def test_a_name_that_differs_only_by_case_is_refused(app: VideoLab, demo) -> None:  # type: ignore[no-untyped-def]
    alice = demo.alice
    app.datasets.create(alice, "Birds")
    for other in ("birds", "BIRDS", "  bIrDs "):
        with pytest.raises(Conflict) as refused:
            app.datasets.create(alice, other)
        message = refused.value.message
        assert "'Birds'" in message and "ignoring case" in message, message
    # Beyond ASCII too: SQLite's lower() would have let these through.
    app.datasets.create(alice, "Élan")
    with pytest.raises(Conflict):
        app.datasets.create(alice, "ÉLAN")
    app.datasets.create(alice, "Straße")
    with pytest.raises(Conflict):
        app.datasets.create(alice, "STRASSE")
    # Another user's names are theirs.
    assert app.datasets.create(demo.bob, "birds").name == "birds"


def test_rename_compares_ignoring_case_but_may_change_a_names_case(app: VideoLab, demo) -> None:  # type: ignore[no-untyped-def]
    alice = demo.alice
    birds = app.datasets.create(alice, "Birds")
    cats = app.datasets.create(alice, "Cats")
    with pytest.raises(Conflict):
        app.datasets.rename(alice, cats.id, "BIRDS")
    assert app.datasets.rename(alice, birds.id, "BIRDS").name == "BIRDS"
    assert app.datasets.resolve(alice, "birds").id == birds.id  # the CLI's DS, any case


def test_the_trash_holds_no_name_and_restore_refuses_a_clash_in_any_case(
    app: VideoLab, demo
) -> None:  # type: ignore[no-untyped-def]
    alice = demo.alice
    old = app.datasets.create(alice, "Birds")
    app.datasets.delete(alice, old.id)
    new = app.datasets.create(alice, "birds")  # a dataset in the trash does not block a name
    with pytest.raises(Conflict) as clash:
        app.datasets.restore(alice, old.id)
    assert "'birds'" in clash.value.message and "Rename" in clash.value.message
    app.datasets.rename(alice, new.id, "Birds (new)")
    assert not app.datasets.restore(alice, old.id).is_deleted


def test_the_database_itself_refuses_two_live_names_that_differ_by_case(
    app: VideoLab, demo
) -> None:  # type: ignore[no-untyped-def]
    """The unique index is on the case-folded name: code that skips the service is held too."""
    with app.db.write() as s:
        s.add(Dataset(user_id=demo.bob.id, name="Twice"))
    with pytest.raises(IntegrityError), app.db.write() as s:
        s.add(Dataset(user_id=demo.bob.id, name="TWICE"))
    with app.db.write() as s:  # renaming through the ORM keeps the key in step
        other = Dataset(user_id=demo.bob.id, name="Once")
        s.add(other)
        s.flush()
        other_id = other.id
    with pytest.raises(IntegrityError), app.db.write() as s:
        row = s.get(Dataset, other_id)
        assert row is not None
        row.name = "twice"
    with app.db.write() as s:  # in the trash, a name may repeat
        s.add(Dataset(user_id=demo.bob.id, name="twice", deleted_at=utcnow()))


# -- the upgrade of an existing database -------------------------------------------------------
_users = sa.table(
    "users",
    sa.column("id", sa.Uuid()),
    sa.column("email", sa.String()),
    sa.column("password", sa.String()),
    sa.column("role", sa.String()),
    sa.column("tokens", sa.BigInteger()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
_datasets = sa.table(
    "datasets",
    sa.column("id", sa.Uuid()),
    sa.column("user_id", sa.Uuid()),
    sa.column("name", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
    sa.column("deleted_at", sa.DateTime(timezone=True)),
)
_videos = sa.table(
    "videos",
    sa.column("id", sa.Uuid()),
    sa.column("dataset_id", sa.Uuid()),
    sa.column("name", sa.String()),
    sa.column("frame_count", sa.Integer()),
    sa.column("frames_verified", sa.Boolean()),
    sa.column("fps", sa.Float()),
    sa.column("width", sa.Integer()),
    sa.column("height", sa.Integer()),
    sa.column("duration_s", sa.Float()),
    sa.column("size_bytes", sa.BigInteger()),
    sa.column("sha256", sa.String()),
    sa.column("cost", sa.BigInteger()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


#: An empty PostgreSQL database to run the upgrade on too (dropped and re-created by the test),
#: e.g. ``postgresql+psycopg://postgres@/vl?host=/tmp/pgsock&port=5432``; unset: SQLite only.
POSTGRES_URL = os.environ.get("VIDEOLAB_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def old_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("set VIDEOLAB_TEST_POSTGRES_URL to run the upgrade on PostgreSQL too")
    engine = sa.create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    yield POSTGRES_URL


def test_upgrade_renames_live_names_that_differ_only_by_case(
    tmp_home: AppPaths, old_db_url: str
) -> None:
    """A database from before the rule: the oldest of each clash keeps its name, the others
    get the first free " (N)"; the trash and other users are left alone; nothing is lost."""
    from alembic import command

    from videolab.db.migrate import alembic_config

    db = Database(old_db_url)
    command.upgrade(alembic_config(db), "0006")
    alice, bob = uuid.uuid4(), uuid.uuid4()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    named = [  # (owner, name, in the trash), oldest first
        (alice, "Birds", False),
        (alice, "birds", False),
        (alice, "BIRDS", False),
        (alice, "birds (2)", False),
        (alice, "Birds", True),
        (alice, "Cats", False),
        (bob, "birds", False),
    ]
    ids = [uuid.uuid4() for _ in named]
    with db.engine.begin() as conn:
        for user_id, email in ((alice, "alice@example.com"), (bob, "bob@example.com")):
            conn.execute(
                _users.insert().values(
                    id=user_id, email=email, password="x", role="user", tokens=0,
                    created_at=start, updated_at=start,
                )
            )
        for i, ((owner, name, trashed), dataset_id) in enumerate(zip(named, ids, strict=True)):
            when = start + timedelta(minutes=i)
            conn.execute(
                _datasets.insert().values(
                    id=dataset_id, user_id=owner, name=name, created_at=when, updated_at=when,
                    deleted_at=when if trashed else None,
                )
            )
            conn.execute(
                _videos.insert().values(
                    id=uuid.uuid4(), dataset_id=dataset_id, name=f"{i}.mp4", frame_count=1,
                    frames_verified=True, fps=1.0, width=1, height=1, duration_s=1.0,
                    size_bytes=1, sha256="0" * 64, cost=0, created_at=when, updated_at=when,
                )
            )

    command.upgrade(alembic_config(db), "head")

    with db.engine.connect() as conn:
        rows = dict(
            conn.execute(sa.select(_datasets.c.id, _datasets.c.name)).all()  # type: ignore[arg-type]
        )
        keys = dict(conn.execute(sa.text("SELECT name, name_key FROM datasets")).all())
        videos = conn.execute(sa.select(sa.func.count()).select_from(_videos)).scalar()
    assert [rows[i] for i in ids] == [
        "Birds", "birds (3)", "BIRDS (4)", "birds (2)", "Birds", "Cats", "birds",
    ]
    assert keys["birds (3)"] == "birds (3)" and keys["BIRDS (4)"] == "birds (4)"
    assert videos == len(named)

    # The upgraded database applies the rule from now on.
    upgraded = VideoLab.open(old_db_url, paths=tmp_home)
    try:
        with pytest.raises(IntegrityError), upgraded.db.write() as s:
            s.add(Dataset(user_id=alice, name="CATS"))
    finally:
        upgraded.close()
        db.dispose()
