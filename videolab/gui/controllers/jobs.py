"""Detection jobs: accept (hold credits) on the write pool, run on the job pool, cancel.

A job's run is ``JobService.run`` in a worker of its own pool, so detection never waits for,
nor blocks, database writes from the rest of the window.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, Signal

from videolab.domain.dto import JobDTO, UserDTO
from videolab.domain.errors import ConsentRequired
from videolab.domain.params import DetectionParams
from videolab.gui.changes import Change
from videolab.gui.context import GuiContext
from videolab.gui.models.jobs import LiveProgress, status_word
from videolab.gui.widgets import dialogs
from videolab.gui.workers import Worker
from videolab.services.app import VideoLab
from videolab.services.job_launcher import JobDetached, run_in_child_process


def run_job(
    app: VideoLab,
    user: UserDTO,
    job_id: uuid.UUID,
    progress: Callable[..., None],
    cancel: threading.Event,
    detach: threading.Event | None = None,
) -> JobDTO:
    """Run the job in a child process (see ``videolab.job_process``): loading torch and the
    model there cannot hold this process's GIL, so the window never freezes, and a crash in a
    native inference library cannot take the app down."""

    def report(p: Any) -> None:
        done, total = int(getattr(p, "done", 0)), int(getattr(p, "total", 0))
        # A phase message (export, calibration) is never throttled away: it may stand for
        # minutes before the first frame.
        progress(p, force=(total > 0 and done >= total) or bool(getattr(p, "message", None)))

    return run_in_child_process(
        app.jobs, app.db.url, user, job_id, progress=report, cancel=cancel, detach=detach
    )


class JobController(QObject):
    """Submits, runs and cancels jobs; announces ``JOBS`` when a job process starts a job and
    ``JOBS | BALANCE`` when it has settled one (the only moments the table must re-read)."""

    job_changed = Signal(object)  # JobDTO
    progress = Signal(object, object)  # job id, LiveProgress
    preview = Signal(object, int, bytes)  # job id, frame index, annotated JPEG
    job_finished = Signal(object)  # JobDTO
    submitted = Signal(object)  # JobDTO accepted (PENDING)

    def __init__(self, ctx: GuiContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.workers: dict[uuid.UUID, Worker] = {}
        self._detach: dict[uuid.UUID, threading.Event] = {}
        self._seen_progress: set[uuid.UUID] = set()

    @property
    def running(self) -> list[uuid.UUID]:
        return list(self.workers)

    def submit(
        self, video_id: uuid.UUID, params: DetectionParams, *, allow_untrusted: bool = False
    ) -> None:
        def failed(exc: BaseException) -> None:
            if isinstance(exc, ConsentRequired) and not allow_untrusted:
                # The service's message already warns and says what to do instead; adding a
                # second warning made the dialog say the same thing twice.
                if dialogs.confirm(None, "Load an outside model?", exc.message,
                                   action="Load it"):
                    self.submit(video_id, params, allow_untrusted=True)
                return
            self.ctx.ops.report(exc, "The job was not started")

        self.ctx.ops.write(
            self.ctx.app.jobs.create,
            self.ctx.user,
            video_id,
            params,
            allow_untrusted_model=allow_untrusted,
            changes=Change.JOBS | Change.BALANCE,
            success=self._accepted,
            failure=failed,
        )

    def _accepted(self, job: JobDTO) -> None:
        self.job_changed.emit(job)
        self.submitted.emit(job)
        self.start(job)

    def start(self, job: JobDTO) -> None:
        def failed(exc: BaseException) -> None:
            if isinstance(exc, JobDetached):  # the window let it go on alone while quitting
                return
            self.ctx.ops.report(exc, "Detection")
            # whatever happened, the launcher settled the job (refunded if it never ran)
            self.ctx.ops.notify(Change.JOBS | Change.BALANCE, "job process")

        detach = threading.Event()
        worker = self.ctx.ops.detect(
            run_job,
            self.ctx.app,
            self.ctx.user,
            job.id,
            detach=detach,
            progress=partial(self._progress, job.id),
            success=self._finished,
            failure=failed,
            finished=partial(self._ended, job.id),
        )
        self.workers[job.id] = worker
        self._detach[job.id] = detach

    def detach_all(self) -> list[uuid.UUID]:
        """Let every job of this window go on without it (quitting with "Keep running"): each
        job process stops reporting and settles its job itself; a later start shows it."""
        for event in self._detach.values():
            event.set()
        return list(self._detach)

    def _ended(self, job_id: uuid.UUID) -> None:
        self.workers.pop(job_id, None)
        self._detach.pop(job_id, None)
        self._seen_progress.discard(job_id)

    def _progress(self, job_id: uuid.UUID, p: Any) -> None:
        if job_id not in self._seen_progress:  # the process's first report: RUNNING now
            self._seen_progress.add(job_id)
            self.ctx.ops.notify(Change.JOBS, "job process")
        done = int(getattr(p, "done", 0))
        live = LiveProgress(
            done,
            int(getattr(p, "total", 0)),
            float(getattr(p, "fps", 0.0) or 0.0),
            # The phase stands until the first frame is done: shown in the job's row and its
            # live view, not in a banner that would outlive it.
            str(getattr(p, "message", None) or "") if done == 0 else "",
        )
        self.progress.emit(job_id, live)
        jpeg = getattr(p, "preview_jpeg", None)
        if jpeg:
            self.preview.emit(job_id, int(getattr(p, "frame_index", -1)), bytes(jpeg))

    def _finished(self, job: JobDTO) -> None:
        self.job_changed.emit(job)
        self.job_finished.emit(job)
        level = {"COMPLETED": "success", "ABORTED": "info"}.get(job.status.value, "error")
        text = f"Job on {job.video_name}: {status_word(job.status).lower()}"
        if job.error:
            text += f" — {job.error}"
        self.ctx.notify(text, level)
        self.ctx.ops.notify(Change.JOBS | Change.BALANCE, "job process")

    def cancel(self, job_id: uuid.UUID) -> None:
        worker = self.workers.get(job_id)
        if worker is not None:
            worker.cancel()
            self.ctx.notify("Cancelling the job; you pay only for the frames already done.")
            return
        self.ctx.ops.write(
            self.ctx.app.jobs.cancel,
            self.ctx.user,
            job_id,
            changes=Change.JOBS | Change.BALANCE,
            success=self.job_changed.emit,
            context="Cancel",
        )
