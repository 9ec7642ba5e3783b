"""Witnessing partners' ledgers (decision 0009; RFC 9162 §8.1): every federation message carries
its sender's latest signed tree head, and the receiver keeps the partner honest.

On the exchange's path (`observe`, about a millisecond): the head's signature is checked with
the partner's pinned node key, the head is compared with the partner's anchor (the largest head
proven consistent so far) and a fork (same size, another root) or a shrink (sizes and
timestamps that disagree) raises the alarm at once. A head that needs a consistency proof is
queued; the witness worker (`run_due`, `WitnessWorker`) asks the partner for the proof
(`GET /federation/v1/audit/consistency`) off the exchange's path and checks it. A proof that
fails is a fork; a partner that no longer has a tree it signed has shrunk.

An alarm is a ledger entry on this node (`witness_fork`, `witness_shrink`), an ERROR log line,
the counter `accord_witness_alarms_total`, and the partner marked `forked` or `shrunk` in the
witness table with the evidence — written once, never overwritten by later heads. A head whose
signature fails is refused (`witness_refused` in the ledger). No witnessing step ever fails
the exchange that carried the head: a fault is logged, counted and kept as the partner's
`last_error`."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from prometheus_client import Counter
from sqlalchemy import Connection

from accord.crypto import MessageClaims
from accord.errors import AccordError, FieldError, ValidationError
from accord.federation.client import PartnerRefused, PartnerUnavailable, client_for
from accord.federation.peers import Peer, find_peer
from accord.federation.protocol import consistency_target, new_id
from accord.ledger import ConsistencyProof, ProofError, SignedTreeHead, Verifier
from accord.ledger.witness import ORDER_SLACK_MS, Verdict, assess
from accord.services import audit
from accord.services.audit import Event, record_event
from accord.services.node import Node
from accord.services.peers import list_peers
from accord.store import ledger as ledger_store
from accord.store import witness as store
from accord.store.witness import STATE_UNSEEN, WitnessRow

__all__ = [
    "FORKED",
    "SHRUNK",
    "TREE_SIZE_UNKNOWN",
    "ConsistencyRefused",
    "PartnerWitness",
    "TreeSizeUnknown",
    "Witness",
    "WitnessWorker",
    "alarms",
    "current_head",
    "fetch_consistency",
    "observe",
    "partner_consistency",
    "run_due",
    "witness_for",
    "witness_state",
]

log = structlog.get_logger("accord.witness")

CONSISTENT = "consistent"
FORKED = "forked"
SHRUNK = "shrunk"
#: The stable code a node answers when asked for a tree larger than its log.
TREE_SIZE_UNKNOWN = "tree_size_unknown"
#: Heads queued per partner at most; beyond, new heads are dropped (and the drop recorded).
MAX_PENDING = 256

ALARMS = Counter("accord_witness_alarms_total", "Partner ledgers found forked or shrunk.", ["kind"])
FAILURES = Counter(
    "accord_witness_failures_total",
    "Witnessing steps that failed (the exchange itself went on).",
    ["reason"],
)

_LOCK = threading.Lock()


class TreeSizeUnknown(AccordError):
    """A consistency proof was asked for a tree larger than this node's log."""

    status = 404
    code = TREE_SIZE_UNKNOWN


class ConsistencyRefused(AccordError):
    """The partner's consistency proof could not be had or was malformed (retried later)."""

    status = 502
    code = "consistency_unavailable"


def _node_lock(node: Node, name: str) -> threading.Lock:
    with _LOCK:
        lock: threading.Lock | None = node.cache.get(name)
        if lock is None:
            lock = threading.Lock()
            node.cache[name] = lock
        return lock


# --- this node's head, sent with every message ----------------------------------------------


