"""Federation storage: partners, directory editions, the shared nonce set, idempotent receipts,
the outbox and follow-up requests.

Functions take a Connection inside the caller's transaction, so that a service writes an
outbox message in the same transaction as the change it announces."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from accord.store.db import dialect_insert
from accord.store.tables import (
    federation_directories,
    federation_nonces,
    federation_outbox,
    federation_peers,
    federation_receipts,
    follow_up_transitions,
    follow_ups,
)

__all__ = [
    "DirectoryRow",
    "FollowUpRow",
    "OutboxRow",
    "PeerRow",
    "TransitionRow",
    "add_nonce",
    "add_transition",
    "claim_due",
    "delete_peer",
    "enqueue",
    "get_follow_up",
    "get_peer",
    "get_receipt",
    "get_receipts",
    "insert_directory",
    "insert_follow_up",
    "insert_receipt",
    "latest_directory",
    "list_follow_ups",
    "list_outbox",
    "list_peers",
    "mark_all_delivered",
    "mark_delivered",
    "mark_failed",
    "mark_retry",
    "prune_nonces",
    "put_peer",
    "transitions",
]


# --- partners ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PeerRow:
    node_id: str
    agency_code: str
    url: str
    signing_key: str  # raw Ed25519 public key, unpadded base64url
    encryption_key: str  # raw X25519 public key, unpadded base64url
    tls_fingerprint: str
    valid_until: datetime | None
    source: str  # "directory" or "manual"
    added_at: datetime


def _peer(row: Row[Any]) -> PeerRow:
    return PeerRow(
        node_id=row.node_id,
        agency_code=row.agency_code,
        url=row.url,
        signing_key=row.signing_key,
        encryption_key=row.encryption_key,
        tls_fingerprint=row.tls_fingerprint,
        valid_until=row.valid_until,
        source=row.source,
        added_at=row.added_at,
    )


def put_peer(conn: Connection, peer: PeerRow) -> None:
    """Add a partner or replace the one with the same node id."""
    conn.execute(delete(federation_peers).where(federation_peers.c.node_id == peer.node_id))
    conn.execute(insert(federation_peers).values(**asdict(peer)))


def get_peer(conn: Connection, node_id: str) -> PeerRow | None:
    row = conn.execute(
        select(federation_peers).where(federation_peers.c.node_id == node_id)
    ).first()
    return _peer(row) if row is not None else None


def list_peers(conn: Connection) -> list[PeerRow]:
    rows = conn.execute(select(federation_peers).order_by(federation_peers.c.node_id))
    return [_peer(r) for r in rows]


def delete_peer(conn: Connection, node_id: str, *, source: str | None = None) -> bool:
    stmt = delete(federation_peers).where(federation_peers.c.node_id == node_id)
    if source is not None:
        stmt = stmt.where(federation_peers.c.source == source)
    return conn.execute(stmt).rowcount > 0


# --- directory editions -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DirectoryRow:
    serial: int
    federation: str
    issued_at: datetime
    directory_key: str  # PEM of the directory public key that signed it
    token: str  # the compact JWS as received
    imported_at: datetime


def latest_directory(conn: Connection) -> DirectoryRow | None:
    d = federation_directories.c
    row = conn.execute(select(federation_directories).order_by(d.serial.desc()).limit(1)).first()
    if row is None:
        return None
    return DirectoryRow(
        serial=row.serial,
        federation=row.federation,
        issued_at=row.issued_at,
        directory_key=row.directory_key,
        token=row.token,
        imported_at=row.imported_at,
    )


def insert_directory(conn: Connection, row: DirectoryRow) -> bool:
    """Keep an edition; False when this serial is already kept."""
    stmt = (
        dialect_insert(conn, federation_directories)
        .values(**asdict(row))
        .on_conflict_do_nothing(index_elements=["serial"])
        .returning(federation_directories.c.serial)
    )
    return conn.execute(stmt).first() is not None


# --- nonces and receipts ----------------------------------------------------------------------


def add_nonce(conn: Connection, sender: str, nonce: str, expires_at: int) -> bool:
    """Record a (sender, nonce) pair atomically; False if it was already there."""
    stmt = (
        dialect_insert(conn, federation_nonces)
        .values(sender=sender, nonce=nonce, expires_at=expires_at)
        .on_conflict_do_nothing(index_elements=["sender", "nonce"])
        .returning(federation_nonces.c.nonce)
    )
    return conn.execute(stmt).first() is not None


def prune_nonces(conn: Connection, now: int) -> int:
    stmt = delete(federation_nonces).where(federation_nonces.c.expires_at < now)
    return int(conn.execute(stmt).rowcount)


_r = federation_receipts.c
_GET_RECEIPT = select(_r.status, _r.response).where(
    _r.sender == bindparam("sender"), _r.request_id == bindparam("request_id")
)
_INSERT_RECEIPT = insert(federation_receipts)
_INSERT_OUTBOX = insert(federation_outbox)


def get_receipt(conn: Connection, sender: str, request_id: str) -> tuple[int, bytes] | None:
    row = conn.execute(_GET_RECEIPT, {"sender": sender, "request_id": request_id}).first()
    return (int(row.status), bytes(row.response)) if row is not None else None


def get_receipts(
    conn: Connection, sender: str, request_ids: Sequence[str]
) -> dict[str, tuple[int, bytes]]:
    """The answers kept for those of `request_ids` this sender's requests already had."""
    if not request_ids:
        return {}
    rows = conn.execute(
        select(_r.request_id, _r.status, _r.response).where(
            _r.sender == sender, _r.request_id.in_(list(request_ids))
        )
    )
    return {r.request_id: (int(r.status), bytes(r.response)) for r in rows}


