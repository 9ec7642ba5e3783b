"""Signed tree heads of the ledger: signing them safely, and signing them without being asked.

`sign_head` signs the current tree (or returns the latest head if the ledger has not grown)
under the head log's lock, and refuses to sign a tree that is not an extension of the last
logged head — the node never certifies a log whose signed part was rewritten. The head row is
committed to the database first, then the line is appended to the head log and fsynced.

`HeadSigner` keeps the latest head at most `ACCORD_LEDGER_HEAD_EVERY_ENTRIES` entries and
`ACCORD_LEDGER_HEAD_EVERY_SECONDS` seconds behind the entries this process appends: a thread
that wakes every interval, or at once when an append crosses the entry threshold. Appends only
note their new size (a lock and two comparisons); signing never runs inside an act's
transaction. Why this design: docs/decisions/0008."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import structlog
from sqlalchemy import Connection, Engine

from accord.crypto import key_fingerprint
from accord.errors import AccordError
from accord.ledger import LogTree, SignedTreeHead, TreeHead
from accord.node import Node
from accord.store import ledger as store
from accord.store.headlog import head_log_path, locked_head_log
from accord.store.ledger import HeadRow, SqlNodes

__all__ = [
    "HeadSigner",
    "LedgerTampered",
    "ensure_head_log",
    "head_log",
    "note_appended",
    "sign_head",
]

log = structlog.get_logger("accord.ledger")


class LedgerTampered(AccordError):
    """The ledger is not an extension of what the node signed: it will not sign over it."""

    status = 409
    code = "ledger_tampered"


def head_log(node: Node) -> Path:
    """Where the node's head log lives (ACCORD_HOME/ledger-heads.jsonl)."""
    return head_log_path(node.settings.home)


def signed(head: HeadRow) -> SignedTreeHead:
    return SignedTreeHead(TreeHead(head.size, head.root, head.timestamp_ms), head.signature)


def _valid(node: Node, sth: SignedTreeHead) -> bool:
    try:
        node.keys.signing.public_key().verify(sth.signature, sth.head.to_bytes())
    except Exception:  # noqa: BLE001 - any failure is "does not verify"
        return False
    return True


def _tampered(reason: str) -> LedgerTampered:
    return LedgerTampered(f"{reason}; no tree head was signed: run `accord audit verify`")


def _root_at(tree: LogTree, size: int) -> bytes | None:
    try:
        return tree.root(size)
    except (LookupError, KeyError):
        return None


_PROCESS_LOCK = threading.Lock()


def sign_head(node: Node) -> SignedTreeHead:
    """The latest signed tree head, signing one over the current tree if the ledger has grown.

    Raises `LedgerTampered` (and signs nothing) if the log does not extend the last head in
    the head log, or if the head log is missing while the database holds heads."""
    path = head_log(node)
    with _PROCESS_LOCK:
        if not path.exists():
            with node.engine.connect() as conn:
                if store.latest_head(conn) is not None:
                    raise _tampered(
                        f"the head log {path.name} is missing but the database holds signed "
                        "tree heads; restore it from backup"
                    )
        with locked_head_log(path) as head_file:
            with node.engine.begin() as conn:
                try:
                    last = head_file.last()
                except (ValueError, AccordError):
                    raise _tampered("the last line of the head log is damaged") from None
                size = store.ledger_size(conn)
                tree = LogTree(SqlNodes(conn), size)
                last_size = -1 if last is None else last.head.size
                if last is not None:
                    if last.head.size > size:
                        raise _tampered(
                            f"the ledger has {size} entries but the head log holds a signed "
                            f"tree head of {last.head.size}"
                        )
                    if _root_at(tree, last.head.size) != last.head.root:
                        raise _tampered(
                            f"the first {last.head.size} entries no longer give the root of the "
                            "last logged tree head"
                        )
                unlogged = _unlogged(node, conn, tree, last_size)
                latest = unlogged[-1] if unlogged else last
                if latest is None or latest.head.size != size:
                    latest = _sign_new(node, conn, tree, size)
                    unlogged.append(latest)
            head_file.append(unlogged)
    return latest


