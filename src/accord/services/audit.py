"""The audit ledger as a use case: append events in the caller's transaction, sign tree heads,
serve proofs, verify the whole log.

Each entry's payload is canonical JSON (sorted keys, no spaces, UTF-8) holding its own index,
time, event, actor and details; the payload bytes are the Merkle leaf (RFC 9162 §2.1.1)."""

from __future__ import annotations

import json
from base64 import b64encode
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection

from accord.crypto import key_fingerprint
from accord.errors import FieldError, ValidationError
from accord.ledger import (
    ConsistencyProof,
    InclusionProof,
    LogTree,
    LogVerification,
    SignedTreeHead,
    TreeAppender,
    TreeHead,
    verify_log,
)
from accord.model import Principal
from accord.services.node import Node
from accord.store import ledger as store
from accord.store.ledger import EntryRow, HeadRow, SqlNodes

__all__ = [
    "Event",
    "consistency_proof",
    "entries",
    "inclusion_proof",
    "record_event",
    "record_events",
    "sign_tree_head",
    "tree_head",
    "verify",
]


class Event(StrEnum):
    """What the ledger records. Every security-relevant act is one of these."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    MFA_ENROLLED = "mfa_enrolled"
    RECORD_CREATE = "record_create"
    RECORD_READ = "record_read"
    RECORD_UPDATE = "record_update"
    RECORD_DELETE = "record_delete"
    INGEST = "ingest"
    SEARCH = "search"
    DISCLOSURE = "disclosure"
    POLICY_DECISION = "policy_decision"
    EXPORT = "export"
    USER_CHANGE = "user_change"
    ROLE_CHANGE = "role_change"
    TOKEN_ISSUED = "token_issued"
    TOKEN_REVOKED = "token_revoked"
    AGREEMENT_CHANGE = "agreement_change"
    FEDERATION_QUERY = "federation_query"
    FEDERATION_ANSWER = "federation_answer"
    FOLLOW_UP = "follow_up"
    FEDERATION_REJECTED = "federation_rejected"
    PARTNER_CHANGE = "partner_change"
    WITNESS_FORK = "witness_fork"
    WITNESS_SHRINK = "witness_shrink"
    WITNESS_REFUSED = "witness_refused"


def _payload(idx: int, at: datetime, event: str, actor: str, details: Mapping[str, Any]) -> str:
    body = {"idx": idx, "at": at.isoformat(), "event": event, "actor": actor, "details": details}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def record_events(conn: Connection, items: Sequence[tuple[Event, str, Mapping[str, Any]]]) -> int:
    """Append (event, actor, details) items in the caller's transaction; returns the first index.

    The caller's change and its ledger entries commit or roll back together."""
    if not items:
        return store.ledger_size(conn)
    first = store.reserve(conn, len(items))
    nodes = SqlNodes(conn)
    appender = TreeAppender.load(nodes, first)
    at = datetime.now(UTC)
    rows: list[EntryRow] = []
    new_nodes = []
    for offset, (event, actor, details) in enumerate(items):
        idx = first + offset
        payload = _payload(idx, at, event.value, actor, details)
        node_rows = appender.append(payload.encode("utf-8"))
        rows.append(EntryRow(idx, at, event.value, actor, payload, node_rows[0][2]))
        new_nodes.extend(node_rows)
    store.insert_entries(conn, rows)
    nodes.put_nodes(new_nodes)
    return first


def record_event(
    conn: Connection, event: Event, actor: Principal | str, details: Mapping[str, Any]
) -> int:
    """Append one event; returns its index."""
    label = actor.label if isinstance(actor, Principal) else actor
    return record_events(conn, [(event, label, details)])


def _signed(head: HeadRow) -> SignedTreeHead:
    return SignedTreeHead(TreeHead(head.size, head.root, head.timestamp_ms), head.signature)


def sign_tree_head(node: Node) -> SignedTreeHead:
    """Sign the current tree head with the node's Ed25519 key (reuses the latest if unchanged)."""
    with node.engine.begin() as conn:
        size = store.ledger_size(conn)
        latest = store.latest_head(conn)
        if latest is not None and latest.size == size:
            return _signed(latest)
        root = LogTree(SqlNodes(conn), size).root()
        now_ms = int(datetime.now(UTC).timestamp() * 1000)
        head = TreeHead(size, root, now_ms)
        signature = node.keys.signing.sign(head.to_bytes())
        store.insert_head(
            conn,
            HeadRow(
                size,
                root,
                now_ms,
                signature,
                key_fingerprint(node.keys.signing.public_key()),
            ),
        )
        return SignedTreeHead(head, signature)


def tree_head(node: Node) -> SignedTreeHead:
    """The latest signed tree head, signing a new one if the ledger has grown."""
    return sign_tree_head(node)


def _check_int(name: str, value: int) -> None:
    if value < 0:
        raise ValidationError(FieldError(name, "must not be negative"))


def inclusion_proof(node: Node, index: int, tree_size: int) -> InclusionProof:
    """RFC 9162 §2.1.3.1 audit path of entry `index` in the tree of `tree_size` entries."""
    _check_int("index", index)
    _check_int("tree_size", tree_size)
    with node.engine.connect() as conn:
        return LogTree(SqlNodes(conn), store.ledger_size(conn)).inclusion_proof(index, tree_size)


def consistency_proof(node: Node, first: int, second: int) -> ConsistencyProof:
    """RFC 9162 §2.1.4.1 proof that the tree of `first` entries is a prefix of `second`."""
    _check_int("first", first)
    _check_int("second", second)
    if first > second:
        raise ValidationError(FieldError("first", "must not exceed second"))
    with node.engine.connect() as conn:
        return LogTree(SqlNodes(conn), store.ledger_size(conn)).consistency_proof(first, second)


def entries(node: Node, start: int, end: int) -> list[dict[str, Any]]:
    """Entries start <= index < end (at most 1000), with their payloads and leaf hashes."""
    _check_int("start", start)
    if end < start:
        raise ValidationError(FieldError("end", "must not be less than start"))
    if end - start > 1000:
        raise ValidationError(FieldError("end", "at most 1000 entries per request"))
    with node.engine.connect() as conn:
        size = store.ledger_size(conn)
        if start > size:
            raise ValidationError(FieldError("start", f"must not exceed the log size {size}"))
        return [
            {
                "index": e.idx,
                "at": e.at.isoformat(),
                "event": e.event,
                "actor": e.actor,
                "payload": e.payload,
                "leaf_hash": b64encode(e.leaf_hash).decode("ascii"),
            }
            for e in store.iter_entries(conn, start, min(end, size))
        ]


def verify(node: Node) -> LogVerification:
    """Recompute the tree from every entry; check every signed head and recorded leaf hash."""
    public = node.keys.signing.public_key()

    def verifier(message: bytes, signature: bytes) -> bool:
        try:
            public.verify(signature, message)
        except Exception:  # noqa: BLE001 - any failure is "does not verify"
            return False
        return True

    with node.engine.connect() as conn:
        heads = [_signed(h) for h in store.heads(conn)]
        payloads = store.iter_payloads(conn)
        with node.engine.connect() as second:
            recorded = store.recorded_leaf_hashes(second)
            return verify_log(payloads, heads, verifier, recorded=recorded)
