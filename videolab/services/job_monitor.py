"""A job's companion thread: heartbeat, progress in the database, and cross-process cancel.

Database writes can wait for the write lock (an upload holds it while it stores a large file);
doing them here keeps that wait away from the inference pipeline.
"""

from __future__ import annotations

import logging
import threading
import uuid

from sqlalchemy import select, update

from videolab.db.engine import Database
from videolab.db.models import InferenceJob
from videolab.db.types import utcnow
from videolab.domain.enums import JobStatus

log = logging.getLogger(__name__)


class JobMonitor:
    def __init__(
        self, db: Database, job_id: uuid.UUID, cancel: threading.Event, *, interval_s: float = 0.25
    ) -> None:
        self._db = db
        self._job_id = job_id
        self._cancel = cancel
        self._interval = interval_s
        self._stop = threading.Event()
        self._done = 0
        self._written = -1
        self._thread = threading.Thread(
            target=self._loop, name=f"job-monitor-{job_id}", daemon=True
        )

    def report(self, frames_done: int) -> None:
        self._done = frames_done

    def start(self) -> JobMonitor:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        ticks = 0
        while not self._stop.wait(self._interval):
            ticks += 1
            try:
                if self._cancel_requested():
                    self._cancel.set()
                # Progress and heartbeat about once a second; cancel checks four times as often.
                if ticks % 4 == 0:
                    self._write_progress()
            except Exception:  # a busy database must not kill the job; try again next tick
                log.debug("job monitor tick failed", exc_info=True)

    def _cancel_requested(self) -> bool:
        """A cancel was asked for, or the job was settled under us (its video deleted, its
        dataset trashed) or is gone: either way this process must stop working on it."""
        with self._db.read() as s:
            row = s.execute(
                select(InferenceJob.cancel_requested, InferenceJob.status).where(
                    InferenceJob.id == self._job_id
                )
            ).first()
        return row is None or bool(row.cancel_requested) or JobStatus(row.status).is_final

    def _write_progress(self) -> None:
        done = self._done
        with self._db.write() as s:
            s.execute(
                update(InferenceJob)
                .where(InferenceJob.id == self._job_id, InferenceJob.status == JobStatus.RUNNING)
                .values(frames_processed=done, heartbeat_at=utcnow())
            )
        self._written = done
