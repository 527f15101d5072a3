"""Fixtures for job tests: a migrated database with demo accounts and an uploaded clip."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from videolab.domain.dto import UserDTO, VideoDTO
from videolab.inference.synthetic import SyntheticVideo, generate_video
from videolab.services.app import VideoLab
from videolab.settings import app_paths

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class JobWorld:
    app: VideoLab
    alice: UserDTO
    admin: UserDTO
    video: VideoDTO
    clip: SyntheticVideo


@pytest.fixture(scope="session")
def job_clip(tmp_path_factory: pytest.TempPathFactory) -> SyntheticVideo:
    return generate_video(tmp_path_factory.mktemp("clips") / "moving.mp4", seed=11, frames=60)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, job_clip: SyntheticVideo
          ) -> Iterator[JobWorld]:
    monkeypatch.setenv("VIDEOLAB_HOME", str(tmp_path / "home"))
    app = VideoLab.open(str(tmp_path / "jobs.db"), paths=app_paths())
    admin = app.auth.create_first_admin("admin@example.com", PASSWORD)
    alice = app.users.create(admin, "alice@example.com", PASSWORD, "user", 100_000)
    dataset = app.datasets.create(alice, "clips")
    video = app.videos.upload(alice, dataset.id, job_clip.path)
    try:
        yield JobWorld(app, alice, admin, video, job_clip)
    finally:
        app.close()
