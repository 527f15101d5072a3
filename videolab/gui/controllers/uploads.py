"""Uploads in two phases that decode each file once.

1. **Probe** (``VideoService.probe_upload``) on the long-file queue: measure the file, count
   what it holds, make the thumbnail; the row then shows the cost and the balance. Long file
   work never holds up a rename or a job submission: those go to the write queue.
2. **Store** (``VideoService.store_upload``) on the write queue: one short transaction stores
   the row and the bytes and charges, reusing what the probe measured (the service checks that
   the file did not change in between).
3. **Count frames** (``VideoService.verify_frames``) on the long-file queue, when the service
   stored the video unverified: the one full decode of the file, with the decoder jobs use;
   frames charged that do not decode are refunded. If it does not finish, the video stays
   stored and is checked before its first job.

Every file is its own pair of operations, so a bad file fails alone and the others carry on.
Between 1 and 2, a file the user already stored in another dataset (same SHA-256) is named
and the user asked whether to pay for it again; declining stores and charges nothing.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from videolab.domain.dto import StoredCopy, UserDTO, VideoDTO
from videolab.domain.errors import Cancelled
from videolab.gui import format as fmt
from videolab.gui.changes import Change
from videolab.gui.context import GuiContext
from videolab.gui.errors import describe
from videolab.gui.widgets import dialogs
from videolab.gui.workers import Worker
from videolab.services.app import VideoLab
from videolab.services.upload_twins import where_stored

if TYPE_CHECKING:
    from videolab.domain.dto import UploadProbe

WAITING, PROBING, UPLOADING, VERIFYING, DONE, FAILED, CANCELLED = (
    "Waiting",
    "Checking",
    "Uploading",
    "Counting frames",
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
    dataset_name: str = ""
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
        if self.state in (PROBING, UPLOADING) and self.total_bytes:
            return self.done_bytes / self.total_bytes
        return None


@dataclass(frozen=True)
class Probed:
    """What phase 1 found: the measured file and where the user already stored its content."""

    probe: UploadProbe
    copies: tuple[StoredCopy, ...] = ()
    dataset_name: str = ""


def probe_file(
    app: VideoLab,
    user: UserDTO,
    dataset_id: uuid.UUID,
    path: str,
    progress: Callable[..., None],
    cancel: threading.Event,
) -> Probed:
    """Phase 1 (long-file queue): measure and price the file, and look for the same content
    in the user's other datasets. Plain Python, no Qt."""
    progress(("probe", 0, 0), force=True)

    def read(done: int, total: int, *_phase: object) -> None:
        progress(("probe", done, total), force=done >= total)

    probe = app.videos.probe_upload(user, dataset_id, Path(path), cancel=cancel, progress=read)
    copies = app.videos.copies_elsewhere(user, dataset_id, probe, cancel=cancel)
    dataset = app.datasets.get(user, dataset_id)
    return Probed(probe, tuple(copies), dataset.name)


def copies_text(name: str, copies: Sequence[StoredCopy], dataset: str, cost: str) -> str:
    """The question asked before a file already stored elsewhere is charged again."""
    where = where_stored(copies)
    into = f"into '{dataset}'" if dataset else "here"
    return (
        f"{name} is already stored in {where}. Uploading it {into} too stores a second "
        f"copy and charges {cost} again."
    )