def current_head(node: Node) -> SignedTreeHead:
    """This node's latest signed tree head, signing a new one when the ledger has grown and the
    last one is older than `ACCORD_WITNESS_HEAD_INTERVAL` seconds.

    Signing is serialised within the process, so that heads this node sends never disagree in
    size and time order."""
    interval = node.settings.witness_head_interval
    with _node_lock(node, "witness_head_lock"):
        cached: tuple[SignedTreeHead, float] | None = node.cache.get("witness_head")
        now = time.monotonic()
        if cached is not None and now - cached[1] < interval:
            return cached[0]
        head = audit.sign_tree_head(node)
        node.cache["witness_head"] = (head, now)
        return head


# --- a partner's head, received with a message ----------------------------------------------


def _verifier(key: Ed25519PublicKey) -> Verifier:
    def verify(message: bytes, signature: bytes) -> bool:
        try:
            key.verify(signature, message)
        except Exception:  # noqa: BLE001 - any failure is "does not verify"
            return False
        return True

    return verify


def _actor(node: Node) -> str:
    return f"system:witness@{node.agency}"


def _fail(node: Node, peer: str, reason: str, message: str) -> None:
    """A witnessing step that failed: counted, logged, kept as the partner's last error."""
    FAILURES.labels(reason).inc()
    log.warning("witnessing step failed", partner=peer, reason=reason, detail=message)
    try:
        with node.engine.begin() as conn:
            store.lock_partner(conn, peer)
            store.set_error(conn, peer, f"{reason}: {message}", datetime.now(UTC))
    except Exception:  # the exchange goes on whatever happens here
        log.exception("could not record a witnessing failure", partner=peer)


def _alarm(
    conn: Connection,
    node: Node,
    peer: Peer | str,
    kind: str,
    reason: str,
    evidence: dict[str, Any],
) -> None:
    """Mark the partner forked or shrunk (once), with a ledger entry, a log line, a count."""
    partner = peer.node_id if isinstance(peer, Peer) else peer
    now = datetime.now(UTC)
    if not store.set_alarm(conn, partner, kind, reason, evidence, now):
        return
    event = Event.WITNESS_FORK if kind == FORKED else Event.WITNESS_SHRINK
    details = {"partner": partner, "state": kind, "reason": reason, **evidence}
    if isinstance(peer, Peer):
        details["agency"] = peer.agency_code
    record_event(conn, event, _actor(node), details)
    ALARMS.labels(kind).inc()
    log.error("PARTNER LEDGER " + kind.upper(), partner=partner, reason=reason, evidence=evidence)


def _seen(node: Node) -> dict[str, tuple[int, bytes, int]]:
    seen: dict[str, tuple[int, bytes, int]] = node.cache.setdefault("witness_seen", {})
    return seen


def observe(node: Node, peer: Peer, claims: MessageClaims, via: str) -> None:
    """Witness the tree head `peer` sent with a verified message. Never raises."""
    try:
        _observe(node, peer, claims.tree_head, via)
    except Exception:  # witnessing must never break the exchange
        FAILURES.labels("error").inc()
        log.exception("witnessing failed", partner=peer.node_id, via=via)


def _observe(node: Node, peer: Peer, raw: Mapping[str, Any] | None, via: str) -> None:
    partner = peer.node_id
    if raw is None:
        _fail(node, partner, "missing", f"no signed tree head with {via}")
        return
    try:
        sth = SignedTreeHead.from_json(raw)
        sth.verify(_verifier(peer.signing_key))
    except (ValidationError, ProofError) as exc:
        _refuse(node, peer, raw, via, exc)
        return
    key = (sth.head.size, sth.head.root, sth.head.timestamp)
    if _seen(node).get(partner) == key:
        return
    now = datetime.now(UTC)
    queued = False
    with _node_lock(node, "witness_state_lock"), node.engine.begin() as conn:
        row = store.lock_partner(conn, partner)
        store.touch(conn, partner, now)
        if row.alarm_kind is not None:
            log.error(
                "message from a partner whose ledger is " + row.alarm_kind,
                partner=partner,
                alarm_at=row.alarm_at.isoformat() if row.alarm_at else None,
            )
        else:
            queued = _judge(conn, node, peer, row, sth, via, now)
    _seen(node)[partner] = key
    if queued:
        _wake(node)


