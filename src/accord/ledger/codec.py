"""JSON field codecs shared by proofs and tree heads.

Hashes and signatures travel as standard base64 with padding (RFC 4648 §4), as in the JSON
APIs of RFC 6962 §4 and RFC 9162 §5; sizes and indices as JSON integers. Decoding is strict and
names the offending field."""

from __future__ import annotations

import binascii
from base64 import b64decode, b64encode
from collections.abc import Mapping

from accord.errors import FieldError, ValidationError
from accord.ledger.hashing import HASH_SIZE

__all__ = ["decode_b64", "decode_hash", "decode_hashes", "decode_uint", "encode_b64"]

_UINT64_MAX = (1 << 64) - 1


def encode_b64(data: bytes) -> str:
    """Standard base64 with padding."""
    return b64encode(data).decode("ascii")


def decode_b64(value: object, field: str) -> bytes:
    """Strict standard base64 (no whitespace, no URL alphabet, correct padding)."""
    if value is None:
        raise ValidationError(FieldError(field, "is required"))
    if not isinstance(value, str):
        raise ValidationError(FieldError(field, "must be a base64 string"))
    try:
        return b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise ValidationError(FieldError(field, "is not valid base64")) from None


def decode_hash(value: object, field: str) -> bytes:
    """A base64 SHA-256 hash: exactly 32 bytes once decoded."""
    data = decode_b64(value, field)
    if len(data) != HASH_SIZE:
        raise ValidationError(FieldError(field, f"must decode to {HASH_SIZE} bytes"))
    return data


def decode_hashes(value: object, field: str) -> tuple[bytes, ...]:
    """A JSON array of base64 hashes."""
    if not isinstance(value, list):
        raise ValidationError(FieldError(field, "must be an array of base64 hashes"))
    return tuple(decode_hash(item, f"{field}[{i}]") for i, item in enumerate(value))


def decode_uint(data: Mapping[str, object], field: str) -> int:
    """A required JSON integer in [0, 2**64) (booleans are not integers here)."""
    if field not in data:
        raise ValidationError(FieldError(field, "is required"))
    value = data[field]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(FieldError(field, "must be an integer"))
    if not 0 <= value <= _UINT64_MAX:
        raise ValidationError(FieldError(field, "must be between 0 and 2**64 - 1"))
    return value
