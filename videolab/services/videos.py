"""Videos: upload (probe; store and pay in one transaction; check the frames later), list,
export, delete."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from sqlalchemy.orm import Session

from videolab.db.chunks import iter_chunks, write_chunks
from videolab.db.models import Video, VideoChunk
from videolab.domain.dto import (
    JobDTO,
    StoredCopy,
    UploadEstimate,
    UploadProbe,
    UserDTO,
    VideoDTO,
)
from videolab.domain.enums import LedgerReason
from videolab.domain.errors import Cancelled, Conflict, InsufficientCredits, InvalidInput, NotFound
from videolab.domain.money import tokens_text, upload_cost
from videolab.file_modes import new_shared_file
from videolab.repositories.jobs import JobRepository
from videolab.repositories.ledger import LedgerRepository
from videolab.repositories.videos import VideoRepository, to_dto
from videolab.services.base import ServiceContext, acting_user, owned_dataset
from videolab.services.job_settlement import stop_live_jobs
from videolab.services.names import clean_name
from videolab.services.upload_files import RecordingReader, file_fingerprint, identity

if TYPE_CHECKING:
    from videolab.inference.packets import PacketCount
    from videolab.inference.probe import VideoInfo

log = logging.getLogger(__name__)


# OpenCV, NumPy and PyAV (~0.2 s of CPU to import) load at the first probe, not with the
# services: most commands and the app's start never read a video. Module-level names, so
# tests can replace them.
def count_packets(path: Path, **options: Any) -> PacketCount:
    from videolab.inference.packets import count_packets as count

    return count(path, **options)


def probe_video(path: Path, **options: Any) -> VideoInfo:
    from videolab.inference.probe import probe_video as probe

    return probe(path, **options)


def make_thumbnail(path: Path, **options: Any) -> bytes:
    from videolab.inference.probe import make_thumbnail as thumbnail

    return thumbnail(path, **options)


MAX_VIDEO_NAME = 255

#: ``progress(done_bytes, total_bytes, phase)``; phase is "probe" or "store".
UploadProgress = Callable[[int, int, str], None]


def display_name(path: Path) -> str:
    """The file's name as text, even when the file system handed us bytes that are not UTF-8."""
    return os.fsencode(path.name).decode("utf-8", errors="replace")


def upload_key(video_id: uuid.UUID) -> str:
    """The idempotency key of a video's upload charge; its refund's is this + ":refund"."""
    return f"upload:{video_id}"


