"""Messages and read receipts for one partner, several to a signed request (decision 0033).

Sending: the outbox packs the due messages and receipts it holds for a partner into one
`POST /federation/v1/messages/batch` (at most `MAX_BATCH` items and `batch_bytes` bytes). Each
item keeps the request id it has in the outbox, and the body it would have had alone, byte for
byte: the sealed token is not touched, so what the recipient keeps and ledgers is what the
sender ledgered.

Receiving: each item is acted on exactly as if it had come alone (`messaging.check_incoming`,
`keep_incoming`, `apply_receipt`): opened and verified first, kept with its receipt under its
own request id, so a retry — alone or in another batch — answers from that receipt and never
keeps a message twice. The items that opened are kept in one transaction; if any of them fails
there (an illegal MLA step, a concurrent copy), that transaction is rolled back and each is
kept in a transaction of its own, so one item's fault costs the others nothing and nothing is
half-kept. The signed answer holds one result per item: the status and answer it would have
had alone."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from accord.errors import AccordError
from accord.federation.peers import Peer
from accord.federation.protocol import (
    MAX_BATCH,
    BatchAnswer,
    BatchResult,
    MessageBatch,
    encode,
)
from accord.node import Node
from accord.services import messaging
from accord.services.audit import appended_together
from accord.services.messaging import Incoming, MlaHook
from accord.settings import Settings
from accord.store import federation as fed_store
from accord.store import messaging as msg_store
from accord.store.federation import OutboxRow

__all__ = [
    "Packed",
    "batch_bytes",
    "pack",
    "parse_answer",
    "receive_batch",
]


# --- receiving --------------------------------------------------------------------------------


def _result(request_id: str, status: int, body: bytes) -> BatchResult:
    data = json.loads(body) if body else {}
    if status < 300:
        return BatchResult(request_id=request_id, status=status, answer=data)
    code = data.get("code") if isinstance(data, dict) else None
    return BatchResult(request_id=request_id, status=status, code=code or "refused")


def _refused(request_id: str, exc: AccordError) -> BatchResult:
    return BatchResult(request_id=request_id, status=exc.status, code=exc.code)


def receive_batch(
    node: Node, peer: Peer, batch: MessageBatch, on_mla: MlaHook | None = None
) -> tuple[int, bytes]:
    """Act on every item of a partner's batch; the answer lists each item's result."""
    results: dict[str, BatchResult] = {}
    ready: list[Incoming] = []
    with node.engine.connect() as conn:
        kept = fed_store.get_receipts(conn, peer.node_id, [m.request_id for m in batch.messages])
        held = msg_store.get_messages(conn, [m.message.message_id for m in batch.messages])
    for item in batch.messages:
        try:
            checked = messaging.check_incoming(
                node,
                peer,
                item.request_id,
                item.message,
                known=(kept.get(item.request_id), held.get(item.message.message_id)),
            )
        except AccordError as exc:
            results[item.request_id] = _refused(item.request_id, exc)
            continue
        if isinstance(checked, Incoming):
            ready.append(checked)
        else:
            results[item.request_id] = _result(item.request_id, *checked)
    now = datetime.now(UTC)
    together: dict[str, BatchResult] = {}
    try:
        with node.engine.begin() as conn, appended_together(conn):
            for incoming in ready:
                status, body = messaging.keep_incoming(conn, node, peer, incoming, now, on_mla)
                together[incoming.request_id] = _result(incoming.request_id, status, body)
            for r in batch.receipts:
                status, body = messaging.apply_receipt(
                    conn, node, peer, r.request_id, r.receipt.message_id, r.receipt, now
                )
                together[r.request_id] = _result(r.request_id, status, body)
    except Exception:  # noqa: BLE001 - rolled back; each item is tried alone below
        for incoming in ready:
            try:
                results[incoming.request_id] = _result(
                    incoming.request_id, *messaging.keep_alone(node, peer, incoming, on_mla)
                )
            except AccordError as exc:
                results[incoming.request_id] = _refused(incoming.request_id, exc)
        for r in batch.receipts:
            try:
                with node.engine.begin() as conn:
                    status, body = messaging.apply_receipt(
                        conn, node, peer, r.request_id, r.receipt.message_id, r.receipt, now
                    )
                results[r.request_id] = _result(r.request_id, status, body)
            except AccordError as exc:
                results[r.request_id] = _refused(r.request_id, exc)
    else:
        results.update(together)
    order = [m.request_id for m in batch.messages] + [r.request_id for r in batch.receipts]
    return 200, encode(BatchAnswer(results=[results[rid] for rid in order]))


# --- sending ----------------------------------------------------------------------------------


def batch_bytes(settings: Settings) -> int:
    """The largest batch body a sender makes: what the partner's message route takes
    (`accord.api.routers.partner`), less room for the envelope."""
    limit = max(settings.federation_max_body, 3 * settings.message_max_attachment_bytes + 2**20)
    return limit - 2**16


@dataclass(frozen=True, slots=True)
class Packed:
    """One batch: the outbox rows it carries, in order, and the request body."""

    rows: list[OutboxRow]
    body: bytes


def _item(row: OutboxRow) -> bytes:
    rid = json.dumps(row.message_id).encode("ascii")
    if row.kind == messaging.KIND_MESSAGE:
        return b'{"request_id":' + rid + b',"message":' + row.body + b"}"
    return b'{"request_id":' + rid + b',"receipt":' + row.body + b"}"


def _body(rows: Sequence[OutboxRow]) -> bytes:
    messages = [_item(r) for r in rows if r.kind == messaging.KIND_MESSAGE]
    receipts = [_item(r) for r in rows if r.kind != messaging.KIND_MESSAGE]
    return (
        b'{"version":1,"messages":['
        + b",".join(messages)
        + b'],"receipts":['
        + b",".join(receipts)
        + b"]}"
    )


def pack(rows: Sequence[OutboxRow], limit: int) -> list[Packed]:
    """The rows (messages and read receipts for one partner, oldest first) in batches of at
    most `MAX_BATCH` items and `limit` bytes, in order. A row too large to share a batch
    travels in one of its own."""
    batches: list[Packed] = []
    current: list[OutboxRow] = []
    size = 0
    for row in rows:
        item = len(row.body) + 100
        if current and (len(current) >= MAX_BATCH or size + item > limit):
            batches.append(Packed(current, _body(current)))
            current, size = [], 0
        current.append(row)
        size += item
    if current:
        batches.append(Packed(current, _body(current)))
    return batches


def parse_answer(body: bytes, rows: Sequence[OutboxRow]) -> dict[str, BatchResult]:
    """The partner's result per request id; an item it did not answer is left out (the
    outbox tries it again). Raises ValueError if the answer is not a batch answer."""
    answer = BatchAnswer.model_validate_json(body)
    wanted = {r.message_id for r in rows}
    return {r.request_id: r for r in answer.results if r.request_id in wanted}
