"""Storage of witnessing: per partner the anchor head, the state and a write-once alarm; the
queue of heads that wait for a consistency proof.

Functions take a Connection inside the caller's transaction. `lock_partner` comes first in every
transaction that changes a partner's state: it writes (SQLite's write lock) and then reads the
row FOR UPDATE (PostgreSQL's row lock), so that concurrent witnesses of one partner serialise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, func, select, update

from accord.ledger import SignedTreeHead, TreeHead
from accord.store.db import dialect_insert
from accord.store.tables import witness_partners, witness_pending

__all__ = [
    "STATE_UNSEEN",
    "PendingRow",
    "WitnessRow",
    "add_pending",
    "count_pending",
    "delete_pending",
    "due_partners",
    "get_partner",
    "list_partners",
    "lock_partner",
    "pending_for",
    "retry_pending",
    "set_alarm",
    "set_anchor",
    "set_error",
    "touch",
]

#: The state of a partner whose heads were never accepted.
STATE_UNSEEN = "unseen"


@dataclass(frozen=True, slots=True)
class WitnessRow:
    partner: str
    state: str
    head: SignedTreeHead | None
    witnessed_at: datetime | None
    first_witnessed_at: datetime | None
    last_seen_at: datetime | None
    alarm_kind: str | None
    alarm_at: datetime | None
    alarm_reason: str | None
    alarm_evidence: dict[str, Any] | None
    last_error: str | None
    last_error_at: datetime | None


@dataclass(frozen=True, slots=True)
class PendingRow:
    id: int
    partner: str
    head: SignedTreeHead
    via: str
    received_at: datetime
    attempts: int


def _head(size: int | None, root: Any, timestamp: int | None, sig: Any) -> SignedTreeHead | None:
    if size is None or root is None or timestamp is None or sig is None:
        return None
    return SignedTreeHead(TreeHead(int(size), bytes(root), int(timestamp)), bytes(sig))


def _witness(row: Row[Any]) -> WitnessRow:
    return WitnessRow(
        partner=row.partner,
        state=row.state,
        head=_head(row.tree_size, row.root_hash, row.timestamp_ms, row.signature),
        witnessed_at=row.witnessed_at,
        first_witnessed_at=row.first_witnessed_at,
        last_seen_at=row.last_seen_at,
        alarm_kind=row.alarm_kind,
        alarm_at=row.alarm_at,
        alarm_reason=row.alarm_reason,
        alarm_evidence=row.alarm_evidence,
        last_error=row.last_error,
        last_error_at=row.last_error_at,
    )


def get_partner(conn: Connection, partner: str) -> WitnessRow | None:
    stmt = select(witness_partners).where(witness_partners.c.partner == partner)
    row = conn.execute(stmt).first()
    return None if row is None else _witness(row)


def list_partners(conn: Connection) -> list[WitnessRow]:
    rows = conn.execute(select(witness_partners).order_by(witness_partners.c.partner))
    return [_witness(r) for r in rows]


def lock_partner(conn: Connection, partner: str) -> WitnessRow:
    """The partner's row, created as `unseen` if absent, locked for this transaction."""
    conn.execute(
        dialect_insert(conn, witness_partners)
        .values(partner=partner, state=STATE_UNSEEN)
        .on_conflict_do_nothing()
    )
    stmt = select(witness_partners).where(witness_partners.c.partner == partner)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return _witness(conn.execute(stmt).one())


def set_anchor(
    conn: Connection, partner: str, head: SignedTreeHead, at: datetime, *, state: str
) -> None:
    """Make `head` the partner's anchor (its largest head proven consistent so far); never on
    a partner that carries an alarm, whose state and head stay as the alarm left them."""
    w = witness_partners.c
    conn.execute(
        update(witness_partners)
        .where(w.partner == partner, w.alarm_kind.is_(None))
        .values(
            state=state,
            tree_size=head.head.size,
            root_hash=head.head.root,
            timestamp_ms=head.head.timestamp,
            signature=head.signature,
            witnessed_at=at,
            first_witnessed_at=func.coalesce(w.first_witnessed_at, at),
        )
    )


def set_alarm(
    conn: Connection,
    partner: str,
    kind: str,
    reason: str,
    evidence: dict[str, Any],
    at: datetime,
) -> bool:
    """Mark the partner forked or shrunk with the evidence; False if it already carries an
    alarm (the first one is kept, never overwritten)."""
    w = witness_partners.c
    result = conn.execute(
        update(witness_partners)
        .where(w.partner == partner, w.alarm_kind.is_(None))
        .values(
            state=kind,
            alarm_kind=kind,
            alarm_at=at,
            alarm_reason=reason[:2000],
            alarm_evidence=evidence,
        )
    )
    return bool(result.rowcount)


def touch(conn: Connection, partner: str, at: datetime) -> None:
    w = witness_partners.c
    conn.execute(update(witness_partners).where(w.partner == partner).values(last_seen_at=at))


def set_error(conn: Connection, partner: str, error: str, at: datetime) -> None:
    w = witness_partners.c
    conn.execute(
        update(witness_partners)
        .where(w.partner == partner)
        .values(last_error=error[:200], last_error_at=at)
    )


def add_pending(
    conn: Connection, partner: str, head: SignedTreeHead, via: str, at: datetime
) -> None:
    """Queue a head for its consistency proof (once per partner, size and root)."""
    conn.execute(
        dialect_insert(conn, witness_pending)
        .values(
            partner=partner,
            tree_size=head.head.size,
            root_hash=head.head.root,
            timestamp_ms=head.head.timestamp,
            signature=head.signature,
            via=via[:64],
            received_at=at,
            attempts=0,
            next_attempt_at=at,
        )
        .on_conflict_do_nothing()
    )


def count_pending(conn: Connection, partner: str) -> int:
    p = witness_pending.c
    stmt = select(func.count()).select_from(witness_pending).where(p.partner == partner)
    return int(conn.execute(stmt).scalar_one())


def _pending(row: Row[Any]) -> PendingRow:
    head = _head(row.tree_size, row.root_hash, row.timestamp_ms, row.signature)
    assert head is not None
    return PendingRow(row.id, row.partner, head, row.via, row.received_at, row.attempts)


def pending_for(conn: Connection, partner: str) -> list[PendingRow]:
    """The partner's queued heads, smallest tree first."""
    p = witness_pending.c
    stmt = (
        select(witness_pending)
        .where(p.partner == partner)
        .order_by(p.tree_size, p.timestamp_ms, p.id)
    )
    return [_pending(r) for r in conn.execute(stmt)]


def due_partners(conn: Connection, now: datetime) -> list[str]:
    """Partners with at least one queued head due for a try."""
    p = witness_pending.c
    stmt = select(p.partner).where(p.next_attempt_at <= now).distinct().order_by(p.partner)
    return [r.partner for r in conn.execute(stmt)]


def delete_pending(conn: Connection, pending_id: int) -> None:
    conn.execute(delete(witness_pending).where(witness_pending.c.id == pending_id))


def retry_pending(conn: Connection, pending_id: int, next_attempt_at: datetime) -> None:
    p = witness_pending.c
    conn.execute(
        update(witness_pending)
        .where(p.id == pending_id)
        .values(attempts=p.attempts + 1, next_attempt_at=next_attempt_at)
    )
