"""A tracked job's result through the services and the CLI: the objects line, MOT and MP4
exports, counts with their lines saved, refusals on an untracked result, and migration 0006."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import motmetrics as mm
import pytest

from videolab.domain.dto import JobDTO, UserDTO
from videolab.domain.errors import Cancelled
from videolab.domain.params import DetectionParams
from videolab.inference.synthetic_tracks import TrackedClip
from videolab.services.app import VideoLab
from videolab.settings import app_paths

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class TrackWorld:
    app: VideoLab
    alice: UserDTO
    tracked: JobDTO
    untracked: JobDTO
    home: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, scene: TrackedClip) -> Iterator[TrackWorld]:
    root = tmp_path_factory.mktemp("track-world")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VIDEOLAB_HOME", str(root / "home"))
        app = VideoLab.open(str(root / "t.db"), paths=app_paths())
        try:
            admin = app.auth.create_first_admin("admin@example.com", PASSWORD)
            alice = app.users.create(admin, "alice@example.com", PASSWORD, "user", 100_000)
            dataset = app.datasets.create(alice, "scenes")
            video = app.videos.upload(alice, dataset.id, scene.path)
            jobs = []
            for params in (DetectionParams(device="cpu", stride=2, end=120, track="bytetrack"),
                           DetectionParams(device="cpu", end=4)):
                job = app.jobs.create(alice, video.id, params)
                jobs.append(app.jobs.run(alice, job.id))
            assert [j.status.value for j in jobs] == ["COMPLETED", "COMPLETED"]
            yield TrackWorld(app, alice, jobs[0], jobs[1], root / "home")
        finally:
            app.close()


def cli(world: TrackWorld, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, VIDEOLAB_PASSWORD=PASSWORD, VIDEOLAB_USER="alice@example.com",
               VIDEOLAB_HOME=str(world.home))
    return subprocess.run(
        [sys.executable, "-m", "videolab.cli", "--db", world.app.db.url, *args],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )


def test_jobs_show_says_how_many_objects_of_each_class(world: TrackWorld) -> None:
    run = cli(world, "jobs", "show", str(world.tracked.id))
    assert run.returncode == 0, run.stderr
    result = world.app.jobs.result(world.alice, world.tracked.id)
    per_class = result["summary"]["unique_per_class"]
    expected = ", ".join(f"{n} {c}" for c, n in sorted(per_class.items(),
                                                          key=lambda kv: (-kv[1], kv[0])))
    assert f"  objects   {expected}" in run.stdout.splitlines()
    untracked = cli(world, "jobs", "show", str(world.untracked.id))
    assert "objects:" not in untracked.stdout


def test_mot_export_is_read_back_by_motmetrics(world: TrackWorld, tmp_path: Path) -> None:
    out = tmp_path / "gt.txt"
    run = cli(world, "results", "export", str(world.tracked.id), "--format", "mot",
              "--out", str(out))
    assert run.returncode == 0, run.stderr
    table = mm.io.loadtxt(str(out), fmt="mot15-2D")
    result = world.app.jobs.result(world.alice, world.tracked.id)
    tracked = [(f["index"] + 1, d["track_id"], d["box_xyxy"][0]) for f in result["frames"]
               for d in f["detections"] if d["track_id"] is not None]
    assert len(table) == len(tracked) > 100
    assert sorted(table.index.get_level_values("Id").unique()) == [
        t["id"] for t in result["tracks"]]
    first = min(tracked)
    assert table.loc[(first[0], first[1]), "X"] == pytest.approx(first[2], abs=0.01)


def test_mp4_export_from_the_cli_drops_skipped_frames_when_asked(world: TrackWorld,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "clip.mp4"
    run = cli(world, "results", "export", str(world.tracked.id), "--format", "mp4",
              "--skipped", "drop", "--trails", "--out", str(out))
    assert run.returncode == 0, run.stderr
    cap = cv2.VideoCapture(str(out))
    frames = 0
    while cap.grab():
        frames += 1
    assert frames == 60 and cap.get(cv2.CAP_PROP_FPS) == pytest.approx(12.0)
    cap.release()


def test_a_cancelled_mp4_export_leaves_no_file(world: TrackWorld, tmp_path: Path) -> None:
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        if done == 5:
            cancel.set()

    out = tmp_path / "cancelled.mp4"
    with pytest.raises(Cancelled):
        world.app.tracks.export_mp4(world.alice, world.tracked.id, out, progress=progress,
                                    cancel=cancel)
    assert list(tmp_path.iterdir()) == []


def test_counts_are_saved_with_the_result_and_reused(world: TrackWorld, tmp_path: Path) -> None:
    first, again = tmp_path / "counts.csv", tmp_path / "again.csv"
    run = cli(world, "results", "counts", str(world.tracked.id), "--line", "200,0,200,360",
              "--zone", "0,0,320,0,320,180,0,180", "--out", str(first))
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader(first.open()))
    lines = [r for r in rows if r["kind"] == "line"]
    assert sum(int(r["in"]) + int(r["out"]) for r in lines) >= 3
    assert len([r for r in rows if r["kind"] == "zone"]) == 60 * len(lines)  # per frame, class
    rerun = cli(world, "results", "counts", str(world.tracked.id), "--out", str(again))
    assert rerun.returncode == 0, rerun.stderr
    assert again.read_text() == first.read_text()
    lines_saved, zones_saved = world.app.tracks.saved_geometry(world.alice, world.tracked.id)
    assert [ln.points for ln in lines_saved] == [((200.0, 0.0), (200.0, 360.0))]
    assert len(zones_saved) == 1 and len(zones_saved[0].points) == 4


def test_drawn_lines_are_saved_apart_and_counted_with_progress_and_cancel(
    world: TrackWorld,
) -> None:
    """The desktop app's split: ``save_points`` (a short write) and ``count_drawn`` (long work
    on the result in memory) give what ``count_points`` gives, and the count can stop."""
    from videolab.domain.errors import InvalidInput
    from videolab.services.tracks import count_drawn

    app, alice, job = world.app, world.alice, world.tracked
    lines = [[(200.0, 0.0), (200.0, 360.0)]]
    zones = [[(0.0, 0.0), (320.0, 0.0), (320.0, 180.0), (0.0, 180.0)]]
    app.tracks.save_points(alice, job.id, lines, zones)
    saved_lines, saved_zones = app.tracks.saved_geometry(alice, job.id)
    assert [list(ln.points) for ln in saved_lines] == lines
    assert [list(z.points) for z in saved_zones] == zones

    result = app.jobs.result(alice, job.id)
    seen: list[tuple[int, int]] = []
    counts = count_drawn(result, lines, zones, progress=seen.append)
    assert counts == app.tracks.count_points(alice, job.id, lines, zones)
    assert sum(c.in_count + c.out_count for c in counts.lines) >= 3  # crossings to count
    assert seen == [(i, 60) for i in range(1, 61)]  # every processed frame, in order

    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        count_drawn(result, lines, zones, cancel=stop)

    with pytest.raises(InvalidInput, match="Counting needs tracks"):
        app.tracks.save_points(alice, world.untracked.id, lines, [])
    assert app.tracks.saved_geometry(alice, world.untracked.id) == ([], [])


@pytest.mark.parametrize(("args", "message"), [
    (("counts", "--line", "1,2,3,4"), "Counting needs tracks"),
    (("export", "--format", "mot", "--out", "x.txt"), "MOT export needs tracks"),
])
def test_an_untracked_result_is_refused_with_a_clear_message(
    world: TrackWorld, args: tuple[str, ...], message: str
) -> None:
    run = cli(world, "results", args[0], str(world.untracked.id), *args[1:])
    assert run.returncode == 1 and message in run.stderr, run.stderr
    assert world.app.tracks.saved_geometry(world.alice, world.untracked.id) == ([], [])


def test_migration_0006_keeps_results_across_upgrade(world: TrackWorld) -> None:
    from alembic import command

    from videolab.db.migrate import alembic_config, current_revision, head_revision

    before = world.app.jobs.result(world.alice, world.tracked.id)
    config = alembic_config(world.app.db)
    command.downgrade(config, "0005")  # the previous revision, with this module's results
    try:
        with world.app.db.engine.connect() as conn:
            columns = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(results)")]
        assert "counting" not in columns
    finally:
        command.upgrade(config, "head")
    assert current_revision(world.app.db) == head_revision(world.app.db)
    assert world.app.jobs.result(world.alice, world.tracked.id) == before
    assert json.dumps(before)  # still plain JSON
