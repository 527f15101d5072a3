"""Queries on videos and their chunked content."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from videolab.db.models import Dataset, Video
from videolab.domain.dto import StoredCopy, VideoDTO


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
        frames_verified=video.frames_verified,
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

    def same_size_elsewhere(
        self, owner_id: uuid.UUID, size_bytes: int, *, exclude_dataset: uuid.UUID
    ) -> list[tuple[str, StoredCopy]]:
        """(SHA-256, where) of the owner's stored videos of exactly ``size_bytes`` outside
        ``exclude_dataset``, trashed datasets included: the candidates for the same content."""
        rows = self.s.execute(
            select(Dataset.id, Dataset.name, Dataset.deleted_at, Video.name, Video.sha256)
            .join(Video, Video.dataset_id == Dataset.id)
            .where(
                Dataset.user_id == owner_id,
                Dataset.id != exclude_dataset,
                Video.size_bytes == size_bytes,
                Video.sha256 != "",
            )
            .order_by(Dataset.name, Video.name)
        ).all()
        return [
            (sha, StoredCopy(ds_id, ds_name, video_name, deleted_at is not None))
            for ds_id, ds_name, deleted_at, video_name, sha in rows
        ]

    def free_name(self, dataset_id: uuid.UUID, name: str, *, max_length: int) -> str:
        """`name` if the dataset has no video of that name, else the first free
        "stem (2).ext", "stem (3).ext", ... (cameras name files GH010001.MP4 on every card)."""
        if self.by_name(dataset_id, name) is None:
            return name
        stem = _stem(name)
        suffix = name[len(stem) :]
        n = 2
        while True:
            tag = f" ({n})"
            candidate = f"{stem[: max(1, max_length - len(tag) - len(suffix))]}{tag}{suffix}"
            if self.by_name(dataset_id, candidate) is None:
                return candidate
            n += 1

    def unverified(self, user_id: uuid.UUID) -> Sequence[Video]:
        """The user's videos whose frames the decoder has not counted yet, oldest first."""
        return self.s.scalars(
            select(Video)
            .join(Dataset, Dataset.id == Video.dataset_id)
            .where(Dataset.user_id == user_id, Video.frames_verified.is_(False))
            .order_by(Video.created_at)
        ).all()

    def add(self, video: Video) -> Video:
        self.s.add(video)
        self.s.flush()
        return video


def _stem(name: str) -> str:
    """The name without its extension: "GH010001.MP4" -> "GH010001"; ".hidden" stays whole."""
    suffix = PurePosixPath(name).suffix
    if not suffix or len(suffix) > 16 or len(suffix) == len(name):
        return name
    return name[: len(name) - len(suffix)]