class VideoService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # -- upload, phase 1: probe (long, no lock) ----------------------------------------------
    def probe_upload(
        self,
        actor: UserDTO,
        dataset_id: uuid.UUID,
        path: Path,
        *,
        name: str | None = None,
        cancel: threading.Event | None = None,
        progress: UploadProgress | None = None,
    ) -> UploadProbe:
        """Measure a file for upload: packets (= frames charged), size, rate, thumbnail.

        Reads the file once at disk speed and decodes one frame (the thumbnail, which also
        refuses a file of which not even that decodes). Holds no lock and stores nothing; hand
        the result to ``store_upload``.
        """
        with self.ctx.db.read() as s:
            owned_dataset(s, actor, dataset_id)
        path = Path(path)
        shown = display_name(path)
        stat = _stat_file(path, shown)
        clean = clean_name(name or shown, what="video", max_length=MAX_VIDEO_NAME)
        if "/" in clean or clean in (".", ".."):
            # The name becomes a file name when exported into a folder; never a path.
            raise InvalidInput(f"{clean}: a video name cannot contain '/' or be '.' or '..'.")

        def on_bytes(done: int, total: int) -> None:
            if progress is not None:
                progress(done, total, "probe")

        packets = count_packets(path, cancel=cancel, progress=on_bytes)
        if cancel is not None and cancel.is_set():
            raise Cancelled("Upload cancelled.")
        # The first frame: one decode, where a thumbnail 10% in can cost a whole GOP of 1080p
        # H.264 (seconds); the frame check, which decodes everything anyway, replaces it.
        thumbnail = _thumbnail(path, 0)
        try:
            print_ = file_fingerprint(path, stat.st_size)
        except FileNotFoundError:
            raise InvalidInput(f"{shown}: the file does not exist (any more).") from None
        except OSError as exc:
            raise InvalidInput(
                f"{shown}: the file could not be read ({exc.strerror or exc})."
            ) from None
        return UploadProbe(
            path=path,
            name=clean,
            size_bytes=stat.st_size,
            mtime_ns=stat.st_mtime_ns,
            frame_count=packets.frame_count,
            cost_milli=upload_cost(packets.frame_count),
            fps=packets.fps,
            width=packets.width,
            height=packets.height,
            duration_s=packets.duration_s,
            thumbnail_jpeg=thumbnail,
            identity=identity(stat),
            fingerprint=print_,
        )

    def estimate(
        self,
        actor: UserDTO,
        dataset_id: uuid.UUID,
        path: Path,
        *,
        cancel: threading.Event | None = None,
    ) -> UploadEstimate:
        """Probe a file and say what its upload costs, storing nothing."""
        probe = self.probe_upload(actor, dataset_id, path, cancel=cancel)
        return UploadEstimate(
            str(path), probe.name, probe.frame_count, probe.cost_milli, probe.size_bytes
        )

    # -- upload, phase 2: store (one short write transaction) --------------------------------
    def store_upload(
        self,
        actor: UserDTO,
        dataset_id: uuid.UUID,
        probe: UploadProbe,
        *,
        progress: UploadProgress | None = None,
        cancel: threading.Event | None = None,
    ) -> VideoDTO:
        """Store a probed file and charge 0.001 token per packet, or store and charge nothing.

        Content, metadata and the debit are one transaction: a refusal, an error, a cancel or
        a killed process leaves no video row, no chunk and no ledger row behind. Refused when
        the file changed since the probe (see ``upload_files``) or when the dataset already
        holds the same content. A name the dataset already has gets a suffix ("GH010001
        (2).MP4"). The video is stored unverified: ``verify_frames`` counts the frames that
        decode and refunds any packet that did not.
        """
        with self.ctx.db.read() as s:
            owned_dataset(s, actor, dataset_id)
            balance = acting_user(s, actor).tokens
        cost = probe.cost_milli
        if cost > balance:
            raise InsufficientCredits(
                f"{probe.name}: uploading {probe.frame_count} frames costs "
                f"{tokens_text(cost)} and your balance is {tokens_text(balance)}.",
                needed_milli=cost,
                available_milli=balance,
            )
        if progress is not None:
            progress(0, probe.size_bytes, "store")

        def on_bytes(done: int) -> None:
            if cancel is not None and cancel.is_set():
                raise Cancelled("Upload cancelled; nothing was stored or charged.")
            if progress is not None:
                progress(done, probe.size_bytes, "store")

        changed = f"{probe.name}: the file changed during the upload; nothing was stored."
        with self.ctx.db.write() as s:
            dataset = owned_dataset(s, actor, dataset_id)
            videos = VideoRepository(s)
            video = videos.add(
                Video(
                    dataset_id=dataset.id,
                    name=videos.free_name(dataset.id, probe.name, max_length=MAX_VIDEO_NAME),
                    frame_count=probe.frame_count,
                    frames_verified=False,
                    fps=probe.fps,
                    width=probe.width,
                    height=probe.height,
                    duration_s=probe.duration_s,
                    size_bytes=probe.size_bytes,
                    sha256="",
                    thumbnail=probe.thumbnail_jpeg,
                    cost=cost,
                )
            )
            try:
                with open(probe.path, "rb") as source:
                    if identity(os.fstat(source.fileno())) != probe.identity:
                        raise InvalidInput(changed)
                    reader = RecordingReader(source)
                    # write_chunks only calls read(n): the reader stands in for the file.
                    stored = write_chunks(
                        s, VideoChunk, video.id, cast(BinaryIO, reader), progress=on_bytes
                    )
                    after = os.fstat(source.fileno())
            except FileNotFoundError:
                raise InvalidInput(
                    f"{probe.name}: the file disappeared during the upload."
                ) from None
            except OSError as exc:  # a failing disk or network share
                raise InvalidInput(
                    f"{probe.name}: the file could not be read ({exc.strerror or exc}); "
                    "nothing was stored."
                ) from None
            if (
                stored.size != probe.size_bytes
                or identity(after) != probe.identity
                or reader.fingerprint() != probe.fingerprint
            ):
                raise InvalidInput(changed)
            twin = videos.by_sha256(dataset.id, stored.sha256)
            if twin is not None:
                raise Conflict(
                    f"{probe.name}: identical content is already in dataset '{dataset.name}' "
                    f"as '{twin.name}'; nothing was stored or charged."
                )
            video.sha256 = stored.sha256
            LedgerRepository(s).post(
                actor.id,
                -cost,
                LedgerReason.UPLOAD,
                upload_key(video.id),
                note=f"{probe.frame_count} frames of {video.name}"[:255],
                video_id=video.id,
            )
            s.flush()
            return to_dto(video)

    def copies_elsewhere(
        self,
        actor: UserDTO,
        dataset_id: uuid.UUID,
        probe: UploadProbe,
        *,
        cancel: threading.Event | None = None,
    ) -> list[StoredCopy]:
        """Videos in the actor's other datasets with the probed file's content: storing it
        here too charges again (see ``upload_twins``)."""
        from videolab.services.upload_twins import copies_elsewhere

        return copies_elsewhere(self.ctx, actor, dataset_id, probe, cancel=cancel)

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
        """``probe_upload`` then ``store_upload``; the video comes back unverified."""
        probe = self.probe_upload(
            actor, dataset_id, path, name=name, cancel=cancel, progress=progress
        )
        return self.store_upload(actor, dataset_id, probe, progress=progress, cancel=cancel)

    # -- upload, phase 3: the frame check (long, no lock, any time later) --------------------
    def unverified(self, actor: UserDTO) -> list[VideoDTO]:
        """The actor's videos whose frames the decoder has not counted yet, oldest first."""
        with self.ctx.db.read() as s:
            rows = VideoRepository(s).unverified(actor.id)
            return [to_dto(v, with_thumbnail=False) for v in rows]

    def verified(
        self, actor: UserDTO, video_id: uuid.UUID, *, cancel: threading.Event | None = None
    ) -> VideoDTO:
        """The video, its frames counted by the decoder first if that has not happened yet."""
        video = self.get(actor, video_id)
        if video.frames_verified:
            return video
        return self.verify_frames(actor, video_id, cancel=cancel)

    def verify_frames(
        self,
        actor: UserDTO,
        video_id: uuid.UUID,
        *,
        source: UploadProbe | None = None,
        cancel: threading.Event | None = None,
    ) -> VideoDTO:
        """Count the frames that decode, with the decoder jobs use, and settle the upload.

        Decodes `source` (the file just uploaded) while it is provably the file that was
        stored, else the stored content (``local_copy``, which jobs reuse). Then, in one short
        write transaction, ``frame_count``, rate, size and duration become the decoder's, and
        the packets charged that did not decode are refunded once (idempotency key
        ``upload:<id>:refund``) to whoever paid. A video verified meanwhile (by another thread
        or process) is returned as it is. A cancel or a crash leaves the video unverified, to
        be checked later; nothing is half done.
        """
        video = self.get(actor, video_id)
        if video.frames_verified:
            return video
        if source is not None and source.size_bytes == video.size_bytes and _unchanged(source):
            info, thumbnail = _decoded(source.path, cancel)
            if _unchanged(source):
                return self._settle_verification(actor, video_id, info, thumbnail)
            # Rewritten while it was decoded: that count is of unknown content.
        info, thumbnail = _decoded(self.local_copy(actor, video_id), cancel)
        return self._settle_verification(actor, video_id, info, thumbnail)

    def _settle_verification(
        self,
        actor: UserDTO,
        video_id: uuid.UUID,
        info: VideoInfo | None,
        thumbnail: bytes | None,
    ) -> VideoDTO:
        with self.ctx.db.write() as s:
            row = self._owned(s, actor, video_id)
            if row.frames_verified:
                return to_dto(row)
            charged = row.frame_count
            decoded = 0 if info is None else info.frame_count
            refund = row.cost - upload_cost(min(decoded, charged))
            if refund > 0:
                ledger = LedgerRepository(s)
                charge = ledger.by_key(upload_key(row.id))
                if charge is not None:
                    ledger.post(
                        charge.user_id,
                        refund,
                        LedgerReason.UPLOAD_REFUND,
                        f"{upload_key(row.id)}:refund",
                        note=f"{charged - decoded} of {charged} frames of {row.name} do not decode",
                        video_id=row.id,
                    )
                    row.cost -= refund
            row.frame_count = decoded
            if info is None:
                row.duration_s = 0.0
            else:
                row.fps, row.width, row.height = info.fps, info.width, info.height
                row.duration_s = info.duration_s
            if thumbnail is not None:
                row.thumbnail = thumbnail
            row.frames_verified = True
            s.flush()
            return to_dto(row)

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


