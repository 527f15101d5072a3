"""Issue 11, item 8, "Keep running": a job's process outlives the app that started it.

The app process here is a real separate process: it starts the job's child the desktop way
(``run_in_child_process``), detaches it at the first progress report, then dies abruptly after
its whole process group got a Ctrl-C. The job must go on, settle itself exactly once, and a
start of the app meanwhile (start-up recovery) must leave it alone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from tests.jobs.conftest import JobWorld
from videolab.domain.dto import UserDTO
from videolab.domain.enums import JobStatus, LedgerReason
from videolab.domain.params import DetectionParams
from videolab.inference.synthetic import generate_video
from videolab.services.app import VideoLab
from videolab.settings import app_paths

ROOT = Path(__file__).resolve().parents[2]

_APP = r"""
import os, sys, threading, uuid
from videolab.services.app import VideoLab
from videolab.services.job_launcher import JobDetached, run_in_child_process

lab = VideoLab.open(sys.argv[1], recover=False)
job_id = uuid.UUID(sys.argv[2])
actor = lab.jobs.owner_of(job_id)
detach = threading.Event()

def progress(p):
    if p.done > 0:
        detach.set()

try:
    run_in_child_process(lab.jobs, lab.db.url, actor, job_id, progress=progress,
                         cancel=threading.Event(), detach=detach)
except JobDetached:
    print("DETACHED", flush=True)
    # A Ctrl-C in the terminal reaches the whole foreground process group; then the app dies.
    import signal
    os.killpg(os.getpgrp(), signal.SIGINT)
    os._exit(3)
print("NOT DETACHED", flush=True)
"""


def job_entries(lab: VideoLab, actor: UserDTO, job_id: uuid.UUID) -> list[LedgerReason]:
    """The reasons of the ledger rows about one job, oldest first."""
    _, entries = lab.credits.ledger(actor)
    return [e.reason for e in sorted(entries, key=lambda e: e.created_at) if e.job_id == job_id]


def test_a_detached_job_outlives_its_app_and_settles_exactly_once(
    world: JobWorld, tmp_path: Path
) -> None:
    clip = generate_video(tmp_path / "long.mp4", seed=5, frames=240)
    dataset = world.app.datasets.create(world.alice, "long")
    video = world.app.videos.upload(world.alice, dataset.id, clip.path)
    before = world.app.credits.balance(world.alice)
    job = world.app.jobs.create(world.alice, video.id, DetectionParams(device="cpu"))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    app = subprocess.run(
        [sys.executable, "-c", _APP, world.app.db.url, str(job.id)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        start_new_session=True,  # its own process group, as a terminal gives an app
    )
    assert "DETACHED" in app.stdout, app.stdout + app.stderr
    assert app.returncode == -signal.SIGINT or app.returncode == 3, app.stderr

    # The app is gone; its job goes on. A new start of the app recovers nothing of it.
    with VideoLab.open(world.app.db.url, paths=app_paths()) as restarted:
        running = restarted.jobs.get(world.alice, job.id)
        assert running.status is JobStatus.RUNNING, running.error
    deadline = time.monotonic() + 180
    while (done := world.app.jobs.get(world.alice, job.id)).status is JobStatus.RUNNING:
        assert time.monotonic() < deadline, "the detached job never finished"
        time.sleep(0.2)
    assert done.status is JobStatus.COMPLETED, done.error
    assert done.frames_processed == done.frames_total
    assert done.charged_milli == job.cost_milli

    # The money: held once, settled once, and the balance is the ledger's sum.
    with VideoLab.open(world.app.db.url, paths=app_paths()) as again:
        assert again.jobs.get(world.alice, job.id).status is JobStatus.COMPLETED
    reasons = job_entries(world.app, world.alice, job.id)
    assert reasons.count(LedgerReason.JOB_HOLD) == 1
    assert len(reasons) <= 2, reasons  # the hold and at most one settling entry
    assert world.app.credits.balance(world.alice) == before - done.charged_milli
    assert world.app.credits.ledger_sum(world.alice.id) == world.app.credits.balance(world.alice)