def store_probed(
    app: VideoLab,
    user: UserDTO,
    dataset_id: uuid.UUID,
    probe: UploadProbe,
    progress: Callable[..., None],
    cancel: threading.Event,
) -> VideoDTO:
    """Phase 2 (write queue): store and charge what the probe measured, without decoding."""
    if cancel.is_set():  # cancelled while it waited its turn behind other writes
        raise Cancelled("Upload cancelled; nothing was stored or charged.")

    def stored(done: int, total: int, *_phase: object) -> None:
        progress(("store", done, total), force=done >= total)

    return app.videos.store_upload(user, dataset_id, probe, progress=stored, cancel=cancel)


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

    def upload(
        self, dataset_id: uuid.UUID, paths: Sequence[str], *, dataset_name: str = ""
    ) -> list[UploadItem]:
        added = []
        for path in paths:
            item = UploadItem(uuid.uuid4(), dataset_id, str(path), Path(path).name, dataset_name)
            self._set(item)
            added.append(item)
            self._workers[item.id] = self.ctx.ops.long(
                probe_file,
                self.ctx.app,
                self.ctx.user,
                dataset_id,
                str(path),
                progress=partial(self._progress, item.id),
                success=partial(self._probed, item.id),
                failure=partial(self._failed, item.id),
                finished=partial(self._finished, item.id),
            )
        return added

    def _probed(self, key: uuid.UUID, probed: Probed) -> None:
        """Phase 1 done: show what it costs against the balance, ask before paying twice for
        the same content, then store it."""
        probe = probed.probe
        item = self.items.get(key)
        probing = self._workers.get(key)
        if item is None:
            return
        if probing is not None and probing.cancelled:  # cancelled as the probe finished
            self._failed(key, Cancelled("Upload cancelled."))
            return
        if probed.dataset_name and probed.dataset_name != item.dataset_name:
            self._update(key, dataset_name=probed.dataset_name)
            item = self.items[key]
        if probed.copies and not self._pay_again(key, item, probed):
            first = probed.copies[0]
            self._update(
                key, state=CANCELLED, frames=probe.frame_count, name=probe.name,
                message=f"Not uploaded: already in dataset '{first.dataset_name}' as "
                f"'{first.video_name}'; nothing was charged.",
            )
            # The probe's ``finished`` may have arrived while the question was open.
            self._finished(key)
            return
        balance = self.ctx.user.tokens_milli
        self._update(
            key,
            state=UPLOADING,
            frames=probe.frame_count,
            cost_milli=probe.cost_milli,
            name=probe.name,
            total_bytes=probe.size_bytes,
            message=f"{probe.frame_count:,} frames · costs {fmt.tokens(probe.cost_milli)} "
            f"of your {fmt.tokens(balance)}",
        )
        # Started before the probe's worker reports ``finished``, so the item is never idle.
        self._workers[key] = self.ctx.ops.write(
            store_probed,
            self.ctx.app,
            self.ctx.user,
            item.dataset_id,
            probe,
            changes=Change.VIDEOS | Change.DATASETS | Change.BALANCE,
            progress=partial(self._progress, key),
            success=partial(self._stored, key, probe),
            failure=partial(self._failed, key),
            finished=partial(self._finished, key),
        )

    def _pay_again(self, key: uuid.UUID, item: UploadItem, probed: Probed) -> bool:
        first = probed.copies[0]
        self._update(
            key, frames=probed.probe.frame_count, name=probed.probe.name,
            message=f"Already in dataset '{first.dataset_name}': waiting for your answer",
        )
        text = copies_text(
            probed.probe.name, probed.copies, item.dataset_name, fmt.tokens(probed.probe.cost_milli)
        )
        return dialogs.confirm(None, "Upload it again?", text, action="Upload and pay again")

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
            self._update(key, state=PROBING, done_bytes=value[1], total_bytes=value[2])
        elif kind == "store":
            self._update(key, state=UPLOADING, done_bytes=value[1], total_bytes=value[2])

    def _stored(self, key: uuid.UUID, probe: UploadProbe, video: VideoDTO) -> None:
        self.uploaded.emit(video)
        if video.frames_verified:
            self._done(key, video)
            return
        self._update(
            key, state=VERIFYING, done_bytes=video.size_bytes, total_bytes=video.size_bytes,
            message=f"Stored · {fmt.tokens(video.cost_milli)} charged; counting the "
            "frames that decode…",
        )
        self._workers[key] = self.ctx.ops.long(
            self.ctx.app.videos.verify_frames,
            self.ctx.user,
            video.id,
            source=probe,
            changes=Change.VIDEOS | Change.DATASETS | Change.BALANCE,
            success=partial(self._done, key),
            failure=partial(self._unverified, key, video),
            finished=partial(self._finished, key),
        )

    def _done(self, key: uuid.UUID, video: VideoDTO) -> None:
        self._update(
            key,
            state=DONE,
            frames=video.frame_count,
            cost_milli=video.cost_milli,
            done_bytes=video.size_bytes,
            total_bytes=video.size_bytes,
            message=f"Stored · {fmt.tokens(video.cost_milli)} charged",
        )

    def _unverified(self, key: uuid.UUID, video: VideoDTO, exc: BaseException) -> None:
        """The video is stored and paid for; its frames are counted before its first job."""
        self._update(
            key, state=DONE,
            message=f"Stored · {fmt.tokens(video.cost_milli)} charged; frames are "
            "checked before its first job",
        )
        if not isinstance(exc, Cancelled):
            self.ctx.ops.report(exc, f"Counting the frames of {video.name}")

    def _failed(self, key: uuid.UUID, exc: BaseException) -> None:
        state = CANCELLED if isinstance(exc, Cancelled) else FAILED
        text = "Cancelled; nothing was stored or charged." if state == CANCELLED else describe(exc)
        self._update(key, state=state, message=text)
        if state == FAILED:
            self.ctx.ops.report(exc)

    def _finished(self, key: uuid.UUID) -> None:
        item = self.items.get(key)
        if item is None or item.finished:  # a probed file goes on to be stored: still busy
            if self._workers.pop(key, None) is None:
                return  # this file's end was already counted
        if not self._workers:
            self.batch_finished.emit()
