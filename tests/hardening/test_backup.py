"""Backups with SQLite's online backup API: consistent while uploads and jobs write, never
over the live database, and restorable."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from tests.hardening.conftest import Lab
from tests.hardening.harness import (
    ADMIN,
    ALICE,
    PASSWORD,
    audit,
    has_detection,
    padded_copy,
    run_cli,
    video_names,
)
from videolab.domain.dto import VideoDTO
from videolab.domain.errors import InvalidInput
from videolab.services.app import VideoLab

DETECTION, NO_DETECTION = has_detection()


@pytest.mark.timeout(180)
def test_backup_while_an_upload_is_writing(lab: Lab, small_clip: Path, tmp_path: Path) -> None:
    big = padded_copy(small_clip, tmp_path / "big.mp4", 24 << 20)
    phase = {"storing": False, "stored": 0}
    uploaded: list[VideoDTO] = []
    errors: list[BaseException] = []

    def progress(done: int, total: int, step: str) -> None:
        if step == "store":
            phase["storing"] = True
            phase["stored"] = done
            time.sleep(0.02)

    def upload() -> None:
        try:
            uploaded.append(lab.app.videos.upload(lab.alice, lab.dataset.id, big,
                                                  progress=progress))
        except BaseException as exc:  # reported below
            errors.append(exc)

    worker = threading.Thread(target=upload)
    worker.start()
    copies: list[tuple[Path, bool]] = []  # (copy, taken wholly inside the store phase)
    n = 0
    while worker.is_alive() and n < 8:
        if not phase["storing"]:
            time.sleep(0.005)
            continue
        n += 1
        before = phase["stored"]
        report = lab.app.backup(lab.admin, tmp_path / "copies" / f"during-{n}.db")
        inside = worker.is_alive() and phase["stored"] > before and not uploaded
        copies.append((report.path, inside))
        time.sleep(0.05)
    worker.join(timeout=120)
    assert errors == [] and len(uploaded) == 1
    copies.append((lab.app.backup(lab.admin, tmp_path / "copies" / "after.db").path, False))

    assert any(inside for _, inside in copies), "no backup was taken mid-upload"
    for copy, inside in copies:
        result = audit(copy, deep=True).check()  # integrity ok, whole content or none
        assert not Path(f"{copy}-wal").exists()
        has_it = "big.mp4" in set(video_names(copy))
        if inside:
            assert not has_it, f"{copy.name} holds an uncommitted upload"
        assert result.balances[ALICE] == lab.app.credits.balance(lab.alice) + (
            0 if has_it else uploaded[0].cost_milli)
    assert "big.mp4" in set(video_names(copies[-1][0]))

    # A copy is a working database: it opens, signs in and shows the video.
    restored = copies[-1][0]
    with VideoLab.open(str(restored)) as app:
        assert app.schema_is_current()
        alice = app.auth.login(ALICE, PASSWORD).user
        names = {v.name for v in app.videos.list(alice, lab.dataset.id)}
        assert "big.mp4" in names


def test_backup_refuses_to_overwrite_the_live_database(lab: Lab, tmp_path: Path) -> None:
    size = lab.db.stat().st_size
    link = tmp_path / "link.db"
    link.symlink_to(lab.db)
    hard = tmp_path / "hard.db"
    os.link(lab.db, hard)
    for target in (lab.db, Path(f"{lab.db}-wal"), link, hard,
                   lab.db.parent / "." / lab.db.name):
        with pytest.raises(InvalidInput, match="live database"):
            lab.app.backup(lab.admin, target)
    assert lab.db.stat().st_size == size
    audit(lab.db).check()
    assert lab.app.credits.balance(lab.alice) >= 0

    # A folder gets a dated file; an older backup file is replaced whole.
    report = lab.app.backup(lab.admin, tmp_path)
    assert report.path.parent == tmp_path and report.path.name.startswith("videolab-backup-")
    old = tmp_path / "old.db"
    old.write_bytes(b"an old backup")
    assert lab.app.backup(lab.admin, old).size_bytes == old.stat().st_size > 1000
    audit(old).check()
    assert not list(tmp_path.glob(".videolab-backup-*"))


def test_cli_backup(lab: Lab, tmp_path: Path) -> None:
    out = tmp_path / "cli-copy.db"
    # A backup holds every account's data and password hashes: administrators only.
    for user in (ALICE, ""):
        denied = run_cli(lab.home, lab.db, "--json", "backup", str(out), user=user)
        assert denied.returncode == 3 and not out.exists(), denied.stderr
        assert denied.stderr.strip().count("\n") == 0
    done = run_cli(lab.home, lab.db, "--json", "backup", str(out), user=ADMIN)
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    assert Path(info["path"]) == out and info["size_bytes"] == out.stat().st_size
    audit(out).check()
    refused = run_cli(lab.home, lab.db, "backup", str(lab.db), user=ADMIN)
    assert refused.returncode == 1
    assert refused.stderr.strip().count("\n") == 0 and "live database" in refused.stderr


@pytest.mark.skipif(not DETECTION, reason=NO_DETECTION)
@pytest.mark.timeout(300)
def test_backup_while_a_job_is_writing(lab: Lab, tmp_path: Path) -> None:
    from videolab.domain.params import DetectionParams

    video = lab.app.videos.list(lab.alice, lab.dataset.id)[0]
    job = lab.app.jobs.create(lab.alice, video.id, DetectionParams(end=30, imgsz=320,
                                                                   device="cpu"))
    worker = threading.Thread(target=lab.app.jobs.run, args=(lab.alice, job.id))
    worker.start()
    copies = []
    while worker.is_alive() and len(copies) < 20:
        copies.append(lab.app.backup(lab.admin, tmp_path / f"job-{len(copies)}.db").path)
        time.sleep(0.1)
    worker.join(timeout=240)
    copies.append(lab.app.backup(lab.admin, tmp_path / "job-after.db").path)
    for copy in copies:
        audit(copy, allow_unfinished_jobs=True).check()
    final = audit(copies[-1])
    assert final.jobs == {"COMPLETED": 1} and final.results == 1
