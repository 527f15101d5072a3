"""Migration 0005 adds ``videos.frames_verified``: videos stored before it were counted by
decoding them, so they come out of the upgrade verified, with everything else intact."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from alembic import command

from videolab.db.engine import Database
from videolab.db.migrate import alembic_config, current_revision, head_revision
from videolab.inference.synthetic import SyntheticVideo
from videolab.services.app import VideoLab
from videolab.settings import AppPaths


def test_upgrade_from_0004_keeps_videos_and_marks_them_verified(
    app: VideoLab, demo, clip: SyntheticVideo, app_db: Path, tmp_home: AppPaths
) -> None:
    dataset = app.datasets.create(demo.bob, "before 0005")
    video = app.videos.upload(demo.bob, dataset.id, clip.path)
    app.videos.verify_frames(demo.bob, video.id)
    app.close()

    old = Database(f"sqlite:///{app_db}")
    command.downgrade(alembic_config(old), "0004")  # the schema as 0004 had it, with data
    old.dispose()
    with closing(sqlite3.connect(app_db)) as conn:
        columns = {r[1] for r in conn.execute("PRAGMA table_info(videos)")}
        assert "frames_verified" not in columns
        videos_before = conn.execute("SELECT id, name, frame_count, cost FROM videos").fetchall()
        chunks_before = conn.execute("SELECT count(*) FROM video_chunks").fetchone()
    assert len(videos_before) >= 2  # the demo video and the upload

    upgraded = VideoLab.open(str(app_db), paths=tmp_home)  # upgrades to head at start
    try:
        assert current_revision(upgraded.db) == head_revision(upgraded.db)
        with closing(sqlite3.connect(app_db)) as conn:
            assert conn.execute("SELECT id, name, frame_count, cost FROM videos").fetchall() \
                == videos_before
            assert conn.execute("SELECT count(*) FROM video_chunks").fetchone() == chunks_before
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert upgraded.videos.get(demo.bob, video.id).frames_verified is True
        assert upgraded.videos.unverified(demo.bob) == []
        assert upgraded.videos.unverified(demo.alice) == []
    finally:
        upgraded.close()
