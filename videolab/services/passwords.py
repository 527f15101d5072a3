"""Password hashing with argon2id, and the rules a password must meet."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from videolab.domain.errors import InvalidInput

MIN_LENGTH = 8
#: Longer input is refused before hashing: it is never a real password, and hashing it is work
#: an attacker could make us do.
MAX_LENGTH = 1024

# RFC 9106's low-memory profile (64 MiB, t=3, p=4) is above OWASP's minimum for argon2id
# (19 MiB, t=2, p=1). Raising these later makes old hashes get rehashed at their next login.
HASHER = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4, type=Type.ID)


# Verified against when the email is unknown, so both failures take the same time. A constant,
# not a hash made at import: hashing is deliberately slow (~0.2 s of CPU) and every process
# that imported the services (each `videolab-cli` command, the app's start) paid for it. Made
# with HASHER's parameters from a random password nobody kept; a test checks that it still
# matches them (a dummy with cheaper parameters would tell unknown emails apart by time).
DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$lzU+MziklCgTCV5p0GybzQ"
    "$6W6nlFwECXfQJz3bSQhanIbvWo4WJzaXxvmxx4GPAzA"
)


def check_password_rules(password: str) -> None:
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"Passwords are at most {MAX_LENGTH} characters.")
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"Passwords need at least {MIN_LENGTH} characters.")


def hash_password(password: str) -> str:
    check_password_rules(password)
    return HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Constant-shape check: an unknown user (``None``) costs the same as a wrong password."""
    if len(password) > MAX_LENGTH:
        password = password[:MAX_LENGTH]
    try:
        return HASHER.verify(stored_hash or DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return HASHER.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True
