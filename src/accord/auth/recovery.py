"""Single-use recovery codes: the way in when the authenticator is lost.

Each code holds 80 random bits, shown once as four groups of four base32 characters
(`k7q2-mx4p-…`). Only a SHA-256 of the normalised code is stored: 80 bits of entropy make a
slow hash unnecessary, and every login can check all of a user's codes with one lookup."""

from __future__ import annotations

import base64
import hashlib
import secrets

__all__ = ["RECOVERY_CODES", "new_recovery_codes", "normalise_recovery_code", "recovery_digest"]

RECOVERY_CODES = 10


def _one() -> str:
    raw = base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """`count` fresh, distinct codes."""
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(_one())
    return sorted(codes)


def normalise_recovery_code(text: str) -> str:
    """What the user typed, without case, spaces or dashes."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def recovery_digest(text: str) -> bytes:
    """The stored form of a recovery code."""
    return hashlib.sha256(normalise_recovery_code(text).encode("ascii", "replace")).digest()