def _unlogged(node: Node, conn: Connection, tree: LogTree, after: int) -> list[SignedTreeHead]:
    """Heads committed to the database but not yet logged (a signer stopped between the two),
    each checked before it goes to the log."""
    out = []
    for row in store.heads_above(conn, after):
        sth = signed(row)
        if not _valid(node, sth) or _root_at(tree, row.size) != row.root:
            raise _tampered(f"the signed tree head of size {row.size} in the database is not valid")
        out.append(sth)
    return out


def _sign_new(node: Node, conn: Connection, tree: LogTree, size: int) -> SignedTreeHead:
    root = tree.root()
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    head = TreeHead(size, root, now_ms)
    signature = node.keys.signing.sign(head.to_bytes())
    fingerprint = key_fingerprint(node.keys.signing.public_key())
    store.insert_head(conn, HeadRow(size, root, now_ms, signature, fingerprint))
    return SignedTreeHead(head, signature)


def ensure_head_log(node: Node, *, seed: bool) -> None:
    """Create the head log if it is absent: empty for a node without heads, or — only when
    `seed` (the upgrade that introduces the log) — with the database's heads whose signature
    is valid. A missing log is otherwise left missing, for `accord audit verify` to report."""
    path = head_log(node)
    if path.exists():
        return
    with _PROCESS_LOCK, node.engine.connect() as conn:
        rows = store.heads(conn)
        if rows and not seed:
            return
        with locked_head_log(path) as head_file:
            head_file.append([s for s in map(signed, rows) if _valid(node, s)])


_SIGNERS: dict[Engine, HeadSigner] = {}


def note_appended(conn: Connection, size: int) -> None:
    """Called by every append with the ledger's size after it (the hot path: one lookup)."""
    signer = _SIGNERS.get(conn.engine)
    if signer is not None:
        signer.noted(size)


class HeadSigner:
    """Signs tree heads in the background for the appends of this process (see the module)."""

    #: Ticks a noted size may stay unsigned before it is taken for a rolled-back append.
    PATIENCE = 10

    def __init__(self, node: Node) -> None:
        self.node = node
        self.every_entries = node.settings.ledger_head_every_entries
        self.every_seconds = node.settings.ledger_head_every_seconds
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._noted = 0
        self._signed = 0
        self._misses = 0
        self._thread: threading.Thread | None = None
        self._last_error = ""

    def noted(self, size: int) -> None:
        with self._lock:
            if size > self._noted:
                self._noted = size
            due = size - self._signed >= self.every_entries
        if due:
            self._wake.set()

    def start(self) -> HeadSigner:
        _SIGNERS[self.node.engine] = self
        self._thread = threading.Thread(target=self._run, name="ledger-head-signer", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread after a last signing of what this process appended."""
        if _SIGNERS.get(self.node.engine) is self:
            del _SIGNERS[self.node.engine]
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait(self._pause())
            self._wake.clear()
            self.tick()
        self.tick()

    def _pause(self) -> float:
        """The interval; or, while a noted append is not committed yet (the signer woke in
        the appending transaction), a short pause growing with each miss."""
        with self._lock:
            misses = self._misses
        if misses == 0:
            return self.every_seconds
        return min(float(self.every_seconds), 0.02 * 2.0**misses)

    def tick(self) -> None:
        """Sign if this process appended entries no head covers yet."""
        with self._lock:
            noted = self._noted
            if noted <= self._signed:
                return
        try:
            if self._misses < self.PATIENCE:
                # Woken inside the appending transaction: wait for its commit rather than
                # sign the size before it.
                with self.node.engine.connect() as conn:
                    committed = store.ledger_size(conn)
                if committed < noted:
                    with self._lock:
                        self._misses += 1
                    return
            size = sign_head(self.node).head.size
        except Exception as exc:  # noqa: BLE001 - the signer must outlive a bad moment
            reason = exc.message if isinstance(exc, AccordError) else type(exc).__name__
            if reason != self._last_error:
                log.error("tree head not signed", reason=reason)
                self._last_error = reason
            return
        self._last_error = ""
        with self._lock:
            self._signed = size
            if size >= self._noted:
                self._misses = 0
            else:
                # Not committed yet, or rolled back: try again for a while, then let go.
                self._misses += 1
                if self._misses > self.PATIENCE:
                    self._noted, self._misses = size, 0
