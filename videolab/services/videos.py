"""Videos: upload (probe, pay, store in chunks, all or nothing), list, export, delete."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from videolab.db.chunks import iter_chunks, write_chunks
from videolab.db.models import Video, VideoChunk
from videolab.domain.dto import JobDTO, UploadEstimate, UserDTO, VideoDTO
from videolab.domain.enums import LedgerReason
from videolab.domain.errors import Cancelled, Conflict, InsufficientCredits, InvalidInput, NotFound
from videolab.domain.money import format_tokens, upload_cost
from videolab.file_modes import new_shared_file
from videolab.inference.probe import VideoInfo, make_thumbnail, probe_video
from videolab.repositories.jobs import JobRepository
from videolab.repositories.ledger import LedgerRepository
from videolab.repositories.videos import VideoRepository, to_dto
from videolab.services.base import ServiceContext, acting_user, owned_dataset
from videolab.services.job_settlement import stop_live_jobs
from videolab.services.names import clean_name

log = logging.getLogger(__name__)

MAX_VIDEO_NAME = 255

#: ``progress(done_bytes, total_bytes, phase)``; phase is "probe" or "store".
UploadProgress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class _Probed:
    path: Path
    name: str
    size: int
    identity: tuple[int, ...]
    info: VideoInfo
    thumbnail: bytes | None = None


def display_name(path: Path) -> str:
    """The file's name as text, even when the file system handed us bytes that are not UTF-8."""
    return os.fsencode(path.name).decode("utf-8", errors="replace")