def _judge(
    conn: Connection,
    node: Node,
    peer: Peer | str,
    row: WitnessRow,
    sth: SignedTreeHead,
    via: str,
    now: datetime,
) -> bool:
    """Act on one validly signed head; True when it was queued for a consistency proof."""
    partner = peer.node_id if isinstance(peer, Peer) else peer
    held = row.head.head if row.head is not None else None
    found = assess(held, sth.head, ORDER_SLACK_MS)
    if found.verdict is Verdict.FIRST:
        store.set_anchor(conn, partner, sth, now, state=CONSISTENT)
    elif found.alarm:
        assert row.head is not None
        kind = FORKED if found.verdict is Verdict.FORK else SHRUNK
        evidence = {"held": row.head.to_json(), "received": sth.to_json(), "via": via}
        _alarm(conn, node, peer, kind, found.reason, evidence)
    elif found.proof is not None:
        if store.count_pending(conn, partner) >= MAX_PENDING:
            FAILURES.labels("queue_full").inc()
            store.set_error(conn, partner, "queue_full: head dropped", now)
            return False
        store.add_pending(conn, partner, sth, via, now)
        return True
    return False


def _refuse(node: Node, peer: Peer, raw: Mapping[str, Any], via: str, exc: AccordError) -> None:
    """A head that is malformed or whose signature fails: refused, in the ledger, counted."""
    reason = "bad_signature" if isinstance(exc, ProofError) else "malformed"
    FAILURES.labels(reason).inc()
    log.error("partner sent a tree head that fails", partner=peer.node_id, reason=reason)
    shown = json.loads(json.dumps(raw, default=str))
    now = datetime.now(UTC)
    with node.engine.begin() as conn:
        store.lock_partner(conn, peer.node_id)
        store.set_error(conn, peer.node_id, f"{reason}: head refused", now)
        record_event(
            conn,
            Event.WITNESS_REFUSED,
            _actor(node),
            {
                "partner": peer.node_id,
                "agency": peer.agency_code,
                "reason": reason,
                "message": exc.message[:300],
                "head": shown if len(json.dumps(shown)) <= 2000 else None,
                "via": via,
            },
        )


# --- consistency proofs, off the exchange's path --------------------------------------------


def partner_consistency(node: Node, first: int, second: int) -> ConsistencyProof:
    """What this node answers a partner's `GET /federation/v1/audit/consistency`: RFC 9162
    §2.1.4 PROOF(first, D[second]); TreeSizeUnknown when `second` exceeds the log."""
    for name, value in (("first", first), ("second", second)):
        if value < 0:
            raise ValidationError(FieldError(name, "must not be negative"))
    if first > second:
        raise ValidationError(FieldError("first", "must not exceed second"))
    with node.engine.connect() as conn:
        size = ledger_store.ledger_size(conn)
    if second > size:
        raise TreeSizeUnknown(f"this log has {size} entries")
    return audit.consistency_proof(node, first, second)


def fetch_consistency(node: Node, peer: Peer, first: int, second: int) -> ConsistencyProof:
    """Ask `peer` for PROOF(first, D[second]) over the signed partner route."""
    target = consistency_target(first, second)
    reply = client_for(node).send(
        peer,
        "GET",
        target,
        b"",
        new_id("wc"),
        witness=witness_for(node),
        timeout=node.settings.witness_timeout,
    )
    try:
        proof = ConsistencyProof.from_json(json.loads(reply.body))
    except (ValueError, AttributeError, ValidationError) as exc:
        raise ConsistencyRefused("the partner's consistency proof is malformed") from exc
    if (proof.first, proof.second) != (first, second):
        raise ConsistencyRefused("the partner proved other tree sizes than asked")
    return proof


def _retry_at(node: Node, attempts: int) -> datetime:
    s = node.settings
    ceiling = min(s.outbox_max_delay, s.outbox_base_delay * 2.0 ** max(0, attempts))
    return datetime.now(UTC) + timedelta(seconds=ceiling / 2 + random.uniform(0, ceiling / 2))


