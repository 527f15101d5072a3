"""Job lifecycle through the service: hold, run, settle, cancel, fail, refund."""

from __future__ import annotations

import csv
import json
import threading
import time
import zipfile
from pathlib import Path

import pytest

from tests.jobs.conftest import JobWorld
from videolab.domain.enums import JobStatus, LedgerReason
from videolab.domain.errors import Conflict, InsufficientCredits, InvalidInput, Unavailable
from videolab.domain.params import DetectionParams
from videolab.inference.pipeline import QUEUE_FRAMES


def balance(world: JobWorld) -> int:
    return world.app.credits.balance(world.alice)


def assert_ledger_consistent(world: JobWorld) -> None:
    assert world.app.credits.ledger_sum(world.alice.id) == balance(world) >= 0


def test_create_holds_exactly_two_milli_per_processed_frame(world: JobWorld) -> None:
    before = balance(world)
    params = DetectionParams(start=3, end=40, stride=4)
    estimate = world.app.jobs.estimate(world.alice, world.video.id, params)
    assert estimate.frames == len(range(3, 40, 4)) == 10
    assert estimate.cost_milli == 20
    job = world.app.jobs.create(world.alice, world.video.id, params)
    assert job.status is JobStatus.PENDING
    assert job.frames_total == 10 and job.cost_milli == 20
    assert job.model_sha256 and len(job.model_sha256) == 64
    assert balance(world) == before - 20
    _, entries = world.app.credits.ledger(world.alice)
    assert entries[-1].reason is LedgerReason.JOB_HOLD and entries[-1].delta_milli == -20
    assert_ledger_consistent(world)


def test_job_the_balance_cannot_pay_for_is_refused_and_nothing_is_created(world: JobWorld
                                                                           ) -> None:
    poor = world.app.users.create(world.admin, "poor@example.com", "correct horse battery",
                                  "user", 70)
    dataset = world.app.datasets.create(poor, "mine")
    video = world.app.videos.upload(poor, dataset.id, world.clip.path)  # 60 frames: 60 milli
    assert world.app.credits.balance(poor) == 10
    with pytest.raises(InsufficientCredits) as excinfo:
        world.app.jobs.create(poor, video.id, DetectionParams())  # 120 milli
    assert "balance is 0.01 tokens" in excinfo.value.message
    assert world.app.jobs.list(poor) == []
    assert world.app.credits.balance(poor) == 10


def test_empty_frame_selection_is_refused(world: JobWorld) -> None:
    with pytest.raises(InvalidInput, match="selects no frame"):
        world.app.jobs.create(world.alice, world.video.id, DetectionParams(start=500))


def test_missing_official_model_is_refused_before_any_hold(world: JobWorld) -> None:
    before = balance(world)
    with pytest.raises(Unavailable, match="offline"):
        world.app.jobs.create(world.alice, world.video.id, DetectionParams(model="yolo11n.pt"))
    assert balance(world) == before and world.app.jobs.list(world.alice) == []


def test_completed_job_stores_result_and_charges_processed_frames(world: JobWorld,
                                                                  tmp_path: Path) -> None:
    before = balance(world)
    params = DetectionParams(start=2, end=30, stride=3)
    job = world.app.jobs.create(world.alice, world.video.id, params)
    seen: list[int] = []
    done = world.app.jobs.run(world.alice, job.id, progress=lambda p: seen.append(p.done))
    assert done.status is JobStatus.COMPLETED, done.error
    indices = list(range(2, 30, 3))
    assert done.frames_processed == len(indices)
    assert done.charged_milli == 2 * len(indices)
    assert balance(world) == before - 2 * len(indices)
    assert done.carbon_grams is not None and done.carbon_grams > 0
    assert done.backend and done.device
    assert seen and seen[-1] == len(indices)

    result = world.app.jobs.result(world.alice, job.id)
    assert [f["index"] for f in result["frames"]] == indices
    assert result["summary"]["processed_frames"] == len(indices)
    assert result["model"]["sha256"] == done.model_sha256
    assert result["carbon"]["grams"] > 0 and result["carbon"]["method"]

    zip_path = world.app.jobs.export_result(world.alice, job.id, "zip", tmp_path / "r.zip")
    with zipfile.ZipFile(zip_path) as archive:
        assert sorted(archive.namelist()) == [f"frame_{i:06d}.jpg" for i in indices]
    coco = json.loads(world.app.jobs.export_result(
        world.alice, job.id, "coco", tmp_path / "c.json").read_text())
    n_detections = sum(len(f["detections"]) for f in result["frames"])
    assert len(coco["annotations"]) == n_detections > 0
    assert len(coco["images"]) == len(indices)
    with open(world.app.jobs.export_result(world.alice, job.id, "csv", tmp_path / "d.csv"),
              newline="") as f:
        assert len(list(csv.reader(f))) == n_detections + 1  # header
    jpeg = world.app.jobs.frame_image(world.alice, job.id, indices[1])
    assert jpeg[:2] == b"\xff\xd8"
    assert_ledger_consistent(world)


