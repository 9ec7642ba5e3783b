"""The replay guard's seen-set in the node database, shared by every worker of the node
(decision 0004, "Replay protection"): a unique key on (sender, nonce) makes `add` atomic."""

from __future__ import annotations

import math
import threading
import time

from sqlalchemy import Engine

from accord.store import federation as store

__all__ = ["DbNonceStore"]

#: Pruning deletes rows; doing it on every message would cost a write per message for nothing,
#: since an expired pair is refused by the timestamp check anyway. Once in this many seconds.
PRUNE_EVERY = 30.0


class DbNonceStore:
    """A `accord.crypto.NonceStore` over the `federation_nonces` table."""

    __slots__ = ("_engine", "_last_prune", "_lock")

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._last_prune = 0.0
        self._lock = threading.Lock()

    def add(self, sender: str, nonce: str, expires_at: float) -> bool:
        with self._engine.begin() as conn:
            return store.add_nonce(conn, sender, nonce, math.ceil(expires_at))

    def prune(self, now: float) -> int:
        with self._lock:
            if time.monotonic() - self._last_prune < PRUNE_EVERY:
                return 0
            self._last_prune = time.monotonic()
        with self._engine.begin() as conn:
            return store.prune_nonces(conn, math.floor(now))
