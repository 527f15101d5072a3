"""Detection jobs: estimate, accept (hold credits), run, cancel, recover after a crash."""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from videolab.db.chunks import write_chunks
from videolab.db.models import InferenceJob, Result, ResultChunk
from videolab.db.types import utcnow
from videolab.domain.dto import JobDTO, UserDTO
from videolab.domain.enums import JobStatus, LedgerReason
from videolab.domain.errors import (
    Cancelled,
    Conflict,
    InsufficientCredits,
    InvalidInput,
    NotFound,
    VideoLabError,
)
from videolab.domain.money import tokens_text
from videolab.domain.params import DetectionParams
from videolab.inference.runnable import check_classes, check_runnable
from videolab.repositories.jobs import JobRepository
from videolab.repositories.ledger import LedgerRepository
from videolab.services.base import ServiceContext, acting_user, owned_dataset
from videolab.services.job_monitor import JobMonitor
from videolab.services.job_owner import current_owner, owner_is_alive
from videolab.services.job_settlement import INTERRUPTED, settle
from videolab.services.results import ResultStore
from videolab.services.videos import VideoService
from videolab.settings import carbon_country

if TYPE_CHECKING:
    from videolab.inference.models import ResolvedModel
    from videolab.inference.pipeline import DetectionProgress

log = logging.getLogger(__name__)

ProgressCallback = Callable[["DetectionProgress"], None]


@dataclass(frozen=True)
class JobEstimate:
    frames: int
    cost_milli: int
    balance_milli: int

    @property
    def affordable(self) -> bool:
        return self.cost_milli <= self.balance_milli


