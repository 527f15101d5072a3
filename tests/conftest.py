"""Fixtures every test folder can use.

- ``tmp_home``: ``VIDEOLAB_HOME`` under ``tmp_path``, so no test touches the real app folders.
- ``app``: a migrated :class:`VideoLab` on a file SQLite database under ``tmp_path`` with the
  demo data loaded (3 accounts, 5 tags, 2 datasets, the demo video). The demo database is
  built once per session and copied for each test, so a test pays for neither argon2 hashing
  nor video generation.
- ``demo``: the demo accounts as DTOs, read from the database (no sign-in, no hashing).
- ``clip`` / ``make_clip``: generated videos of moving shapes, made once per session.
- ``--run-slow``: slow-marked tests (the 2 GB upload, soaks) are skipped unless given, or
  unless ``-m`` selects them explicitly (``-m slow``).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from videolab.domain.dto import UserDTO
from videolab.inference.synthetic import SyntheticVideo, generate_video
from videolab.repositories.users import UserRepository, to_dto
from videolab.services.app import VideoLab
from videolab.services.seed import DEMO_PASSWORD
from videolab.settings import AppPaths, app_paths

__all__ = ["DEMO_PASSWORD", "DemoUsers"]


# -- slow tests --------------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-slow", action="store_true", default=False, help="also run slow-marked tests"
    )


def _slow_selected(config: pytest.Config) -> bool:
    if config.getoption("--run-slow"):
        return True
    expr = str(config.getoption("markexpr") or "")
    return "slow" in expr and "not slow" not in expr


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _slow_selected(config):
        return
    skip = pytest.mark.skip(reason="slow test: run with --run-slow (or -m slow)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


# -- folders and databases ---------------------------------------------------------------------
@pytest.fixture
def tmp_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppPaths:
    """``VIDEOLAB_HOME`` under ``tmp_path``; returns the app folders it implies (created)."""
    home = tmp_path / "home"
    monkeypatch.setenv("VIDEOLAB_HOME", str(home))
    monkeypatch.delenv("VIDEOLAB_DB", raising=False)
    monkeypatch.delenv("VIDEOLAB_USER", raising=False)
    monkeypatch.delenv("VIDEOLAB_PASSWORD", raising=False)
    return app_paths().ensure()


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file at schema head with the demo data, built once and never opened again."""
    root = tmp_path_factory.mktemp("demo-template")
    paths = AppPaths(root / "data", root / "cache", root / "config").ensure()
    db_file = root / "demo.db"
    app = VideoLab.open(str(db_file), paths=paths)
    try:
        app.load_demo()
        with app.db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        app.close()
    return db_file


@pytest.fixture
def app_db(tmp_path: Path, demo_db_template: Path) -> Path:
    """A private copy of the demo database under ``tmp_path``."""
    target = tmp_path / "videolab.db"
    shutil.copyfile(demo_db_template, target)
    wal = demo_db_template.with_name(demo_db_template.name + "-wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + "-wal"))
    return target


@pytest.fixture
def app(tmp_home: AppPaths, app_db: Path) -> Iterator[VideoLab]:
    """A migrated VideoLab with the demo data, on a file SQLite database under ``tmp_path``."""
    lab = VideoLab.open(str(app_db), paths=tmp_home)
    try:
        yield lab
    finally:
        lab.close()


@dataclass(frozen=True)
class DemoUsers:
    admin: UserDTO
    alice: UserDTO
    bob: UserDTO


def demo_users(lab: VideoLab) -> DemoUsers:
    """The demo accounts as stored now, without signing in (no argon2 work)."""
    with lab.db.read() as s:
        users = UserRepository(s)
        found = {}
        for email in ("admin@example.com", "alice@example.com", "bob@example.com"):
            row = users.by_email(email)
            assert row is not None, f"demo account {email} is missing"
            found[email.split("@")[0]] = to_dto(row)
    return DemoUsers(**found)


@pytest.fixture
def demo(app: VideoLab) -> DemoUsers:
    return demo_users(app)


# -- videos ------------------------------------------------------------------------------------
ClipFactory = Callable[..., SyntheticVideo]


@pytest.fixture(scope="session")
def make_clip(tmp_path_factory: pytest.TempPathFactory) -> ClipFactory:
    """``make_clip(seed=0, frames=24, size=(320, 180))``: a generated mp4, cached per session.

    The returned files are shared: copy one before changing it.
    """
    root = tmp_path_factory.mktemp("clips")
    cache: dict[tuple[int, int, tuple[int, int]], SyntheticVideo] = {}

    def make(
        seed: int = 0, frames: int = 24, size: tuple[int, int] = (320, 180)
    ) -> SyntheticVideo:
        key = (seed, frames, (int(size[0]), int(size[1])))
        if key not in cache:
            path = root / f"clip_s{seed}_f{frames}_{size[0]}x{size[1]}.mp4"
            cache[key] = generate_video(path, seed=seed, frames=frames, size=key[2])
        return cache[key]

    return make


@pytest.fixture(scope="session")
def clip(make_clip: ClipFactory) -> SyntheticVideo:
    """A short 640x360 clip of moving shapes (48 frames), generated once per session."""
    return make_clip(seed=3, frames=48, size=(640, 360))
