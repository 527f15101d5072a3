"""Final states of a job and their credits: each settles exactly once.

The hold posted at creation is the job's estimated cost. COMPLETED keeps it; ABORTED keeps
0.002 token per processed frame and refunds the rest; FAILED refunds everything. The status
change and the refund are one transaction and the refund's idempotency key is per job, so a
retry, a second recovery or a crash in between can never refund twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from videolab.db.models import InferenceJob
from videolab.db.types import utcnow
from videolab.domain.enums import JobStatus, LedgerReason
from videolab.domain.money import format_tokens, inference_cost
from videolab.repositories.ledger import LedgerRepository

INTERRUPTED = "interrupted: the process running this job stopped before it finished"


def settle(
    session: Session,
    job: InferenceJob,
    status: JobStatus,
    *,
    processed: int,
    error: str | None = None,
) -> bool:
    """Move ``job`` to a final ``status`` and settle its credits; False if already final."""
    if JobStatus(job.status).is_final:
        return False
    if not status.is_final:
        raise ValueError(f"{status} is not a final status")
    processed = max(0, min(processed, job.frames_total))
    if status is JobStatus.COMPLETED:
        charged = job.cost
    elif status is JobStatus.ABORTED:
        charged = min(job.cost, inference_cost(processed))
    else:
        charged = 0
    refund = job.cost - charged
    if refund > 0:
        LedgerRepository(session).post(
            job.user_id,
            refund,
            LedgerReason.JOB_REFUND,
            f"job:{job.id}:refund",
            note=f"{status.value.lower()} job: {format_tokens(refund)} tokens back",
            job_id=job.id,
        )
    job.status = status
    job.charged = charged
    job.frames_processed = processed
    job.error = error
    job.finished_at = utcnow()
    job.cancel_requested = False
    session.flush()
    return True


def stop_live_jobs(
    session: Session, jobs: Sequence[InferenceJob], reason: str
) -> list[InferenceJob]:
    """End PENDING and RUNNING ``jobs`` ABORTED, in the caller's transaction, because what they
    work on is going away (a deleted video, a dataset moved to the trash).

    A PENDING job is fully refunded; a RUNNING one pays for the frames its process last
    reported (its monitor writes them about once a second) and gets the rest back. The process
    running it sees the job final within a quarter of a second (``JobMonitor``), stops, and
    stores nothing, since a job already final is never settled again.
    """
    stopped = []
    for job in jobs:
        processed = job.frames_processed if job.status == JobStatus.RUNNING else 0
        if settle(session, job, JobStatus.ABORTED, processed=processed, error=reason):
            stopped.append(job)
    return stopped