def insert_receipt(
    conn: Connection, sender: str, request_id: str, status: int, response: bytes, at: datetime
) -> None:
    """Keep the answer to a request; raises IntegrityError if one is already kept."""
    conn.execute(
        _INSERT_RECEIPT,
        {
            "sender": sender,
            "request_id": request_id,
            "status": status,
            "response": response,
            "received_at": at,
        },
    )


# --- outbox -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    message_id: str
    recipient: str
    kind: str
    subject: str
    method: str
    path: str
    body: bytes
    state: str  # "pending", "delivered" or "failed"
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


def _outbox(row: Row[Any]) -> OutboxRow:
    return OutboxRow(
        id=row.id,
        message_id=row.message_id,
        recipient=row.recipient,
        kind=row.kind,
        subject=row.subject,
        method=row.method,
        path=row.path,
        body=bytes(row.body),
        state=row.state,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
    )


def enqueue(
    conn: Connection,
    *,
    message_id: str,
    recipient: str,
    kind: str,
    subject: str,
    method: str,
    path: str,
    body: bytes,
    at: datetime,
) -> None:
    """Queue a message for delivery, due now, in the caller's transaction."""
    conn.execute(
        _INSERT_OUTBOX,
        {
            "message_id": message_id,
            "recipient": recipient,
            "kind": kind,
            "subject": subject,
            "method": method,
            "path": path,
            "body": body,
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": at,
            "created_at": at,
        },
    )


def claim_due(
    conn: Connection, now: datetime, lease_until: datetime, limit: int
) -> list[OutboxRow]:
    """Pending messages that are due and not leased to another worker, leased to the caller,
    oldest due first. One UPDATE takes them: a row another worker leased in between is not
    free any more there, and RETURNING gives exactly the rows this statement leased."""
    o = federation_outbox.c
    free = or_(o.lease_until.is_(None), o.lease_until < now)
    due = [
        pk
        for (pk,) in conn.execute(
            select(o.id)
            .where(o.state == "pending", o.next_attempt_at <= now, free)
            .order_by(o.next_attempt_at, o.id)
            .limit(limit)
        )
    ]
    if not due:
        return []
    won = conn.execute(
        update(federation_outbox)
        .where(and_(o.id.in_(due), o.state == "pending", free))
        .values(lease_until=lease_until)
        .returning(*federation_outbox.c)
    ).all()
    return sorted((_outbox(r) for r in won), key=lambda r: (r.next_attempt_at, r.id))


def mark_delivered(conn: Connection, message_pk: int, at: datetime) -> None:
    o = federation_outbox.c
    conn.execute(
        update(federation_outbox)
        .where(o.id == message_pk)
        .values(state="delivered", delivered_at=at, lease_until=None, attempts=o.attempts + 1)
    )


def mark_all_delivered(conn: Connection, message_pks: Sequence[int], at: datetime) -> None:
    """`mark_delivered` for several messages in one statement."""
    if not message_pks:
        return
    o = federation_outbox.c
    conn.execute(
        update(federation_outbox)
        .where(o.id.in_(list(message_pks)))
        .values(state="delivered", delivered_at=at, lease_until=None, attempts=o.attempts + 1)
    )


