"""Queries on users, their remember-me tokens, and what an account hands over when deleted."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from videolab.db.models import AuthToken, Dataset, InferenceJob, SignInThrottle, User
from videolab.domain.dto import UserDTO
from videolab.domain.enums import Role


def to_dto(user: User) -> UserDTO:
    return UserDTO(
        id=user.id,
        email=user.email,
        role=Role(user.role),
        tokens_milli=user.tokens,
        created_at=user.created_at,
        disabled_at=user.disabled_at,
    )


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, user_id: uuid.UUID) -> User | None:
        return self.s.get(User, user_id)

    def by_email(self, email: str) -> User | None:
        """The account with this email; deleted accounts are no longer accounts."""
        return self.s.scalar(
            select(User).where(
                func.lower(User.email) == email.strip().lower(), User.deleted_at.is_(None)
            )
        )

    def list(self) -> Sequence[User]:
        return self.s.scalars(
            select(User).where(User.deleted_at.is_(None)).order_by(User.email)
        ).all()

    def count(self) -> int:
        """Every row, deleted accounts included: a database with history is not empty."""
        return int(self.s.scalar(select(func.count()).select_from(User)) or 0)

    def count_admins(self) -> int:
        """Administrators who can act: neither disabled nor deleted."""
        return int(
            self.s.scalar(
                select(func.count()).where(
                    User.role == Role.ADMIN, User.disabled_at.is_(None), User.deleted_at.is_(None)
                )
            )
            or 0
        )

    def datasets_of(self, user_id: uuid.UUID) -> Sequence[Dataset]:
        """Every dataset of the account, in the trash or not."""
        return self.s.scalars(
            select(Dataset).where(Dataset.user_id == user_id).order_by(Dataset.created_at)
        ).all()

    def move_jobs(self, from_id: uuid.UUID, to_id: uuid.UUID) -> int:
        """Give every job of one account to another; the jobs' ledger rows stay put."""
        moved = self.s.execute(
            update(InferenceJob).where(InferenceJob.user_id == from_id).values(user_id=to_id)
        )
        return int(getattr(moved, "rowcount", 0) or 0)

    def add(self, email: str, password_hash: str, role: Role) -> User:
        user = User(email=email.strip().lower(), password=password_hash, role=role, tokens=0)
        self.s.add(user)
        self.s.flush()
        return user


class TokenRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, user_id: uuid.UUID, token_hash: str, expires_at: datetime) -> AuthToken:
        token = AuthToken(user_id=user_id, token_hash=token_hash, expires_at=expires_at)
        self.s.add(token)
        self.s.flush()
        return token

    def by_hash(self, token_hash: str) -> AuthToken | None:
        return self.s.scalar(select(AuthToken).where(AuthToken.token_hash == token_hash))

    def revoke_all(self, user_id: uuid.UUID, now: datetime) -> None:
        self.s.execute(
            update(AuthToken)
            .where(AuthToken.user_id == user_id, AuthToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )


class ThrottleRepository:
    """Failed sign-in counters by email digest (see models.SignInThrottle)."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def get_or_add(self, digest: str, now: datetime) -> SignInThrottle:
        row = self.s.get(SignInThrottle, digest)
        if row is None:
            row = SignInThrottle(email_digest=digest, failures=0, locked_until=None, updated_at=now)
            self.s.add(row)
        return row

    def clear(self, digest: str) -> None:
        self.s.execute(delete(SignInThrottle).where(SignInThrottle.email_digest == digest))

    def prune(self, before: datetime) -> None:
        """Forget counters untouched since ``before`` whose back-off has ended."""
        self.s.execute(
            delete(SignInThrottle).where(
                SignInThrottle.updated_at < before,
                (SignInThrottle.locked_until.is_(None)) | (SignInThrottle.locked_until < before),
            )
        )
