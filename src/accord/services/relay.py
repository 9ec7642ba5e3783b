"""Relaying end-to-end messages through a hub (decision 0034; docs/messaging.md, "Relaying").

A sender may hand a message for another node to a partner acting as a hub (`via`): the
message is sealed to the recipient's key and signed by the sender exactly as if it went
directly, and the hub receives only that token (`POST /federation/v1/relay`). The hub keeps it
in its outbox, forwards it to the recipient (`POST /federation/v1/messages/relayed`), and
reports to the sender what became of it (`POST /federation/v1/relay/receipts`): delivered,
with the digest of the recipient's signed answer, or failed, with its code. The hub cannot
open the token (it has no key to it), cannot alter it unnoticed (the recipient checks the
sender's inner signature and the recipient named in it), and ledgers only its digest.

The recipient checks the inner signature against the sender's key from its own partner
directory — not the hub's — so a hub cannot pass off a message of its own as someone else's.
Receiving is idempotent as for a direct message; the recipient's read receipt goes to the
sender directly."""

from __future__ import annotations

from datetime import UTC, datetime
from hashlib import sha256

from sqlalchemy import Connection

from accord.crypto import MessageClaims
from accord.errors import FieldError, NotFound, ValidationError
from accord.federation.client import Reply
from accord.federation.identity import node_id
from accord.federation.peers import Peer, find_peer
from accord.federation.protocol import (
    RELAY_RECEIPTS_PATH,
    RELAYED_PATH,
    RelayAck,
    RelayedMessage,
    RelayReceipt,
    RelayRequest,
    encode,
    new_id,
)
from accord.node import Node
from accord.services import messaging
from accord.services.audit import Event, record_event
from accord.services.events import publish_event
from accord.services.federation import partner_principal
from accord.store import federation as fed_store
from accord.store import messaging as store
from accord.store.federation import OutboxRow

__all__ = [
    "KIND_FORWARD",
    "KIND_RELAY_RECEIPT",
    "accept_relay",
    "is_relay_kind",
    "on_delivered",
    "on_refused",
    "receive_relay_receipt",
    "receive_relayed",
]

#: The hub's outbox: a message it forwards, and its report back to the sender.
KIND_FORWARD = "relay.forward"
KIND_RELAY_RECEIPT = "relay.receipt"


def is_relay_kind(kind: str) -> bool:
    return kind in (KIND_FORWARD, KIND_RELAY_RECEIPT)


def _digest(token: str) -> str:
    return sha256(token.encode("ascii")).hexdigest()


# --- at the hub -------------------------------------------------------------------------------


def accept_relay(
    node: Node, peer: Peer, claims: MessageClaims, req: RelayRequest
) -> tuple[int, bytes]:
    """Hold a partner's sealed message for forwarding to `req.recipient` (idempotent on the
    request id); the signed answer says it is held."""
    body = encode(RelayAck(message_id=req.message.message_id, state="relayed"))
    with node.engine.connect() as conn:
        kept = fed_store.get_receipt(conn, peer.node_id, claims.request_id)
    if kept is not None:
        return kept
    if req.recipient in (node_id(node), peer.node_id):
        raise ValidationError(FieldError("recipient", "a hub relays to a third node"))
    if find_peer(node.engine, req.recipient) is None:
        raise ValidationError(FieldError("recipient", "is not a current partner of this hub"))
    now = datetime.now(UTC)
    with node.engine.begin() as conn:
        fed_store.enqueue(
            conn,
            message_id=new_id("fwd"),
            recipient=req.recipient,
            kind=KIND_FORWARD,
            subject=req.message.message_id,
            method="POST",
            path=RELAYED_PATH,
            body=encode(RelayedMessage(origin=peer.node_id, message=req.message)),
            at=now,
        )
        record_event(
            conn,
            Event.MESSAGE,
            partner_principal(peer),
            {
                "step": "relay_accepted",
                "message_id": req.message.message_id,
                "origin": peer.node_id,
                "recipient": req.recipient,
                "digest": _digest(req.message.token) if req.message.token.isascii() else None,
                "request_id": claims.request_id,
            },
        )
        fed_store.insert_receipt(conn, peer.node_id, claims.request_id, 200, body, now)
    return 200, body


def _report(conn: Connection, receipt: RelayReceipt, origin: str) -> None:
    fed_store.enqueue(
        conn,
        message_id=new_id("rrc"),
        recipient=origin,
        kind=KIND_RELAY_RECEIPT,
        subject=receipt.message_id,
        method="POST",
        path=RELAY_RECEIPTS_PATH,
        body=encode(receipt),
        at=datetime.now(UTC),
    )


