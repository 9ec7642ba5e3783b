from datetime import timedelta

import pytest

from accord.crypto import MemoryNonceStore, ReplayedNonce, ReplayGuard, StaleTimestamp

from .conftest import NOW


def test_a_fresh_message_is_accepted_once_and_its_replay_refused() -> None:
    guard = ReplayGuard()
    guard.check("de-bka", "n1", NOW, NOW)
    with pytest.raises(ReplayedNonce):
        guard.check("de-bka", "n1", NOW, NOW + timedelta(seconds=1))


def test_the_same_nonce_from_another_sender_is_a_different_message() -> None:
    guard = ReplayGuard()
    guard.check("de-bka", "n1", NOW, NOW)
    guard.check("nl-politie", "n1", NOW, NOW)


@pytest.mark.parametrize("skew", [-120, 0, 120])
def test_timestamps_up_to_the_window_either_side_of_now_are_accepted(skew: int) -> None:
    ReplayGuard().check("de-bka", "n", NOW + timedelta(seconds=skew), NOW)


@pytest.mark.parametrize("skew", [-121, 121, -86400])
def test_timestamps_beyond_the_window_are_stale(skew: int) -> None:
    with pytest.raises(StaleTimestamp):
        ReplayGuard().check("de-bka", "n", NOW + timedelta(seconds=skew), NOW)


def test_the_window_is_configurable() -> None:
    guard = ReplayGuard(window=timedelta(seconds=5))
    with pytest.raises(StaleTimestamp):
        guard.check("de-bka", "n", NOW - timedelta(seconds=6), NOW)
    with pytest.raises(ValueError):
        ReplayGuard(window=timedelta(0))


def test_a_replay_after_the_window_is_refused_as_stale_once_the_nonce_is_forgotten() -> None:
    store = MemoryNonceStore()
    guard = ReplayGuard(store)
    guard.check("de-bka", "n1", NOW, NOW)
    later = NOW + timedelta(seconds=121)
    with pytest.raises(StaleTimestamp):
        guard.check("de-bka", "n1", NOW, later)
    guard.check("de-bka", "n2", later, later)
    assert len(store) == 1


def test_pruning_forgets_exactly_the_pairs_whose_window_has_passed() -> None:
    store = MemoryNonceStore()
    t = NOW.timestamp()
    assert store.add("a", "1", t + 10)
    assert store.add("a", "2", t + 20)
    assert store.add("b", "1", t + 30)
    assert store.prune(t + 20) == 1
    assert len(store) == 2
    assert not store.add("a", "2", t + 40)
    assert store.add("a", "1", t + 40)


def test_seen_set_stays_bounded_as_time_moves_on() -> None:
    store = MemoryNonceStore()
    guard = ReplayGuard(store)
    for second in range(1000):
        now = NOW + timedelta(seconds=second)
        guard.check("de-bka", f"n{second}", now, now)
    assert len(store) <= 121


class CountingStore(MemoryNonceStore):
    """A store that records the calls the guard makes, as a database-backed one would see them."""

    __slots__ = ("added",)

    def __init__(self) -> None:
        super().__init__()
        self.added: list[tuple[str, str, float]] = []

    def add(self, sender: str, nonce: str, expires_at: float) -> bool:
        self.added.append((sender, nonce, expires_at))
        return super().add(sender, nonce, expires_at)


def test_guard_asks_the_store_to_remember_a_pair_until_its_timestamp_plus_the_window() -> None:
    store = CountingStore()
    guard = ReplayGuard(store, window=timedelta(seconds=60))
    issued = NOW - timedelta(seconds=30)
    guard.check("de-bka", "n1", issued, NOW)
    assert store.added == [("de-bka", "n1", issued.timestamp() + 60)]


def test_stale_messages_never_reach_the_store() -> None:
    store = CountingStore()
    with pytest.raises(StaleTimestamp):
        ReplayGuard(store).check("de-bka", "n1", NOW - timedelta(hours=1), NOW)
    assert store.added == []
