"""A job runs the model it was accepted with, and a crashed job leaves no partial files."""

from __future__ import annotations

import socket
from pathlib import Path

from sqlalchemy import update

from tests.hardening.conftest import Lab
from tests.hardening.harness import audit, evil_pt
from videolab.db.models import InferenceJob
from videolab.domain.enums import JobStatus
from videolab.domain.params import DetectionParams
from videolab.inference.models import DEMO_WEIGHTS
from videolab.services.job_settlement import INTERRUPTED


def test_a_model_swapped_after_consent_is_not_loaded(lab: Lab, tmp_path: Path) -> None:
    """Consent is given to one file; if another file takes its place before the job runs,
    the job fails (refunded) instead of loading what nobody agreed to."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    benign = folder / "weights.pt"  # a real detector, from outside the app's model folders
    benign.write_bytes(DEMO_WEIGHTS.read_bytes())
    video = lab.app.videos.list(lab.alice, lab.dataset.id)[0]
    balance = lab.app.credits.balance(lab.alice)
    job = lab.app.jobs.create(lab.alice, video.id, DetectionParams(model=str(benign), end=4),
                              allow_untrusted_model=True)
    evil, marker = evil_pt(tmp_path / "attacker")
    evil.replace(benign)  # the same path now holds a payload

    done = lab.app.jobs.run(lab.alice, job.id)
    assert done.status is JobStatus.FAILED
    assert done.error is not None and "model file changed" in done.error
    assert lab.app.credits.balance(lab.alice) == balance
    assert not marker.exists()
    audit(lab.db).check()


def test_recovery_removes_the_partial_files_of_an_interrupted_job(lab: Lab) -> None:
    video = lab.app.videos.list(lab.alice, lab.dataset.id)[0]
    job = lab.app.jobs.create(lab.alice, video.id, DetectionParams(end=4))
    with lab.app.db.write() as s:  # as left by a process that died mid-run
        s.execute(update(InferenceJob).where(InferenceJob.id == job.id).values(
            status=JobStatus.RUNNING, owner=f"{socket.gethostname()}:999999999:gone"))
    partial = lab.app.paths.work_dir / "jobs" / f"{job.id}.zip"
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_bytes(b"PK\x03\x04 half a zip")
    lab.app.close()
    with lab.reopen() as app:
        closed = app.jobs.get(lab.alice, job.id)
        assert closed.status is JobStatus.FAILED and closed.error == INTERRUPTED
    assert not partial.exists()
    audit(lab.db).check()
