"""``init --demo`` seeding: idempotent, also when two starts race each other."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from videolab.services import seed
from videolab.services.app import VideoLab
from videolab.services.seed import SeedReport
from videolab.settings import AppPaths


def test_two_demo_loads_racing_leave_exactly_the_demo_data(
    tmp_path: Path, tmp_home: AppPaths, counts, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's first start and a ``videolab-cli init --demo`` may run at the same time."""
    monkeypatch.setattr(seed, "DEMO_VIDEO_FRAMES", 12)  # the race is the point, not the video
    db = tmp_path / "race.db"
    VideoLab.open(str(db), paths=tmp_home).close()  # schema first; the race is over the data
    labs = [VideoLab.open(str(db), paths=tmp_home) for _ in range(2)]
    barrier = threading.Barrier(len(labs))
    reports: list[SeedReport] = []
    errors: list[BaseException] = []

    def load(lab: VideoLab) -> None:
        barrier.wait()
        try:
            reports.append(lab.load_demo())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=load, args=(lab,)) for lab in labs]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert sum(r.users for r in reports) == 3
        assert sum(r.videos for r in reports) == 1
        rows = counts(labs[0])
        assert (rows.users, rows.datasets, rows.videos) == (3, 2, 1)
    finally:
        for lab in labs:
            lab.close()


def test_demo_load_again_changes_nothing(app: VideoLab, counts) -> None:
    rows = counts(app)
    assert app.load_demo() == SeedReport(0, 0, 0, 0)
    assert counts(app) == rows
