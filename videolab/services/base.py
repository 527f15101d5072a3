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


#: What a disabled account is told, at sign-in and at its open session's next action.
ACCOUNT_DISABLED = "This account has been disabled; ask an administrator to enable it."


def acting_user(session: Session, actor: UserDTO) -> User:
    """The actor's current row: roles are read from the database, not trusted from the caller.

    Every service call passes through here (or ``owned_dataset``), so a session that is still
    open when its account is disabled or deleted ends at its next action."""
    user = session.get(User, actor.id)
    if user is None or user.deleted_at is not None:
        raise AuthenticationFailed("Your account no longer exists; please sign in again.")
    if user.disabled_at is not None:
        raise AuthenticationFailed(ACCOUNT_DISABLED)
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
    acting_user(session, actor)
    dataset = session.get(Dataset, dataset_id)
    if dataset is None or dataset.user_id != actor.id:
        raise NotFound("No such dataset.")
    if dataset.deleted_at is not None and not allow_deleted:
        raise NotFound(f"Dataset '{dataset.name}' is in the trash; restore it first.")
    return dataset
