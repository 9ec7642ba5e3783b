"""The event stream's retention: events older than ACCORD_EVENTS_RETENTION_DAYS go, oldest
first and a bounded number at a time; newer ones and what they announced stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from accord.services.events import events_after, prune_events, publish_event
from accord.services.node import Node
from accord.store import notices as store


def _publish(node: Node, at: datetime, n: int = 1) -> None:
    with node.engine.begin() as conn:
        for _ in range(n):
            publish_event(conn, "DE-BKA", "alert", {"at": at.isoformat()}, at)


def test_events_past_their_retention_are_removed_and_newer_ones_kept(node: Node) -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    _publish(node, now - timedelta(days=45), 3)
    _publish(node, now - timedelta(days=29), 2)
    _publish(node, now, 1)
    assert prune_events(node, now) == 3
    left = events_after(node, "DE-BKA", 0)
    assert len(left) == 3
    assert all(e.created_at >= now - timedelta(days=30) for e in left)
    assert prune_events(node, now) == 0  # nothing more to remove


def test_a_round_removes_a_bounded_number(node: Node) -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    _publish(node, now - timedelta(days=90), 5)
    with node.engine.begin() as conn:
        assert store.prune_events(conn, now - timedelta(days=30), limit=2) == 2
        assert store.prune_events(conn, now - timedelta(days=30), limit=2) == 2
        assert store.prune_events(conn, now - timedelta(days=30), limit=2) == 1
    assert events_after(node, "DE-BKA", 0) == []


def test_an_event_to_keep_is_kept_even_among_old_ids(node: Node) -> None:
    """A clock stepped back writes an old time after a new one: the new one stays."""
    now = datetime(2026, 12, 1, tzinfo=UTC)
    _publish(node, now - timedelta(days=60))
    _publish(node, now)
    _publish(node, now - timedelta(days=60))
    assert prune_events(node, now) == 1
    assert events_after(node, "DE-BKA", 0)[0].created_at == now
