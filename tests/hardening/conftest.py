"""Fixtures of the hardening tests: a demo database copied per test, and generated clips."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.hardening.harness import ADMIN, ALICE, BOB, PASSWORD
from videolab.domain.dto import DatasetDTO, UserDTO
from videolab.inference.synthetic import generate_video
from videolab.services.app import VideoLab
from videolab.settings import AppPaths


@dataclass(frozen=True)
class Lab:
    app: VideoLab
    db: Path
    home: Path
    admin: UserDTO
    alice: UserDTO
    bob: UserDTO
    dataset: DatasetDTO  # alice's live demo dataset

    def reopen(self) -> VideoLab:
        return VideoLab.open(str(self.db))


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database (3 accounts, 5 tags, 2 datasets, a video), built once per session."""
    root = tmp_path_factory.mktemp("template")
    db = root / "template.db"
    paths = AppPaths(root / "data", root / "cache", root / "config")
    with VideoLab.open(str(db), paths=paths) as app:
        app.load_demo()
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
    return db


@pytest.fixture(scope="session")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small clip of moving shapes (24 frames, 320x180)."""
    path = tmp_path_factory.mktemp("clips") / "clip.mp4"
    generate_video(path, seed=3, frames=24, size=(320, 180))
    return path


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("VIDEOLAB_HOME", str(home))
    monkeypatch.delenv("VIDEOLAB_DB", raising=False)
    return home


@pytest.fixture
def lab(tmp_path: Path, home: Path, template_db: Path) -> Iterator[Lab]:
    db = tmp_path / "videolab.db"
    shutil.copyfile(template_db, db)
    app = VideoLab.open(str(db))
    try:
        admin = app.auth.login(ADMIN, PASSWORD).user
        alice = app.auth.login(ALICE, PASSWORD).user
        bob = app.auth.login(BOB, PASSWORD).user
        dataset = app.datasets.resolve(alice, "Moving shapes")
        yield Lab(app, db, home, admin, alice, bob, dataset)
    finally:
        app.close()
