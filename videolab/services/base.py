"""What every service shares: the database, the app's folders, and who is acting."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from videolab.db.engine import Database
from videolab.db.models import Dataset, User
from videolab.domain.dto import UserDTO
from videolab.domain.enums import Role
from videolab.domain.errors import AuthenticationFailed, NotFound, PermissionDenied
from videolab.settings import AppPaths


@dataclass(frozen=True)
class ServiceContext:
    db: Database
    paths: AppPaths


def acting_user(session: Session, actor: UserDTO) -> User:
    """The actor's current row: roles are read from the database, not trusted from the caller."""
    user = session.get(User, actor.id)
    if user is None:
        raise AuthenticationFailed("Your account no longer exists; please sign in again.")
    return user


def require_admin(session: Session, actor: UserDTO) -> User:
    user = acting_user(session, actor)
    if user.role != Role.ADMIN:
        raise PermissionDenied("Only an administrator can do this.")
    return user


def owned_dataset(
    session: Session, actor: UserDTO, dataset_id: uuid.UUID, *, allow_deleted: bool = False
) -> Dataset:
    """A dataset of the actor's. Another user's dataset reads as "not found", never as forbidden,
    so ids of other people's data reveal nothing."""
    dataset = session.get(Dataset, dataset_id)
    if dataset is None or dataset.user_id != actor.id:
        raise NotFound("No such dataset.")
    if dataset.deleted_at is not None and not allow_deleted:
        raise NotFound(f"Dataset '{dataset.name}' is in the trash; restore it first.")
    return dataset
