"""Bearer secrets: API tokens (`acc_…`, machine clients) and access tokens (`acs_…`, a human
user's session). Both are 256 random bits, shown once; only their SHA-256 is stored. A slow
hash is not needed for secrets of that entropy, and a digest can be looked up directly."""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["API_TOKEN_PREFIX", "SESSION_PREFIX", "new_bearer_secret", "secret_digest"]

API_TOKEN_PREFIX = "acc_"
SESSION_PREFIX = "acs_"


def new_bearer_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def secret_digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()
