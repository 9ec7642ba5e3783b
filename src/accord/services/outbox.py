"""Delivery of outbox messages: at least once, retried with exponential backoff and jitter.

A message is written to `federation_outbox` in the same transaction as the change it announces
(a follow-up request, a decision), so it exists exactly when the change does. A worker leases
due messages (so several workers never send one message at the same time), sends each with its
fixed request id and a fresh signature, and then, in one transaction, marks it delivered and
applies the partner's signed acknowledgement. A partner that is down or slow gets the message
again later; a partner that refuses it (4xx other than 408/425/429) ends it as `failed`. The
receiving node keys its receipts on (sender, request id), so a retry never acts twice."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog

from accord.federation.client import PartnerRefused, PartnerUnavailable, client_for
from accord.federation.peers import find_peer
from accord.federation.retry import backoff, retryable
from accord.node import Node
from accord.services import followup, messaging, notice_exchange, notices
from accord.services.events import prune_events
from accord.services.witness import witness_for
from accord.store import federation as store

__all__ = ["DeliveryReport", "OutboxWorker", "deliver_due", "outbox_messages"]

log = structlog.get_logger("accord.outbox")

#: How long a worker holds a claimed message before another worker may try it.
LEASE = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    failed: int = 0


def deliver_due(node: Node, *, limit: int = 50, now: datetime | None = None) -> DeliveryReport:
    """Try every due message once; returns what happened."""
    now = now or datetime.now(UTC)
    with node.engine.begin() as conn:
        claimed = store.claim_due(conn, now, now + LEASE, limit)
    if not claimed:
        return DeliveryReport()
    client = client_for(node)
    settings = node.settings
    delivered = retried = failed = 0
    for message in claimed:
        peer = find_peer(node.engine, message.recipient)
        try:
            if peer is None:
                raise PartnerUnavailable(f"{message.recipient} is not a current partner")
            reply = client.send(
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
                    elif notice_exchange.is_notice_message(message.kind):
                        notice_exchange.on_refused(conn, node, message, exc.partner_code)
                    else:
                        followup.on_refused(conn, node, message, exc.partner_code)
                failed += 1
                log.warning(
                    "outbox message refused", message=message.message_id, code=exc.partner_code
                )
                continue
            error = exc.partner_code
        except PartnerUnavailable as exc:
            error = exc.message
        else:
            with node.engine.begin() as conn:
                store.mark_delivered(conn, message.id, datetime.now(UTC))
                if messaging.is_message_kind(message.kind):
                    messaging.on_delivered(conn, node, message, reply)
                elif notice_exchange.is_notice_message(message.kind):
                    notice_exchange.on_delivered(conn, node, message, reply)
                else:
                    followup.on_delivered(conn, node, message, reply)
            delivered += 1
            continue
        delay = backoff(message.attempts + 1, settings.outbox_base_delay, settings.outbox_max_delay)
        with node.engine.begin() as conn:
            store.mark_retry(conn, message.id, now + timedelta(seconds=delay), error)
        retried += 1
        log.info(
            "outbox delivery will be retried",
            message=message.message_id,
            delay=round(delay, 2),
            error=error,
        )
    return DeliveryReport(delivered, retried, failed)


def outbox_messages(node: Node, state: str | None = None) -> list[store.OutboxRow]:
    """Outbox messages (optionally in one state: pending, delivered, failed), oldest first."""
    with node.engine.connect() as conn:
        return store.list_outbox(conn, state)


#: How often the worker removes events past their retention.
PRUNE_SECONDS = 60.0


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
                deliver_due(self.node)
                if time.monotonic() >= self._next_prune:
                    prune_events(self.node)
                    self._next_prune = time.monotonic() + PRUNE_SECONDS
            except Exception:  # the worker must outlive one bad round
                log.exception("outbox round failed")
            self._stop.wait(self.node.settings.outbox_poll_seconds)
