"""SQL storage of the audit ledger: entries, perfect-subtree hashes, signed heads.

Entries and node rows are only ever inserted. The one-row `ledger_state` holds the size and is
updated first in every append, which takes the row lock (PostgreSQL) or the write lock
(SQLite) and so serialises appenders."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, text

from accord.ledger import NodeKey, NodeRow
from accord.ledger.check import StoredEntry
from accord.store.db import placeholder
from accord.store.tables import ledger_entries, ledger_heads, ledger_nodes, ledger_state

__all__ = [
    "EntryRow",
    "HeadRow",
    "SqlNodes",
    "entries_containing",
    "heads",
    "heads_above",
    "insert_entries",
    "insert_head",
    "iter_entries",
    "iter_payloads",
    "iter_stored_entries",
    "latest_head",
    "ledger_size",
    "read_snapshot",
    "recorded_leaf_hashes",
    "reserve",
]

_CHUNK = 400


@dataclass(frozen=True, slots=True)
class EntryRow:
    idx: int
    at: datetime
    event: str
    actor: str
    payload: str
    leaf_hash: bytes


@dataclass(frozen=True, slots=True)
class HeadRow:
    size: int
    root: bytes
    timestamp_ms: int
    signature: bytes
    key_id: str


@lru_cache(maxsize=256)
def _nodes_sql(count: int, mark: str) -> str:
    """A proof reads ~2 log2(n) nodes at once. An OR of primary-key equalities, sent straight
    to the driver: SQLite scans the table for a row-value IN, and building the statement
    through SQLAlchemy cost more than running it."""
    terms = " OR ".join([f"(level = {mark} AND idx = {mark})"] * count)
    return f"SELECT level, idx, hash FROM ledger_nodes WHERE {terms}"  # noqa: S608


class SqlNodes:
    """The ledger's NodeReader and NodeWriter on a connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get_nodes(self, keys: Sequence[NodeKey]) -> list[bytes]:
        found: dict[tuple[int, int], bytes] = {}
        wanted = list(dict.fromkeys(keys))
        mark = placeholder(self.conn)
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            params = tuple(v for key in chunk for v in key)
            for level, idx, digest in self.conn.exec_driver_sql(
                _nodes_sql(len(chunk), mark), params
            ):
                found[(level, idx)] = bytes(digest)
        return [found[k] for k in keys if k in found]

    def level(self, level: int, batch: int = 20000) -> Iterator[tuple[int, bytes]]:
        """Every stored `(idx, hash)` of one level in index order, in keyset batches (no cursor
        stays open, so many levels can be read side by side on one connection)."""
        after = -1
        while True:
            rows = self.conn.execute(_LEVEL, {"level": level, "after": after, "n": batch}).all()
            for idx, digest in rows:
                yield int(idx), bytes(digest)
            if len(rows) < batch:
                return
            after = rows[-1][0]

    def level_range(self, level: int, start: int, end: int) -> list[tuple[int, bytes]]:
        """Stored `(idx, hash)` of one level with start <= idx < end."""
        rows = self.conn.execute(_LEVEL_RANGE, {"level": level, "start": start, "end": end})
        return [(int(idx), bytes(digest)) for idx, digest in rows]

    def above(self, level: int) -> NodeKey | None:
        """Some stored node at a level above `level`, or None."""
        row = self.conn.execute(_ABOVE, {"level": level}).first()
        return None if row is None else (int(row[0]), int(row[1]))

    def put_nodes(self, rows: Sequence[NodeRow]) -> None:
        if rows:
            self.conn.execute(
                insert(ledger_nodes), [{"level": lv, "idx": i, "hash": h} for lv, i, h in rows]
            )


_LEVEL = text(
    "SELECT idx, hash FROM ledger_nodes WHERE level = :level AND idx > :after ORDER BY idx LIMIT :n"
)
_LEVEL_RANGE = text(
    "SELECT idx, hash FROM ledger_nodes WHERE level = :level AND idx >= :start AND idx < :end"
)
_ABOVE = text("SELECT level, idx FROM ledger_nodes WHERE level > :level LIMIT 1")


