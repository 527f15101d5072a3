"""A job whose process is killed is closed once at the next start; the CLI runs jobs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.jobs.conftest import PASSWORD, JobWorld
from videolab.db.models import CreditEntry
from videolab.domain.enums import JobStatus, LedgerReason
from videolab.domain.params import DetectionParams
from videolab.inference.synthetic import generate_video
from videolab.repositories.ledger import LedgerRepository
from videolab.services.app import VideoLab
from videolab.services.job_settlement import INTERRUPTED
from videolab.settings import app_paths


def cli(world: JobWorld, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, VIDEOLAB_PASSWORD=PASSWORD, VIDEOLAB_USER="alice@example.com")
    return subprocess.run(
        [sys.executable, "-m", "videolab.cli", "--db", world.app.db.url, *args],
        capture_output=True, text=True, env=env, timeout=timeout, check=False,
    )


def refunds(app: VideoLab) -> int:
    with app.db.read() as s:
        return sum(1 for e in s.query(CreditEntry).all() if e.reason == LedgerReason.JOB_REFUND)


def test_cli_runs_a_job_and_exports_its_result(world: JobWorld, tmp_path: Path) -> None:
    run = cli(world, "--json", "jobs", "run", str(world.video.id), "--end", "12", "--stride",
              "2")
    assert run.returncode == 0, run.stderr
    job = json.loads(run.stdout)
    assert {"id", "status", "frames_processed", "held", "charged", "refunded", "carbon_footprint",
            "backend"} <= set(job)
    assert job["status"] == "COMPLETED" and job["frames_processed"] == 6
    assert (job["held"], job["charged"], job["refunded"]) == (0.012, 0.012, 0.0)
    assert job["carbon_footprint"] > 0
    listed = json.loads(cli(world, "--json", "jobs", "list").stdout)
    assert [j["id"] for j in listed] == [job["id"]]
    out = tmp_path / "coco.json"
    exported = cli(world, "results", "export", job["id"], "--format", "coco", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    assert json.loads(out.read_text())["categories"]


def test_cli_refuses_an_unaffordable_job_with_exit_code_4(world: JobWorld) -> None:
    # Spend alice's balance down to less than one job of 60 frames (0.120 token).
    with world.app.db.write() as s:
        spend = world.app.credits.balance(world.alice) - 100
        LedgerRepository(s).post(world.alice.id, -spend, LedgerReason.UPLOAD, "test:spend")
    run = cli(world, "jobs", "run", str(world.video.id))
    assert run.returncode == 4
    assert "balance is 0.1 tokens" in run.stderr
    assert world.app.jobs.list(world.alice) == []


def test_killed_job_process_is_failed_and_refunded_exactly_once(world: JobWorld,
                                                                 tmp_path: Path) -> None:
    clip = generate_video(tmp_path / "long.mp4", seed=5, frames=240)
    dataset = world.app.datasets.create(world.alice, "long")
    video = world.app.videos.upload(world.alice, dataset.id, clip.path)
    before = world.app.credits.balance(world.alice)
    env = dict(os.environ, VIDEOLAB_PASSWORD=PASSWORD, VIDEOLAB_USER="alice@example.com")
    proc = subprocess.Popen(
        [sys.executable, "-m", "videolab.cli", "--db", world.app.db.url, "jobs", "run",
         str(video.id)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            jobs = world.app.jobs.list(world.alice, video_id=video.id)
            if jobs and jobs[0].status is JobStatus.RUNNING and jobs[0].frames_processed > 0:
                break
            assert proc.poll() is None, "the job process ended before it could be killed"
            assert time.monotonic() < deadline, "the job never started"
            time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    job_id = jobs[0].id
    assert world.app.credits.balance(world.alice) == before - jobs[0].cost_milli
    refunds_before = refunds(world.app)

    for _ in range(3):  # three starts: the first closes the job, the others change nothing
        with VideoLab.open(world.app.db.url, paths=app_paths()) as restarted:
            job = restarted.jobs.get(world.alice, job_id)
            assert job.status is JobStatus.FAILED
            assert job.error == INTERRUPTED
            assert restarted.credits.balance(world.alice) == before
            assert refunds(restarted) == refunds_before + 1
            assert restarted.credits.ledger_sum(world.alice.id) == before


def test_recovery_leaves_a_live_process_job_alone(world: JobWorld) -> None:
    job = world.app.jobs.create(world.alice, world.video.id, DetectionParams())
    # This process is alive and owns the PENDING job: another app start must not close it.
    with VideoLab.open(world.app.db.url, paths=app_paths()) as other:
        assert other.jobs.get(world.alice, job.id).status is JobStatus.PENDING
