from datetime import UTC, datetime, timedelta

from accord.auth import DEFAULT_LOCKOUT, LockoutPolicy, Throttle, after_failure, retry_after

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_delay_is_zero_below_the_threshold_then_doubles_up_to_the_cap() -> None:
    policy = LockoutPolicy(threshold=5, base=timedelta(seconds=30), cap=timedelta(hours=1))
    delays = [policy.delay(n).total_seconds() for n in range(1, 14)]
    assert delays == [0, 0, 0, 0, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert policy.delay(10_000) == timedelta(hours=1)


def test_fifth_failure_locks_and_retry_after_counts_down() -> None:
    state = Throttle()
    for i in range(4):
        state = after_failure(state, T0 + timedelta(seconds=i))
        assert retry_after(state, T0 + timedelta(seconds=i)) is None
    state = after_failure(state, T0 + timedelta(seconds=4))
    assert state.failures == 5
    assert retry_after(state, T0 + timedelta(seconds=4)) == 30
    assert retry_after(state, T0 + timedelta(seconds=33, milliseconds=500)) == 1
    assert retry_after(state, T0 + timedelta(seconds=34)) is None


def test_each_failure_after_a_lock_doubles_the_next_lock() -> None:
    state, now, locks = Throttle(), T0, []
    for _ in range(8):
        state = after_failure(state, now)
        wait = retry_after(state, now)
        locks.append(wait)
        now += timedelta(seconds=(wait or 0) + 1)
    assert locks == [None, None, None, None, 30, 60, 120, 240]


def test_failures_older_than_the_forget_window_no_longer_count() -> None:
    state = Throttle()
    for i in range(4):
        state = after_failure(state, T0 + timedelta(minutes=i))
    later = T0 + DEFAULT_LOCKOUT.forget_after + timedelta(minutes=10)
    state = after_failure(state, later)
    assert state.failures == 1
    assert retry_after(state, later) is None


def test_an_expired_lock_does_not_block() -> None:
    state = Throttle(failures=5, last_failure=T0, locked_until=T0 + timedelta(seconds=30))
    assert retry_after(state, T0 + timedelta(seconds=30)) is None
    assert retry_after(state, T0 + timedelta(seconds=29)) == 1
