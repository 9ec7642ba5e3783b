"""Login throttling: after `threshold` consecutive failures a user name is locked for a delay
that doubles with each further failure, up to a cap. While locked, attempts are refused
without checking the password. Pure functions of the stored state and the time."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

__all__ = ["DEFAULT_LOCKOUT", "LockoutPolicy", "Throttle", "after_failure", "retry_after"]


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    """`threshold` failures lock for `base`, each further one doubles it (capped at `cap`);
    failures older than `forget_after` no longer count."""

    threshold: int = 5
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)
    forget_after: timedelta = timedelta(hours=24)

    def delay(self, failures: int) -> timedelta:
        """The lock after the `failures`-th consecutive failure: 0, then base · 2^k, capped."""
        if failures < self.threshold:
            return timedelta(0)
        doublings = min(failures - self.threshold, 32)
        return min(self.base * (1 << doublings), self.cap)


DEFAULT_LOCKOUT = LockoutPolicy()


@dataclass(frozen=True, slots=True)
class Throttle:
    """The stored state of one user name."""

    failures: int = 0
    last_failure: datetime | None = None
    locked_until: datetime | None = None


def retry_after(state: Throttle, now: datetime) -> int | None:
    """Whole seconds until the name unlocks (for Retry-After), or None when not locked."""
    if state.locked_until is None or state.locked_until <= now:
        return None
    return max(1, math.ceil((state.locked_until - now).total_seconds()))


def after_failure(
    state: Throttle, now: datetime, policy: LockoutPolicy = DEFAULT_LOCKOUT
) -> Throttle:
    """The state after one more failed attempt at `now`."""
    failures = state.failures
    if state.last_failure is not None and now - state.last_failure > policy.forget_after:
        failures = 0
    failures += 1
    delay = policy.delay(failures)
    locked = now + delay if delay else None
    return replace(state, failures=failures, last_failure=now, locked_until=locked)
