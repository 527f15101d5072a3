"""Fixtures of the hardening tests: a demo database copied per test, and generated clips."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ClipFactory
from tests.hardening.harness import ADMIN, ALICE, BOB, PASSWORD
from videolab.domain.dto import DatasetDTO, UserDTO
from videolab.services.app import VideoLab


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
def small_clip(make_clip: ClipFactory) -> Path:
    """A small clip of moving shapes (24 frames, 320x180), shared: copy before changing it."""
    return make_clip(seed=3, frames=24, size=(320, 180)).path


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("VIDEOLAB_HOME", str(home))
    monkeypatch.delenv("VIDEOLAB_DB", raising=False)
    return home


@pytest.fixture
def lab(tmp_path: Path, home: Path, demo_db_template: Path) -> Iterator[Lab]:
    """The demo database (3 accounts, 5 tags, 2 datasets, a video) copied for this test."""
    db = tmp_path / "videolab.db"
    shutil.copyfile(demo_db_template, db)
    app = VideoLab.open(str(db))
    try:
        admin = app.auth.login(ADMIN, PASSWORD).user
        alice = app.auth.login(ALICE, PASSWORD).user
        bob = app.auth.login(BOB, PASSWORD).user
        dataset = app.datasets.resolve(alice, "Moving shapes")
        yield Lab(app, db, home, admin, alice, bob, dataset)
    finally:
        app.close()
