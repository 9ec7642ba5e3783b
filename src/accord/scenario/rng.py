"""Deterministic randomness and opaque record ids.

Every random choice in a scenario comes from a `random.Random` seeded by `derive(seed, ...)`,
a keyed BLAKE2b digest of the scenario seed and a label path (`"unit", 42`). Streams for
different labels are independent, so a unit of the world is the same whatever was generated
before it; nothing reads the global `random` module, the clock or hash-randomised ordering.
"""

from __future__ import annotations

import hashlib
import random

__all__ = ["IdMinter", "derive", "stream"]


def derive(seed: int, *labels: str | int) -> int:
    """A 64-bit integer determined by the seed and the labels, and by nothing else."""
    h = hashlib.blake2b(digest_size=8, key=seed.to_bytes(16, "big", signed=True))
    for label in labels:
        h.update(str(label).encode("utf-8"))
        h.update(b"\x1f")
    return int.from_bytes(h.digest(), "big")


def stream(seed: int, *labels: str | int) -> random.Random:
    """An independent random stream for `labels` under `seed`."""
    return random.Random(derive(seed, *labels))


class IdMinter:
    """Record ids for one agency within one unit of the world: `<agency>-<20 hex digits>`, a
    keyed hash of the scenario seed, the agency, the unit and the agency's own counter in it.
    Ids are unique within the agency and carry nothing about the entity or other agencies' ids
    for it."""

    __slots__ = ("_count", "_hasher", "prefix")

    def __init__(self, seed: int, agency: str, scope: str = "") -> None:
        self.prefix = agency.lower().replace("_", "-") + "-"
        key = hashlib.blake2b(
            f"accord-scenario-ids\x1f{agency}\x1f{scope}".encode(),
            key=seed.to_bytes(16, "big", signed=True),
            digest_size=32,
        ).digest()
        self._hasher = hashlib.blake2b(key=key, digest_size=10)
        self._count = 0

    @property
    def count(self) -> int:
        return self._count

    def next(self) -> str:
        self._count += 1
        h = self._hasher.copy()
        h.update(self._count.to_bytes(8, "big"))
        return self.prefix + h.hexdigest()
