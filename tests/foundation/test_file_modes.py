"""File modes (issue 10 item 10): private data 0600 in 0700 folders whatever the umask, older
installs tightened at start, exports as the umask says."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from videolab.db.models import InferenceJob, Result, ResultChunk
from videolab.domain.enums import JobStatus
from videolab.services.app import VideoLab
from videolab.settings import AppPaths, app_paths

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, under which SQLite and mkdir make world-readable files."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _write_something(app: VideoLab) -> None:
    """Anything that makes SQLite create the -wal and -shm files."""
    app.auth.needs_first_admin()
    with app.db.write() as s:
        s.execute(InferenceJob.__table__.select().limit(1))


def test_a_new_install_is_private(tmp_home: AppPaths, umask_022: None) -> None:
    paths = app_paths()
    with VideoLab.open(paths=paths) as app:  # the default database in the data folder
        _write_something(app)
        db = paths.default_db_path
        for folder in (paths.data_dir, paths.cache_dir, paths.config_dir, paths.models_dir):
            assert mode(folder) == 0o700, folder
        for suffix in ("", "-wal", "-shm"):
            file = Path(f"{db}{suffix}")
            assert file.exists() and mode(file) == 0o600, file


def test_a_database_chosen_with_db_is_private_too(tmp_home: AppPaths, tmp_path: Path,
                                                   umask_022: None) -> None:
    db = tmp_path / "new-folder" / "team.db"
    with VideoLab.open(str(db), paths=tmp_home) as app:
        _write_something(app)
        assert mode(db.parent) == 0o700  # a folder VideoLab created
        assert mode(db) == 0o600 and mode(Path(f"{db}-wal")) == 0o600


def test_an_older_install_is_tightened_at_start(tmp_home: AppPaths, umask_022: None) -> None:
    paths = app_paths()
    with VideoLab.open(paths=paths) as app:
        _write_something(app)
    db = paths.default_db_path
    # How installs made before the fix look: folders 0755, the database and its WAL 0644.
    for folder in (paths.data_dir, paths.cache_dir, paths.config_dir, paths.models_dir):
        folder.chmod(0o755)
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{db}{suffix}").exists():
            Path(f"{db}{suffix}").chmod(0o644)
    with VideoLab.open(paths=app_paths()) as app:
        for folder in (paths.data_dir, paths.cache_dir, paths.config_dir, paths.models_dir):
            assert mode(folder) == 0o700, folder
        for suffix in ("", "-wal", "-shm"):
            file = Path(f"{db}{suffix}")
            if file.exists():
                assert mode(file) == 0o600, file


def _stored_result(app: VideoLab, user_id, video_id, dataset_id) -> InferenceJob:  # type: ignore[no-untyped-def]
    with app.db.write() as s:
        job = InferenceJob(dataset_id=dataset_id, user_id=user_id, video_id=video_id,
                           status=JobStatus.COMPLETED, frames_total=1, frames_processed=1)
        s.add(job)
        s.flush()
        result = Result(job_id=job.id, json_res={"schema": "videolab.result/1", "frames": []},
                        zip_size=4)
        s.add(result)
        s.flush()
        s.add(ResultChunk(result_id=result.id, seq=0, data=b"PK\x05\x06"))
        return job


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_exports_follow_the_umask_and_backups_stay_private(
    app: VideoLab, demo, tmp_path: Path, umask: int
) -> None:
    dataset = app.datasets.resolve(demo.alice, "Moving shapes")
    video = app.videos.list(demo.alice, dataset.id)[0]
    job = _stored_result(app, demo.alice.id, video.id, dataset.id)
    old = os.umask(umask)
    try:
        exported = [
            app.videos.export(demo.alice, video.id, tmp_path / "out" / "clip.mp4"),
            app.jobs.export_result(demo.alice, job.id, "json", tmp_path / "out" / "r.json"),
            app.jobs.export_result(demo.alice, job.id, "zip", tmp_path / "out" / "r.zip"),
        ]
        backup = app.backup(demo.admin, tmp_path / "out" / "copy.db").path
    finally:
        os.umask(old)
    for path in exported:
        assert mode(path) == 0o666 & ~umask, path
    assert mode(backup) == 0o600  # every account's data and password hashes
