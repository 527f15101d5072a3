"""Run a job in a child process (``videolab.job_process``) and relay its progress.

Used by the desktop app; the CLI runs jobs in its own foreground process instead. From a
desktop bundle the child is the bundle's own console executable (``videolab.frozen``).
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from videolab.domain.dto import JobDTO, UserDTO
from videolab.domain.enums import JobStatus
from videolab.frozen import child_command, child_environment, child_popen_options
from videolab.services.jobs import JobService

log = logging.getLogger(__name__)


class JobDetached(Exception):
    """The app let go of a running job (``detach``): its process goes on and settles it."""

    def __init__(self, job_id: uuid.UUID) -> None:
        super().__init__(f"job {job_id} goes on without this window")
        self.job_id = job_id


@dataclass(frozen=True)
class ChildProgress:
    """The same fields as the pipeline's DetectionProgress, received from the child."""

    done: int
    total: int
    fps: float
    frame_index: int | None
    preview_jpeg: bytes | None
    message: str | None = None  # e.g. "Preparing the model for openvino"


def run_in_child_process(
    jobs: JobService,
    db_url: str,
    actor: UserDTO,
    job_id: uuid.UUID,
    *,
    progress: Callable[[ChildProgress], None] | None = None,
    cancel: threading.Event | None = None,
    detach: threading.Event | None = None,
) -> JobDTO:
    """Run a PENDING job of ``actor`` in a child process; return it settled.

    If the child dies without settling the job (a crash, a kill), the job is closed FAILED
    and refunded right away, as start-up recovery would. Setting ``detach`` lets the child go
    on alone (the app quits, "Keep running"): it stops reporting, this returns at once raising
    :class:`JobDetached`, and the child settles the job itself. The child runs in a session of
    its own, so neither a Ctrl-C in the app's terminal nor the terminal closing reaches it.
    """
    jobs.get(actor, job_id)  # the actor's own job, or NotFound before anything starts
    errors = tempfile.TemporaryFile()
    # The URL goes in the environment, not on the command line, where anyone could read a
    # PostgreSQL password in it with `ps`.
    child = subprocess.Popen(
        child_command("videolab.job_process", str(job_id)),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
        bufsize=1,
        env=child_environment(db_url),
        **child_popen_options(own_session=True),
    )
    assert child.stdin is not None and child.stdout is not None
    stop_watch = threading.Event()

    def send(command: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            child.stdin.write(f"{command}\n")  # type: ignore[union-attr]
            child.stdin.flush()  # type: ignore[union-attr]

    def forward_cancel() -> None:
        if cancel is None and detach is None:
            return
        while not stop_watch.wait(0.05):
            # A detach wins over a cancel set at the same moment: quitting with "Keep
            # running" cancels this window's workers right after detaching its jobs.
            if detach is not None and detach.is_set():
                send("detach")
                return
            if cancel is not None and cancel.is_set():
                send("cancel")
                return

    watcher = threading.Thread(target=forward_cancel, daemon=True)
    watcher.start()
    try:
        for line in child.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue  # a library printed to stdout; not ours
            p = message.get("progress") if isinstance(message, dict) else None
            if p is not None and progress is not None:
                preview = p.get("preview_jpeg_b64")
                update = ChildProgress(
                    int(p["done"]),
                    int(p["total"]),
                    float(p["fps"]),
                    p.get("frame_index"),
                    base64.b64decode(preview) if preview else None,
                    p.get("message"),
                )
                try:
                    progress(update)
                except Exception:  # a broken progress display must not orphan the job
                    log.exception("progress callback failed for job %s", job_id)
        if detach is not None and detach.is_set():
            raise JobDetached(job_id)  # its stdout ended because it let go of us: leave it be
        child.wait()
    finally:
        stop_watch.set()
        let_go = detach is not None and detach.is_set()
        if child.poll() is None and not let_go:
            child.kill()
            child.wait()
        with contextlib.suppress(OSError, ValueError):
            child.stdin.close()
        if let_go:
            errors.close()
    with errors:
        return _settled(jobs, actor, job_id, child.returncode, errors)


def _settled(
    jobs: JobService, actor: UserDTO, job_id: uuid.UUID, returncode: int, errors: Any
) -> JobDTO:
    job = jobs.get(actor, job_id)
    if job.status is JobStatus.RUNNING:  # the child died mid-job: close it now, refunded
        jobs.recover_interrupted()
    elif job.status is JobStatus.PENDING:  # the child never got to start it
        errors.seek(0)
        last = [ln for ln in errors.read().decode(errors="replace").splitlines() if ln.strip()]
        jobs.fail_unfinished(
            job_id,
            "The detection process stopped before the job started"
            + (f": {last[-1]}" if last else f" (exit code {returncode})."),
        )
    return jobs.get(actor, job_id)