def _check_partner(node: Node, partner: str) -> int:
    """Work through one partner's queued heads in size order; returns heads resolved."""
    peer = find_peer(node.engine, partner)
    with node.engine.connect() as conn:
        queued = store.pending_for(conn, partner)
    resolved = 0
    for item in queued:
        with _node_lock(node, "witness_state_lock"), node.engine.begin() as conn:
            row = store.lock_partner(conn, partner)
            if row.alarm_kind is not None:
                store.delete_pending(conn, item.id)
                resolved += 1
                continue
            held = row.head
            found = assess(held.head if held else None, item.head.head, ORDER_SLACK_MS)
            if found.proof is None:
                _judge(conn, node, peer or partner, row, item.head, item.via, _now())
                store.delete_pending(conn, item.id)
                resolved += 1
                continue
        assert held is not None
        if peer is None:
            with node.engine.begin() as conn:
                store.retry_pending(conn, item.id, _retry_at(node, item.attempts))
            return resolved
        outcome = _prove(node, peer, held, item.head, found.proof, item.via)
        if outcome is None:  # could not get the proof: try again later, in order
            with node.engine.begin() as conn:
                store.retry_pending(conn, item.id, _retry_at(node, item.attempts))
            return resolved
        with _node_lock(node, "witness_state_lock"), node.engine.begin() as conn:
            row = store.lock_partner(conn, partner)
            if row.alarm_kind is not None:  # alarmed meanwhile: nothing more to prove
                store.delete_pending(conn, item.id)
                resolved += 1
                continue
            if row.head != held:  # someone else moved the anchor meanwhile: look again
                continue
            kind, reason, evidence = outcome
            if kind == CONSISTENT:
                if found.verdict is Verdict.GROWN:
                    store.set_anchor(conn, partner, item.head, _now(), state=CONSISTENT)
            else:
                _alarm(conn, node, peer, kind, reason, evidence)
            store.delete_pending(conn, item.id)
            resolved += 1
    return resolved


def _now() -> datetime:
    return datetime.now(UTC)


def _prove(
    node: Node,
    peer: Peer,
    held: SignedTreeHead,
    incoming: SignedTreeHead,
    sizes: tuple[int, int],
    via: str,
) -> tuple[str, str, dict[str, Any]] | None:
    """Ask the partner for the proof and check it: (state, reason, evidence), or None when the
    proof could not be had (recorded as a failure, retried)."""
    first, second = sizes
    small, large = (held, incoming) if held.head.size == first else (incoming, held)
    evidence: dict[str, Any] = {"held": held.to_json(), "received": incoming.to_json(), "via": via}
    try:
        proof = fetch_consistency(node, peer, first, second)
    except PartnerRefused as exc:
        if exc.partner_code == TREE_SIZE_UNKNOWN:
            reason = f"the partner no longer has the tree of size {second} it signed"
            return SHRUNK, reason, evidence
        _fail(node, peer.node_id, "proof_refused", exc.partner_code)
        return None
    except (PartnerUnavailable, ConsistencyRefused) as exc:
        _fail(node, peer.node_id, "proof_unavailable", exc.message)
        return None
    try:
        proof.verify(small.head.root, large.head.root)
    except ProofError as exc:
        evidence["proof"] = proof.to_json()
        return FORKED, f"consistency proof from {first} to {second} fails: {exc.message}", evidence
    return CONSISTENT, "", evidence


def run_due(node: Node) -> int:
    """Check every partner's queued heads that are due; returns heads resolved."""
    with node.engine.connect() as conn:
        partners = store.due_partners(conn, datetime.now(UTC))
    resolved = 0
    with _node_lock(node, "witness_run_lock"):
        for partner in partners:
            try:
                resolved += _check_partner(node, partner)
            except Exception:  # one partner's fault must not stop the others
                FAILURES.labels("error").inc()
                log.exception("witness check failed", partner=partner)
    return resolved


