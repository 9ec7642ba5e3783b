"""The log's Merkle tree over stored perfect subtrees.

Storage holds one row per *perfect* subtree, `(level, index, hash)`: level 0 holds the leaf
hashes, level l the hash of leaves `[index << l, (index + 1) << l)`. Such a node never changes
once written, so the table is append-only. Appending leaf n writes its leaf row and one row per
subtree it completes (as many as trailing one bits of n; two rows per append on average).

Every root, inclusion proof and consistency proof of any past tree size is a fold of at most
~2·log2(n) stored nodes (`accord.ledger.layout`), fetched with one `NodeReader.get_nodes` call,
which a SQL adapter answers with one query.

Writers must be serialised: a `TreeAppender` holds the right edge of the tree at its `size`
and is valid only while the store holds exactly that many leaves."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from hashlib import sha256
from typing import Protocol

from accord.errors import FieldError, ValidationError
from accord.ledger.hashing import HASH_SIZE
from accord.ledger.layout import (
    NodeKey,
    compose,
    consistency_plan,
    fold_root,
    inclusion_plan,
    plan_keys,
    root_keys,
)
from accord.ledger.proofs import ConsistencyProof, InclusionProof

__all__ = ["LogTree", "NodeReader", "NodeRow", "NodeWriter", "TreeAppender"]

#: (level, index, hash): one stored perfect subtree.
NodeRow = tuple[int, int, bytes]

_LEAF = b"\x00"
_NODE = b"\x01"


class NodeReader(Protocol):
    """Read side of node storage."""

    def get_nodes(self, keys: Sequence[NodeKey]) -> list[bytes]:
        """The hashes of the perfect subtrees `keys`, in the same order (keys may repeat).

        Raises `KeyError` if a node is absent. Called once per root or proof with up to
        ~2·log2(n) keys, so a SQL adapter should answer it with one query."""
        ...


class NodeWriter(Protocol):
    """Write side of node storage."""

    def put_nodes(self, rows: Sequence[NodeRow]) -> None:
        """Persist rows returned by `TreeAppender`; the caller commits them together with the
        entries they belong to. Rows are never updated or deleted."""
        ...


def _fetch(reader: NodeReader, keys: list[NodeKey]) -> list[bytes]:
    hashes = reader.get_nodes(keys) if keys else []
    if len(hashes) != len(keys):
        raise LookupError(f"node store returned {len(hashes)} hashes for {len(keys)} keys")
    return hashes


class TreeAppender:
    """Appends leaves and says which node rows to persist.

    Holds the compact range of the tree: the hashes of the perfect subtrees on its right edge,
    one per set bit of `size` (largest first) — O(log n) memory, no reads while appending."""

    __slots__ = ("_edge", "_size")

    def __init__(self, size: int = 0, edge: Sequence[bytes] = ()) -> None:
        if size < 0 or len(edge) != size.bit_count():
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} edge subtrees")
        self._size = size
        self._edge = list(edge)

    @classmethod
    def load(cls, reader: NodeReader, size: int) -> TreeAppender:
        """Resume appending to a stored tree of `size` leaves (one `get_nodes` call)."""
        return cls(size, _fetch(reader, root_keys(size)))

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    def root(self) -> bytes:
        """MTH of the leaves appended so far."""
        return fold_root(self._edge)

    def append(self, entry: bytes) -> list[NodeRow]:
        """Append one entry; return its leaf row (first) and the rows of completed subtrees."""
        return self.append_hash(sha256(_LEAF + entry).digest())

    def append_hash(self, leaf_hash: bytes) -> list[NodeRow]:
        """Append one leaf by its hash; return the new rows, leaf row first."""
        if len(leaf_hash) != HASH_SIZE:
            raise ValueError(f"leaf hash must be {HASH_SIZE} bytes")
        rows: list[NodeRow] = []
        self._push(leaf_hash, rows)
        return rows

    def extend(self, entries: Iterable[bytes]) -> list[NodeRow]:
        """Append many entries; return all new rows, to be written in one batch."""
        rows: list[NodeRow] = []
        push = self._push
        for entry in entries:
            push(sha256(_LEAF + entry).digest(), rows)
        return rows

    def _push(self, h: bytes, rows: list[NodeRow]) -> None:
        edge = self._edge
        n = self._size
        rows.append((0, n, h))
        level = 0
        while n & 1:
            h = sha256(_NODE + edge.pop() + h).digest()
            n >>= 1
            level += 1
            rows.append((level, n, h))
        edge.append(h)
        self._size += 1


class LogTree:
    """Read view of a stored log of `size` leaves: roots and proofs for any past size.

    Arguments out of range raise `ValidationError` naming the parameter as the audit API
    calls it (`index`, `tree_size`, `first`, `second`)."""

    __slots__ = ("_reader", "size")

    def __init__(self, reader: NodeReader, size: int) -> None:
        if size < 0:
            raise ValueError("size must not be negative")
        self._reader = reader
        self.size = size

    def _check_size(self, value: int, field: str, low: int = 0) -> None:
        if value < low:
            raise ValidationError(FieldError(field, f"must be at least {low}"))
        if value > self.size:
            raise ValidationError(FieldError(field, f"must not exceed the log size {self.size}"))

    def root(self, tree_size: int | None = None) -> bytes:
        """MTH of the first `tree_size` leaves (default: the whole log)."""
        size = self.size if tree_size is None else tree_size
        self._check_size(size, "tree_size")
        return fold_root(_fetch(self._reader, root_keys(size)))

    def leaf_hash(self, index: int) -> bytes:
        """The stored leaf hash of entry `index`."""
        if not 0 <= index < self.size:
            raise ValidationError(FieldError("index", f"must be in [0, {self.size})"))
        return _fetch(self._reader, [(0, index)])[0]

    def inclusion_proof(self, index: int, tree_size: int | None = None) -> InclusionProof:
        """PATH(index, D[tree_size]) (RFC 9162 §2.1.3.1); `tree_size` defaults to the log."""
        size = self.size if tree_size is None else tree_size
        self._check_size(size, "tree_size", low=1)
        if not 0 <= index < size:
            raise ValidationError(FieldError("index", "must be in [0, tree_size)"))
        plan = inclusion_plan(index, size)
        path = compose(plan, _fetch(self._reader, plan_keys(plan)))
        return InclusionProof(index, size, tuple(path))

    def consistency_proof(self, first: int, second: int | None = None) -> ConsistencyProof:
        """PROOF(first, D[second]) (RFC 9162 §2.1.4.1); empty when first is 0 or equals second."""
        size = self.size if second is None else second
        self._check_size(size, "second")
        if not 0 <= first <= size:
            raise ValidationError(FieldError("first", "must be in [0, second]"))
        if first == 0 or first == size:
            return ConsistencyProof(first, size, ())
        plan = consistency_plan(first, size)
        path = compose(plan, _fetch(self._reader, plan_keys(plan)))
        return ConsistencyProof(first, size, tuple(path))
