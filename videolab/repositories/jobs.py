"""Queries on inference jobs and their results."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from videolab.db.models import Dataset, InferenceJob, Result
from videolab.domain.dto import JobDTO
from videolab.domain.enums import JobStatus


def to_dto(job: InferenceJob, has_result: bool, dataset_in_trash: bool) -> JobDTO:
    return JobDTO(
        id=job.id,
        user_id=job.user_id,
        dataset_id=job.dataset_id,
        video_id=job.video_id,
        video_name=job.video_name,
        status=JobStatus(job.status),
        params=dict(job.params or {}),
        frames_total=job.frames_total,
        frames_processed=job.frames_processed,
        cost_milli=job.cost,
        charged_milli=job.charged,
        carbon_grams=job.carbon_footprint,
        backend=job.backend,
        device=job.device,
        model_sha256=job.model_sha256,
        error=job.error,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        has_result=has_result,
        dataset_in_trash=dataset_in_trash,
    )


class JobRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, job_id: uuid.UUID) -> InferenceJob | None:
        return self.s.get(InferenceJob, job_id)

    def dto(self, job: InferenceJob) -> JobDTO:
        has_result = self.s.scalar(select(Result.id).where(Result.job_id == job.id)) is not None
        trashed = (
            job.dataset_id is not None
            and self.s.scalar(select(Dataset.deleted_at).where(Dataset.id == job.dataset_id))
            is not None
        )
        return to_dto(job, has_result, trashed)

    def list_for_user(
        self,
        user_id: uuid.UUID,
        *,
        dataset_id: uuid.UUID | None = None,
        video_id: uuid.UUID | None = None,
    ) -> list[JobDTO]:
        # Every job of the user's, also those of deleted videos and of datasets in the trash
        # or deleted for good: a job is a record of money held and spent, and its owner can
        # always see and cancel it.
        query = (
            select(InferenceJob, Result.id, Dataset.deleted_at)
            .outerjoin(Dataset, Dataset.id == InferenceJob.dataset_id)
            .outerjoin(Result, Result.job_id == InferenceJob.id)
            .where(InferenceJob.user_id == user_id)
            .order_by(InferenceJob.created_at.desc())
        )
        if dataset_id is not None:
            query = query.where(InferenceJob.dataset_id == dataset_id)
        if video_id is not None:
            query = query.where(InferenceJob.video_id == video_id)
        return [to_dto(j, r is not None, d is not None) for j, r, d in self.s.execute(query).all()]

    def unfinished(
        self, *, video_id: uuid.UUID | None = None, dataset_id: uuid.UUID | None = None
    ) -> Sequence[InferenceJob]:
        """PENDING and RUNNING jobs, all of them or those of one video or dataset."""
        query = select(InferenceJob).where(
            InferenceJob.status.in_([JobStatus.PENDING, JobStatus.RUNNING])
        )
        if video_id is not None:
            query = query.where(InferenceJob.video_id == video_id)
        if dataset_id is not None:
            query = query.where(InferenceJob.dataset_id == dataset_id)
        return self.s.scalars(query).all()

    def result(self, job_id: uuid.UUID) -> Result | None:
        return self.s.scalar(select(Result).where(Result.job_id == job_id))
