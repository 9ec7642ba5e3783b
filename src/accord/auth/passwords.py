"""Password hashing with argon2id (RFC 9106) through argon2-cffi.

`HASHER` holds the parameters in force. A stored hash made with other parameters still
verifies, and `verify_password` then says it needs rehashing, so raising the cost upgrades
every account at its next login."""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["HASHER", "PasswordCheck", "dummy_verify", "hash_password", "verify_password"]

#: argon2id with the RFC 9106 "second recommended option" (t=3, 64 MiB, p=4), the library's
#: default profile and the OWASP Password Storage Cheat Sheet's first choice.
HASHER = PasswordHasher(type=Type.ID)


@dataclass(frozen=True, slots=True)
class PasswordCheck:
    ok: bool
    needs_rehash: bool = False


def hash_password(password: str, hasher: PasswordHasher | None = None) -> str:
    """The PHC string `$argon2id$v=19$m=…,t=…,p=…$salt$hash` of `password`."""
    return (hasher or HASHER).hash(password)


def verify_password(
    stored: str, password: str, hasher: PasswordHasher | None = None
) -> PasswordCheck:
    """Whether `password` matches `stored`, and whether `stored` uses outdated parameters."""
    hasher = hasher or HASHER
    try:
        hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return PasswordCheck(False)
    return PasswordCheck(True, hasher.check_needs_rehash(stored))


_dummy: dict[tuple[int, int, int], str] = {}


def dummy_verify(password: str, hasher: PasswordHasher | None = None) -> None:
    """Spend the time of one verification, so that an unknown user name answers as slowly as
    a wrong password (no user enumeration by timing)."""
    hasher = hasher or HASHER
    params = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if params not in _dummy:
        _dummy[params] = hasher.hash("accord-dummy-password")
    verify_password(_dummy[params], password, hasher)
