"""The audit ledger as a use case: append events in the caller's transaction, sign tree heads,
serve proofs, verify the whole log.

Each entry's payload is the canonical encoding of the whole entry — its index, time, event,
actor and details (`accord.ledger.entry`) — and those bytes are the Merkle leaf (RFC 9162
§2.1.1). What is shown of an entry is decoded from them; the `at`, `event` and `actor` columns
beside them only serve queries, and verification fails if they disagree."""

from __future__ import annotations

from base64 import b64encode
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from hashlib import sha256
from typing import Any

from sqlalchemy import Connection

from accord.errors import FieldError, ValidationError
from accord.ledger import (
    ConsistencyProof,
    InclusionProof,
    LogTree,
    LogVerification,
    SignedTreeHead,
    TreeAppender,
)
from accord.ledger.check import HeadLog, StoredHead, verify_stored_log
from accord.ledger.entry import EntryError, decode_entry, encode_entry
from accord.model import Principal
from accord.services import heads
from accord.services.node import Node
from accord.store import ledger as store
from accord.store.headlog import read_head_log
from accord.store.ledger import EntryRow, SqlNodes

__all__ = [
    "Event",
    "appended_together",
    "consistency_proof",
    "entries",
    "inclusion_proof",
    "log_size",
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
    MATCH = "match"
    REINDEX = "reindex"
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
    XREF_RUN = "xref_run"
    XREF_JUDGEMENT = "xref_judgement"
    DOCUMENT_REPORT = "document_report"
    DOCUMENT_CHANGE = "document_change"
    DOCUMENT_READ = "document_read"
    DOCUMENT_IMPORT = "document_import"
    DOCUMENT_CHECK = "document_check"
    NOTICE = "notice"
    NOTICE_READ = "notice_read"
    WATCHLIST_ALERT = "watchlist_alert"
    MESSAGE = "message"
    MESSAGE_READ = "message_read"
    MLA = "mla"
    CASE = "case"
    GRAPH_ANALYSIS = "graph_analysis"
    STIX_IMPORT = "stix_import"
    STIX_READ = "stix_read"
    STIX_CORRELATION = "stix_correlation"
    STIX_DELETE = "stix_delete"
    TAXII_COLLECTION = "taxii_collection"
    TAXII_FEED = "taxii_feed"


_DEFERRED = "accord_ledger_deferred"


@contextmanager
def appended_together(conn: Connection) -> Iterator[None]:
    """Within the block, the entries recorded on `conn` are kept in order and appended in one
    step when the block ends (one index reservation and tree update instead of one per
    entry): for a transaction that records many, e.g. a batch of messages. Indexes are not
    known inside the block (`record_event` returns -1 there). Nothing is appended if the
    block raises; the caller's transaction then rolls back anyway."""
    if _DEFERRED in conn.info:
        yield
        return
    items: list[tuple[Event, str, Mapping[str, Any]]] = []
    conn.info[_DEFERRED] = items
    try:
        yield
    finally:
        conn.info.pop(_DEFERRED, None)
    record_events(conn, items)


def record_events(conn: Connection, items: Sequence[tuple[Event, str, Mapping[str, Any]]]) -> int:
    """Append (event, actor, details) items in the caller's transaction; returns the first index
    (-1 inside `appended_together`, where they are appended when its block ends).

    The caller's change and its ledger entries commit or roll back together."""
    deferred: list[tuple[Event, str, Mapping[str, Any]]] | None = conn.info.get(_DEFERRED)
    if deferred is not None:
        deferred.extend(items)
        return -1
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
        payload = encode_entry(idx, at, event.value, actor, details)
        node_rows = appender.append(payload.encode("utf-8"))
        rows.append(EntryRow(idx, at, event.value, actor, payload, node_rows[0][2]))
        new_nodes.extend(node_rows)
    store.insert_entries(conn, rows)
    nodes.put_nodes(new_nodes)
    heads.note_appended(conn, first + len(items))
    return first


def record_event(
    conn: Connection, event: Event, actor: Principal | str, details: Mapping[str, Any]
) -> int:
    """Append one event; returns its index."""
    label = actor.label if isinstance(actor, Principal) else actor
    return record_events(conn, [(event, label, details)])


def sign_tree_head(node: Node) -> SignedTreeHead:
    """Sign the current tree head with the node's Ed25519 key (reuses the latest if unchanged).

    Signs nothing, and raises `LedgerTampered`, over a log that does not extend the last head
    in the head log (`accord.services.heads.sign_head`)."""
    return heads.sign_head(node)


def tree_head(node: Node) -> SignedTreeHead:
    """The latest signed tree head, signing a new one if the ledger has grown."""
    return sign_tree_head(node)


def log_size(node: Node) -> int:
    """Number of entries in the ledger (signed or not yet)."""
    with node.engine.connect() as conn:
        return store.ledger_size(conn)


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
    """Entries start <= index < end (at most 1000), every field decoded from the hashed payload.

    `intact` says the payload decodes, is the entry of its index, and gives the leaf hash
    recorded in the tree (what `leaf_hash` shows is recomputed from the payload); the tree
    itself is proven against the signed heads by `verify`."""
    _check_int("start", start)
    if end < start:
        raise ValidationError(FieldError("end", "must not be less than start"))
    if end - start > 1000:
        raise ValidationError(FieldError("end", "at most 1000 entries per request"))
    with node.engine.connect() as conn:
        size = store.ledger_size(conn)
        if start > size:
            raise ValidationError(FieldError("start", f"must not exceed the log size {size}"))
        stop = min(end, size)
        nodes = SqlNodes(conn)
        recorded = dict(nodes.level_range(0, start, stop))
        return [_shown(e, recorded.get(e.idx)) for e in store.iter_entries(conn, start, stop)]


def _shown(row: EntryRow, recorded: bytes | None) -> dict[str, Any]:
    digest = sha256(b"\x00" + row.payload.encode("utf-8")).digest()
    shown: dict[str, Any] = {
        "index": row.idx,
        "at": None,
        "event": None,
        "actor": None,
        "details": None,
        "payload": row.payload,
        "leaf_hash": b64encode(digest).decode("ascii"),
        "intact": False,
    }
    try:
        entry = decode_entry(row.payload)
    except EntryError:
        return shown
    shown.update(
        at=entry.at.isoformat(),
        event=entry.event,
        actor=entry.actor,
        details=entry.details,
        intact=entry.index == row.idx and digest == recorded,
    )
    return shown


def verify(node: Node) -> LogVerification:
    """Check the whole stored ledger (`accord.ledger.check`): every entry and its columns,
    every stored node, every signed head in the database and in the head log, consecutive
    heads by consistency proofs. Reads only — it signs nothing."""
    public = node.keys.signing.public_key()

    def verifier(message: bytes, signature: bytes) -> bool:
        try:
            public.verify(signature, message)
        except Exception:  # noqa: BLE001 - any failure is "does not verify"
            return False
        return True

    # The log first: every logged head was committed to the database before its line was
    # written, so the snapshot taken next holds all of them.
    logged: HeadLog = read_head_log(heads.head_log(node))
    with store.read_snapshot(node.engine) as conn:
        stored = [StoredHead(heads.signed(h), h.key_id) for h in store.heads(conn)]
        return verify_stored_log(
            store.ledger_size(conn),
            store.iter_stored_entries(conn),
            SqlNodes(conn),
            stored,
            logged,
            verifier,
            node.signing_fingerprint,
        )