def _stat_file(path: Path, shown: str) -> os.stat_result:
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
    return stat


def _thumbnail(path: Path, frames: int) -> bytes | None:
    """The thumbnail about 10% into `frames` (0: the first frame, one decode). A file of which
    not even that frame decodes is not a video: refused here, before anything is charged."""
    try:
        return make_thumbnail(path, frame_count=frames)
    except InvalidInput:
        raise
    except Exception:  # a missing thumbnail must not refuse an otherwise good video
        log.warning("no thumbnail for %s", path, exc_info=True)
        return None


def _unchanged(probe: UploadProbe) -> bool:
    try:
        return identity(probe.path.stat()) == probe.identity
    except OSError:
        return False


def _decoded(
    path: Path, cancel: threading.Event | None
) -> tuple[VideoInfo | None, bytes | None]:
    """The decoder's facts about `path` (None when not a single frame decodes), and the
    thumbnail 10% in, now that the frame count is known."""
    try:
        info: VideoInfo | None = probe_video(path, cancel=cancel)
    except InvalidInput:
        info = None
    if cancel is not None and cancel.is_set():  # also when the decode ended before it looked
        raise Cancelled("The frame check was cancelled; it runs again before the first job.")
    thumbnail = None
    if info is not None:
        with contextlib.suppress(InvalidInput):
            thumbnail = _thumbnail(path, info.frame_count)
    return info, thumbnail