def test_run_twice_is_refused(world: JobWorld) -> None:
    job = world.app.jobs.create(world.alice, world.video.id, DetectionParams(end=4))
    world.app.jobs.run(world.alice, job.id)
    with pytest.raises(Conflict):
        world.app.jobs.run(world.alice, job.id)


def test_cancel_mid_job_aborts_within_a_second_and_charges_processed_only(
    world: JobWorld, tmp_path: Path
) -> None:
    before = balance(world)
    job = world.app.jobs.create(world.alice, world.video.id, DetectionParams())
    cancel = threading.Event()
    done_at_cancel: list[int] = []
    cancelled_at: list[float] = []

    def on_progress(p: object) -> None:
        if getattr(p, "done", 0) >= 3 and not cancel.is_set():
            done_at_cancel.append(p.done)  # type: ignore[attr-defined]
            cancelled_at.append(time.monotonic())
            cancel.set()

    done = world.app.jobs.run(world.alice, job.id, progress=on_progress, cancel=cancel)
    stopped_after = time.monotonic() - cancelled_at[0]
    assert done.status is JobStatus.ABORTED
    # The pipeline stops at once: no new frame is decoded or inferred after the cancel, only
    # frames already inferred are written (the batch in flight plus the bounded queue).
    assert done.frames_processed - done_at_cancel[0] <= QUEUE_FRAMES + 1
    # Generous bound against a hang only; the typical latency is measured by the benchmark.
    assert stopped_after < 10
    assert 3 <= done.frames_processed < 60
    assert done.charged_milli == 2 * done.frames_processed
    assert balance(world) == before - 2 * done.frames_processed
    zip_path = world.app.jobs.export_result(world.alice, job.id, "zip", tmp_path / "p.zip")
    with zipfile.ZipFile(zip_path) as archive:
        assert len(archive.namelist()) == done.frames_processed
    result = world.app.jobs.result(world.alice, job.id)
    assert len(result["frames"]) == done.frames_processed
    assert_ledger_consistent(world)


def test_cancel_through_the_service_reaches_a_running_job(world: JobWorld) -> None:
    job = world.app.jobs.create(world.alice, world.video.id, DetectionParams())
    holder: dict[str, object] = {}
    thread = threading.Thread(
        target=lambda: holder.setdefault("job", world.app.jobs.run(world.alice, job.id)))
    thread.start()
    deadline = time.monotonic() + 60
    while world.app.jobs.get(world.alice, job.id).status is not JobStatus.RUNNING:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    world.app.jobs.cancel(world.alice, job.id)
    thread.join(timeout=30)
    assert not thread.is_alive()
    final = world.app.jobs.get(world.alice, job.id)
    assert final.status is JobStatus.ABORTED
    assert final.charged_milli == 2 * final.frames_processed
    assert_ledger_consistent(world)


def test_cancel_pending_job_refunds_everything(world: JobWorld) -> None:
    before = balance(world)
    job = world.app.jobs.create(world.alice, world.video.id, DetectionParams())
    cancelled = world.app.jobs.cancel(world.alice, job.id)
    assert cancelled.status is JobStatus.ABORTED and cancelled.charged_milli == 0
    assert balance(world) == before
    with pytest.raises(Conflict):
        world.app.jobs.run(world.alice, job.id)
    with pytest.raises(Conflict):
        world.app.jobs.cancel(world.alice, job.id)


