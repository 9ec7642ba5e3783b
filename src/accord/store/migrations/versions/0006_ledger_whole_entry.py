"""ledger: every field under the hash — check the existing entries, change none

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:40:00.000000

From this revision on, what is shown of a ledger entry is decoded from its hashed payload, and
verification compares the `at`, `event`, `actor` and `leaf_hash` columns with it. The payload
has always been the canonical encoding of the whole entry (index, time, event, actor, details),
so no leaf is re-hashed and no row is rewritten (docs/decisions/0008). This migration reads
every existing entry and says which ones do not verify under the stricter reading — a payload
that is not the canonical entry of its index, or a column that disagrees with it — without
changing them: they are evidence, and `accord audit verify` goes on naming the first of them.
"""

from __future__ import annotations

import logging
from hashlib import sha256

import sqlalchemy as sa
from alembic import op

from accord.ledger.entry import EntryError, decode_entry
from accord.store.tables import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

_entries = sa.table(
    "ledger_entries",
    sa.column("idx", sa.BigInteger()),
    sa.column("at", UtcDateTime()),
    sa.column("event", sa.String()),
    sa.column("actor", sa.String()),
    sa.column("payload", sa.Text()),
    sa.column("leaf_hash", sa.LargeBinary()),
)

_SHOWN = 20


def _problem(row: sa.Row[tuple[object, ...]]) -> str | None:
    try:
        entry = decode_entry(row.payload)
    except EntryError as exc:
        return f"its payload {exc}"
    if entry.index != row.idx:
        return f"its payload is the entry of index {entry.index}"
    for column in ("event", "actor", "at"):
        if getattr(row, column) != getattr(entry, column):
            return f"its {column} column disagrees with its payload"
    if sha256(b"\x00" + row.payload.encode("utf-8")).digest() != bytes(row.leaf_hash):
        return "its leaf_hash column is not the hash of its payload"
    return None


def bad_entries(conn: sa.Connection, batch: int = 10000) -> tuple[int, list[tuple[int, str]]]:
    """(entries read, [(index, problem)] of the first few that do not verify)."""
    found: list[tuple[int, str]] = []
    count = 0
    bad = 0
    after = -1
    while True:
        rows = conn.execute(
            sa.select(_entries).where(_entries.c.idx > after).order_by(_entries.c.idx).limit(batch)
        ).all()
        for row in rows:
            count += 1
            problem = _problem(row)
            if problem is not None:
                bad += 1
                if len(found) < _SHOWN:
                    found.append((row.idx, problem))
        if len(rows) < batch:
            return bad, found
        after = rows[-1].idx


def upgrade() -> None:
    bad, found = bad_entries(op.get_bind())
    if not bad:
        return
    listed = "; ".join(f"entry {idx}: {problem}" for idx, problem in found)
    more = f" (and {bad - len(found)} more)" if bad > len(found) else ""
    log.warning(
        "ledger: %d existing entries do not verify and were left as they are: %s%s. "
        "Run `accord audit verify`.",
        bad,
        listed,
        more,
    )


def downgrade() -> None:
    pass
