"""RFC 9162 §2.1 hashing: SHA-256 with domain separation between leaves and interior nodes.

    MTH({})        = SHA-256()
    MTH({d0})      = SHA-256(0x00 || d0)                       (leaf hash)
    MTH(D[n])      = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))  (node hash)

where k is the largest power of two smaller than n (§2.1.1)."""

from __future__ import annotations

from collections.abc import Iterable
from hashlib import sha256

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "largest_power_of_two_below",
    "leaf_hash",
    "merkle_tree_hash",
    "node_hash",
    "root_from_leaf_hashes",
]

#: Size in bytes of every hash in the tree (SHA-256).
HASH_SIZE = 32
#: Root of the empty tree: the SHA-256 of the empty string (§2.1.1).
EMPTY_ROOT: bytes = sha256(b"").digest()

_LEAF = b"\x00"
_NODE = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """Hash of one log entry as a leaf: SHA-256(0x00 || data)."""
    return sha256(_LEAF + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash of an interior node from its children: SHA-256(0x01 || left || right)."""
    return sha256(_NODE + left + right).digest()


def largest_power_of_two_below(n: int) -> int:
    """The k of §2.1.1: the largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_from_leaf_hashes(hashes: Iterable[bytes]) -> bytes:
    """MTH of a sequence of leaf hashes, streamed: memory O(log n), one pass.

    Keeps the hashes of the perfect subtrees along the right edge (one per set bit of the
    count so far) and folds them right to left at the end, which is the RFC's recursive split."""
    stack: list[bytes] = []
    for count, leaf in enumerate(hashes):
        h, n = leaf, count
        while n & 1:
            h = sha256(_NODE + stack.pop() + h).digest()
            n >>= 1
        stack.append(h)
    if not stack:
        return EMPTY_ROOT
    root = stack.pop()
    while stack:
        root = sha256(_NODE + stack.pop() + root).digest()
    return root


def merkle_tree_hash(entries: Iterable[bytes]) -> bytes:
    """MTH(D[n]) of a sequence of entries (§2.1.1); SHA-256() for the empty sequence."""
    return root_from_leaf_hashes(sha256(_LEAF + d).digest() for d in entries)
