"""Complete verification of a stored log: every row of every table the ledger keeps.

`verify_log` (accord.ledger.audit) recomputes a tree from payloads. This checks what a node
actually stores, in one streaming pass over the leaves in index order:

- each entry row: present at its index, its payload the canonical encoding of an entry
  (`accord.ledger.entry`) whose own index is the row's, and the columns kept beside it for
  querying (`at`, `event`, `actor`, `leaf_hash`) equal to what the hashed bytes say;
- each stored perfect subtree (`ledger_nodes`): recomputed from the leaves and compared, so a
  changed, missing or extra interior node is found, not only one a proof happens to use;
- each signed tree head, from the database and from the head log kept outside it: signature,
  key, and root against the recomputed tree of its size; consecutive heads by an RFC 9162
  consistency proof read from the stored nodes (the proofs partners are served);
- the head log against the database: a head logged but missing from the database, or
  different there, and a log that covers more entries than the database holds (truncation).

It stops at the first fault, in this order: head rows and log lines (cheap, before reading any
entry), then the pass (the first bad index), then rows beyond the log, then the consistency
proofs and heads missing from the database. Never raises for a bad log. Memory: O(log n) for
the tree, O(number of heads) for the heads."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from typing import Protocol

from accord.errors import AccordError
from accord.ledger.audit import LogVerification, Problem
from accord.ledger.entry import EntryError, decode_entry
from accord.ledger.errors import ProofError
from accord.ledger.heads import SignedTreeHead, Verifier
from accord.ledger.layout import NodeKey, fold_root
from accord.ledger.tree import LogTree, NodeReader

__all__ = ["HeadLog", "StoredEntry", "StoredHead", "StoredNodes", "verify_stored_log"]

_LEAF = b"\x00"
_NODE = b"\x01"


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """One entry row as stored: the hashed payload and the columns kept beside it."""

    idx: int
    at: datetime
    event: str
    actor: str
    payload: bytes
    leaf_hash: bytes


@dataclass(frozen=True, slots=True)
class StoredHead:
    """One signed tree head row and the id of the key it claims to be signed with."""

    sth: SignedTreeHead
    key_id: str


@dataclass(frozen=True, slots=True)
class HeadLog:
    """The heads read from the append-only head log outside the database.

    `present`: the log file exists. `damaged_line`: the first line (1-based) that is not a
    signed head, with `damage` saying why; lines after it are not read."""

    present: bool
    heads: tuple[SignedTreeHead, ...] = ()
    damaged_line: int | None = None
    damage: str = ""


class StoredNodes(NodeReader, Protocol):
    """Node storage read level by level, for the complete check (plus `get_nodes` for proofs)."""

    def level(self, level: int) -> Iterator[tuple[int, bytes]]:
        """Every stored `(idx, hash)` of `level`, in index order."""
        ...

    def above(self, level: int) -> NodeKey | None:
        """Some stored node at a level above `level`, or None."""
        ...


class _Fault(Exception):
    def __init__(
        self,
        problem: Problem,
        reason: str,
        index: int | None = None,
        *,
        exact: bool = True,
        head: int | None = None,
    ) -> None:
        super().__init__(reason)
        self.problem, self.reason, self.index = problem, reason, index
        self.exact, self.head = exact, head


class _Levels:
    """The stored nodes of each level, consumed in index order as the pass completes them."""

    __slots__ = ("iters", "nodes")

    def __init__(self, nodes: StoredNodes) -> None:
        self.nodes = nodes
        self.iters: list[Iterator[tuple[int, bytes]]] = []

    def take(self, level: int, index: int, computed: bytes) -> None:
        iters = self.iters
        while len(iters) <= level:
            iters.append(self.nodes.level(len(iters)))
        row = next(iters[level], None)
        first = index << level
        what = f"the stored hash of entries [{first}, {(index + 1) << level})"
        if level == 0:
            what = f"the leaf hash recorded for entry {index} in the node table"
        if row is None or row[0] > index:
            raise _Fault(Problem.NODE_MISSING, f"{what} (node {level}/{index}) is missing", first)
        if row[0] < index:  # pragma: no cover - index order and the primary key forbid it
            raise _Fault(Problem.NODE_EXTRA, f"node {level}/{row[0]} is stored twice", first)
        if row[1] != computed:
            raise _Fault(
                Problem.NODE_DAMAGED,
                f"{what} (node {level}/{index}) differs from the one recomputed from the entries"
                + (" (the entry or that node was changed)" if level == 0 else ""),
                first,
            )

    def leftover(self, size: int) -> None:
        """Fail on any node stored beyond a tree of `size` leaves."""
        top = size.bit_length() - 1 if size else -1
        for level in range(top + 1):
            while len(self.iters) <= level:
                self.iters.append(self.nodes.level(len(self.iters)))
            row = next(self.iters[level], None)
            if row is not None:
                raise _extra_node(level, row[0], size)
        stray = self.nodes.above(top)
        if stray is not None:
            raise _extra_node(*stray, size)


def _extra_node(level: int, index: int, size: int) -> _Fault:
    reason = f"node {level}/{index} is stored beyond the log of {size} entries"
    return _Fault(Problem.NODE_EXTRA, reason, size)


def _check_heads(
    stored: Sequence[StoredHead], log: HeadLog, verifier: Verifier, key_id: str
) -> dict[int, SignedTreeHead]:
    """Signatures and keys of every head; the log against the database at equal sizes."""
    by_size: dict[int, SignedTreeHead] = {}
    for row in stored:
        sth = row.sth
        if not verifier(sth.head.to_bytes(), sth.signature):
            raise _Fault(
                Problem.BAD_SIGNATURE,
                f"the signed tree head of size {sth.head.size} in the database has an invalid "
                "signature (its size, root, time or signature was changed)",
                head=sth.head.size,
            )
        if row.key_id != key_id:
            raise _Fault(
                Problem.HEAD_DAMAGED,
                f"the signed tree head of size {sth.head.size} names key {row.key_id!r}, "
                f"not this node's key {key_id!r}",
                head=sth.head.size,
            )
        by_size[sth.head.size] = sth
    if not log.present:
        if by_size:
            raise _Fault(
                Problem.HEAD_LOG_MISSING,
                f"the database holds {len(by_size)} signed tree heads but the head log is "
                "missing, so heads removed from the database could not be noticed",
                head=min(by_size),
            )
        return by_size
    if log.damaged_line is not None:
        raise _Fault(
            Problem.HEAD_LOG_DAMAGED, f"line {log.damaged_line} of the head log {log.damage}"
        )
    for number, sth in enumerate(log.heads, start=1):
        if not verifier(sth.head.to_bytes(), sth.signature):
            raise _Fault(
                Problem.BAD_SIGNATURE,
                f"line {number} of the head log (size {sth.head.size}) has an invalid signature",
                head=sth.head.size,
            )
        mine = by_size.get(sth.head.size)
        if mine is not None and mine != sth:
            raise _Fault(
                Problem.HEAD_LOG_MISMATCH,
                f"the signed tree head of size {sth.head.size} in the database differs from "
                f"line {number} of the head log",
                head=sth.head.size,
            )
    # A head reaches the log right after its row is committed, so only the newest rows may be
    # missing from it (a signer stopped in between; the next signing logs them).
    logged = {sth.head.size for sth in log.heads}
    newest = max(logged, default=-1)
    for size in sorted(by_size):
        if size < newest and size not in logged:
            raise _Fault(
                Problem.HEAD_LOG_MISMATCH,
                f"the signed tree head of size {size} is in the database but missing from the "
                "head log, which holds later heads: lines were removed from the log",
                head=size,
            )
    return by_size


def verify_stored_log(
    size: int,
    entries: Iterable[StoredEntry],
    nodes: StoredNodes,
    stored_heads: Sequence[StoredHead],
    log: HeadLog,
    verifier: Verifier,
    key_id: str,
) -> LogVerification:
    """Check the stored log of `size` entries (the recorded size) completely; see the module.

    `entries` in index order; `key_id` is the fingerprint of the key `verifier` checks."""
    n = 0
    verified = 0
    checked_heads = 0
    try:
        by_size = _check_heads(stored_heads, log, verifier, key_id)
        roots: dict[int, set[bytes]] = {}
        counts: dict[int, int] = {}
        for sth in (*by_size.values(), *log.heads):
            roots.setdefault(sth.head.size, set()).add(sth.head.root)
            counts[sth.head.size] = counts.get(sth.head.size, 0) + 1
        schedule = sorted(roots)
        pos = 0
        levels = _Levels(nodes)
        edge: list[bytes] = []
        rows = iter(entries)
        if schedule and schedule[0] == 0:
            _root_check(0, edge, roots[0], verified)
            checked_heads += counts[0]
            pos = 1
        next_head = schedule[pos] if pos < len(schedule) else -1
        for n in range(size):
            row = next(rows, None)
            if row is None or row.idx != n:
                reason = f"entry {n} is missing from the entries"
                if row is None:
                    reason = f"the entries end at {n} but the log records {size}"
                raise _Fault(Problem.REMOVED, reason, n)
            payload = row.payload
            try:
                entry = decode_entry(payload)
            except (EntryError, UnicodeDecodeError) as exc:
                raise _Fault(Problem.ALTERED, f"entry {n} {exc}", n) from None
            if entry.index != n:
                raise _Fault(
                    Problem.REORDERED, f"entry {n} holds the entry appended at {entry.index}", n
                )
            if row.event != entry.event or row.actor != entry.actor or row.at != entry.at:
                raise _Fault(Problem.COLUMN_MISMATCH, _column_reason(row, entry), n)
            h = sha256(_LEAF + payload).digest()
            if h != row.leaf_hash:
                _leaf_fault(levels, n, h, row.leaf_hash)
            levels.take(0, n, h)
            k, level = n, 0
            while k & 1:
                h = sha256(_NODE + edge.pop() + h).digest()
                k >>= 1
                level += 1
                levels.take(level, k, h)
            edge.append(h)
            if n + 1 == next_head:
                _root_check(n + 1, edge, roots[n + 1], verified)
                checked_heads += counts[n + 1]
                verified = n + 1
                pos += 1
                next_head = schedule[pos] if pos < len(schedule) else -1
        n = size
        extra = next(rows, None)
        if extra is not None:
            raise _Fault(
                Problem.SIZE_MISMATCH,
                f"entry {extra.idx} is stored beyond the log size {size} the database records",
                size,
            )
        if next_head > size:
            where = "the head log" if next_head not in by_size else "the database"
            raise _Fault(
                Problem.REMOVED,
                f"the log ends at {size} entries but a signed tree head in {where} covers "
                f"{next_head}: entries were removed from the end",
                size,
                exact=verified == size,
            )
        levels.leftover(size)
        _check_consistency(nodes, size, schedule, roots)
        for sth in log.heads:
            if sth.head.size not in by_size:
                raise _Fault(
                    Problem.HEAD_MISSING,
                    f"the signed tree head of size {sth.head.size} is in the head log but was "
                    "removed from the database",
                    head=sth.head.size,
                )
    except _Fault as fault:
        return LogVerification(
            ok=False,
            checked=n,
            heads_checked=checked_heads,
            verified_size=verified,
            first_bad_index=fault.index,
            exact=fault.exact,
            problem=fault.problem,
            reason=fault.reason,
            head_size=fault.head,
        )
    return LogVerification(ok=True, checked=n, heads_checked=checked_heads, verified_size=verified)


def _column_reason(row: StoredEntry, entry: object) -> str:
    for column in ("event", "actor", "at"):
        stored, hashed = getattr(row, column), getattr(entry, column)
        if stored != hashed:
            return (
                f"the {column} column of entry {row.idx} says {str(stored)!r} but the hashed "
                f"entry says {str(hashed)!r}"
            )
    return f"a column of entry {row.idx} disagrees with the hashed entry"  # pragma: no cover


def _leaf_fault(levels: _Levels, n: int, h: bytes, column: bytes) -> None:
    """The payload's hash differs from the entry's `leaf_hash` column: which one changed?"""
    try:
        levels.take(0, n, column)
    except _Fault:
        # The node table agrees with neither the column nor (possibly) the payload.
        pass
    else:
        raise _Fault(
            Problem.ALTERED,
            f"entry {n} was changed after it was appended: its payload no longer gives the leaf "
            "hash recorded for it",
            n,
        )
    raise _Fault(
        Problem.RECORD_DAMAGED,
        f"the leaf_hash column of entry {n} differs from the hash of its payload",
        n,
    )


def _root_check(size: int, edge: list[bytes], roots: set[bytes], verified: int) -> None:
    root = fold_root(edge)
    if roots != {root}:
        raise _Fault(
            Problem.ROOT_MISMATCH,
            f"entries [{verified}, {size}) do not give the root of the signed tree head of size "
            f"{size}: the entries, leaf hashes and nodes were rewritten together; the first "
            "altered, removed or reordered entry is among them",
            size - 1 if size else 0,
            exact=size - verified == 1,
            head=size,
        )


def _check_consistency(
    nodes: NodeReader, size: int, schedule: Sequence[int], roots: dict[int, set[bytes]]
) -> None:
    """RFC 9162 §2.1.4.2 between each pair of consecutive heads, proofs read from the store."""
    tree = LogTree(nodes, size)
    previous: int | None = None
    for current in schedule:
        if previous is not None:
            (first_root,), (second_root,) = roots[previous], roots[current]
            try:
                tree.consistency_proof(previous, current).verify(first_root, second_root)
            except (ProofError, AccordError, KeyError, LookupError) as exc:
                raise _Fault(
                    Problem.INCONSISTENT,
                    f"the signed tree heads of sizes {previous} and {current} fail their "
                    f"consistency proof: {exc}",
                    previous,
                    exact=False,
                    head=current,
                ) from None
        previous = current