def mark_retry(conn: Connection, message_pk: int, next_attempt_at: datetime, error: str) -> None:
    o = federation_outbox.c
    conn.execute(
        update(federation_outbox)
        .where(o.id == message_pk)
        .values(
            attempts=o.attempts + 1,
            next_attempt_at=next_attempt_at,
            last_error=error[:200],
            lease_until=None,
        )
    )


def mark_failed(conn: Connection, message_pk: int, error: str) -> None:
    o = federation_outbox.c
    conn.execute(
        update(federation_outbox)
        .where(o.id == message_pk)
        .values(state="failed", attempts=o.attempts + 1, last_error=error[:200], lease_until=None)
    )


def list_outbox(conn: Connection, state: str | None = None) -> list[OutboxRow]:
    o = federation_outbox.c
    stmt = select(federation_outbox).order_by(o.id)
    if state is not None:
        stmt = stmt.where(o.state == state)
    return [_outbox(r) for r in conn.execute(stmt)]


# --- follow-ups -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FollowUpRow:
    follow_up_id: str
    direction: str  # "outgoing" (we asked) or "incoming" (a partner asks us)
    partner: str  # the other node's id
    partner_agency: str
    reference: str
    purpose: str
    case_reference: str
    crime_area: str
    legal_basis: str
    justification: str
    deadline: datetime
    created_at: datetime
    created_by: str
    pk: int = 0
    state: str = ""  # the latest transition's state


@dataclass(frozen=True, slots=True)
class TransitionRow:
    state: str
    at: datetime
    actor: str
    details: dict[str, Any]


_FOLLOW_UP_COLUMNS = (
    "follow_up_id",
    "direction",
    "partner",
    "partner_agency",
    "reference",
    "purpose",
    "case_reference",
    "crime_area",
    "legal_basis",
    "justification",
    "deadline",
    "created_at",
    "created_by",
)


def insert_follow_up(conn: Connection, row: FollowUpRow) -> int:
    """Store a follow-up; raises IntegrityError if its id is taken. Returns its pk."""
    values = {name: getattr(row, name) for name in _FOLLOW_UP_COLUMNS}
    result = conn.execute(insert(follow_ups).values(**values).returning(follow_ups.c.pk))
    return int(result.scalar_one())


def add_transition(
    conn: Connection,
    follow_up_pk: int,
    state: str,
    at: datetime,
    actor: str,
    details: dict[str, Any],
) -> None:
    conn.execute(
        insert(follow_up_transitions).values(
            follow_up_pk=follow_up_pk, state=state, at=at, actor=actor, details=details
        )
    )


def _latest_state() -> Any:
    t = follow_up_transitions.c
    latest = (
        select(t.follow_up_pk, func.max(t.pk).label("last"))
        .group_by(t.follow_up_pk)
        .subquery("latest")
    )
    return (
        select(follow_ups, follow_up_transitions.c.state)
        .join(latest, latest.c.follow_up_pk == follow_ups.c.pk)
        .join(follow_up_transitions, follow_up_transitions.c.pk == latest.c.last)
    )


def _follow_up(row: Row[Any]) -> FollowUpRow:
    values = {name: getattr(row, name) for name in _FOLLOW_UP_COLUMNS}
    return FollowUpRow(**values, pk=row.pk, state=row.state)


def get_follow_up(conn: Connection, follow_up_id: str) -> FollowUpRow | None:
    row = conn.execute(_latest_state().where(follow_ups.c.follow_up_id == follow_up_id)).first()
    return _follow_up(row) if row is not None else None


def list_follow_ups(
    conn: Connection, *, direction: str | None = None, states: Sequence[str] = ()
) -> list[FollowUpRow]:
    stmt = _latest_state().order_by(follow_ups.c.created_at.desc(), follow_ups.c.pk.desc())
    if direction is not None:
        stmt = stmt.where(follow_ups.c.direction == direction)
    if states:
        stmt = stmt.where(follow_up_transitions.c.state.in_(list(states)))
    return [_follow_up(r) for r in conn.execute(stmt)]


def transitions(conn: Connection, follow_up_pk: int) -> list[TransitionRow]:
    t = follow_up_transitions.c
    rows = conn.execute(
        select(follow_up_transitions).where(t.follow_up_pk == follow_up_pk).order_by(t.pk)
    )
    return [TransitionRow(r.state, r.at, r.actor, dict(r.details)) for r in rows]
