"""The database-backed replay seen-set: atomic, shared by workers, pruned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from accord.crypto import ReplayedNonce, ReplayGuard
from accord.federation.nonces import DbNonceStore
from accord.services.node import Node


def test_a_pair_is_accepted_once_across_workers(node: Node) -> None:
    first, second = DbNonceStore(node.engine), DbNonceStore(node.engine)
    assert first.add("nl-politie", "nonce-1", 2_000_000_000.5)
    assert not second.add("nl-politie", "nonce-1", 2_000_000_000.5)
    assert second.add("ua-npu", "nonce-1", 2_000_000_000.5)


def test_expired_pairs_are_pruned(node: Node) -> None:
    store = DbNonceStore(node.engine)
    store.add("nl-politie", "old", 100.0)
    store.add("nl-politie", "new", 10_000.0)
    assert store.prune(5_000.0) == 1
    assert store.add("nl-politie", "old", 100.0)
    assert not store.add("nl-politie", "new", 10_000.0)


def test_a_replay_guard_over_the_table_refuses_a_second_use(node: Node) -> None:
    now = datetime.now(UTC)
    guards = [ReplayGuard(DbNonceStore(node.engine), timedelta(seconds=120)) for _ in range(2)]
    guards[0].check("de-bka", "n" * 22, now, now)
    with pytest.raises(ReplayedNonce):
        guards[1].check("de-bka", "n" * 22, now, now)
