"""Account administration: list, create, change roles (administrators only)."""

from __future__ import annotations

from videolab.domain.dto import UserDTO
from videolab.domain.enums import LedgerReason, Role
from videolab.domain.errors import Conflict, InvalidInput, NotFound
from videolab.repositories.ledger import LedgerRepository
from videolab.repositories.users import UserRepository, to_dto
from videolab.services.auth import normalise_email
from videolab.services.base import ServiceContext, require_admin
from videolab.services.passwords import hash_password


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
            require_admin(s, actor)
            return create_account(
                UserRepository(s), LedgerRepository(s), email, password_hash, role, tokens_milli
            )

    def set_role(self, actor: UserDTO, email: str, role: Role | str) -> UserDTO:
        role = Role(role)
        with self.ctx.db.write() as s:
            require_admin(s, actor)
            users = UserRepository(s)
            target = users.by_email(email)
            if target is None:
                raise NotFound(f"No account with email {email}.")
            if target.role == Role.ADMIN and role != Role.ADMIN and users.count_admins() <= 1:
                raise Conflict("VideoLab needs at least one administrator.")
            target.role = role
            s.flush()
            return to_dto(target)
