"""Witness storage on every backend: an alarm is written once and later heads never clear it;
queued heads come back in size order and once per (size, root)."""

from __future__ import annotations

from datetime import UTC, datetime

from accord.ledger import SignedTreeHead, TreeHead
from accord.services.node import Node
from accord.store import witness as store

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def sth(size: int, root: bytes = b"\x01" * 32, ts: int = 1000) -> SignedTreeHead:
    return SignedTreeHead(TreeHead(size, root, ts), b"\x02" * 64)


def test_an_alarm_is_kept_and_later_heads_do_not_overwrite_it(node: Node) -> None:
    with node.engine.begin() as conn:
        assert store.lock_partner(conn, "nl-politie").state == store.STATE_UNSEEN
        store.set_anchor(conn, "nl-politie", sth(10), NOW, state="consistent")
        assert store.set_alarm(conn, "nl-politie", "shrunk", "smaller later", {"a": 1}, NOW)
        assert not store.set_alarm(conn, "nl-politie", "forked", "again", {"b": 2}, NOW)
        store.set_anchor(conn, "nl-politie", sth(20), NOW, state="consistent")
    with node.engine.connect() as conn:
        row = store.get_partner(conn, "nl-politie")
    assert row is not None
    assert (row.state, row.alarm_kind, row.alarm_evidence) == ("shrunk", "shrunk", {"a": 1})
    assert row.head == sth(10)


def test_queued_heads_come_back_smallest_first_and_once(node: Node) -> None:
    with node.engine.begin() as conn:
        store.lock_partner(conn, "ua-npu")
        for size in (30, 12, 30, 20):
            store.add_pending(conn, "ua-npu", sth(size), "request:POST /x", NOW)
        store.add_pending(conn, "ua-npu", sth(30, b"\x03" * 32), "request:POST /x", NOW)
    with node.engine.connect() as conn:
        queued = store.pending_for(conn, "ua-npu")
        assert store.due_partners(conn, NOW) == ["ua-npu"]
    assert [(p.head.head.size, p.head.head.root[0]) for p in queued] == [
        (12, 1),
        (20, 1),
        (30, 1),
        (30, 3),
    ]
