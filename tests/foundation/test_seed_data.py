"""``init --demo`` seeding: only into a new, empty database; idempotent there, also when two
starts race each other."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from videolab.repositories.users import UserRepository
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


# -- issue 10 item 9: demo data only into a new, empty database --------------------------------
def test_init_demo_is_refused_on_a_database_with_accounts(
    tmp_home: AppPaths, tmp_path: Path, cli_process, counts
) -> None:
    """``init --demo`` used to plant admin@example.com (public password, 1000 tokens) into any
    database, with no sign-in: a way in for anyone who could run the CLI on it."""
    db = tmp_path / "real.db"
    with VideoLab.open(str(db), paths=tmp_home) as app:
        app.auth.create_first_admin("boss@lab.example", "a long secret")
        before = counts(app)
    done = cli_process("--db", str(db), "init", "--demo")
    assert done.code == 1 and done.out == ""
    assert len(done.err.strip().splitlines()) == 1
    assert "already has accounts" in done.err and "new database" in done.err
    with VideoLab.open(str(db), paths=tmp_home) as app:
        assert counts(app) == before
        with app.db.read() as s:
            assert UserRepository(s).by_email("admin@example.com") is None


def test_init_demo_says_the_password_is_public(
    tmp_home: AppPaths, tmp_path: Path, cli_process
) -> None:
    done = cli_process("--db", str(tmp_path / "demo.db"), "init", "--demo")
    assert done.code == 0, done.err
    assert "public password 'videolab-demo'" in done.out and "not for real data" in done.out
    again = cli_process("--db", str(tmp_path / "demo.db"), "init", "--demo")
    assert again.code == 0 and "already holds the demo data" in again.out


def test_the_demo_is_loaded_whole_or_not_at_all(
    tmp_path: Path, tmp_home: AppPaths, counts, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure half way (here: making the clip) leaves no demo account behind, so a second
    try still finds an empty database instead of being refused."""
    from videolab.inference import synthetic

    def broken(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk full")

    with VideoLab.open(str(tmp_path / "demo.db"), paths=tmp_home) as app:
        monkeypatch.setattr(synthetic, "generate_video", broken)
        with pytest.raises(OSError):
            app.load_demo()
        rows = counts(app)
        assert (rows.users, rows.datasets, rows.videos) == (0, 0, 0)
        monkeypatch.undo()
        monkeypatch.setattr(seed, "DEMO_VIDEO_FRAMES", 12)
        assert app.load_demo() == SeedReport(3, 5, 2, 1)