def on_delivered(conn: Connection, node: Node, row: OutboxRow, reply: Reply) -> None:
    """A forward reached its recipient (tell the sender), or the sender has the report."""
    actor = f"system:outbox@{node.agency}"
    if row.kind == KIND_RELAY_RECEIPT:
        record_event(
            conn,
            Event.MESSAGE,
            actor,
            {"step": "relay_reported", "message_id": row.subject, "partner": row.recipient},
        )
        return
    forwarded = RelayedMessage.model_validate_json(row.body)
    receipt = RelayReceipt(
        message_id=row.subject,
        recipient=row.recipient,
        state="delivered",
        answer_digest=reply.claims.body_digest,
    )
    _report(conn, receipt, forwarded.origin)
    record_event(
        conn,
        Event.MESSAGE,
        actor,
        {
            "step": "relay_delivered",
            "message_id": row.subject,
            "origin": forwarded.origin,
            "recipient": row.recipient,
            "answer_digest": reply.claims.body_digest,
            "signature": reply.signature,
        },
    )


def on_refused(conn: Connection, node: Node, row: OutboxRow, code: str) -> None:
    """The recipient refused a forward for good (tell the sender), or the sender refused the
    report."""
    actor = f"system:outbox@{node.agency}"
    details = {"message_id": row.subject, "partner": row.recipient, "code": code}
    if row.kind == KIND_FORWARD:
        forwarded = RelayedMessage.model_validate_json(row.body)
        receipt = RelayReceipt(
            message_id=row.subject, recipient=row.recipient, state="failed", code=code
        )
        _report(conn, receipt, forwarded.origin)
        details["origin"] = forwarded.origin
    record_event(conn, Event.MESSAGE, actor, {"step": "relay_refused", **details})


# --- at the recipient -------------------------------------------------------------------------


def receive_relayed(
    node: Node,
    hub: Peer,
    claims: MessageClaims,
    relayed: RelayedMessage,
    on_mla: messaging.MlaHook | None = None,
) -> tuple[int, bytes]:
    """A message a hub forwards: opened and its inner signature checked against the sender's
    own key (from this node's directory), then kept as if it had come directly."""
    origin = find_peer(node.engine, relayed.origin)
    if origin is None or origin.node_id in (hub.node_id, node_id(node)):
        raise ValidationError(FieldError("origin", "is not a current partner of this node"))
    checked = messaging.check_incoming(
        node, origin, claims.request_id, relayed.message, via=hub.node_id
    )
    if not isinstance(checked, messaging.Incoming):
        return checked
    return messaging.keep_alone(node, origin, checked, on_mla)


# --- at the sender ----------------------------------------------------------------------------


def receive_relay_receipt(
    node: Node, hub: Peer, claims: MessageClaims, receipt: RelayReceipt
) -> tuple[int, bytes]:
    """The hub reports what became of a message this node handed to it."""
    body = encode({"message_id": receipt.message_id, "state": receipt.state})
    now = datetime.now(UTC)
    with node.engine.begin() as conn:
        if fed_store.get_receipt(conn, hub.node_id, claims.request_id) is not None:
            return 200, body
        row = store.get_message(conn, receipt.message_id)
        history = store.states(conn, [row.pk])[row.pk] if row is not None else []
        relayed = [s for s in history if s.state == "relayed" and s.details.get("via")]
        if (
            row is None
            or row.direction != "outgoing"
            or row.partner_node != receipt.recipient
            or not any(s.details["via"] == hub.node_id for s in relayed)
        ):
            raise NotFound("no message was handed to this hub with this id")
        if not any(s.state in ("delivered", "failed") for s in history):
            principal = partner_principal(hub)
            details = {"via": hub.node_id, "answer_digest": receipt.answer_digest}
            if receipt.code:
                details["code"] = receipt.code
            store.add_state(conn, row.pk, receipt.state, now, principal.label, details)
            record_event(
                conn,
                Event.MESSAGE,
                principal,
                {
                    "step": "relay_receipt",
                    "state": receipt.state,
                    "message_id": receipt.message_id,
                    "partner": receipt.recipient,
                    "via": hub.node_id,
                    "code": receipt.code,
                    "answer_digest": receipt.answer_digest,
                },
            )
            publish_event(
                conn,
                node.agency,
                "message_receipt",
                {
                    "message_id": receipt.message_id,
                    "state": receipt.state,
                    "by": row.partner_agency,
                    "via": hub.agency_code,
                },
                now,
            )
        fed_store.insert_receipt(conn, hub.node_id, claims.request_id, 200, body, now)
    return 200, body
