"""Datasets: a user's own collections of videos, with tags, soft delete and restore."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy.orm import Session

from videolab.db.models import Tag
from videolab.db.types import utcnow
from videolab.domain.dto import DatasetDTO, UserDTO
from videolab.domain.errors import Conflict, InvalidInput, NotFound
from videolab.repositories.datasets import DatasetRepository, to_dto
from videolab.repositories.jobs import JobRepository
from videolab.repositories.tags import TagRepository
from videolab.services.base import ServiceContext, acting_user, owned_dataset
from videolab.services.job_settlement import stop_live_jobs
from videolab.services.names import clean_name

MAX_DATASET_NAME = 200


def _resolve_tags(session: Session, names: Sequence[str]) -> list[Tag]:
    found = TagRepository(session).by_names(names)
    missing = sorted({n.strip() for n in names if n.strip().lower() not in found})
    if missing:
        raise InvalidInput(
            f"Unknown tag: {', '.join(missing)}. Choose from the existing tags "
            "(an administrator can add new ones)."
        )
    return sorted(found.values(), key=lambda t: t.name)


def _duplicate(name: str) -> Conflict:
    return Conflict(f"You already have a dataset named '{name}'. Choose another name.")


class DatasetService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def list(
        self,
        actor: UserDTO,
        *,
        tag: str | None = None,
        search: str | None = None,
        deleted: bool = False,
    ) -> list[DatasetDTO]:
        with self.ctx.db.read() as s:
            acting_user(s, actor)
            rows = DatasetRepository(s).list_for_user(
                actor.id, deleted=deleted, tag=tag, search=search
            )
            return [to_dto(d, n) for d, n in rows]

    def get(
        self, actor: UserDTO, dataset_id: uuid.UUID, *, allow_deleted: bool = True
    ) -> DatasetDTO:
        with self.ctx.db.read() as s:
            dataset = owned_dataset(s, actor, dataset_id, allow_deleted=allow_deleted)
            return to_dto(dataset, DatasetRepository(s).video_count(dataset.id))

    def resolve(self, actor: UserDTO, ref: str, *, deleted: bool = False) -> DatasetDTO:
        """A dataset named by id or by name (the CLI's ``DS``)."""
        try:
            return self.get(actor, uuid.UUID(ref), allow_deleted=True)
        except ValueError:
            pass
        with self.ctx.db.read() as s:
            matches = DatasetRepository(s).by_name(actor.id, ref.strip(), deleted=deleted)
            if not matches:
                where = "in the trash" if deleted else "among your datasets"
                raise NotFound(f"No dataset named '{ref}' {where}.")
            if len(matches) > 1:
                raise Conflict(f"Several deleted datasets are named '{ref}'; use the id.")
            return to_dto(matches[0], DatasetRepository(s).video_count(matches[0].id))

    def create(self, actor: UserDTO, name: str, tags: Sequence[str] = ()) -> DatasetDTO:
        name = clean_name(name, what="dataset", max_length=MAX_DATASET_NAME)
        with self.ctx.db.write() as s:
            acting_user(s, actor)
            repo = DatasetRepository(s)
            if repo.live_by_name(actor.id, name) is not None:
                raise _duplicate(name)
            dataset = repo.add(actor.id, name, _resolve_tags(s, tags))
            return to_dto(dataset, 0)

    def rename(self, actor: UserDTO, dataset_id: uuid.UUID, new_name: str) -> DatasetDTO:
        new_name = clean_name(new_name, what="dataset", max_length=MAX_DATASET_NAME)
        with self.ctx.db.write() as s:
            dataset = owned_dataset(s, actor, dataset_id)
            repo = DatasetRepository(s)
            other = repo.live_by_name(actor.id, new_name)
            if other is not None and other.id != dataset.id:
                raise _duplicate(new_name)
            dataset.name = new_name
            dataset.updated_at = utcnow()
            return to_dto(dataset, repo.video_count(dataset.id))

    def set_tags(self, actor: UserDTO, dataset_id: uuid.UUID, tags: Sequence[str]) -> DatasetDTO:
        with self.ctx.db.write() as s:
            dataset = owned_dataset(s, actor, dataset_id)
            dataset.tags = _resolve_tags(s, tags)
            dataset.updated_at = utcnow()
            s.flush()
            return to_dto(dataset, DatasetRepository(s).video_count(dataset.id))

    def delete(self, actor: UserDTO, dataset_id: uuid.UUID) -> DatasetDTO:
        """Move to the trash: its videos are hidden, nothing is destroyed. A job still PENDING
        or RUNNING on it is stopped and settled in the same transaction (ABORTED: pay for the
        frames processed, the rest back): a dataset in the trash runs nothing. The jobs stay
        listed, with their results; ``jobs_stopped`` says how many were stopped."""
        with self.ctx.db.write() as s:
            dataset = owned_dataset(s, actor, dataset_id)
            dataset.deleted_at = utcnow()
            stopped = stop_live_jobs(
                s,
                JobRepository(s).unfinished(dataset_id=dataset.id),
                f"cancelled: dataset '{dataset.name}' was moved to the trash",
            )
            dto = to_dto(dataset, DatasetRepository(s).video_count(dataset.id))
            return replace(dto, jobs_stopped=len(stopped))

    def restore(self, actor: UserDTO, dataset_id: uuid.UUID) -> DatasetDTO:
        with self.ctx.db.write() as s:
            dataset = owned_dataset(s, actor, dataset_id, allow_deleted=True)
            if dataset.deleted_at is None:
                raise Conflict(f"Dataset '{dataset.name}' is not in the trash.")
            repo = DatasetRepository(s)
            if repo.live_by_name(actor.id, dataset.name) is not None:
                raise Conflict(
                    f"Cannot restore '{dataset.name}': you already have a dataset with that "
                    "name. Rename that one first."
                )
            dataset.deleted_at = None
            dataset.updated_at = utcnow()
            return to_dto(dataset, repo.video_count(dataset.id))

    def require_live(self, actor: UserDTO, dataset_id: uuid.UUID) -> None:
        with self.ctx.db.read() as s:
            owned_dataset(s, actor, dataset_id)