@contextmanager
def read_snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection whose reads all see one committed state of the database, so that a check
    of the whole ledger is not confused by appends committed while it reads: REPEATABLE READ
    on PostgreSQL, one explicit read transaction on SQLite (WAL keeps it from blocking
    writers). Nothing is written through it."""
    if engine.dialect.name == "postgresql":
        pg = engine.connect().execution_options(isolation_level="REPEATABLE READ")
        with pg as conn, conn.begin():
            yield conn
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("BEGIN")
        try:
            yield conn
        finally:
            conn.rollback()


def ledger_size(conn: Connection) -> int:
    return int(conn.execute(select(ledger_state.c.size).where(ledger_state.c.id == 1)).scalar_one())


_RESERVE = text("UPDATE ledger_state SET size = size + :n WHERE id = 1 RETURNING size")


def reserve(conn: Connection, count: int) -> int:
    """Take the append lock and reserve `count` indexes; returns the first one.

    A fixed text statement: built with the expression language it cost more per append than
    the database work (every append of the audit trail passes here)."""
    new_size = conn.execute(_RESERVE, {"n": count}).scalar_one()
    return int(new_size) - count


def insert_entries(conn: Connection, rows: Sequence[EntryRow]) -> None:
    if rows:
        conn.execute(
            insert(ledger_entries),
            [
                {
                    "idx": r.idx,
                    "at": r.at,
                    "event": r.event,
                    "actor": r.actor,
                    "payload": r.payload,
                    "leaf_hash": r.leaf_hash,
                }
                for r in rows
            ],
        )


def _entry(row: Any) -> EntryRow:
    return EntryRow(row.idx, row.at, row.event, row.actor, row.payload, bytes(row.leaf_hash))


def iter_entries(
    conn: Connection, start: int = 0, end: int | None = None, batch: int = 5000
) -> Iterator[EntryRow]:
    """Entries with start <= idx < end in index order, fetched in batches."""
    e = ledger_entries.c
    cursor = start
    while end is None or cursor < end:
        stmt = select(ledger_entries).where(e.idx >= cursor).order_by(e.idx).limit(batch)
        if end is not None:
            stmt = stmt.where(e.idx < end)
        rows = conn.execute(stmt).all()
        if not rows:
            return
        for row in rows:
            yield _entry(row)
        cursor = rows[-1].idx + 1


def iter_stored_entries(conn: Connection, batch: int = 10000) -> Iterator[StoredEntry]:
    """Every entry row in index order, payload as bytes, with the columns beside it."""
    e = ledger_entries.c
    after = -1
    while True:
        stmt = select(ledger_entries).where(e.idx > after).order_by(e.idx).limit(batch)
        rows = conn.execute(stmt).all()
        for r in rows:
            yield StoredEntry(
                r.idx, r.at, r.event, r.actor, r.payload.encode("utf-8"), bytes(r.leaf_hash)
            )
        if len(rows) < batch:
            return
        after = rows[-1].idx


_PAYLOADS = text("SELECT idx, payload FROM ledger_entries WHERE idx > :after ORDER BY idx LIMIT :n")


def iter_payloads(conn: Connection, batch: int = 10000) -> Iterator[bytes]:
    """Every entry's payload bytes in index order: the lean read behind whole-log verification."""
    after = -1
    while True:
        rows = conn.execute(_PAYLOADS, {"after": after, "n": batch}).all()
        if not rows:
            return
        for _, payload in rows:
            yield payload.encode("utf-8")
        after = rows[-1][0]


def insert_head(conn: Connection, head: HeadRow) -> None:
    conn.execute(
        insert(ledger_heads).values(
            size=head.size,
            root=head.root,
            timestamp_ms=head.timestamp_ms,
            signature=head.signature,
            key_id=head.key_id,
        )
    )


def _head(row: Any) -> HeadRow:
    return HeadRow(row.size, bytes(row.root), row.timestamp_ms, bytes(row.signature), row.key_id)


def latest_head(conn: Connection) -> HeadRow | None:
    row = conn.execute(select(ledger_heads).order_by(ledger_heads.c.size.desc()).limit(1)).first()
    return None if row is None else _head(row)


def recorded_leaf_hashes(conn: Connection) -> Iterator[bytes]:
    """Leaf hashes as recorded at append time (level 0 of the node table), in index order.

    Taken from the node table rather than the entry rows: a deleted or swapped entry row takes
    its own hash column with it, but not the node row at its index."""
    n = ledger_nodes.c
    stmt = select(n.hash).where(n.level == 0).order_by(n.idx)
    for row in conn.execution_options(yield_per=5000).execute(stmt):
        yield bytes(row.hash)


def heads_above(conn: Connection, size: int) -> list[HeadRow]:
    """Heads of more than `size` entries, in size order."""
    h = ledger_heads.c
    stmt = select(ledger_heads).where(h.size > size).order_by(h.size)
    return [_head(r) for r in conn.execute(stmt)]


def heads(conn: Connection) -> list[HeadRow]:
    return [_head(r) for r in conn.execute(select(ledger_heads).order_by(ledger_heads.c.size))]


def entries_containing(
    conn: Connection, event: str, fragment: str, limit: int = 1000
) -> list[EntryRow]:
    """The latest entries of `event` whose payload contains `fragment` (newest first): a
    coarse filter; the caller decodes each entry and keeps those that really match."""
    e = ledger_entries.c
    stmt = (
        select(ledger_entries)
        .where(e.event == event, e.payload.contains(fragment, autoescape=True))
        .order_by(e.idx.desc())
        .limit(limit)
    )
    return [_entry(row) for row in conn.execute(stmt)]
