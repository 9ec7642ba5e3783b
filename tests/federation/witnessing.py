"""Helpers for witnessing tests: a partner's state as this node witnessed it, waiting for the
witness worker, and what an attacker who holds a node's database and key does to its ledger."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import text

from accord.ledger import LogTree, SignedTreeHead
from accord.services.audit import Event, record_events
from accord.services.heads import head_log
from accord.services.node import Node
from accord.services.witness import run_due, witness_state
from accord.store import ledger as ledger_store
from accord.store.ledger import SqlNodes


def state_of(node: Node, partner: str) -> dict[str, Any]:
    """`partner` as `node` witnessed it (the shape of GET /api/v1/audit/witness)."""
    (found,) = [p.to_dict() for p in witness_state(node) if p.partner == partner]
    return found


def settle(node: Node, partner: str, timeout: float = 15.0) -> dict[str, Any]:
    """Run the witness's queued checks until none is left for `partner`, and return its state."""
    deadline = time.monotonic() + timeout
    while True:
        run_due(node)
        found = state_of(node, partner)
        if found["pending"] == 0 or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def root_at(node: Node, size: int) -> bytes:
    """The root of the first `size` entries of a node's own ledger."""
    with node.engine.connect() as conn:
        return LogTree(SqlNodes(conn), ledger_store.ledger_size(conn)).root(size)


def ledger_size(node: Node) -> int:
    with node.engine.connect() as conn:
        return ledger_store.ledger_size(conn)


def truncate_ledger(node: Node, keep: int) -> None:
    """What an administrator with write access to the database and the node's home does to hide
    entries: drop every entry from `keep` on, the tree nodes and signed heads that cover them,
    the size, and the head log's lines above it (so the node itself signs again)."""
    log = head_log(node)
    if log.exists():
        kept = [
            line
            for line in log.read_bytes().splitlines(keepends=True)
            if SignedTreeHead.from_json(json.loads(line)).head.size <= keep
        ]
        log.write_bytes(b"".join(kept))
    with node.engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_entries WHERE idx >= :k"), {"k": keep})
        conn.execute(
            text("DELETE FROM ledger_nodes WHERE (idx + 1) * (1 << level) > :k"), {"k": keep}
        )
        conn.execute(text("DELETE FROM ledger_heads WHERE size > :k"), {"k": keep})
        conn.execute(text("UPDATE ledger_state SET size = :k WHERE id = 1"), {"k": keep})
    node.cache.pop("witness_head", None)


def forge_entries(node: Node, count: int) -> None:
    """Append `count` entries the log never had, through the node's own code (so that the tree
    and every head the node signs afterwards are internally consistent)."""
    with node.engine.begin() as conn:
        record_events(
            conn,
            [(Event.SEARCH, "user:nobody@XX", {"forged": i}) for i in range(count)],
        )
