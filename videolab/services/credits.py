"""Balances, the ledger, and admin recharges."""

from __future__ import annotations

import uuid

from videolab.domain.dto import LedgerEntryDTO, UserDTO
from videolab.domain.enums import LedgerReason
from videolab.domain.errors import InvalidInput, NotFound
from videolab.repositories.ledger import LedgerRepository, to_dto
from videolab.repositories.users import UserRepository
from videolab.repositories.users import to_dto as user_dto
from videolab.services.base import ServiceContext, acting_user, require_admin

#: A single recharge above this is almost certainly a typo (a million tokens).
MAX_RECHARGE_MILLI = 1_000_000_000


def admin_note(admin_email: str, note: str = "") -> str:
    """A ledger note that always says which administrator acted, then their own words.

    A recharge's note used to be either "by EMAIL" or the admin's note, which then lost who
    made it. The email is stored as text: the ledger is history, and must still say who
    acted after that account is renamed or deleted.
    """
    note = " ".join(note.split())
    return f"by {admin_email}" + (f": {note}" if note else "")


class CreditService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def balance(self, actor: UserDTO) -> int:
        with self.ctx.db.read() as s:
            return acting_user(s, actor).tokens

    def ledger(
        self, actor: UserDTO, email: str | None = None
    ) -> tuple[UserDTO, list[LedgerEntryDTO]]:
        """The actor's own ledger, or (admins only) another account's."""
        with self.ctx.db.read() as s:
            me = acting_user(s, actor)
            target = me
            if email is not None and email.strip().lower() != me.email:
                require_admin(s, actor)
                found = UserRepository(s).by_email(email)
                if found is None:
                    raise NotFound(f"No account with email {email}.")
                target = found
            entries = [
                to_dto(entry, subject)
                for entry, subject in LedgerRepository(s).entries_with_subjects(target.id)
            ]
            return user_dto(target), entries

    def recharge(self, actor: UserDTO, email: str, milli: int, note: str = "") -> UserDTO:
        if milli <= 0:
            raise InvalidInput("A recharge must add a positive amount of tokens.")
        if milli > MAX_RECHARGE_MILLI:
            raise InvalidInput("That recharge is larger than one million tokens; split it up.")
        with self.ctx.db.write() as s:
            admin = require_admin(s, actor)
            target = UserRepository(s).by_email(email)
            if target is None:
                raise NotFound(f"No account with email {email}.")
            LedgerRepository(s).post(
                target.id,
                milli,
                LedgerReason.RECHARGE,
                f"recharge:{uuid.uuid4()}",
                note=admin_note(admin.email, note),
            )
            return user_dto(target)

    def ledger_sum(self, user_id: uuid.UUID) -> int:
        """For audits and tests: what the ledger says the balance is."""
        with self.ctx.db.read() as s:
            return LedgerRepository(s).ledger_sum(user_id)