def _identity(st: os.stat_result) -> tuple[int, ...]:
    """What changes when a file is replaced, resized or rewritten. The change time (ctime)
    moves on any write and cannot be set back, unlike the modification time."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class VideoService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # -- upload ------------------------------------------------------------------------------
    def _probe(
        self,
        path: Path,
        name: str | None,
        cancel: threading.Event | None,
        *,
        thumbnail: bool = False,
    ) -> _Probed:
        path = Path(path)
        shown = display_name(path)
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise InvalidInput(f"{shown}: the file does not exist (any more).") from None
        except OSError as exc:
            raise InvalidInput(f"{shown}: the file cannot be read ({exc.strerror}).") from None
        if not path.is_file():
            raise InvalidInput(f"{shown}: not a file.")
        if stat.st_size == 0:
            raise InvalidInput(f"{shown}: the file is empty.")
        clean = clean_name(name or shown, what="video", max_length=MAX_VIDEO_NAME)
        if "/" in clean or clean in (".", ".."):
            # The name becomes a file name when exported into a folder; never a path.
            raise InvalidInput(f"{clean}: a video name cannot contain '/' or be '.' or '..'.")
        info = probe_video(path, cancel=cancel)
        if cancel is not None and cancel.is_set():
            raise Cancelled("Upload cancelled.")
        thumb = _safe_thumbnail(path) if thumbnail else None
        return _Probed(path, clean, stat.st_size, _identity(stat), info, thumb)

    def estimate(
        self,
        actor: UserDTO,
        dataset_id: uuid.UUID,
        path: Path,
        *,
        cancel: threading.Event | None = None,
    ) -> UploadEstimate:
        """Probe a file and say what its upload costs, storing nothing."""
        with self.ctx.db.read() as s:
            owned_dataset(s, actor, dataset_id)
        probed = self._probe(path, None, cancel)
        return UploadEstimate(
            str(path),
            probed.name,
            probed.info.frame_count,
            upload_cost(probed.info.frame_count),
            probed.size,
        )

    def upload(
        self,
        actor: UserDTO,
        dataset_id: uuid.UUID,
        path: Path,
        *,
        name: str | None = None,
        progress: UploadProgress | None = None,
        cancel: threading.Event | None = None,
    ) -> VideoDTO:
        """Store a video and charge 0.001 token per decodable frame, or store and charge nothing.

        Content, metadata and the debit are one transaction: a refusal, an error, a cancel or
        a killed process leaves no video row, no chunk and no ledger row behind.
        """
        with self.ctx.db.read() as s:
            owned_dataset(s, actor, dataset_id)
            balance = acting_user(s, actor).tokens
        probed = self._probe(path, name, cancel, thumbnail=True)
        cost = upload_cost(probed.info.frame_count)
        if cost > balance:
            raise InsufficientCredits(
                f"{probed.name}: uploading {probed.info.frame_count} frames costs "
                f"{format_tokens(cost)} tokens and your balance is {format_tokens(balance)}.",
                needed_milli=cost,
                available_milli=balance,
            )
        if progress is not None:
            progress(0, probed.size, "store")

        def on_bytes(done: int) -> None:
            if cancel is not None and cancel.is_set():
                raise Cancelled("Upload cancelled; nothing was stored or charged.")
            if progress is not None:
                progress(done, probed.size, "store")

        with self.ctx.db.write() as s:
            dataset = owned_dataset(s, actor, dataset_id)
            videos = VideoRepository(s)
            if videos.by_name(dataset.id, probed.name) is not None:
                raise Conflict(
                    f"{probed.name}: dataset '{dataset.name}' already has a video with this name."
                )
            video = videos.add(
                Video(
                    dataset_id=dataset.id,
                    name=probed.name,
                    frame_count=probed.info.frame_count,
                    fps=probed.info.fps,
                    width=probed.info.width,
                    height=probed.info.height,
                    duration_s=probed.info.duration_s,
                    size_bytes=probed.size,
                    sha256="",
                    thumbnail=probed.thumbnail,
                    cost=cost,
                )
            )
            try:
                with open(probed.path, "rb") as source:
                    stored = write_chunks(s, VideoChunk, video.id, source, progress=on_bytes)
                    after = os.fstat(source.fileno())
            except FileNotFoundError:
                raise InvalidInput(
                    f"{probed.name}: the file disappeared during the upload."
                ) from None
            except OSError as exc:  # a failing disk or network share
                raise InvalidInput(
                    f"{probed.name}: the file could not be read ({exc.strerror or exc}); "
                    "nothing was stored."
                ) from None
            if stored.size != probed.size or _identity(after) != probed.identity:
                raise InvalidInput(
                    f"{probed.name}: the file changed during the upload; nothing was stored."
                )
            twin = videos.by_sha256(dataset.id, stored.sha256)
            if twin is not None:
                raise Conflict(
                    f"{probed.name}: this dataset already holds the same video as '{twin.name}'."
                )
            video.sha256 = stored.sha256
            LedgerRepository(s).post(
                actor.id,
                -cost,
                LedgerReason.UPLOAD,
                f"upload:{video.id}",
                note=f"{probed.info.frame_count} frames of {probed.name}"[:255],
                video_id=video.id,
            )
            s.flush()
            return to_dto(video)

    # -- read --------------------------------------------------------------------------------
    def list(self, actor: UserDTO, dataset_id: uuid.UUID) -> list[VideoDTO]:
        with self.ctx.db.read() as s:
            dataset = owned_dataset(s, actor, dataset_id)
            return [to_dto(v) for v in VideoRepository(s).list_in_dataset(dataset.id)]

    def get(self, actor: UserDTO, video_id: uuid.UUID) -> VideoDTO:
        with self.ctx.db.read() as s:
            return to_dto(self._owned(s, actor, video_id))

    @staticmethod
    def _owned(session: Session, actor: UserDTO, video_id: uuid.UUID) -> Video:
        video = VideoRepository(session).get(video_id)
        if video is None:
            raise NotFound("No such video.")
        owned_dataset(session, actor, video.dataset_id)
        return video

    def export(self, actor: UserDTO, video_id: uuid.UUID, out: Path) -> Path:
        """Write the stored file back out, byte-identical, through a temporary file."""
        out = Path(out)
        if out.is_dir():
            # Only the name's last part (Windows also splits at '\\'): the file stays in there.
            out = out / Path(self.get(actor, video_id).name).name
        with self.ctx.db.read() as s:
            video = self._owned(s, actor, video_id)
            out.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = new_shared_file(out.parent, ".videolab-")  # an export: the umask's mode
            try:
                with os.fdopen(fd, "wb") as sink:
                    for chunk in iter_chunks(s, VideoChunk, video.id):
                        sink.write(chunk)
                os.replace(tmp, out)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
                raise
        return out

    def local_copy(self, actor: UserDTO, video_id: uuid.UUID) -> Path:
        """A file on disk with the video's content, for decoders that need a path.

        Cached under the app's work folder by SHA-256 and checked against it when written, so
        a second job on the same video starts without copying.
        """
        with self.ctx.db.read() as s:
            video = self._owned(s, actor, video_id)
            suffix = Path(video.name).suffix.lower()
            if not (suffix[1:].isalnum() and len(suffix) <= 6):
                suffix = ".video"
            target = self.ctx.paths.work_dir / "videos" / f"{video.sha256}{suffix}"
            if target.is_file() and target.stat().st_size == video.size_bytes:
                return target
            target.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            fd, tmp = tempfile.mkstemp(prefix=".copy-", dir=target.parent)
            try:
                with os.fdopen(fd, "wb") as sink:
                    for chunk in iter_chunks(s, VideoChunk, video.id):
                        digest.update(chunk)
                        sink.write(chunk)
                if digest.hexdigest() != video.sha256:
                    raise InvalidInput(
                        f"{video.name}: the stored content is damaged (checksum mismatch)."
                    )
                os.replace(tmp, target)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
                raise
        return target

    def delete(self, actor: UserDTO, video_id: uuid.UUID) -> tuple[JobDTO, ...]:
        """Remove a video and its content. Its jobs, their results and every ledger row stay;
        a job still PENDING or RUNNING on it is stopped and settled in the same transaction
        (ABORTED: pay for the frames processed, the rest back). Returns those jobs."""
        with self.ctx.db.write() as s:
            video = self._owned(s, actor, video_id)
            jobs = JobRepository(s)
            reason = f"cancelled: video '{video.name}' was deleted"
            stopped = stop_live_jobs(s, jobs.unfinished(video_id=video.id), reason)
            s.delete(video)
            s.flush()
            return tuple(jobs.dto(job) for job in stopped)


def _safe_thumbnail(path: Path) -> bytes | None:
    try:
        return make_thumbnail(path)
    except Exception:  # a missing thumbnail must not refuse an otherwise good video
        log.warning("no thumbnail for %s", path, exc_info=True)
        return None
