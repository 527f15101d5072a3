"""Money across deletes and bad parameters: a held credit is settled exactly once, whatever the
user deletes or trashes meanwhile, and a job that could only fail is refused before any hold."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from tests.jobs.conftest import PASSWORD, JobWorld
from videolab.db.models import CreditEntry, Dataset, InferenceJob
from videolab.db.types import utcnow
from videolab.domain.dto import JobDTO
from videolab.domain.enums import JobStatus, LedgerReason
from videolab.domain.errors import InvalidInput, NotFound, Unavailable, VideoLabError
from videolab.domain.params import DetectionParams
from videolab.inference.devices import cuda_driver_present


def balance(world: JobWorld) -> int:
    return world.app.credits.balance(world.alice)


def job_ledger(world: JobWorld, job_id: object) -> list[CreditEntry]:
    with world.app.db.read() as s:
        rows = s.scalars(select(CreditEntry).where(CreditEntry.job_id == job_id)).all()
        s.expunge_all()
        return list(rows)


def assert_money_exact(world: JobWorld) -> None:
    """Balance = sum of the ledger, and no hold or refund has lost its job."""
    assert world.app.credits.ledger_sum(world.alice.id) == balance(world) >= 0
    with world.app.db.read() as s:
        orphans = s.scalars(
            select(CreditEntry).where(
                CreditEntry.reason.in_([LedgerReason.JOB_HOLD, LedgerReason.JOB_REFUND]),
                CreditEntry.job_id.is_(None),
            )
        ).all()
    assert orphans == []


def run_in_thread(world: JobWorld, job: JobDTO, on_frame: object) -> tuple[threading.Thread, dict]:
    out: dict[str, object] = {}

    def work() -> None:
        out["job"] = world.app.jobs.run(world.alice, job.id, progress=on_frame)  # type: ignore[arg-type]

    thread = threading.Thread(target=work)
    thread.start()
    return thread, out


def stop_midway(world: JobWorld, remove: object) -> tuple[JobDTO, JobDTO, list[int]]:
    """Start a 60-frame job, call ``remove()`` once 5 frames are done, return (accepted job,
    final job, frame counts seen). Frames are slowed after that so a job that ignored the
    removal would visibly run to the end."""
    job = world.app.jobs.create(world.alice, world.video.id, DetectionParams())
    seen: list[int] = []
    removed = threading.Event()

    def on_frame(p: object) -> None:
        done = getattr(p, "done", 0)
        seen.append(done)
        if done >= 5 and not removed.is_set():
            # Let the monitor record some progress first, as it does about once a second.
            deadline = time.monotonic() + 5
            while world.app.jobs.get(world.alice, job.id).frames_processed == 0:
                assert time.monotonic() < deadline
                time.sleep(0.05)
            remove()  # type: ignore[operator]
            removed.set()
        elif removed.is_set():
            time.sleep(0.05)

    thread, out = run_in_thread(world, job, on_frame)
    thread.join(timeout=120)
    assert not thread.is_alive()
    final = out["job"]
    assert isinstance(final, JobDTO)
    return job, final, seen


def test_deleting_a_video_with_a_pending_job_refunds_the_hold_and_keeps_the_job(
    world: JobWorld,
) -> None:
    before = balance(world)
    job = world.app.jobs.create(world.alice, world.video.id, DetectionParams())
    assert balance(world) == before - job.cost_milli

    stopped = world.app.videos.delete(world.alice, world.video.id)

    assert [j.id for j in stopped] == [job.id]
    assert balance(world) == before  # the whole 0.120 hold is back
    final = world.app.jobs.get(world.alice, job.id)
    assert final.status is JobStatus.ABORTED
    assert (final.cost_milli, final.charged_milli, final.refunded_milli) == (120, 0, 120)
    assert final.video_deleted and final.video_name == world.video.name
    assert "deleted" in (final.error or "")
    assert [j.id for j in world.app.jobs.list(world.alice)] == [job.id]
    reasons = sorted(e.reason.value for e in job_ledger(world, job.id))
    assert reasons == ["job_hold", "job_refund"]
    assert world.app.jobs.recover_interrupted() == []  # settled once, never again
    assert_money_exact(world)


def test_deleting_a_video_while_its_job_runs_stops_the_job_and_charges_only_what_ran(
    world: JobWorld,
) -> None:
    before = balance(world)
    job, final, seen = stop_midway(
        world, lambda: world.app.videos.delete(world.alice, world.video.id)
    )
    assert final.status is JobStatus.ABORTED, final.error
    assert 0 < final.frames_processed < 60
    assert max(seen) < 60  # the process stopped instead of running to the end
    assert final.charged_milli == 2 * final.frames_processed
    assert final.refunded_milli == job.cost_milli - final.charged_milli
    assert balance(world) == before - final.charged_milli
    assert len(job_ledger(world, job.id)) == 2
    assert world.app.jobs.recover_interrupted() == []
    assert_money_exact(world)


def test_moving_a_dataset_to_the_trash_stops_its_running_job_which_stays_visible(
    world: JobWorld,
) -> None:
    before = balance(world)
    job, final, seen = stop_midway(
        world, lambda: world.app.datasets.delete(world.alice, world.video.dataset_id)
    )
    assert final.status is JobStatus.ABORTED and "trash" in (final.error or "")
    assert max(seen) < 60
    assert final.charged_milli == 2 * final.frames_processed
    assert balance(world) == before - final.charged_milli
    listed = world.app.jobs.list(world.alice)
    assert [j.id for j in listed] == [job.id] and listed[0].dataset_in_trash
    # Its owner can still read it and its result; asking to cancel it answers plainly.
    assert world.app.jobs.get(world.alice, job.id).status is JobStatus.ABORTED
    assert_money_exact(world)


def test_trashing_a_dataset_aborts_its_pending_jobs_and_says_how_many(world: JobWorld) -> None:
    before = balance(world)
    world.app.jobs.create(world.alice, world.video.id, DetectionParams())
    world.app.jobs.create(world.alice, world.video.id, DetectionParams(end=10))
    trashed = world.app.datasets.delete(world.alice, world.video.dataset_id)
    assert trashed.jobs_stopped == 2
    assert balance(world) == before
    assert {j.status for j in world.app.jobs.list(world.alice)} == {JobStatus.ABORTED}
    assert_money_exact(world)


def test_a_job_in_a_trashed_dataset_can_still_be_cancelled_by_its_owner(world: JobWorld) -> None:
    job = world.app.jobs.create(world.alice, world.video.id, DetectionParams())
    # As an older version left it: the dataset trashed while its job was still live.
    with world.app.db.write() as s:
        dataset = s.get(Dataset, world.video.dataset_id)
        assert dataset is not None
        dataset.deleted_at = utcnow()
    cancelled = world.app.jobs.cancel(world.alice, job.id)
    assert cancelled.status is JobStatus.ABORTED and cancelled.refunded_milli == job.cost_milli
    assert_money_exact(world)


def test_a_job_with_ledger_rows_cannot_be_deleted_from_under_them(world: JobWorld) -> None:
    job = world.app.jobs.create(world.alice, world.video.id, DetectionParams())
    with pytest.raises(IntegrityError), world.app.db.write() as s:
        s.execute(delete(InferenceJob).where(InferenceJob.id == job.id))
    assert len(job_ledger(world, job.id)) == 1


def test_another_users_job_stays_invisible_even_in_the_trash(world: JobWorld) -> None:
    job = world.app.jobs.create(world.alice, world.video.id, DetectionParams())
    world.app.datasets.delete(world.alice, world.video.dataset_id)
    with pytest.raises(NotFound):
        world.app.jobs.get(world.admin, job.id)
    with pytest.raises(NotFound):
        world.app.jobs.cancel(world.admin, job.id)


@pytest.mark.parametrize(
    ("params", "error", "words"),
    [
        (DetectionParams(device="cuda"), Unavailable, "No CUDA GPU"),
        (DetectionParams(device="cuda:0"), Unavailable, "No CUDA GPU"),
        (DetectionParams(device="mps"), InvalidInput, "Device must be"),
        (DetectionParams(device="cuda", backend="openvino"), InvalidInput, "runs on the CPU"),
    ],
)
def test_a_device_this_machine_lacks_is_refused_before_any_hold(
    world: JobWorld, params: DetectionParams, error: type[VideoLabError], words: str
) -> None:
    if cuda_driver_present() and error is Unavailable:
        pytest.skip("this machine has a CUDA driver")
    before = balance(world)
    with pytest.raises(error, match=words):
        world.app.jobs.create(world.alice, world.video.id, params)
    assert balance(world) == before and world.app.jobs.list(world.alice) == []


def test_a_class_the_model_does_not_have_is_refused_before_any_hold(world: JobWorld) -> None:
    before = balance(world)
    with pytest.raises(InvalidInput, match=r"no class 7; its classes are 0 square, 1 disc"):
        world.app.jobs.create(world.alice, world.video.id, DetectionParams(classes=(0, 7)))
    assert balance(world) == before and world.app.jobs.list(world.alice) == []
    job = world.app.jobs.create(world.alice, world.video.id, DetectionParams(classes=(2,), end=4))
    assert job.params["classes"] == [2]


def test_tracking_in_a_build_without_a_tracker_is_refused_before_any_hold(
    world: JobWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec",
        lambda name, *a: None if name == "trackers" else real_find_spec(name, *a),
    )
    before = balance(world)
    with pytest.raises(Unavailable, match="Tracking needs"):
        world.app.jobs.create(world.alice, world.video.id, DetectionParams(track="bytetrack"))
    assert balance(world) == before and world.app.jobs.list(world.alice) == []


def test_device_and_backend_ignore_case(world: JobWorld) -> None:
    job = world.app.jobs.create(
        world.alice, world.video.id, DetectionParams(device=" CPU", backend="OpenVINO", end=4)
    )
    assert (job.params["device"], job.params["backend"]) == ("cpu", "openvino")


@pytest.mark.parametrize(
    ("name", "backend"),
    [("model.onnx", "openvino"), ("model.onnx", "torch"), ("m_openvino_model", "onnx"),
     ("m_openvino_model", "openvino-int8")],
)
def test_an_exported_model_on_another_backend_is_refused_before_any_hold(
    world: JobWorld, tmp_path: Path, name: str, backend: str
) -> None:
    model = tmp_path / name
    if name.endswith("_openvino_model"):
        model.mkdir()
        (model / "m.xml").write_text("<net/>")
        (model / "m.bin").write_bytes(b"\0")
    else:
        model.write_bytes(b"not really onnx")
    before = balance(world)
    with pytest.raises(InvalidInput, match="backend"):
        world.app.jobs.create(
            world.alice, world.video.id, DetectionParams(model=str(model), backend=backend)
        )
    assert balance(world) == before and world.app.jobs.list(world.alice) == []


def test_model_file_and_consent_are_columns_not_user_visible_parameters(world: JobWorld) -> None:
    job = world.app.jobs.create(world.alice, world.video.id, DetectionParams(end=4))
    assert "model_path" not in job.params and "allow_untrusted_model" not in job.params
    with world.app.db.read() as s:
        row = s.get(InferenceJob, job.id)
        assert row is not None and row.model_path and row.model_path.endswith("demo.pt")
        assert row.allow_untrusted_model is False
    done = world.app.jobs.run(world.alice, job.id)
    assert done.status is JobStatus.COMPLETED, done.error


def cli(world: JobWorld, *args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, VIDEOLAB_PASSWORD=PASSWORD, VIDEOLAB_USER="alice@example.com")
    return subprocess.Popen(
        [sys.executable, "-m", "videolab.cli", "--db", world.app.db.url, *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


def test_cli_job_shows_held_charged_and_refunded_plainly(world: JobWorld) -> None:
    job = world.app.jobs.create(world.alice, world.video.id, DetectionParams())
    world.app.jobs.cancel(world.alice, job.id)
    proc = cli(world, "jobs", "show", str(job.id))
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "0.000 tokens charged, 0.120 refunded (of 0.120 held)" in out
    assert "error: None" not in out and "carbon_footprint" not in out
    proc = cli(world, "--json", "jobs", "show", str(job.id))
    shown = json.loads(proc.communicate(timeout=120)[0])
    assert (shown["held"], shown["charged"], shown["refunded"]) == (0.12, 0.0, 0.12)


def test_cli_jobs_run_interrupted_with_ctrl_c_exits_non_zero(world: JobWorld) -> None:
    proc = cli(world, "--json", "jobs", "run", str(world.video.id))
    deadline = time.monotonic() + 120
    while not any(j.status is JobStatus.RUNNING for j in world.app.jobs.list(world.alice)):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    job = json.loads(out)
    if job["status"] == "COMPLETED":  # the 60 frames all ran before the signal landed
        pytest.skip("the job finished before Ctrl-C reached it")
    assert job["status"] == "ABORTED"
    assert proc.returncode == 130, err
    assert_money_exact(world)


def test_cli_jobs_run_of_a_job_stopped_by_a_trashed_dataset_exits_non_zero(
    world: JobWorld,
) -> None:
    proc = cli(world, "jobs", "run", str(world.video.id))
    deadline = time.monotonic() + 120
    while not any(j.status is JobStatus.RUNNING for j in world.app.jobs.list(world.alice)):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    world.app.datasets.delete(world.alice, world.video.dataset_id)
    out, err = proc.communicate(timeout=120)
    if "COMPLETED" in out:
        pytest.skip("the job finished before the dataset was trashed")
    assert proc.returncode == 1
    assert "trash" in err and "ABORTED" in out
