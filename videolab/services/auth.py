"""Sign-in, remember-me session tokens, password changes, and the first administrator."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

from sqlalchemy.orm import Session

from videolab.db.types import utcnow
from videolab.domain.dto import LoginResult, UserDTO
from videolab.domain.enums import Role
from videolab.domain.errors import AuthenticationFailed, Conflict, InvalidInput
from videolab.repositories.users import (
    ThrottleRepository,
    TokenRepository,
    UserRepository,
    to_dto,
)
from videolab.services.base import ACCOUNT_DISABLED, ServiceContext, acting_user
from videolab.services.passwords import (
    MAX_LENGTH,
    check_password_rules,
    hash_password,
    needs_rehash,
    verify_password,
)

WRONG_CREDENTIALS = "Wrong email or password."
#: Failures allowed before an email address backs off; each further failure doubles the wait.
FREE_ATTEMPTS = 5
MAX_BACKOFF = timedelta(minutes=15)
#: Counters untouched this long (and not in a back-off) are forgotten.
THROTTLE_MEMORY = timedelta(days=1)
TOKEN_LIFETIME = timedelta(days=30)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def email_digest(email: str) -> str:
    """What the sign-in throttle stores instead of an address (which may not be an account)."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


def backoff_for(failures: int) -> timedelta:
    if failures < FREE_ATTEMPTS:
        return timedelta(0)
    return min(MAX_BACKOFF, timedelta(seconds=2 ** (failures - FREE_ATTEMPTS + 1)))


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 320 or email.startswith("@") or email.endswith("@"):
        raise InvalidInput(f"'{email}' is not an email address.")
    return email


class AuthService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # -- first start -------------------------------------------------------------------------
    def needs_first_admin(self) -> bool:
        with self.ctx.db.read() as s:
            return UserRepository(s).count() == 0

    def create_first_admin(self, email: str, password: str) -> UserDTO:
        """Only allowed while the database has no account at all."""
        email = normalise_email(email)
        password_hash = hash_password(password)
        with self.ctx.db.write() as s:
            users = UserRepository(s)
            if users.count() > 0:
                raise Conflict("An administrator already exists; sign in instead.")
            return to_dto(users.add(email, password_hash, Role.ADMIN))

    # -- sign in -----------------------------------------------------------------------------
    def login(self, email: str, password: str, *, remember: bool = False) -> LoginResult:
        if len(password) > MAX_LENGTH:
            raise InvalidInput(f"Passwords are at most {MAX_LENGTH} characters.")
        email = email.strip().lower()
        digest = email_digest(email)
        now = utcnow()
        # The attempt counts as a failure before it is checked, in the transaction that checks
        # the back-off: guesses sent in parallel queue at the counter one by one, so no more
        # than FREE_ATTEMPTS of them reach the password check before the back-off starts.
        # The counter is per address, account or not, so a back-off reveals nothing.
        with self.ctx.db.write() as s:
            throttle = ThrottleRepository(s)
            throttle.prune(now - THROTTLE_MEMORY)
            counter = throttle.get_or_add(digest, now)
            locked_until = counter.locked_until
            locked = locked_until is not None and locked_until > now
            if not locked:
                counter.failures += 1
                delay = backoff_for(counter.failures)
                counter.locked_until = now + delay if delay else None
            counter.updated_at = now
            user = UserRepository(s).by_email(email)
            stored = user.password if user else None
        if locked and locked_until is not None:
            wait = int((locked_until - now).total_seconds()) + 1
            raise AuthenticationFailed(
                f"Too many failed sign-ins with this email address; try again in {wait} s."
            )
        # Verify outside any transaction: hashing is slow and must not hold the write lock.
        ok = verify_password(stored, password)  # an unknown user costs the same (dummy hash)
        if not ok or stored is None:
            raise AuthenticationFailed(WRONG_CREDENTIALS)
        new_hash = hash_password(password) if needs_rehash(stored) else None
        with self.ctx.db.write() as s:
            row = UserRepository(s).by_email(email)
            if row is None:
                raise AuthenticationFailed(WRONG_CREDENTIALS)
            if row.disabled_at is not None:  # told only to whoever knows the password
                raise AuthenticationFailed(ACCOUNT_DISABLED)
            ThrottleRepository(s).clear(digest)
            if new_hash is not None and row.password == stored:
                row.password = new_hash
            token = self._new_token(s, row.id) if remember else None
            return LoginResult(user=to_dto(row), session_token=token)

    @staticmethod
    def _new_token(session: Session, user_id: uuid.UUID) -> str:
        raw = secrets.token_urlsafe(32)
        TokenRepository(session).add(user_id, token_digest(raw), utcnow() + TOKEN_LIFETIME)
        return raw

    def login_with_token(self, token: str) -> UserDTO:
        """Resume a remembered session; expired, revoked or unknown tokens are refused."""
        now = utcnow()
        with self.ctx.db.write() as s:
            row = TokenRepository(s).by_hash(token_digest(token))
            if row is None or row.revoked_at is not None or row.expires_at <= now:
                raise AuthenticationFailed("Your saved session has expired; please sign in.")
            row.last_used_at = now
            user = UserRepository(s).get(row.user_id)
            if user is None or user.deleted_at is not None:
                raise AuthenticationFailed("Your saved session has expired; please sign in.")
            if user.disabled_at is not None:  # its tokens were revoked too; belt and braces
                raise AuthenticationFailed(ACCOUNT_DISABLED)
            return to_dto(user)

    def revoke_token(self, token: str) -> None:
        with self.ctx.db.write() as s:
            row = TokenRepository(s).by_hash(token_digest(token))
            if row is not None and row.revoked_at is None:
                row.revoked_at = utcnow()

    def revoke_all_tokens(self, actor: UserDTO) -> None:
        with self.ctx.db.write() as s:
            TokenRepository(s).revoke_all(actor.id, utcnow())

    def refresh(self, actor: UserDTO) -> UserDTO:
        """The actor as stored now (balance and role may have changed)."""
        with self.ctx.db.read() as s:
            return to_dto(acting_user(s, actor))

    def change_password(self, actor: UserDTO, old: str, new: str) -> None:
        check_password_rules(new)
        with self.ctx.db.read() as s:
            stored = acting_user(s, actor).password
        if not verify_password(stored, old):
            raise AuthenticationFailed("The current password is wrong.")
        new_hash = hash_password(new)
        with self.ctx.db.write() as s:
            acting_user(s, actor).password = new_hash
            # A new password ends every remembered session.
            TokenRepository(s).revoke_all(actor.id, utcnow())
