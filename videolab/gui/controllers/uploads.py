"""Uploads: each file is probed (cost shown), then stored, one after the other.

Every file is its own worker on the database-write pool, so a bad file fails alone and the
others carry on; each reports probing, its estimate and its stored bytes.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from videolab.domain.dto import UploadEstimate, UserDTO, VideoDTO
from videolab.domain.errors import Cancelled
from videolab.gui.context import GuiContext
from videolab.gui.errors import describe
from videolab.gui.workers import Worker
from videolab.services.app import VideoLab

WAITING, PROBING, UPLOADING, DONE, FAILED, CANCELLED = (
    "Waiting",
    "Checking",
    "Uploading",
    "Uploaded",
    "Failed",
    "Cancelled",
)


@dataclass(frozen=True)
class UploadItem:
    id: uuid.UUID
    dataset_id: uuid.UUID
    path: str
    name: str
    state: str = WAITING
    frames: int | None = None
    cost_milli: int | None = None
    done_bytes: int = 0
    total_bytes: int = 0
    message: str = ""

    @property
    def finished(self) -> bool:
        return self.state in (DONE, FAILED, CANCELLED)

    @property
    def fraction(self) -> float | None:
        if self.state == DONE:
            return 1.0
        if self.state == UPLOADING and self.total_bytes:
            return self.done_bytes / self.total_bytes
        return None


def upload_file(
    app: VideoLab,
    user: UserDTO,
    dataset_id: uuid.UUID,
    path: str,
    progress: Callable[..., None],
    cancel: threading.Event,
) -> VideoDTO:
    """Probe, report the cost, then store. Plain Python: testable without Qt."""
    progress(("probe",), force=True)
    estimate = app.videos.estimate(user, dataset_id, Path(path), cancel=cancel)
    progress(("estimate", estimate), force=True)

    def stored(done: int, total: int, phase: str) -> None:
        progress(("store", done, total), force=done >= total)

    return app.videos.upload(user, dataset_id, Path(path), progress=stored, cancel=cancel)


class UploadController(QObject):
    item_changed = Signal(object)  # UploadItem (new or updated)
    uploaded = Signal(object)  # VideoDTO
    batch_finished = Signal()

    def __init__(self, ctx: GuiContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.items: dict[uuid.UUID, UploadItem] = {}
        self._workers: dict[uuid.UUID, Worker] = {}

    @property
    def busy(self) -> bool:
        return bool(self._workers)

    def upload(self, dataset_id: uuid.UUID, paths: Sequence[str]) -> list[UploadItem]:
        added = []
        for path in paths:
            item = UploadItem(uuid.uuid4(), dataset_id, str(path), Path(path).name)
            self._set(item)
            added.append(item)
            worker = self.ctx.executor.write(
                upload_file,
                self.ctx.app,
                self.ctx.user,
                dataset_id,
                str(path),
                on_progress=lambda value, key=item.id: self._progress(key, value),
                on_result=lambda video, key=item.id: self._done(key, video),
                on_error=lambda exc, key=item.id: self._failed(key, exc),
                on_finished=lambda key=item.id: self._finished(key),
            )
            self._workers[item.id] = worker
        return added

    def cancel_all(self) -> None:
        for worker in self._workers.values():
            worker.cancel()

    def cancel(self, item_id: uuid.UUID) -> None:
        worker = self._workers.get(item_id)
        if worker is not None:
            worker.cancel()

    def _set(self, item: UploadItem) -> None:
        self.items[item.id] = item
        self.item_changed.emit(item)

    def _update(self, key: uuid.UUID, **changes: Any) -> None:
        item = self.items.get(key)
        if item is not None:
            self._set(replace(item, **changes))

    def _progress(self, key: uuid.UUID, value: tuple[Any, ...]) -> None:
        kind = value[0]
        if kind == "probe":
            self._update(key, state=PROBING)
        elif kind == "estimate":
            est: UploadEstimate = value[1]
            self._update(
                key,
                state=UPLOADING,
                frames=est.frame_count,
                cost_milli=est.cost_milli,
                name=est.name,
                total_bytes=est.size_bytes,
                message=f"{est.frame_count:,} frames",
            )
        elif kind == "store":
            self._update(key, state=UPLOADING, done_bytes=value[1], total_bytes=value[2])

    def _done(self, key: uuid.UUID, video: VideoDTO) -> None:
        try:
            user = self.ctx.session.refresh()
            balance = f"balance now {user.tokens_milli / 1000:.3f} tokens"
        except Exception as exc:
            self.ctx.errors.handle(exc)
            balance = ""
        self._update(
            key,
            state=DONE,
            frames=video.frame_count,
            cost_milli=video.cost_milli,
            done_bytes=video.size_bytes,
            total_bytes=video.size_bytes,
            message=f"Stored · {balance}",
        )
        self.uploaded.emit(video)

    def _failed(self, key: uuid.UUID, exc: BaseException) -> None:
        state = CANCELLED if isinstance(exc, Cancelled) else FAILED
        text = "Cancelled; nothing was stored or charged." if state == CANCELLED else describe(exc)
        self._update(key, state=state, message=text)
        if state == FAILED:
            self.ctx.errors.handle(exc)

    def _finished(self, key: uuid.UUID) -> None:
        self._workers.pop(key, None)
        if not self._workers:
            self.batch_finished.emit()
