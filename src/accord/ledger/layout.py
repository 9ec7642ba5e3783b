"""Where the hashes of a proof live: RFC 9162 proofs expressed as perfect subtrees.

A node key `(level, index)` names the perfect subtree of `2**level` leaves that starts at leaf
`index << level`; those are the only nodes a log stores, because they never change once
complete. Every subtree the RFC's recursive split produces — including the imperfect ones on
the right edge of a tree whose size is not a power of two — covers a leaf range `[start, end)`
that is the concatenation of at most log2(n) such perfect subtrees (one per set bit of
`end - start`, largest first), and its hash is their fold from the right:
`MTH([a, b, c]) = node_hash(a, node_hash(b, c))`.

A *plan* lists, for each hash of a proof, the keys of the perfect subtrees it is folded from.
A reader fetches all keys of a plan in one batch; `compose` turns the fetched hashes into the
proof. Functions here take sizes already checked by the caller."""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256

from accord.ledger.hashing import EMPTY_ROOT, largest_power_of_two_below

__all__ = [
    "NodeKey",
    "Plan",
    "compose",
    "consistency_plan",
    "consistency_proof_size",
    "fold_root",
    "inclusion_plan",
    "inclusion_proof_size",
    "plan_keys",
    "range_keys",
    "root_keys",
]

#: (level, index): the perfect subtree of 2**level leaves starting at leaf index << level.
NodeKey = tuple[int, int]
#: For each hash of a proof, in proof order, the perfect subtrees it is folded from.
Plan = list[list[NodeKey]]

_NODE = b"\x01"


def range_keys(start: int, end: int) -> list[NodeKey]:
    """The perfect subtrees covering leaves `[start, end)`, left to right.

    `start` must be aligned to the largest of them, which holds for every subtree of the
    RFC 9162 split (and for `start == 0`)."""
    keys: list[NodeKey] = []
    size = end - start
    while size:
        level = size.bit_length() - 1
        if start & ((1 << level) - 1):
            raise ValueError(f"[{start}, {end}) is not a subtree of an RFC 9162 tree")
        keys.append((level, start >> level))
        start += 1 << level
        size -= 1 << level
    return keys


def root_keys(size: int) -> list[NodeKey]:
    """The perfect subtrees whose fold is the root of the tree of `size` leaves."""
    return range_keys(0, size)


def inclusion_plan(index: int, size: int) -> Plan:
    """PATH(index, D[size]) of RFC 9162 §2.1.3.1, as perfect subtrees, bottom-up.

    Walks the recursive split from the root: at each level the sibling of the half holding
    `index` is one element of the path (`0 <= index < size`)."""
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        mid = lo + largest_power_of_two_below(hi - lo)
        if index < mid:
            ranges.append((mid, hi))
            hi = mid
        else:
            ranges.append((lo, mid))
            lo = mid
    ranges.reverse()
    return [range_keys(a, b) for a, b in ranges]


def consistency_plan(first: int, second: int) -> Plan:
    """PROOF(first, D[second]) of RFC 9162 §2.1.4.1, as perfect subtrees (`0 < first < second`).

    SUBPROOF(m, D[n], b): if m == n the proof is [] when b is true, else [MTH(D[n])]; otherwise,
    with k the largest power of two below n, it is SUBPROOF(m, D[0:k], b) + [MTH(D[k:n])] when
    m <= k, else SUBPROOF(m - k, D[k:n], false) + [MTH(D[0:k])]. Unrolled: the terms appended on
    the way down come out in reverse, after the base term."""
    outer: list[tuple[int, int]] = []
    lo, hi = 0, second
    complete = True
    while first != hi:
        mid = lo + largest_power_of_two_below(hi - lo)
        if first <= mid:
            outer.append((mid, hi))
            hi = mid
        else:
            outer.append((lo, mid))
            lo = mid
            complete = False
    ranges = [] if complete else [(lo, hi)]
    ranges.extend(reversed(outer))
    return [range_keys(a, b) for a, b in ranges]


def plan_keys(plan: Plan) -> list[NodeKey]:
    """All keys of a plan, flat, in the order `compose` consumes them."""
    return [key for group in plan for key in group]


def compose(plan: Plan, hashes: Sequence[bytes]) -> list[bytes]:
    """Fold the fetched hashes (in `plan_keys` order) into one hash per plan element."""
    out: list[bytes] = []
    pos = 0
    for group in plan:
        end = pos + len(group)
        out.append(_fold(hashes, pos, end))
        pos = end
    return out


def fold_root(hashes: Sequence[bytes]) -> bytes:
    """The root from the hashes of `root_keys(size)`; the empty-tree hash for none."""
    if not hashes:
        return EMPTY_ROOT
    return _fold(hashes, 0, len(hashes))


def _fold(hashes: Sequence[bytes], start: int, end: int) -> bytes:
    acc = hashes[end - 1]
    for i in range(end - 2, start - 1, -1):
        acc = sha256(_NODE + hashes[i] + acc).digest()
    return acc


def inclusion_proof_size(index: int, size: int) -> int:
    """Number of hashes in PATH(index, D[size]) (`0 <= index < size`).

    The path has one hash per level where `index` and `size - 1` differ in their subtree
    (`inner` levels) plus one per set bit above them (left siblings on the border)."""
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def consistency_proof_size(first: int, second: int) -> int:
    """Number of hashes in PROOF(first, D[second]) (`0 < first < second`)."""
    inner = ((first - 1) ^ (second - 1)).bit_length()
    border = ((first - 1) >> inner).bit_count()
    shift = (first & -first).bit_length() - 1
    seed = 0 if first == 1 << shift else 1
    return seed + inner - shift + border
