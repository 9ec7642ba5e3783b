"""Normalising, blocking and scoring for search and matching (pure)."""

from accord.matching.keys import (
    KIND_EMAIL,
    KIND_ID,
    KIND_NAME,
    KIND_PHONE,
    identifier_key,
    name_tokens,
    query_keys,
    record_keys,
)

__all__ = [
    "KIND_EMAIL",
    "KIND_ID",
    "KIND_NAME",
    "KIND_PHONE",
    "identifier_key",
    "name_tokens",
    "query_keys",
    "record_keys",
]
