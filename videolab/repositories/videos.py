"""Queries on videos and their chunked content."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from videolab.db.models import Video
from videolab.domain.dto import VideoDTO


def to_dto(video: Video, *, with_thumbnail: bool = True) -> VideoDTO:
    return VideoDTO(
        id=video.id,
        dataset_id=video.dataset_id,
        name=video.name,
        frame_count=video.frame_count,
        fps=video.fps,
        width=video.width,
        height=video.height,
        duration_s=video.duration_s,
        size_bytes=video.size_bytes,
        sha256=video.sha256,
        created_at=video.created_at,
        thumbnail_jpeg=video.thumbnail if with_thumbnail else None,
        cost_milli=video.cost,
    )


class VideoRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, video_id: uuid.UUID) -> Video | None:
        return self.s.get(Video, video_id)

    def list_in_dataset(self, dataset_id: uuid.UUID) -> Sequence[Video]:
        return self.s.scalars(
            select(Video).where(Video.dataset_id == dataset_id).order_by(Video.created_at)
        ).all()

    def by_name(self, dataset_id: uuid.UUID, name: str) -> Video | None:
        return self.s.scalar(
            select(Video).where(Video.dataset_id == dataset_id, Video.name == name)
        )

    def by_sha256(self, dataset_id: uuid.UUID, sha256: str) -> Video | None:
        return self.s.scalar(
            select(Video).where(Video.dataset_id == dataset_id, Video.sha256 == sha256)
        )

    def add(self, video: Video) -> Video:
        self.s.add(video)
        self.s.flush()
        return video
