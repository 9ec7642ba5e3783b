"""Verification of a whole log: recompute the tree from the entries, check every signed tree
head, and name the first entry that was altered, removed, reordered or inserted.

Streaming: entries are hashed in one pass into the compact range of the tree (the perfect
subtrees on its right edge), so memory is O(log n) whatever the log's length; heads are sorted
by size (O(number of heads)).

Three sources of truth meet here (the design is in docs/decisions/0002):
- the entries themselves, whose leaf hashes are recomputed;
- optionally the leaf hashes *recorded* when each entry was appended (level 0 of the node
  table), which pin an edit to its exact index even when no signed head lies next to it;
- the signed tree heads, which authenticate a prefix of the log: the one source an
  administrator with write access to the database cannot forge without the node's key.

The first place the entries and the recorded hashes disagree is the candidate index; the next
signed head then says which of the two is authentic. Without recorded hashes, or when both were
rewritten consistently, the fault is placed between the last head that verifies and the first
that does not."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from hashlib import sha256
from itertools import zip_longest
from typing import NoReturn

from accord.ledger.heads import SignedTreeHead, Verifier
from accord.ledger.layout import fold_root

__all__ = ["LogVerification", "Problem", "verify_log"]

_LEAF = b"\x00"
_NODE = b"\x01"


class Problem(StrEnum):
    """What is wrong with a log."""

    ALTERED = "altered"  # an entry's content differs from what was appended
    REMOVED = "removed"  # an entry that was appended is missing (later ones move up)
    REORDERED = "reordered"  # entries appear in another order than appended
    INSERTED = "inserted"  # an entry that was never appended appears
    RECORD_DAMAGED = "record_damaged"  # entries intact, their recorded leaf hashes are not
    ROOT_MISMATCH = "root_mismatch"  # entries do not give a signed root; fault placed in a range
    BAD_SIGNATURE = "bad_signature"  # a tree head's signature does not verify
    # Found by the complete verification of the stored log (`accord.ledger.check`):
    COLUMN_MISMATCH = "column_mismatch"  # a column beside the hashed entry disagrees with it
    NODE_DAMAGED = "node_damaged"  # a stored subtree hash differs from the one recomputed
    NODE_MISSING = "node_missing"  # a stored subtree hash the tree needs is absent
    NODE_EXTRA = "node_extra"  # a subtree hash is stored beyond the log
    SIZE_MISMATCH = "size_mismatch"  # the recorded log size disagrees with the entries
    HEAD_DAMAGED = "head_damaged"  # a signed head's row is not what was signed
    HEAD_MISSING = "head_missing"  # a head in the head log is missing from the database
    HEAD_LOG_MISMATCH = "head_log_mismatch"  # the head log and the database disagree on a head
    HEAD_LOG_DAMAGED = "head_log_damaged"  # a line of the head log is not a signed head
    HEAD_LOG_MISSING = "head_log_missing"  # the database has heads but there is no head log
    INCONSISTENT = "inconsistent"  # two signed heads fail their consistency proof


@dataclass(frozen=True, slots=True)
class LogVerification:
    """Outcome of `verify_log`.

    `checked`: entries read. `heads_checked`: signed heads whose signature and root were
    checked. `verified_size`: entries `[0, verified_size)` are proven intact by a valid signed
    head. When the log is not intact, the first faulty entry lies in
    `[verified_size, first_bad_index]`, and `exact` says a valid signed head proves it is
    `first_bad_index` itself. For `RECORD_DAMAGED` the index names the damaged recorded hash;
    for `BAD_SIGNATURE` it is None. `head_size` names the signed head at fault when the fault is
    in a head rather than in the entries (`BAD_SIGNATURE`, `HEAD_*`, `INCONSISTENT`)."""

    ok: bool
    checked: int
    heads_checked: int
    verified_size: int
    first_bad_index: int | None = None
    exact: bool = False
    problem: Problem | None = None
    reason: str = ""
    head_size: int | None = None


class _Fault(Exception):
    def __init__(
        self,
        problem: Problem,
        index: int | None,
        exact: bool,
        reason: str,
        checked: int | None = None,
    ) -> None:
        super().__init__(reason)
        self.problem, self.index, self.exact = problem, index, exact
        self.reason, self.checked = reason, checked


class _Heads:
    """Signed heads in size order, consumed as the recomputed tree grows past them."""

    __slots__ = ("checked", "heads", "pos", "verified", "verifier")

    def __init__(self, heads: Iterable[SignedTreeHead], verifier: Verifier) -> None:
        self.heads = sorted(heads, key=lambda s: s.head.size)
        self.verifier = verifier
        self.pos = 0
        self.checked = 0
        self.verified = 0

    def next_size(self) -> int:
        return self.heads[self.pos].head.size if self.pos < len(self.heads) else -1

    def signed_at(self, size: int) -> list[SignedTreeHead]:
        """The not yet consumed heads of `size` whose signature is valid."""
        found = [s for s in self.heads[self.pos :] if s.head.size == size]
        valid = [s for s in found if self.verifier(s.head.to_bytes(), s.signature)]
        self.checked += len(valid)
        return valid

    def check(self, size: int, edge: list[bytes]) -> None:
        """Check every head of `size` against the recomputed tree of that size."""
        root = fold_root(edge)
        while self.pos < len(self.heads) and self.heads[self.pos].head.size == size:
            sth = self.heads[self.pos]
            if not self.verifier(sth.head.to_bytes(), sth.signature):
                raise _forged(sth)
            self.checked += 1
            if sth.head.root != root:
                start = self.verified
                raise _Fault(
                    Problem.ROOT_MISMATCH,
                    size - 1,
                    size - start == 1,
                    f"entries [{start}, {size}) do not give the root of the signed tree head of "
                    f"size {size}; the first altered, removed or reordered entry is among them",
                )
            self.verified = size
            self.pos += 1


def _forged(sth: SignedTreeHead) -> _Fault:
    reason = (
        f"the tree head of size {sth.head.size} at {sth.head.timestamp} has an invalid signature"
    )
    return _Fault(Problem.BAD_SIGNATURE, None, False, reason)


def _push(edge: list[bytes], n: int, h: bytes) -> None:
    while n & 1:
        h = sha256(_NODE + edge.pop() + h).digest()
        n >>= 1
    edge.append(h)


def verify_log(
    entries: Iterable[bytes],
    heads: Iterable[SignedTreeHead],
    verifier: Verifier,
    *,
    recorded: Iterable[bytes] | None = None,
) -> LogVerification:
    """Recompute the log's tree from `entries` (payloads in index order) and check it against
    every signed head and, if given, against the leaf hashes `recorded` at append time (in index
    order). Stops at the first fault; never raises for a bad log."""
    cursor = _Heads(heads, verifier)
    edge: list[bytes] = []
    n = 0
    try:
        if cursor.next_size() == 0:
            cursor.check(0, edge)
        next_size = cursor.next_size()
        if recorded is None:
            for payload in entries:
                _push(edge, n, sha256(_LEAF + payload).digest())
                n += 1
                if n == next_size:
                    cursor.check(n, edge)
                    next_size = cursor.next_size()
        else:
            pairs = zip_longest(entries, recorded)
            for payload, rec in pairs:
                if payload is None:
                    _settle(n, None, rec, pairs, edge, cursor)
                r = sha256(_LEAF + payload).digest()
                if r != rec:
                    _settle(n, r, rec, pairs, edge, cursor)
                _push(edge, n, r)
                n += 1
                if n == next_size:
                    cursor.check(n, edge)
                    next_size = cursor.next_size()
        if next_size > n:
            _truncated(n, next_size, cursor)
    except _Fault as fault:
        return LogVerification(
            ok=False,
            checked=n if fault.checked is None else fault.checked,
            heads_checked=cursor.checked,
            verified_size=cursor.verified,
            first_bad_index=fault.index,
            exact=fault.exact,
            problem=fault.problem,
            reason=fault.reason,
        )
    return LogVerification(
        ok=True, checked=n, heads_checked=cursor.checked, verified_size=cursor.verified
    )


def _truncated(n: int, size: int, cursor: _Heads) -> NoReturn:
    """The entries end at `n` but a head claims `size` > n entries."""
    if not cursor.signed_at(size):
        raise _forged(cursor.heads[cursor.pos])
    reason = f"the log ends at {n} entries but a signed tree head covers {size}"
    raise _Fault(Problem.REMOVED, n, cursor.verified == n, reason)


def _settle(
    d: int,
    r_d: bytes | None,
    s_d: bytes | None,
    rest: Iterator[tuple[bytes | None, bytes | None]],
    edge: list[bytes],
    cursor: _Heads,
) -> NoReturn:
    """Entry `d` disagrees with its recorded leaf hash (or one of the two is missing).

    Reads the rest of both streams to tell an edit from a move (does the recorded hash of `d`
    show up among later entries, does the entry at `d` match a later recorded hash?) and grows
    two trees from the common prefix — one over the entries, one over the recorded hashes — up
    to the next signed head, which says which of the two is authentic."""
    target = cursor.next_size()
    tree_r, tree_s = list(edge), list(edge)
    n_r = n_s = d
    if r_d is not None and target > d:
        _push(tree_r, n_r, r_d)
        n_r += 1
    if s_d is not None and target > d:
        _push(tree_s, n_s, s_d)
        n_s += 1
    read = d + (r_d is not None)
    moved_later = belongs_later = False
    for payload, rec in rest:
        if payload is not None:
            read += 1
            r = sha256(_LEAF + payload).digest()
            moved_later = moved_later or r == s_d
            if n_r < target:
                _push(tree_r, n_r, r)
                n_r += 1
        if rec is not None:
            belongs_later = belongs_later or rec == r_d
            if n_s < target:
                _push(tree_s, n_s, rec)
                n_s += 1
    if r_d is None:
        problem = Problem.REMOVED
    elif s_d is None:
        problem = Problem.INSERTED
    elif moved_later and belongs_later:
        problem = Problem.REORDERED
    elif belongs_later:
        problem = Problem.REMOVED
    elif moved_later:
        problem = Problem.INSERTED
    else:
        problem = Problem.ALTERED
    what = f"entry {d} does not match the leaf hash recorded when it was appended ({problem})"
    if target < 0 or max(n_r, n_s) < target:
        raise _Fault(problem, d, False, f"{what}; no signed tree head covers it", read)
    valid = cursor.signed_at(target)
    if not valid:
        reason = f"{what}; the next tree head (size {target}) has an invalid signature"
        raise _Fault(problem, d, False, reason, read)
    roots = {s.head.root for s in valid}
    if n_s == target and fold_root(tree_s) in roots:
        cursor.verified = max(cursor.verified, d)
        reason = f"{what}; the signed tree head of size {target} confirms the recorded hashes"
        raise _Fault(problem, d, True, reason, read)
    if n_r == target and fold_root(tree_r) in roots:
        cursor.verified = target
        reason = (
            f"the leaf hash recorded for entry {d} was changed or lost; the entries match the "
            f"signed tree head of size {target}"
        )
        raise _Fault(Problem.RECORD_DAMAGED, d, True, reason, read)
    reason = (
        f"{what}; neither the entries nor the recorded hashes give the signed root of size "
        f"{target}, so both were rewritten and the first fault lies in [{cursor.verified}, {d}]"
    )
    raise _Fault(problem, d, False, reason, read)
