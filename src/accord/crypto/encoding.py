"""Byte encodings shared by the crypto package: unpadded base64url (RFC 7515 §2, RFC 4648 §5)
and SHA-256 fingerprints.

A fingerprint is always SHA-256 over DER bytes — the SubjectPublicKeyInfo of a key, or the whole
certificate — shown as 32 upper-case hex pairs joined by colons, the form
`openssl x509 -noout -fingerprint -sha256` prints. Parsing is lenient about case, colons and a
`SHA256:` prefix, so an operator can paste either form."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from datetime import UTC, datetime

__all__ = [
    "aware",
    "b64url_decode",
    "b64url_encode",
    "format_fingerprint",
    "parse_fingerprint",
    "sha256_fingerprint",
    "utc_now",
]

_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_HEX_FP = re.compile(r"[0-9A-F]{64}")


def b64url_encode(data: bytes) -> str:
    """Unpadded base64url (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url, accepting only the canonical encoding of the bytes: no padding,
    no foreign characters, no stray bits in the last character. Raises ValueError otherwise."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not canonical unpadded base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc
    if b64url_encode(data) != text:
        raise ValueError("not canonical unpadded base64url")
    return data


def format_fingerprint(digest: bytes) -> str:
    """Show a 32-byte SHA-256 digest as `AB:CD:…` (upper-case hex pairs joined by colons)."""
    if len(digest) != 32:
        raise ValueError("a SHA-256 fingerprint has 32 bytes")
    return ":".join(f"{b:02X}" for b in digest)


def sha256_fingerprint(der: bytes) -> str:
    """The fingerprint of DER bytes: SHA-256, formatted by `format_fingerprint`."""
    return format_fingerprint(hashlib.sha256(der).digest())


def parse_fingerprint(text: str) -> str:
    """Normalise a fingerprint an operator typed or pasted to the canonical `AB:CD:…` form.

    Accepts upper or lower case, with or without colons, optionally prefixed by `SHA256:`,
    `sha256/` or `SHA256 Fingerprint=`. Raises ValueError for anything that is not 32 bytes of hex.
    """
    value = text.strip()
    for prefix in ("sha256 fingerprint=", "sha256:", "sha256/", "sha256="):
        if value.lower().startswith(prefix):
            value = value[len(prefix) :]
            break
    compact = value.replace(":", "").upper()
    if not _HEX_FP.fullmatch(compact):
        raise ValueError("a fingerprint is 32 bytes of hex (SHA-256), optionally colon-separated")
    return ":".join(compact[i : i + 2] for i in range(0, 64, 2))


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def aware(now: datetime | None) -> datetime:
    """`now`, or the current time when None; refuses a naive datetime, whose meaning would depend
    on the machine's local time zone."""
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("times must be timezone-aware")
    return now