def error_text(exc: BaseException) -> str:
    if isinstance(exc, VideoLabError):
        return exc.message
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class JobService:
    def __init__(self, ctx: ServiceContext, videos: VideoService) -> None:
        self.ctx = ctx
        self.videos = videos
        self.results = ResultStore(ctx)

    # -- helpers -----------------------------------------------------------------------------
    def _owned(self, session: Session, actor: UserDTO, job_id: uuid.UUID) -> InferenceJob:
        job = JobRepository(session).get(job_id)
        if job is None or job.user_id != actor.id:
            raise NotFound("No such job.")
        # Also in the trash, or with its dataset deleted for good: a job's owner can always
        # see it, cancel it and read its result.
        if job.dataset_id is None:
            acting_user(session, actor)
        else:
            owned_dataset(session, actor, job.dataset_id, allow_deleted=True)
        return job

    def resolve_model(self, spec: str, *, allow_untrusted: bool = False) -> ResolvedModel:
        from videolab.inference.models import resolve_model

        return resolve_model(
            spec, models_dir=self.ctx.paths.models_dir, allow_untrusted=allow_untrusted
        )

    def _plan(
        self, actor: UserDTO, video_id: uuid.UUID, params: DetectionParams, *, verify: bool
    ) -> tuple[int, int]:
        params.validate()
        # A job is held and run on the frames that decode: a video whose upload charged its
        # packets is checked by the decoder first (once; usually done in the background).
        video = (self.videos.verified if verify else self.videos.get)(actor, video_id)
        frames = params.planned_frames(video.frame_count)
        if frames == 0:
            raise InvalidInput(
                f"The frame range {params.start}..{params.end if params.end is not None else 'end'}"
                f" with stride {params.stride} selects no frame of this {video.frame_count}-frame"
                " video."
            )
        return frames, params.estimated_cost(video.frame_count)

    # -- use cases ---------------------------------------------------------------------------
    def estimate(self, actor: UserDTO, video_id: uuid.UUID, params: DetectionParams) -> JobEstimate:
        frames, cost = self._plan(actor, video_id, params, verify=False)
        with self.ctx.db.read() as s:
            balance = acting_user(s, actor).tokens
        return JobEstimate(frames, cost, balance)

    def create(
        self,
        actor: UserDTO,
        video_id: uuid.UUID,
        params: DetectionParams,
        *,
        allow_untrusted_model: bool = False,
    ) -> JobDTO:
        """Accept a job: validate, hold its cost, record it PENDING. Refused = nothing stored."""
        frames, cost = self._plan(actor, video_id, params, verify=True)
        model = self.resolve_model(params.model, allow_untrusted=allow_untrusted_model)
        from videolab.inference.model_info import check_job_model

        # A classifier, a .pt without torch, an unknown class, a device or backend that could
        # only fail: all refused before anything is held.
        check_runnable(params, model)
        check_classes(params, model, check_job_model(model).class_names)
        with self.ctx.db.write() as s:
            user = acting_user(s, actor)
            if cost > user.tokens:
                raise InsufficientCredits(
                    f"This job processes {frames} frames and costs {tokens_text(cost)}; "
                    f"your balance is {tokens_text(user.tokens)}.",
                    needed_milli=cost,
                    available_milli=user.tokens,
                )
            video = self.videos._owned(s, actor, video_id)
            job = InferenceJob(
                dataset_id=video.dataset_id,
                user_id=actor.id,
                video_id=video.id,
                video_name=video.name,
                status=JobStatus.PENDING,
                params=params.to_json(),
                model_path=str(model.path),
                allow_untrusted_model=bool(allow_untrusted_model),
                frames_total=frames,
                cost=cost,
                model_sha256=model.sha256,
                owner=current_owner(),
                heartbeat_at=utcnow(),
            )
            s.add(job)
            s.flush()
            LedgerRepository(s).post(
                actor.id,
                -cost,
                LedgerReason.JOB_HOLD,
                f"job:{job.id}:hold",
                note=f"{frames} frames of {video.name}"[:255],
                job_id=job.id,
            )
            return JobRepository(s).dto(job)

    def run(
        self,
        actor: UserDTO,
        job_id: uuid.UUID,
        *,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> JobDTO:
        """Run a PENDING job to its end in this thread; returns the settled job.

        Errors do not escape: they end the job FAILED with the reason, fully refunded.
        """
        cancel = cancel or threading.Event()
        with self.ctx.db.write() as s:
            job = self._owned(s, actor, job_id)
            if job.status != JobStatus.PENDING:
                raise Conflict(f"This job is {job.status.value.lower()}; it cannot be run again.")
            job.status = JobStatus.RUNNING
            job.started_at = utcnow()
            job.owner = current_owner()
            job.heartbeat_at = utcnow()
            if job.video_id is None:
                raise Conflict("The video of this job was deleted.")
            allow_untrusted = job.allow_untrusted_model
            model_path = job.model_path
            params = DetectionParams.from_json(job.params)
            video_id = job.video_id
            model_sha256 = job.model_sha256
        monitor = JobMonitor(self.ctx.db, job_id, cancel).start()
        out_zip = self._work_zip(job_id)
        try:
            outcome = self._detect(
                actor,
                video_id,
                params,
                model_path,
                allow_untrusted,
                out_zip,
                monitor,
                progress,
                cancel,
                model_sha256=model_sha256,
            )
        except BaseException as exc:
            monitor.stop()
            with contextlib.suppress(FileNotFoundError):
                out_zip.unlink()
            if isinstance(exc, Cancelled) and cancel.is_set():
                # Stopped before its first frame (exporting the model, say): like a PENDING
                # job cancelled, ABORTED with everything refunded.
                log.info("job %s cancelled before its first frame", job_id)
                self._abort_unstarted(job_id)
                return self.get(actor, job_id)
            log.warning(
                "job %s failed: %s", job_id, exc, exc_info=not isinstance(exc, VideoLabError)
            )
            self.fail_unfinished(job_id, error_text(exc))
            if not isinstance(exc, Exception):
                raise
            return self.get(actor, job_id)
        monitor.stop()
        try:
            self._store_outcome(job_id, outcome, out_zip)
        except Exception as exc:
            log.exception("storing the result of job %s failed", job_id)
            self.fail_unfinished(job_id, f"The result could not be saved: {error_text(exc)}")
        finally:
            with contextlib.suppress(FileNotFoundError):
                out_zip.unlink()
        return self.get(actor, job_id)

    def _detect(
        self,
        actor: UserDTO,
        video_id: uuid.UUID,
        params: DetectionParams,
        model_path: str | None,
        allow_untrusted: bool,
        out_zip: Path,
        monitor: JobMonitor,
        progress: ProgressCallback | None,
        cancel: threading.Event,
        *,
        model_sha256: str | None = None,
    ) -> Any:
        video_path = self.videos.local_copy(actor, video_id)
        model = self.resolve_model(model_path or params.model, allow_untrusted=allow_untrusted)
        if model_sha256 is not None and model.sha256 != model_sha256:
            # Consent and the recorded SHA-256 are for the file as it was when the job was
            # accepted; whatever replaced it is not loaded.
            raise InvalidInput(
                f"The model file changed after the job was accepted ({model.path}); it was not "
                "loaded. Start a new job to use the file as it is now."
            )
        from videolab.inference.carbon import CarbonSettings
        from videolab.inference.pipeline import run_detection

        out_zip.parent.mkdir(parents=True, exist_ok=True)

        def on_progress(p: DetectionProgress) -> None:
            monitor.report(p.done)
            if progress is not None:
                progress(p)

        video = self.videos.verified(actor, video_id, cancel=cancel)
        return run_detection(
            video_path,
            params,
            model=model,
            frame_count=video.frame_count,  # counted by the same decoder at upload
            video_sha256=video.sha256,
            out_zip=out_zip,
            progress=on_progress,
            cancel=cancel,
            carbon=CarbonSettings(
                country=carbon_country(), output_dir=self.ctx.paths.cache_dir / "codecarbon"
            ),
        )

    def _store_outcome(self, job_id: uuid.UUID, outcome: Any, out_zip: Path) -> None:
        status = JobStatus.ABORTED if outcome.cancelled else JobStatus.COMPLETED
        with self.ctx.db.write() as s:
            job = JobRepository(s).get(job_id)
            if job is None or JobStatus(job.status).is_final:
                return  # deleted meanwhile, or closed by recovery: nothing more to settle
            # The detector ran on a decoded copy named by its hash; the result names the video.
            video = {**outcome.result_json.get("video", {}), "name": job.video_name}
            result = Result(job_id=job.id, json_res={**outcome.result_json, "video": video})
            s.add(result)
            s.flush()
            with open(out_zip, "rb") as source:
                stored = write_chunks(s, ResultChunk, result.id, source)
            result.zip_size = stored.size
            result.zip_sha256 = stored.sha256
            job.backend = outcome.backend
            job.device = outcome.device
            if outcome.carbon is not None:
                job.carbon_footprint = float(outcome.carbon.grams)
            settle(s, job, status, processed=outcome.processed_frames)

    def _abort_unstarted(self, job_id: uuid.UUID) -> None:
        with self.ctx.db.write() as s:
            job = JobRepository(s).get(job_id)
            if job is not None:
                settle(s, job, JobStatus.ABORTED, processed=0)

    def fail_unfinished(self, job_id: uuid.UUID, reason: str) -> None:
        """End a job that is not final as FAILED with ``reason``, fully refunded."""
        with self.ctx.db.write() as s:
            job = JobRepository(s).get(job_id)
            if job is not None:
                settle(s, job, JobStatus.FAILED, processed=0, error=reason)

    def cancel(self, actor: UserDTO, job_id: uuid.UUID) -> JobDTO:
        """Ask a job to stop. A PENDING job ends ABORTED at once, fully refunded; a RUNNING
        one stops within a second and pays for the frames it processed."""
        with self.ctx.db.write() as s:
            job = self._owned(s, actor, job_id)
            if JobStatus(job.status).is_final:
                raise Conflict(f"This job is already {job.status.value.lower()}.")
            if job.status == JobStatus.PENDING:
                settle(s, job, JobStatus.ABORTED, processed=0)
            else:
                job.cancel_requested = True
            return JobRepository(s).dto(job)

    def recover_interrupted(self) -> list[uuid.UUID]:
        """Close, FAILED and refunded, every job whose process died. Exactly once: a job
        already closed is final and is not touched again."""
        now = utcnow()
        closed: list[uuid.UUID] = []
        with self.ctx.db.write() as s:
            for job in JobRepository(s).unfinished():
                if owner_is_alive(job.owner, job.heartbeat_at, now):
                    continue
                if settle(
                    s, job, JobStatus.FAILED, processed=job.frames_processed, error=INTERRUPTED
                ):
                    closed.append(job.id)
        for job_id in closed:  # the partial result file the dead process was writing
            with contextlib.suppress(OSError):
                self._work_zip(job_id).unlink()
        if closed:
            log.warning("closed %d interrupted job(s) and refunded them", len(closed))
        return closed

    def _work_zip(self, job_id: uuid.UUID) -> Path:
        return self.ctx.paths.work_dir / "jobs" / f"{job_id}.zip"

    def owner_of(self, job_id: uuid.UUID) -> UserDTO:
        """The account a job belongs to, for the app's own job process (no permission check:
        only code that already holds the database calls this)."""
        from videolab.repositories.users import UserRepository
        from videolab.repositories.users import to_dto as user_dto

        with self.ctx.db.read() as s:
            job = JobRepository(s).get(job_id)
            user = UserRepository(s).get(job.user_id) if job is not None else None
            if user is None:
                raise NotFound("No such job.")
            return user_dto(user)

    # -- read --------------------------------------------------------------------------------
    def get(self, actor: UserDTO, job_id: uuid.UUID) -> JobDTO:
        with self.ctx.db.read() as s:
            return JobRepository(s).dto(self._owned(s, actor, job_id))

    def list(
        self,
        actor: UserDTO,
        *,
        dataset_id: uuid.UUID | None = None,
        video_id: uuid.UUID | None = None,
    ) -> list[JobDTO]:
        with self.ctx.db.read() as s:
            acting_user(s, actor)
            return JobRepository(s).list_for_user(
                actor.id, dataset_id=dataset_id, video_id=video_id
            )

    def result(self, actor: UserDTO, job_id: uuid.UUID) -> dict[str, Any]:
        with self.ctx.db.read() as s:
            self._owned(s, actor, job_id)
            return self.results.json(s, job_id)

    def export_result(self, actor: UserDTO, job_id: uuid.UUID, fmt: str, out: Path) -> Path:
        if fmt.lower() == "zip-full":  # rendered from the video, outside any transaction
            with self.ctx.db.read() as s:
                video_id = self._owned(s, actor, job_id).video_id
                result_json = self.results.json(s, job_id)
            if video_id is None:
                raise NotFound(
                    "This job's video was deleted; its full-size frames cannot be drawn again "
                    "(the stored frames can still be exported with --format zip)."
                )
            video_path = self.videos.local_copy(actor, video_id)
            return self.results.export_full_size(result_json, video_path, Path(out))
        with self.ctx.db.read() as s:
            self._owned(s, actor, job_id)
            return self.results.export(s, job_id, fmt, Path(out))

    def frame_image(self, actor: UserDTO, job_id: uuid.UUID, frame_index: int) -> bytes:
        """The annotated JPEG of one processed frame, from the stored ZIP."""
        with self.ctx.db.read() as s:
            self._owned(s, actor, job_id)
            return self.results.frame_jpeg(s, job_id, frame_index)