def _wake(node: Node) -> None:
    event: threading.Event | None = node.cache.get("witness_wake")
    if event is not None:
        event.set()


class WitnessWorker:
    """A background thread that checks queued heads as soon as one is queued, and every
    `ACCORD_OUTBOX_POLL_SECONDS` for those due for a retry."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="accord-witness", daemon=True)

    def start(self) -> None:
        self.node.cache["witness_wake"] = self._wake
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        if self.node.cache.get("witness_wake") is self._wake:
            del self.node.cache["witness_wake"]

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                run_due(self.node)
            except Exception:  # the worker must outlive one bad round
                log.exception("witness round failed")
            self._wake.wait(self.node.settings.outbox_poll_seconds)


# --- the client's view ----------------------------------------------------------------------


class Witness:
    """`accord.federation.client.HeadExchange` for this node."""

    def __init__(self, node: Node) -> None:
        self.node = node

    def head(self) -> Mapping[str, Any] | None:
        try:
            return current_head(self.node).to_json()
        except Exception:  # a message without a head still goes out
            FAILURES.labels("own_head").inc()
            log.exception("could not sign this node's tree head")
            return None

    def observe(self, peer: Peer, claims: MessageClaims, via: str) -> None:
        observe(self.node, peer, claims, via)


def witness_for(node: Node) -> Witness:
    with _LOCK:
        found: Witness | None = node.cache.get("witness")
        if found is None:
            found = Witness(node)
            node.cache["witness"] = found
        return found


# --- what auditors see ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PartnerWitness:
    """One partner as witnessed: its anchor head, when, the state, pending heads, alarm."""

    partner: str
    state: str  # "never seen", "consistent", "forked" or "shrunk"
    head: SignedTreeHead | None
    witnessed_at: datetime | None
    last_seen_at: datetime | None
    pending: int
    alarm: dict[str, Any] | None
    last_error: str | None
    last_error_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        head = self.head.head if self.head is not None else None
        return {
            "partner": self.partner,
            "state": self.state,
            "tree_size": head.size if head else None,
            "root_hash": head.root.hex() if head else None,
            "signed_at": _ms(head.timestamp) if head else None,
            "witnessed_at": _iso(self.witnessed_at),
            "last_seen_at": _iso(self.last_seen_at),
            "pending": self.pending,
            "alarm": self.alarm,
            "last_error": self.last_error,
            "last_error_at": _iso(self.last_error_at),
        }


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def _ms(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp / 1000, UTC).isoformat(timespec="milliseconds")


def alarms(node: Node) -> dict[str, str]:
    """Partners whose ledger this node caught forked or shrunk: node id -> state."""
    with node.engine.connect() as conn:
        return {r.partner: r.alarm_kind for r in store.list_partners(conn) if r.alarm_kind}


def witness_state(node: Node) -> list[PartnerWitness]:
    """Every current partner and every partner ever witnessed, by node id."""
    with node.engine.connect() as conn:
        rows = {r.partner: r for r in store.list_partners(conn)}
        pending = {p: store.count_pending(conn, p) for p in rows}
    names = sorted(set(rows) | {p.node_id for p in list_peers(node)})
    found = []
    for name in names:
        row = rows.get(name)
        if row is None:
            found.append(PartnerWitness(name, "never seen", None, None, None, 0, None, None, None))
            continue
        alarm = None
        if row.alarm_kind is not None:
            alarm = {
                "kind": row.alarm_kind,
                "at": _iso(row.alarm_at),
                "reason": row.alarm_reason,
                "evidence": row.alarm_evidence,
            }
        state = "never seen" if row.state == STATE_UNSEEN else row.state
        found.append(
            PartnerWitness(
                name,
                state,
                row.head,
                row.witnessed_at,
                row.last_seen_at,
                pending.get(name, 0),
                alarm,
                row.last_error,
                row.last_error_at,
            )
        )
    return found
