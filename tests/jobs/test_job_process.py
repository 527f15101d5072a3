"""Jobs run in a child process (the desktop app's way): progress, cancel, and a dying child."""

from __future__ import annotations

import os
import signal
import threading

from tests.jobs.conftest import JobWorld
from videolab.domain.enums import JobStatus
from videolab.domain.params import DetectionParams
from videolab.services.job_launcher import ChildProgress, run_in_child_process
from videolab.services.job_settlement import INTERRUPTED


def test_child_process_runs_the_job_and_relays_progress(world: JobWorld) -> None:
    job = world.app.jobs.create(world.alice, world.video.id, DetectionParams(end=10))
    seen: list[ChildProgress] = []
    done = run_in_child_process(world.app.jobs, world.app.db.url, world.alice, job.id,
                                progress=seen.append)
    assert done.status is JobStatus.COMPLETED, done.error
    assert seen[-1].done == seen[-1].total == 10
    assert any(p.preview_jpeg and p.preview_jpeg[:2] == b"\xff\xd8" for p in seen)


def test_cancel_reaches_the_child(world: JobWorld) -> None:
    before = world.app.credits.balance(world.alice)
    job = world.app.jobs.create(world.alice, world.video.id, DetectionParams())
    cancel = threading.Event()

    def on_progress(p: ChildProgress) -> None:
        if p.done >= 2:
            cancel.set()

    done = run_in_child_process(world.app.jobs, world.app.db.url, world.alice, job.id,
                                progress=on_progress, cancel=cancel)
    assert done.status is JobStatus.ABORTED
    assert done.frames_processed < 60
    assert world.app.credits.balance(world.alice) == before - 2 * done.frames_processed


def test_cancel_during_the_first_export_stops_it_in_the_app_s_job_process(
    world: JobWorld,
) -> None:
    """The desktop app's path: its cancel reaches the job process, which stops the export
    running in its own child; the job ends ABORTED, nothing charged, nothing cached."""
    before = world.app.credits.balance(world.alice)
    job = world.app.jobs.create(world.alice, world.video.id, DetectionParams(backend="openvino"))
    cancel = threading.Event()
    messages: list[str] = []

    def on_progress(p: ChildProgress) -> None:
        if p.message:
            messages.append(p.message)
            if p.message.startswith("Preparing the model"):
                threading.Timer(1.0, cancel.set).start()  # well inside the export

    done = run_in_child_process(world.app.jobs, world.app.db.url, world.alice, job.id,
                                progress=on_progress, cancel=cancel)
    assert done.status is JobStatus.ABORTED, done.error
    assert done.frames_processed == 0 and done.charged_milli == 0
    assert world.app.credits.balance(world.alice) == before
    assert not any(m.startswith("Loading the model") for m in messages), messages
    cached = [p.name for p in world.app.paths.export_cache_dir.glob("*") if p.suffix != ".lock"]
    assert cached == []


def test_a_child_that_dies_mid_job_fails_it_with_a_full_refund_at_once(world: JobWorld) -> None:
    before = world.app.credits.balance(world.alice)
    job = world.app.jobs.create(world.alice, world.video.id, DetectionParams())
    killed: list[int] = []

    def kill_child(p: ChildProgress) -> None:
        if not killed:
            running = world.app.jobs.get(world.alice, job.id)
            assert running.status is JobStatus.RUNNING
            with world.app.db.read() as s:
                from videolab.db.models import InferenceJob

                owner = s.get(InferenceJob, job.id).owner  # type: ignore[union-attr]
            pid = int(owner.split(":")[1])
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    done = run_in_child_process(world.app.jobs, world.app.db.url, world.alice, job.id,
                                progress=kill_child)
    assert killed
    assert done.status is JobStatus.FAILED and done.error == INTERRUPTED
    assert world.app.credits.balance(world.alice) == before
    assert world.app.credits.ledger_sum(world.alice.id) == before
