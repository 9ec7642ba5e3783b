"""Replay protection for signed federation messages.

A message is accepted only if its `iat` lies within ±window of now (default 120 s) and its
(sender, nonce) pair has not been accepted before. A pair needs remembering only until
`iat + window`: after that the timestamp check alone refuses the message, so the seen-set is
pruned as time moves on and its size is bounded by the message rate times twice the window.

The seen-set sits behind `NonceStore`; `MemoryNonceStore` serves one process, and a database
table with a unique (sender, nonce) key serves several workers.
"""

from __future__ import annotations

import heapq
import threading
from datetime import datetime, timedelta
from typing import Protocol

from accord.crypto.encoding import aware
from accord.crypto.errors import ReplayedNonce, StaleTimestamp

__all__ = ["DEFAULT_WINDOW", "MemoryNonceStore", "NonceStore", "ReplayGuard"]

DEFAULT_WINDOW = timedelta(seconds=120)


class NonceStore(Protocol):
    """The set of (sender, nonce) pairs already accepted."""

    def add(self, sender: str, nonce: str, expires_at: float) -> bool:
        """Record the pair until `expires_at` (Unix seconds), atomically. Return False, and
        record nothing, if the pair is already present."""
        ...

    def prune(self, now: float) -> int:
        """Forget pairs whose `expires_at` is before `now`; return how many were forgotten."""
        ...


class MemoryNonceStore:
    """An in-process NonceStore: a dict for lookups and a heap ordered by expiry for pruning.
    Safe to share between threads."""

    __slots__ = ("_expiry", "_lock", "_seen")

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], float] = {}
        self._expiry: list[tuple[float, str, str]] = []
        self._lock = threading.Lock()

    def add(self, sender: str, nonce: str, expires_at: float) -> bool:
        key = (sender, nonce)
        with self._lock:
            if key in self._seen:
                return False
            self._seen[key] = expires_at
            heapq.heappush(self._expiry, (expires_at, sender, nonce))
            return True

    def prune(self, now: float) -> int:
        removed = 0
        with self._lock:
            while self._expiry and self._expiry[0][0] < now:
                _, sender, nonce = heapq.heappop(self._expiry)
                del self._seen[(sender, nonce)]
                removed += 1
        return removed

    def __len__(self) -> int:
        return len(self._seen)


class ReplayGuard:
    """Accepts each (sender, nonce) once, and only with a timestamp near now."""

    __slots__ = ("store", "window")

    def __init__(self, store: NonceStore | None = None, window: timedelta = DEFAULT_WINDOW):
        if window <= timedelta(0):
            raise ValueError("the replay window must be positive")
        self.store: NonceStore = store if store is not None else MemoryNonceStore()
        self.window = window

    def check(
        self, sender: str, nonce: str, issued_at: datetime, now: datetime | None = None
    ) -> None:
        """Accept the message or raise StaleTimestamp / ReplayedNonce. Accepting records the
        pair, so call this last, after the signature and every other check passed."""
        now_s = aware(now).timestamp()
        iat_s = aware(issued_at).timestamp()
        window_s = self.window.total_seconds()
        if abs(now_s - iat_s) > window_s:
            raise StaleTimestamp("message timestamp is outside the accepted window")
        self.store.prune(now_s)
        if not self.store.add(sender, nonce, iat_s + window_s):
            raise ReplayedNonce("message nonce was already used")