def test_a_model_file_that_is_not_a_model_is_refused_before_any_hold(world: JobWorld) -> None:
    broken = world.app.paths.models_dir / "broken.pt"
    broken.write_bytes(b"this is not a torch checkpoint")
    before = balance(world)
    with pytest.raises(InvalidInput):
        world.app.jobs.create(world.alice, world.video.id, DetectionParams(model=str(broken)))
    assert balance(world) == before and world.app.jobs.list(world.alice) == []


def test_model_that_fails_to_load_fails_the_job_with_full_refund(world: JobWorld) -> None:
    from videolab.inference.models import DEMO_WEIGHTS

    model = world.app.paths.models_dir / "mine.pt"
    model.write_bytes(DEMO_WEIGHTS.read_bytes())
    before = balance(world)
    job = world.app.jobs.create(world.alice, world.video.id, DetectionParams(model=str(model)))
    assert balance(world) < before
    model.write_bytes(b"this is not a torch checkpoint any more")  # broken after acceptance
    done = world.app.jobs.run(world.alice, job.id)
    assert done.status is JobStatus.FAILED
    assert done.error
    assert done.charged_milli == 0
    assert balance(world) == before
    assert_ledger_consistent(world)


def test_error_mid_job_fails_it_with_the_reason_and_refunds_everything(world: JobWorld) -> None:
    before = balance(world)
    job = world.app.jobs.create(world.alice, world.video.id, DetectionParams())

    def explode(p: object) -> None:
        if getattr(p, "done", 0) >= 2:
            raise RuntimeError("GPU fell off the bus")

    done = world.app.jobs.run(world.alice, job.id, progress=explode)
    assert done.status is JobStatus.FAILED
    assert "GPU fell off the bus" in (done.error or "")
    assert balance(world) == before
    _, entries = world.app.credits.ledger(world.alice)
    refunds = [e for e in entries if e.reason is LedgerReason.JOB_REFUND]
    assert len(refunds) == 1 and refunds[0].delta_milli == job.cost_milli


def test_cancel_while_the_model_is_exported_stops_the_export_and_refunds_everything(
    world: JobWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first job of a model exports it (seconds to minutes); a cancel must not wait for
    that. The export runs in a child process that the cancel stops, and nothing is cached."""
    import psutil

    from videolab.inference import export_cache

    def exporters() -> list[psutil.Process]:
        found = []
        for child in psutil.Process().children(recursive=True):
            try:
                if "videolab.inference.cancellable" in " ".join(child.cmdline()):
                    found.append(child)
            except psutil.Error:  # another child (CodeCarbon's probes) ended meanwhile
                continue
        return found

    monkeypatch.setattr(export_cache, "_verified", {})  # no copy from another test's cache
    before = balance(world)
    job = world.app.jobs.create(world.alice, world.video.id, DetectionParams(backend="openvino"))
    cancel = threading.Event()
    messages: list[str] = []
    seen: list[int] = []

    def cancel_once_the_exporter_runs() -> None:
        while not cancel.is_set():
            running = exporters()
            if running:
                seen.extend(p.pid for p in running)
                time.sleep(0.5)  # let it get into the export itself
                cancel.set()
            time.sleep(0.02)

    def on_progress(p: object) -> None:
        message = getattr(p, "message", None)
        if message:
            messages.append(message)
            if message.startswith("Preparing the model"):
                threading.Thread(target=cancel_once_the_exporter_runs, daemon=True).start()

    done = world.app.jobs.run(world.alice, job.id, progress=on_progress, cancel=cancel)

    assert len(seen) == 1, "the export ran in one child process"
    assert done.status is JobStatus.ABORTED, done.error
    assert done.frames_processed == 0 and done.charged_milli == 0
    assert balance(world) == before
    assert not any(m.startswith("Loading the model") for m in messages)
    cache_root = world.app.paths.export_cache_dir
    # The export never finished: no entry and no half-built folder are left behind.
    assert [p.name for p in cache_root.iterdir() if not p.name.endswith(".lock")] == []
    assert exporters() == [] and not psutil.pid_exists(seen[0])
    assert_ledger_consistent(world)
