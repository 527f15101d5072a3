"""Account administration (administrators only): list, create, change roles, disable and
enable, delete, reset passwords.

Decisions (issue 10 item 11):
- **Disable** is reversible. The account's remember-me tokens are revoked, sign-in is refused
  with its own message, and any session still open fails at its next action (every service
  call re-reads the actor: ``base.acting_user``). Its live jobs end ABORTED in the same
  transaction, as when their video is deleted (``job_settlement.stop_live_jobs``): a PENDING
  job is fully refunded, a RUNNING one pays for the frames it reported and its process stops
  within a second. A disabled account must not keep spending, and nobody could cancel its
  jobs afterwards but an administrator.
- **Delete** is final and destroys nothing. Datasets (trash included), with their videos,
  jobs and results, move to another account (the deleting administrator unless told
  otherwise), renamed "NAME (from EMAIL)" where the receiver has one of that name. The
  remaining balance moves too, as a pair of ``transfer`` ledger rows. The account's row stays
  as history with all its ledger rows, unable to sign in, and its email is free for a new
  account. Its live jobs are stopped and settled first, as on disable, so their refunds
  land on it before its balance moves.
- **Reset password**: the administrator sets a new one; the account's remembered sessions
  are revoked and its sign-in back-off cleared. Not for one's own account (that is "change
  password", which asks for the current one).
- No administrator may disable or delete themselves, and the last administrator able to act
  can be neither disabled, deleted nor demoted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from videolab.db.models import InferenceJob, User
from videolab.db.types import utcnow
from videolab.domain.dto import UserDTO
from videolab.domain.enums import LedgerReason, Role
from videolab.domain.errors import Conflict, InvalidInput, NotFound
from videolab.repositories.datasets import DatasetRepository
from videolab.repositories.jobs import JobRepository
from videolab.repositories.ledger import LedgerRepository
from videolab.repositories.users import (
    ThrottleRepository,
    TokenRepository,
    UserRepository,
    to_dto,
)
from videolab.services.auth import email_digest, normalise_email
from videolab.services.base import ServiceContext, require_admin
from videolab.services.credits import admin_note
from videolab.services.job_settlement import stop_live_jobs
from videolab.services.passwords import hash_password

#: Stored instead of a deleted account's hash: not a PHC string, so nothing ever verifies.
DELETED_PASSWORD = "!deleted"
#: Dataset names are at most this long (``services.datasets.MAX_DATASET_NAME``).
_MAX_NAME = 200


@dataclass(frozen=True)
class DisableReport:
    user: UserDTO
    #: Live jobs ended ABORTED and settled.
    jobs_stopped: int


@dataclass(frozen=True)
class DeleteReport:
    email: str
    to_email: str
    datasets: int
    jobs: int
    tokens_milli: int


def create_account(
    users: UserRepository,
    ledger: LedgerRepository,
    email: str,
    password_hash: str,
    role: Role,
    tokens_milli: int,
    note: str = "opening balance",
) -> UserDTO:
    """Insert an account and post its opening balance to the ledger (shared with the seeder)."""
    if users.by_email(email) is not None:
        raise Conflict(f"An account with email {email} already exists.")
    user = users.add(email, password_hash, role)
    if tokens_milli:
        ledger.post(user.id, tokens_milli, LedgerReason.GRANT, f"grant:{user.id}", note=note)
    return to_dto(user)


class UserService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def list(self, actor: UserDTO) -> list[UserDTO]:
        with self.ctx.db.read() as s:
            require_admin(s, actor)
            return [to_dto(u) for u in UserRepository(s).list()]

    def create(
        self, actor: UserDTO, email: str, password: str, role: Role | str, tokens_milli: int = 0
    ) -> UserDTO:
        email = normalise_email(email)
        role = Role(role)
        if tokens_milli < 0:
            raise InvalidInput("An opening balance cannot be negative.")
        password_hash = hash_password(password)
        with self.ctx.db.write() as s:
            admin = require_admin(s, actor)
            return create_account(
                UserRepository(s), LedgerRepository(s), email, password_hash, role, tokens_milli,
                note=admin_note(admin.email, "opening balance"),
            )

    def set_role(self, actor: UserDTO, email: str, role: Role | str) -> UserDTO:
        role = Role(role)
        with self.ctx.db.write() as s:
            require_admin(s, actor)
            users = UserRepository(s)
            target = users.by_email(email)
            if target is None:
                raise NotFound(f"No account with email {email}.")
            if role != Role.ADMIN:
                _not_last_admin(users, target)
            target.role = role
            s.flush()
            return to_dto(target)

    # -- disable, enable, delete, reset password ---------------------------------------------
    def disable(self, actor: UserDTO, email: str) -> DisableReport:
        with self.ctx.db.write() as s:
            admin = require_admin(s, actor)
            users = UserRepository(s)
            target = _account(users, email)
            _not_self(admin, target, "disable")
            _not_last_admin(users, target)
            now = utcnow()
            if target.disabled_at is None:
                target.disabled_at = now
            TokenRepository(s).revoke_all(target.id, now)
            stopped = len(_stop_jobs(s, target, "the account was disabled"))
            s.flush()
            return DisableReport(to_dto(target), stopped)

    def enable(self, actor: UserDTO, email: str) -> UserDTO:
        with self.ctx.db.write() as s:
            require_admin(s, actor)
            target = _account(UserRepository(s), email)
            target.disabled_at = None
            s.flush()
            return to_dto(target)

    def reset_password(self, actor: UserDTO, email: str, new_password: str) -> UserDTO:
        new_hash = hash_password(new_password)  # checks the rules; slow, so outside the lock
        with self.ctx.db.write() as s:
            admin = require_admin(s, actor)
            target = _account(UserRepository(s), email)
            if target.id == admin.id:
                raise Conflict(
                    "Change your own password with 'change password', which asks for the "
                    "current one."
                )
            target.password = new_hash
            TokenRepository(s).revoke_all(target.id, utcnow())
            ThrottleRepository(s).clear(email_digest(target.email))
            s.flush()
            return to_dto(target)

    def delete(self, actor: UserDTO, email: str, *, to_email: str | None = None) -> DeleteReport:
        with self.ctx.db.write() as s:
            admin = require_admin(s, actor)
            users = UserRepository(s)
            target = _account(users, email)
            _not_self(admin, target, "delete")
            _not_last_admin(users, target)
            receiver = admin if to_email is None else _account(users, to_email)
            if receiver.id == target.id:
                raise InvalidInput("An account's data cannot go to the account being deleted.")
            if receiver.disabled_at is not None:
                raise Conflict(f"{receiver.email} is disabled; its data would be out of reach.")
            _stop_jobs(s, target, "the account was deleted")  # settled to it, then moved
            datasets = _hand_over_datasets(s, users, target, receiver)
            jobs = users.move_jobs(target.id, receiver.id)
            balance = target.tokens
            if balance:
                ledger = LedgerRepository(s)
                out_note = admin_note(admin.email, f"account deleted; to {receiver.email}")
                in_note = admin_note(admin.email, f"from deleted account {target.email}")
                ledger.post(target.id, -balance, LedgerReason.TRANSFER,
                            f"close:{target.id}:out", note=out_note)
                ledger.post(receiver.id, balance, LedgerReason.TRANSFER,
                            f"close:{target.id}:in", note=in_note)
            now = utcnow()
            target.deleted_at = now
            target.disabled_at = target.disabled_at or now
            target.password = DELETED_PASSWORD
            TokenRepository(s).revoke_all(target.id, now)
            s.flush()
            return DeleteReport(target.email, receiver.email, datasets, jobs, balance)


def _account(users: UserRepository, email: str) -> User:
    target = users.by_email(email)
    if target is None:
        raise NotFound(f"No account with email {email}.")
    return target


def _not_self(admin: User, target: User, verb: str) -> None:
    if target.id == admin.id:
        raise Conflict(f"You cannot {verb} your own account; ask another administrator.")


def _not_last_admin(users: UserRepository, target: User) -> None:
    active_admin = target.role == Role.ADMIN and target.disabled_at is None
    if active_admin and users.count_admins() <= 1:
        raise Conflict("VideoLab needs at least one administrator.")


def _stop_jobs(s: Session, target: User, reason: str) -> list[InferenceJob]:
    """End the account's live jobs ABORTED and settled (see the module's docstring)."""
    live = [j for j in JobRepository(s).unfinished() if j.user_id == target.id]
    return stop_live_jobs(s, live, reason)


def _hand_over_datasets(s: Session, users: UserRepository, target: User, receiver: User) -> int:
    datasets = DatasetRepository(s)
    moved = users.datasets_of(target.id)
    for dataset in moved:
        if dataset.deleted_at is None:  # names are unique among live datasets only
            dataset.name = _free_name(datasets, receiver.id, dataset.name, target.email)
        dataset.user_id = receiver.id
        s.flush()  # one at a time: the unique index sees each name as it lands
    return len(moved)


def _free_name(datasets: DatasetRepository, owner: uuid.UUID, name: str, origin: str) -> str:
    candidate = name
    n = 1
    while datasets.live_by_name(owner, candidate) is not None:
        suffix = f" (from {origin})" if n == 1 else f" (from {origin}, {n})"
        candidate = name[: _MAX_NAME - len(suffix)] + suffix
        n += 1
    return candidate
