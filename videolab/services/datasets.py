"""Datasets: a user's own collections of videos, with tags, the trash, restore and deleting
for good.

Names are unique per user among live datasets, whatever their case ("Birds" and "birds" are one
name, as tag names are); the comparison is Python's ``casefold``, stored as ``name_key`` so the
database's unique index agrees. Datasets in the trash do not hold their names: the trash is for
what a person meant to get rid of, so its contents must not stand in the way of a new dataset;
restoring one whose name was taken meanwhile is refused with a message to rename first.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from videolab.db.models import Dataset, Tag
from videolab.db.types import utcnow
from videolab.domain.dto import DatasetDTO, UserDTO
from videolab.domain.enums import Role
from videolab.domain.errors import Conflict, InvalidInput, NotFound
from videolab.repositories.datasets import DatasetRepository, to_dto
from videolab.repositories.jobs import JobRepository
from videolab.repositories.tags import TagRepository
from videolab.repositories.users import UserRepository
from videolab.services.base import ServiceContext, acting_user, owned_dataset, require_admin
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


def _duplicate(name: str, existing: str) -> Conflict:
    case = "" if existing == name else "; names are compared ignoring case"
    return Conflict(f"You already have a dataset named '{existing}'{case}. Choose another name.")


@dataclass(frozen=True)
class PurgeReport:
    """What deleting datasets for good removed."""

    datasets: int
    videos: int
    #: Bytes of stored video content removed from the database.
    size_bytes: int
    #: Cached copies of those videos removed from the app's work folder.
    files_removed: int


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
            other = repo.live_by_name(actor.id, name)
            if other is not None:
                raise _duplicate(name, other.name)
            dataset = repo.add(actor.id, name, _resolve_tags(s, tags))
            return to_dto(dataset, 0)

    def rename(self, actor: UserDTO, dataset_id: uuid.UUID, new_name: str) -> DatasetDTO:
        new_name = clean_name(new_name, what="dataset", max_length=MAX_DATASET_NAME)
        with self.ctx.db.write() as s:
            dataset = owned_dataset(s, actor, dataset_id)
            repo = DatasetRepository(s)
            other = repo.live_by_name(actor.id, new_name)
            if other is not None and other.id != dataset.id:
                raise _duplicate(new_name, other.name)
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
            other = repo.live_by_name(actor.id, dataset.name)
            if other is not None:
                raise Conflict(
                    f"Cannot restore '{dataset.name}': you already have a dataset named "
                    f"'{other.name}'. Rename that one first."
                )
            dataset.deleted_at = None
            dataset.updated_at = utcnow()
            return to_dto(dataset, repo.video_count(dataset.id))

    def require_live(self, actor: UserDTO, dataset_id: uuid.UUID) -> None:
        with self.ctx.db.read() as s:
            owned_dataset(s, actor, dataset_id)

    # -- deleting for good -------------------------------------------------------------------
    def purge(self, actor: UserDTO, dataset_id: uuid.UUID) -> PurgeReport:
        """Delete a dataset in the trash for good: its videos and their stored content go;
        its jobs, their results and every ledger row stay (jobs outlive their dataset, as they
        outlive their videos), so balances and their history are unchanged. Allowed to the
        dataset's owner and to administrators; anyone else is told there is no such dataset.
        A dataset must be in the trash first."""
        with self.ctx.db.write() as s:
            user = acting_user(s, actor)
            dataset = s.get(Dataset, dataset_id)
            if dataset is None or (dataset.user_id != actor.id and user.role != Role.ADMIN):
                raise NotFound("No such dataset.")
            if dataset.deleted_at is None:
                raise Conflict(
                    f"'{dataset.name}' is not in the trash; move it to the trash first, then "
                    "delete it there."
                )
            report, digests = self._purge(s, [dataset])
        return replace(report, files_removed=self._remove_cached_copies(digests))

    def empty_trash(self, actor: UserDTO, *, owner_email: str | None = None) -> PurgeReport:
        """Delete every dataset in a trash for good (see ``purge``): the actor's own, or, for
        an administrator, the trash of the account ``owner_email``."""
        with self.ctx.db.write() as s:
            if owner_email is None:
                owner_id = acting_user(s, actor).id
            else:
                require_admin(s, actor)
                owner = UserRepository(s).by_email(owner_email)
                if owner is None:
                    raise NotFound(f"No account with the email {owner_email}.")
                owner_id = owner.id
            report, digests = self._purge(s, DatasetRepository(s).trashed(owner_id))
        return replace(report, files_removed=self._remove_cached_copies(digests))

    @staticmethod
    def _purge(s: Session, datasets: Sequence[Dataset]) -> tuple[PurgeReport, set[str]]:
        repo = DatasetRepository(s)
        videos = size = 0
        digests: set[str] = set()
        for dataset in datasets:
            # Moving to the trash stopped its jobs and none can start since; a job that
            # somehow still runs is settled here, in this transaction, before its dataset goes.
            stop_live_jobs(
                s,
                JobRepository(s).unfinished(dataset_id=dataset.id),
                f"cancelled: dataset '{dataset.name}' was deleted",
            )
            for video in repo.videos_of(dataset.id):
                videos += 1
                size += video.size_bytes
                digests.add(video.sha256)
            repo.purge(dataset)
        # A copy still stored elsewhere (the same file in another dataset) keeps its cache.
        gone = digests - repo.sha256_in_use(sorted(digests))
        return PurgeReport(len(datasets), videos, size, 0), gone

    def _remove_cached_copies(self, digests: set[str]) -> int:
        """Remove the decoders' copies of deleted videos (``VideoService.local_copy``), after
        the deletion committed: a crash in between leaves a cache file, never a lost video."""
        folder = self.ctx.paths.work_dir / "videos"
        removed = 0
        for digest in digests:
            for path in folder.glob(f"{digest}.*"):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed += 1
        return removed
