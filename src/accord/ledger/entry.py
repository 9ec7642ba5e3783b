"""The leaf encoding of a ledger entry: every field of the entry is inside the hashed bytes.

Encoding v1 (the only one, in use since the ledger's first migration): canonical JSON of the
whole entry — sorted keys, no spaces, UTF-8, non-ASCII kept —

    {"actor": str, "at": ISO 8601 with offset, "details": object, "event": str, "idx": int}

and the Merkle leaf is RFC 9162's hash of exactly those bytes. Whatever a reader shows of an
entry (its index, time, actor, event, details) is decoded from these bytes, never taken from
columns stored beside them. `decode_entry` is strict: the exact key set, the types, a time with
an offset, and the bytes must be the canonical encoding of what they decode to (so one entry has
one encoding). A later encoding would add a `"v"` key; an entry without one is v1."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["EntryError", "LedgerEntry", "decode_entry", "encode_entry"]

_KEYS = frozenset({"actor", "at", "details", "event", "idx"})


class EntryError(ValueError):
    """Bytes that are not the canonical v1 encoding of a ledger entry; the message says why."""


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One decoded ledger entry."""

    index: int
    at: datetime
    event: str
    actor: str
    details: Mapping[str, Any]


def _canonical(body: Mapping[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def encode_entry(
    index: int, at: datetime, event: str, actor: str, details: Mapping[str, Any]
) -> str:
    """The canonical v1 encoding (a str; its UTF-8 bytes are the leaf). Values of `details`
    that JSON cannot hold are written as their `str()`."""
    if at.utcoffset() is None:
        raise ValueError("an entry's time must carry its UTC offset")
    body = {"idx": index, "at": at.isoformat(), "event": event, "actor": actor, "details": details}
    return _canonical(body)


def decode_entry(data: bytes | str) -> LedgerEntry:
    """Decode and check an entry's leaf bytes; raises `EntryError` naming what is wrong."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    try:
        body = json.loads(text)
    except ValueError:
        raise EntryError("is not JSON") from None
    if not isinstance(body, dict):
        raise EntryError("is not a JSON object")
    if body.keys() != _KEYS:
        raise EntryError(f"has the fields {sorted(body)} instead of {sorted(_KEYS)}")
    idx, at, event, actor, details = (
        body["idx"],
        body["at"],
        body["event"],
        body["actor"],
        body["details"],
    )
    if isinstance(idx, bool) or not isinstance(idx, int) or idx < 0:
        raise EntryError("idx is not a non-negative integer")
    if not isinstance(event, str) or not isinstance(actor, str):
        raise EntryError("event and actor must be strings")
    if not isinstance(details, dict):
        raise EntryError("details is not an object")
    if not isinstance(at, str):
        raise EntryError("at is not a string")
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        raise EntryError("at is not an ISO 8601 time") from None
    if when.utcoffset() is None:
        raise EntryError("at has no UTC offset")
    if _canonical(body) != text:
        raise EntryError("is not in canonical form")
    return LedgerEntry(idx, when, event, actor, details)
