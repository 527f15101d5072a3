"""Queries on datasets (live and soft-deleted)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session, selectinload

from videolab.db.models import Dataset, Tag, Video
from videolab.db.unicode_text import casefold, fold_case, sort_key
from videolab.domain.dto import DatasetDTO
from videolab.repositories.tags import TagRepository


def _like_literal(text: str) -> str:
    """``text`` with LIKE's wildcards (``%``, ``_``) and the escape character made literal."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def to_dto(dataset: Dataset, video_count: int) -> DatasetDTO:
    return DatasetDTO(
        id=dataset.id,
        user_id=dataset.user_id,
        name=dataset.name,
        tags=tuple(t.name for t in dataset.tags),
        video_count=video_count,
        created_at=dataset.created_at,
        updated_at=dataset.updated_at,
        deleted_at=dataset.deleted_at,
    )


class DatasetRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, dataset_id: uuid.UUID) -> Dataset | None:
        return self.s.get(Dataset, dataset_id)

    # Names match whatever their case, on the stored case-folded key (see models.Dataset).
    def live_by_name(self, user_id: uuid.UUID, name: str) -> Dataset | None:
        return self.s.scalar(
            select(Dataset).where(
                Dataset.user_id == user_id,
                Dataset.name_key == fold_case(name),
                Dataset.deleted_at.is_(None),
            )
        )

    def by_name(self, user_id: uuid.UUID, name: str, *, deleted: bool) -> Sequence[Dataset]:
        """The datasets named ``name`` in any case; an exact match first."""
        condition = Dataset.deleted_at.is_not(None) if deleted else Dataset.deleted_at.is_(None)
        found = self.s.scalars(
            select(Dataset)
            .where(Dataset.user_id == user_id, Dataset.name_key == fold_case(name), condition)
            .order_by(Dataset.created_at)
        ).all()
        exact = [d for d in found if d.name == name]
        return exact or found

    def trashed(self, user_id: uuid.UUID) -> Sequence[Dataset]:
        return self.s.scalars(
            select(Dataset).where(Dataset.user_id == user_id, Dataset.deleted_at.is_not(None))
        ).all()

    def videos_of(self, dataset_id: uuid.UUID) -> Sequence[Video]:
        return self.s.scalars(select(Video).where(Video.dataset_id == dataset_id)).all()

    def sha256_in_use(self, digests: Sequence[str]) -> set[str]:
        """Which of ``digests`` some stored video still has."""
        if not digests:
            return set()
        return set(self.s.scalars(select(Video.sha256).where(Video.sha256.in_(digests))).all())

    def purge(self, dataset: Dataset) -> None:
        """Delete the row: its videos and their content go with it (ON DELETE CASCADE); its
        jobs and the ledger rows that name them or its videos stay, their links cleared."""
        self.s.delete(dataset)
        self.s.flush()

    def list_for_user(
        self,
        user_id: uuid.UUID,
        *,
        deleted: bool = False,
        tag: str | None = None,
        search: str | None = None,
    ) -> Sequence[tuple[Dataset, int]]:
        counts = (
            select(Video.dataset_id, func.count().label("n")).group_by(Video.dataset_id).subquery()
        )
        query = (
            select(Dataset, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.dataset_id == Dataset.id)
            .where(Dataset.user_id == user_id)
            .options(selectinload(Dataset.tags))
            .order_by(sort_key(Dataset.name), Dataset.created_at)
        )
        if deleted:
            query = query.where(Dataset.deleted_at.is_not(None))
        else:
            query = query.where(Dataset.deleted_at.is_(None))
        if tag:
            found = TagRepository(self.s).by_name(tag)
            if found is None:
                return []
            query = query.where(Dataset.tags.any(Tag.id == found.id))
        if search:
            # Both sides folded by the database, so they fold alike beyond ASCII too.
            pattern = literal(f"%{_like_literal(search.strip())}%")
            query = query.where(casefold(Dataset.name).like(casefold(pattern), escape="\\"))
        return [(d, int(n)) for d, n in self.s.execute(query).all()]

    def video_count(self, dataset_id: uuid.UUID) -> int:
        return int(self.s.scalar(select(func.count()).where(Video.dataset_id == dataset_id)) or 0)

    def add(self, user_id: uuid.UUID, name: str, tags: Sequence[Tag]) -> Dataset:
        dataset = Dataset(user_id=user_id, name=name, tags=list(tags))
        self.s.add(dataset)
        self.s.flush()
        return dataset

    def count(self) -> int:
        return int(self.s.scalar(select(func.count()).select_from(Dataset)) or 0)
