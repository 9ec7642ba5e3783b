"""Delivery of outbox messages: at least once, retried with exponential backoff and jitter.

A message is written to `federation_outbox` in the same transaction as the change it announces
(a follow-up request, a decision), so it exists exactly when the change does. A worker leases
due messages (so several workers never send one message at the same time), sends each with its
fixed request id and a fresh signature, and then, in one transaction, marks it delivered and
applies the partner's signed acknowledgement. A partner that is down or slow gets the message
again later; a partner that refuses it (4xx other than 408/425/429) ends it as `failed`. The
receiving node keys its receipts on (sender, request id), so a retry never acts twice.

End-to-end messages and read receipts for one partner travel several to a request
(`accord.services.message_batches`, decision 0033), each item still under its own request id
with its own result; partners are served side by side by a bounded pool, each partner's
messages in order."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog

from accord.federation.client import PartnerRefused, PartnerUnavailable, client_for
from accord.federation.peers import Peer, find_peer
from accord.federation.protocol import MAX_BATCH, MESSAGE_BATCH_PATH, new_id
from accord.federation.retry import RETRYABLE_STATUS, backoff, retryable
from accord.node import Node
from accord.services import (
    followup,
    message_batches,
    messaging,
    notice_exchange,
    notices,
    relay,
)
from accord.services.audit import appended_together
from accord.services.events import prune_events
from accord.services.witness import witness_for
from accord.store import federation as store

__all__ = ["DeliveryReport", "OutboxWorker", "deliver_due", "outbox_messages"]

log = structlog.get_logger("accord.outbox")

#: How long a worker holds a claimed message before another worker may try it.
LEASE = timedelta(seconds=60)
#: A batch's answer may take this much longer per item, and per MiB of its body, than a
#: single request's (the receiver opens and keeps every item before it answers).
BATCH_ITEM_SECONDS = 0.05
BATCH_MIB_SECONDS = 0.5
#: How long a partner that does not know the batch route is sent messages one at a time.
NO_BATCHES_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    failed: int = 0


def deliver_due(
    node: Node, *, limit: int = 2 * MAX_BATCH, now: datetime | None = None
) -> DeliveryReport:
    """Try every due message once; returns what happened.

    Each partner's messages go in order, its end-to-end messages and read receipts several to
    a request (`accord.services.message_batches`); partners are served side by side, at most
    `ACCORD_OUTBOX_CONCURRENCY` at a time."""
    now = now or datetime.now(UTC)
    with node.engine.begin() as conn:
        claimed = store.claim_due(conn, now, now + LEASE, limit)
    if not claimed:
        return DeliveryReport()
    by_partner: dict[str, list[store.OutboxRow]] = {}
    for message in claimed:
        by_partner.setdefault(message.recipient, []).append(message)
    width = min(len(by_partner), node.settings.outbox_concurrency)
    if width <= 1:
        reports = [_deliver_to(node, rows, now) for rows in by_partner.values()]
    else:
        with ThreadPoolExecutor(width, thread_name_prefix="accord-outbox") as pool:
            reports = list(pool.map(lambda rows: _deliver_to(node, rows, now), by_partner.values()))
    return DeliveryReport(
        sum(r.delivered for r in reports),
        sum(r.retried for r in reports),
        sum(r.failed for r in reports),
    )


def _deliver_to(node: Node, rows: list[store.OutboxRow], now: datetime) -> DeliveryReport:
    """One partner's due messages, in order: runs of end-to-end messages and receipts in
    batches, anything else one request each."""
    tally = _Tally()
    peer = find_peer(node.engine, rows[0].recipient)
    run: list[store.OutboxRow] = []
    for message in rows:
        if messaging.is_batchable(message.kind):
            run.append(message)
            continue
        if run:
            _deliver_batched(node, peer, run, now, tally)
            run = []
        _deliver_one(node, peer, message, now, tally)
    if run:
        _deliver_batched(node, peer, run, now, tally)
    return DeliveryReport(tally.delivered, tally.retried, tally.failed)


@dataclass(slots=True)
class _Tally:
    delivered: int = 0
    retried: int = 0
    failed: int = 0


def _deliver_batched(
    node: Node, peer: Peer | None, rows: list[store.OutboxRow], now: datetime, tally: _Tally
) -> None:
    if peer is None or _without_batches(node, peer):
        for message in rows:
            _deliver_one(node, peer, message, now, tally)
        return
    client = client_for(node)
    timeout = node.settings.federation_timeout
    batches = message_batches.pack(rows, message_batches.batch_bytes(node.settings))
    for n, packed in enumerate(batches):
        if len(packed.rows) == 1:
            _deliver_one(node, peer, packed.rows[0], now, tally)
            continue
        try:
            reply = client.send(
                peer,
                "POST",
                MESSAGE_BATCH_PATH,
                packed.body,
                new_id("batch"),
                witness=witness_for(node),
                timeout=timeout
                + BATCH_ITEM_SECONDS * len(packed.rows)
                + BATCH_MIB_SECONDS * len(packed.body) / 2**20,
            )
            results = message_batches.parse_answer(reply.body, packed.rows)
        except PartnerRefused as exc:
            # A partner without batches (or refusing this one as a whole): each alone.
            log.info("batch refused, sending alone", partner=peer.node_id, code=exc.partner_code)
            if exc.status_code in (404, 405):
                _note_without_batches(node, peer)
            for message in packed.rows:
                _deliver_one(node, peer, message, now, tally)
            continue
        except PartnerUnavailable as exc:
            # The later batches wait too: none may overtake this one.
            waiting = [r for later_batch in batches[n:] for r in later_batch.rows]
            _retry(node, waiting, now, exc.message, tally)
            return
        except ValueError:
            _retry(node, packed.rows, now, "the partner's batch answer is malformed", tally)
            continue
        later: list[store.OutboxRow] = []
        went: list[int] = []
        with node.engine.begin() as conn, appended_together(conn):
            for message in packed.rows:
                result = results.get(message.message_id)
                if result is not None and 200 <= result.status < 300:
                    went.append(message.id)
                    messaging.on_delivered(conn, node, message, reply)
                    tally.delivered += 1
                elif (
                    result is not None
                    and 400 <= result.status < 500
                    and result.status not in RETRYABLE_STATUS
                ):
                    code = result.code or "refused"
                    store.mark_failed(conn, message.id, code)
                    messaging.on_refused(conn, node, message, code)
                    tally.failed += 1
                    log.warning("outbox message refused", message=message.message_id, code=code)
                else:
                    later.append(message)
            store.mark_all_delivered(conn, went, datetime.now(UTC))
        if later:
            _retry(node, later, now, "the partner did not keep it in its batch", tally)


def _without_batches(node: Node, peer: Peer) -> bool:
    until: float | None = node.cache.get(f"outbox_no_batches:{peer.node_id}")
    return until is not None and time.monotonic() < until


def _note_without_batches(node: Node, peer: Peer) -> None:
    """A partner whose software does not know the batch route: asked again in ten minutes."""
    node.cache[f"outbox_no_batches:{peer.node_id}"] = time.monotonic() + NO_BATCHES_SECONDS


def _retry(
    node: Node, rows: list[store.OutboxRow], now: datetime, error: str, tally: _Tally
) -> None:
    settings = node.settings
    # One delay for all: messages that failed together become due together, in their order.
    attempts = max(m.attempts for m in rows) + 1
    delay = backoff(attempts, settings.outbox_base_delay, settings.outbox_max_delay)
    with node.engine.begin() as conn:
        for message in rows:
            store.mark_retry(conn, message.id, now + timedelta(seconds=delay), error)
            tally.retried += 1
    log.info("outbox delivery will be retried", messages=len(rows), error=error)


def _deliver_one(
    node: Node, peer: Peer | None, message: store.OutboxRow, now: datetime, tally: _Tally
) -> None:
    try:
        if peer is None:
            raise PartnerUnavailable(f"{message.recipient} is not a current partner")
        reply = client_for(node).send(
            peer,
            message.method,
            message.path,
            message.body,
            message.message_id,
            witness=witness_for(node),
        )
    except PartnerRefused as exc:
        if not retryable(exc):
            with node.engine.begin() as conn:
                store.mark_failed(conn, message.id, exc.partner_code)
                if messaging.is_message_kind(message.kind):
                    messaging.on_refused(conn, node, message, exc.partner_code)
                elif relay.is_relay_kind(message.kind):
                    relay.on_refused(conn, node, message, exc.partner_code)
                elif notice_exchange.is_notice_message(message.kind):
                    notice_exchange.on_refused(conn, node, message, exc.partner_code)
                else:
                    followup.on_refused(conn, node, message, exc.partner_code)
            tally.failed += 1
            log.warning("outbox message refused", message=message.message_id, code=exc.partner_code)
            return
        error = exc.partner_code
    except PartnerUnavailable as exc:
        error = exc.message
    else:
        with node.engine.begin() as conn:
            store.mark_delivered(conn, message.id, datetime.now(UTC))
            if messaging.is_message_kind(message.kind):
                messaging.on_delivered(conn, node, message, reply)
            elif relay.is_relay_kind(message.kind):
                relay.on_delivered(conn, node, message, reply)
            elif notice_exchange.is_notice_message(message.kind):
                notice_exchange.on_delivered(conn, node, message, reply)
            else:
                followup.on_delivered(conn, node, message, reply)
        tally.delivered += 1
        return
    _retry(node, [message], now, error, tally)


def outbox_messages(node: Node, state: str | None = None) -> list[store.OutboxRow]:
    """Outbox messages (optionally in one state: pending, delivered, failed), oldest first."""
    with node.engine.connect() as conn:
        return store.list_outbox(conn, state)


#: How often the worker removes events past their retention.
PRUNE_SECONDS = 60.0
#: Messages a worker claims per round.
ROUND = 2 * MAX_BATCH


class OutboxWorker:
    """A background thread that delivers due messages every `ACCORD_OUTBOX_POLL_SECONDS`."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="accord-outbox", daemon=True)
        self._next_prune = 0.0

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                notices.expire_due(self.node)
                report = deliver_due(self.node, limit=ROUND)
                if report.delivered + report.retried + report.failed >= ROUND:
                    continue  # more are due: no pause between full rounds
                if time.monotonic() >= self._next_prune:
                    prune_events(self.node)
                    self._next_prune = time.monotonic() + PRUNE_SECONDS
            except Exception:  # the worker must outlive one bad round
                log.exception("outbox round failed")
            self._stop.wait(self.node.settings.outbox_poll_seconds)
