"""In-memory node storage: the reference `NodeReader`/`NodeWriter` for tests and benchmarks.

One bytearray per level holding 32-byte hashes back to back, so ten million leaves (twenty
million nodes) take about 640 MB instead of several GB of per-node objects."""

from __future__ import annotations

from collections.abc import Sequence

from accord.ledger.hashing import HASH_SIZE
from accord.ledger.layout import NodeKey
from accord.ledger.tree import NodeRow

__all__ = ["MemoryNodeStore"]


class MemoryNodeStore:
    """Perfect-subtree hashes by level; each level only grows at its end, as appends do."""

    __slots__ = ("_levels",)

    def __init__(self) -> None:
        self._levels: list[bytearray] = []

    @property
    def size(self) -> int:
        """Number of leaves stored."""
        return len(self._levels[0]) // HASH_SIZE if self._levels else 0

    def get_nodes(self, keys: Sequence[NodeKey]) -> list[bytes]:
        levels = self._levels
        out: list[bytes] = []
        for level, index in keys:
            start = index * HASH_SIZE
            if level >= len(levels) or index < 0 or start + HASH_SIZE > len(levels[level]):
                raise KeyError((level, index))
            out.append(bytes(levels[level][start : start + HASH_SIZE]))
        return out

    def put_nodes(self, rows: Sequence[NodeRow]) -> None:
        levels = self._levels
        for level, index, h in rows:
            while len(levels) <= level:
                levels.append(bytearray())
            data = levels[level]
            if index * HASH_SIZE != len(data) or len(h) != HASH_SIZE:
                raise ValueError(f"node ({level}, {index}) does not extend level {level}")
            data += h
