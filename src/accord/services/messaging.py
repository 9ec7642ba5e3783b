"""Messages between agencies, end to end (docs/messaging.md; decision 0024).

Sending: the message is checked (`accord.model.messages.check_draft`), its attached records
pass the one policy door (`accord.services.disclosure.release`, channel `message`): a record
the recipient may not have stays here while the message goes, and the sender is told which.
The message — text, records as released, attachments — is signed by this node (JWS, Ed25519)
and sealed to the recipient agency's node key (JWE, ECDH-ES+A256KW over X25519, A256GCM):
only the recipient can open it, and a node that stores or relays it cannot. It leaves through
the outbox, in the transaction that records it; this node keeps its own copy sealed to its own
key, and every attachment encrypted at rest under its SHA-256 address.

Receiving: the token is opened and its inner signature verified before anything is kept or
shown; a token that does not open or verify is refused and ledgered. The partner's signed
answer is the delivery receipt; the first read sends a read receipt back. Both ledgers hold
the digest of the token that crossed the wire, never the text. Receipt is idempotent on
(sender, request id) and on the message id, so a retry after a lost answer or a restart never
keeps a message twice."""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticError
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from accord.crypto import MessageClaims
from accord.crypto.errors import BadSignature, SealError, UnknownSender, WrongTarget
from accord.crypto.seal import open_and_verify, sign_and_seal
from accord.errors import AccordError, Conflict, FieldError, NotFound, ValidationError
from accord.federation.client import Reply
from accord.federation.identity import node_id
from accord.federation.peers import Peer, find_peer
from accord.federation.protocol import (
    MESSAGES_PATH,
    RELAY_PATH,
    MessageAck,
    MessageReceipt,
    RelayRequest,
    SealedMessage,
    encode,
    message_receipt_path,
    new_id,
)
from accord.model import Principal
from accord.model.messages import (
    Attachment,
    Draft,
    MessageKind,
    check_draft,
    content_address,
    deadline_for,
    is_overdue,
)
from accord.node import Node
from accord.policy import Mode
from accord.services.audit import Event, record_event
from accord.services.disclosure import release
from accord.services.events import publish_event
from accord.services.federation import partner_principal
from accord.services.peers import usable_peers
from accord.services.purpose import Purpose, parse_purpose
from accord.store import federation as fed_store
from accord.store import messaging as store
from accord.store import records as records_store
from accord.store.federation import OutboxRow
from accord.store.messaging import MessageRow

__all__ = [
    "KIND_MESSAGE",
    "KIND_RECEIPT",
    "KIND_RELAY",
    "Incoming",
    "Message",
    "MessageRejected",
    "Sent",
    "apply_receipt",
    "check_incoming",
    "compose",
    "get_attachment",
    "is_batchable",
    "is_message_kind",
    "keep_alone",
    "keep_incoming",
    "list_messages",
    "on_delivered",
    "on_refused",
    "partner_for",
    "read_message",
    "receive_message",
    "receive_receipt",
    "send_message",
]

#: (conn, node, peer, message row, kind, the MLA part of the payload, attachments, now)
MlaHook = Callable[
    [Connection, Node, Peer, MessageRow, MessageKind, dict[str, Any], list[Attachment], datetime],
    None,
]

KIND_MESSAGE = "message.deliver"
KIND_RECEIPT = "message.receipt"
#: A message handed to a hub for its recipient (`accord.services.relay`).
KIND_RELAY = "message.relay"
MAX_LIST = 500


def is_message_kind(kind: str) -> bool:
    return kind in (KIND_MESSAGE, KIND_RECEIPT, KIND_RELAY)


def is_batchable(kind: str) -> bool:
    """Outbox messages that may travel several to a request (decision 0033)."""
    return kind in (KIND_MESSAGE, KIND_RECEIPT)


class MessageRejected(AccordError):
    """A sealed message that does not open, does not verify, or does not say what it must."""

    status = 422
    code = "message_rejected"


# --- the sealed payload -----------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PayloadAttachment(_Strict):
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    name: str = Field(min_length=1, max_length=200)
    media_type: str = Field(min_length=3, max_length=120)
    size: int = Field(ge=1)
    content: str  # base64


class Payload(_Strict):
    """What the sender signs and seals: the message in full, as the recipient will see it."""

    version: int = Field(ge=1, le=1)
    message_id: str = Field(max_length=64)
    kind: MessageKind
    thread_id: str = Field(max_length=64)
    in_reply_to: str | None = Field(default=None, max_length=64)
    case_reference: str | None = Field(default=None, max_length=200)
    case_id: str | None = Field(default=None, max_length=64)
    sender_agency: str = Field(max_length=40)
    recipient_agency: str = Field(max_length=40)
    sent_by: str = Field(max_length=200)
    sent_at: datetime
    subject: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=20_000)
    language: str = Field(max_length=40)
    priority: str = Field(max_length=16)
    deadline: datetime | None = None
    handling: str = Field(max_length=4)
    tlp: str = Field(max_length=16)
    records: list[dict[str, Any]] = Field(default_factory=list, max_length=50)
    attachments: list[PayloadAttachment] = Field(default_factory=list, max_length=20)
    mla: dict[str, Any] | None = None


# --- at rest ----------------------------------------------------------------------------------


def _attachment_key(node: Node) -> bytes:
    key = node.cache.get("attachment_key")
    if key is None:
        raw = node.keys.encryption.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"accord attachments v1"
        ).derive(raw)
        node.cache["attachment_key"] = key
    return bytes(key)


def _seal_at_rest(node: Node, address: str, content: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(_attachment_key(node)).encrypt(nonce, content, address.encode())


def _open_at_rest(node: Node, address: str, sealed: bytes) -> bytes:
    try:
        content = AESGCM(_attachment_key(node)).decrypt(sealed[:12], sealed[12:], address.encode())
    except InvalidTag:
        raise Conflict("the stored attachment does not decrypt: it was altered") from None
    if content_address(content) != address:
        raise Conflict("the stored attachment does not match its address")
    return content


def _keep_attachments(
    conn: Connection, node: Node, message_pk: int, files: Sequence[Attachment], now: datetime
) -> None:
    for item in files:
        address = item.sha256
        store.put_attachment(
            conn, address, len(item.content), _seal_at_rest(node, address, item.content), now
        )
        store.link_file(conn, message_pk, address)


def _digest(token: str) -> str:
    return sha256(token.encode("ascii")).hexdigest()


def _own_keys(node: Node) -> Callable[[str], Ed25519PublicKey | None]:
    own = node_id(node)

    def keys(sender: str) -> Ed25519PublicKey | None:
        if sender == own:
            return node.keys.signing.public_key()
        peer = find_peer(node.engine, sender)
        return peer.signing_key if peer is not None else None

    return keys


def _open(node: Node, row: MessageRow) -> Payload:
    """The message's content: its stored token opened and its inner signature verified."""
    opened = open_and_verify(
        row.sealed, private_key=node.keys.encryption, recipient=node_id(node), keys=_own_keys(node)
    )
    expected = node_id(node) if row.direction == "outgoing" else row.partner_node
    if opened.sender != expected:
        raise Conflict("the stored message was not signed by its sender")
    return Payload.model_validate_json(opened.payload)


# --- the view ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Message:
    """A message as a user sees it. `payload` is None in a listing without content."""

    row: MessageRow
    history: list[store.StateRow]
    answered: bool
    payload: Payload | None = None
    outcome: list[dict[str, Any]] = field(default_factory=list)

    @property
    def state(self) -> str:
        return self.history[-1].state if self.history else "queued"

    def to_dict(self, now: datetime | None = None) -> dict[str, Any]:
        row = self.row
        now = now or datetime.now(UTC)
        outgoing = row.direction == "outgoing"
        data: dict[str, Any] = {
            "message_id": row.message_id,
            "direction": row.direction,
            "kind": row.kind,
            "thread_id": row.thread_id,
            "in_reply_to": row.in_reply_to,
            "case_reference": row.case_reference,
            "case_id": row.case_id,
            "mla_id": row.mla_id,
            "partner": row.partner_node,
            "partner_agency": row.partner_agency,
            "priority": row.priority,
            "deadline": row.deadline.isoformat() if row.deadline else None,
            "overdue": is_overdue(row.deadline, self.answered, now),
            "answered": self.answered,
            "state": self.state,
            "delivered": any(s.state == "delivered" for s in self.history) or not outgoing,
            "read": any(s.state == "read" for s in self.history),
            "sent_at": row.sent_at.isoformat(),
            "created_by": row.created_by,
            "digest": row.digest,
            "history": [
                {"state": s.state, "at": s.at.isoformat(), "actor": s.actor, **s.details}
                for s in self.history
            ],
        }
        p = self.payload
        if p is not None:
            data.update(
                subject=p.subject,
                body=p.body,
                language=p.language,
                handling=p.handling,
                tlp=p.tlp,
                sender_agency=p.sender_agency,
                recipient_agency=p.recipient_agency,
                sent_by=p.sent_by,
                records=p.records,
                attachments=[a.model_dump(exclude={"content"}) for a in p.attachments],
                mla=p.mla,
                verified=True,
            )
        if self.outcome:
            data["record_outcome"] = self.outcome
        return data


def _view(conn: Connection, row: MessageRow, payload: Payload | None = None) -> Message:
    history = store.states(conn, [row.pk])[row.pk]
    answered = bool(store.answered(conn, [row.message_id]))
    return Message(row, history, answered, payload)


# --- sending ----------------------------------------------------------------------------------


def partner_for(node: Node, agency: str, field_name: str = "recipient") -> Peer:
    """The partner node of an agency; ValidationError naming `field_name` if there is none."""
    for peer in usable_peers(node):
        if peer.agency_code == agency:
            return peer
    if agency == node.agency:
        raise ValidationError(FieldError(field_name, "is this node's own agency"))
    raise ValidationError(
        FieldError(field_name, f"{agency!r} is not an agency of a current partner")
    )


@dataclass(frozen=True, slots=True)
class Sent:
    """What `compose` queued: the message and, per attached record, whether it went."""

    row: MessageRow
    payload: Payload
    outcome: list[dict[str, Any]]


def _records(conn: Connection, ids: Sequence[str]) -> list[Any]:
    found = []
    errors: list[FieldError] = []
    for i, rid in enumerate(ids):
        stored = records_store.get_record(conn, rid)
        if not stored:
            errors.append(FieldError(f"records.{i}", f"no record {rid!r} is held here"))
        else:
            found.append(stored[0].record)
    if errors:
        raise ValidationError(errors)
    return found


def compose(
    conn: Connection,
    node: Node,
    actor: Principal,
    draft: Draft,
    peer: Peer,
    *,
    purpose: Purpose | None,
    now: datetime,
    thread_id: str | None = None,
    case_id: str | None = None,
    case_basis: str | None = None,
    mla: dict[str, Any] | None = None,
    mla_id: str | None = None,
    via: Peer | None = None,
) -> Sent:
    """Release the attached records, seal, sign and queue one message, in the caller's
    transaction (the message, its outbox entry and its ledger entries commit together)."""
    message_id = new_id("msg")
    outcome: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    if draft.records:
        assert purpose is not None
        records = _records(conn, draft.records)
        released = release(
            conn,
            node,
            recipient=peer.agency_code,
            purpose=purpose,
            records=records,
            channel="case" if case_id else "message",
            actor=actor,
            now=now,
            case_basis=case_basis,
        )
        items = released.items
        left = iter(items)
        for record, decision in released.decisions:
            item = None if decision.mode is Mode.DENY else next(left, None)
            outcome.append(
                {
                    "id": record.id,
                    "owner": record.owner,
                    "sent": item is not None,
                    "mode": item["mode"] if item is not None else "withheld",
                    "reasons": list(decision.reasons),
                    "clauses": list(decision.clauses),
                }
            )
    deadline = deadline_for(draft.kind, draft.priority, now)
    payload = Payload(
        version=1,
        message_id=message_id,
        kind=draft.kind,
        thread_id=thread_id or message_id,
        in_reply_to=draft.in_reply_to,
        case_reference=draft.case_reference,
        case_id=case_id,
        sender_agency=node.agency,
        recipient_agency=peer.agency_code,
        sent_by=actor.label,
        sent_at=now,
        subject=draft.subject,
        body=draft.body,
        language=draft.language,
        priority=draft.priority.value,
        deadline=deadline,
        handling=draft.handling.value,
        tlp=draft.tlp.value,
        records=items,
        attachments=[
            PayloadAttachment(
                sha256=a.sha256,
                name=a.name,
                media_type=a.media_type,
                size=len(a.content),
                content=base64.b64encode(a.content).decode("ascii"),
            )
            for a in draft.attachments
        ],
        mla=mla,
    )
    plain = payload.model_dump_json().encode("utf-8")
    own = node_id(node)
    token = sign_and_seal(
        plain,
        signing_key=node.keys.signing,
        sender=own,
        recipient=peer.node_id,
        recipient_key=peer.encryption_key,
        now=now,
    )
    # This node's own copy leaves the attachments' content out: it is kept apart, sealed at
    # rest under its address (`_keep_attachments`), and a second seal of a large file would
    # double the sender's cost.
    own_copy = payload
    if payload.attachments:
        own_copy = payload.model_copy(
            update={
                "attachments": [a.model_copy(update={"content": ""}) for a in payload.attachments]
            }
        )
    kept = sign_and_seal(
        own_copy.model_dump_json().encode("utf-8") if own_copy is not payload else plain,
        signing_key=node.keys.signing,
        sender=own,
        recipient=own,
        recipient_key=node.keys.encryption.public_key(),
        now=now,
    )
    row = MessageRow(
        message_id=message_id,
        direction="outgoing",
        kind=draft.kind.value,
        thread_id=payload.thread_id,
        in_reply_to=draft.in_reply_to,
        case_reference=draft.case_reference,
        case_id=case_id,
        mla_id=mla_id,
        partner_node=peer.node_id,
        partner_agency=peer.agency_code,
        priority=draft.priority.value,
        deadline=deadline,
        sealed=kept,
        digest=_digest(token),
        sent_at=now,
        created_at=now,
        created_by=actor.label,
    )
    pk = store.insert_message(conn, row)
    store.add_state(conn, pk, "queued", now, actor.label, {})
    _keep_attachments(conn, node, pk, draft.attachments, now)
    sealed = SealedMessage(message_id=message_id, token=token)
    if via is None:
        fed_store.enqueue(
            conn,
            message_id=message_id,
            recipient=peer.node_id,
            kind=KIND_MESSAGE,
            subject=message_id,
            method="POST",
            path=MESSAGES_PATH,
            body=encode(sealed),
            at=now,
        )
    else:  # handed to the hub, which holds only the token sealed to the recipient
        fed_store.enqueue(
            conn,
            message_id=message_id,
            recipient=via.node_id,
            kind=KIND_RELAY,
            subject=message_id,
            method="POST",
            path=RELAY_PATH,
            body=encode(RelayRequest(recipient=peer.node_id, message=sealed)),
            at=now,
        )
    record_event(
        conn,
        Event.MESSAGE,
        actor,
        {
            "step": "sent",
            "message_id": message_id,
            "kind": draft.kind.value,
            "thread_id": payload.thread_id,
            "to": peer.agency_code,
            "partner": peer.node_id,
            "priority": draft.priority.value,
            "case_id": case_id,
            "digest": row.digest,
            "via": via.node_id if via is not None else None,
            "records": [{k: o[k] for k in ("owner", "id", "mode")} for o in outcome],
            "attachments": [a.sha256 for a in draft.attachments],
        },
    )
    return Sent(row=_with_pk(row, pk), payload=payload, outcome=outcome)


def _with_pk(row: MessageRow, pk: int) -> MessageRow:
    values = {name: getattr(row, name) for name in MessageRow.__dataclass_fields__}
    values["pk"] = pk
    return MessageRow(**values)


def message_purpose(data: Mapping[str, Any], draft: Draft, reference: str | None) -> Purpose | None:
    """The purpose the attached records are released for (None without records)."""
    if not draft.records:
        return None
    return parse_purpose(
        data.get("purpose") or "investigation",
        reference or draft.case_reference or draft.subject,
        data.get("crime_area"),
    )


def _hub(node: Node, via: Any, recipient: Peer) -> Peer | None:
    """The partner asked to relay the message (`via`, an agency code), or None."""
    if via is None or via == "":
        return None
    if not isinstance(via, str):
        raise ValidationError(FieldError("via", "an agency code, e.g. NL-POLITIE"))
    hub = partner_for(node, via, "via")
    if hub.node_id == recipient.node_id:
        raise ValidationError(FieldError("via", "is the recipient itself"))
    return hub


def send_message(
    node: Node,
    principal: Principal,
    data: Mapping[str, Any],
    attachments: Sequence[Attachment] = (),
    *,
    now: datetime | None = None,
) -> Message:
    """Check, release, seal and queue a message to a partner agency; returns it as the sender
    sees it, with the outcome of each attached record. Raises ValidationError naming every bad
    field; nothing is stored or sent then."""
    now = now or datetime.now(UTC)
    draft = check_draft(
        data, attachments, max_attachment_bytes=node.settings.message_max_attachment_bytes
    )
    if draft.kind in (MessageKind.MLA_REQUEST, MessageKind.MLA_UPDATE):
        raise ValidationError(FieldError("kind", "MLA requests are made with /api/v1/mla"))
    peer = partner_for(node, draft.recipient)
    via = _hub(node, data.get("via"), peer)
    purpose = message_purpose(data, draft, None)
    with node.engine.begin() as conn:
        thread_id = None
        if draft.in_reply_to is not None:
            answered = store.get_message(conn, draft.in_reply_to)
            if answered is None or answered.partner_agency != peer.agency_code:
                raise ValidationError(
                    FieldError(
                        "in_reply_to", "no message exchanged with this recipient has this id"
                    )
                )
            thread_id = answered.thread_id
        sent = compose(
            conn,
            node,
            principal,
            draft,
            peer,
            purpose=purpose,
            now=now,
            thread_id=thread_id,
            via=via,
        )
    # Just queued: its one state is the one `compose` wrote, and nothing answers it yet.
    queued = [store.StateRow("queued", now, principal.label, {})]
    return Message(sent.row, queued, False, sent.payload, sent.outcome)


# --- reading ----------------------------------------------------------------------------------


def read_message(node: Node, principal: Principal, message_id: str) -> Message:
    """One message with its content, opened and verified; the read goes to the ledger, and the
    first read of a received message sends the sender a read receipt."""
    now = datetime.now(UTC)
    with node.engine.begin() as conn:
        row = store.get_message(conn, message_id)
        if row is None:
            raise NotFound(f"no message {message_id!r}")
        payload = _open(node, row)
        record_event(
            conn,
            Event.MESSAGE_READ,
            principal,
            {"message_id": message_id, "direction": row.direction, "digest": row.digest},
        )
        history = store.states(conn, [row.pk])[row.pk]
        if row.direction == "incoming" and not any(s.state == "read" for s in history):
            store.add_state(conn, row.pk, "read", now, principal.label, {})
            fed_store.enqueue(
                conn,
                message_id=new_id("rcpt"),
                recipient=row.partner_node,
                kind=KIND_RECEIPT,
                subject=message_id,
                method="POST",
                path=message_receipt_path(message_id),
                body=encode(MessageReceipt(message_id=message_id, state="read", at=now)),
                at=now,
            )
            record_event(
                conn,
                Event.MESSAGE,
                principal,
                {"step": "read", "message_id": message_id, "partner": row.partner_node},
            )
        return _view(conn, row, payload)


def list_messages(
    node: Node,
    principal: Principal,
    *,
    direction: str | None = None,
    thread_id: str | None = None,
    case_id: str | None = None,
    overdue: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Message]:
    """Messages sent and received, newest first, each with its subject (opened and verified);
    the listing goes to the ledger."""
    now = datetime.now(UTC)
    with node.engine.begin() as conn:
        rows = store.list_messages(
            conn,
            direction=direction,
            thread_id=thread_id,
            case_id=case_id,
            limit=limit,
            offset=offset,
        )
        histories = store.states(conn, [r.pk for r in rows])
        answered = store.answered(conn, [r.message_id for r in rows])
        found = [
            Message(r, histories[r.pk], r.message_id in answered, _open(node, r)) for r in rows
        ]
        if overdue is not None:
            found = [m for m in found if is_overdue(m.row.deadline, m.answered, now) == overdue]
        record_event(
            conn,
            Event.MESSAGE_READ,
            principal,
            {"step": "listed", "messages": [m.row.message_id for m in found]},
        )
    return found


def get_attachment(
    node: Node, principal: Principal, message_id: str, address: str
) -> tuple[dict[str, Any], bytes]:
    """An attachment of a message: its description and content, checked against its address;
    the read goes to the ledger."""
    with node.engine.begin() as conn:
        row = store.get_message(conn, message_id)
        if row is None or not store.message_has_file(conn, row.pk, address):
            raise NotFound("no such attachment on this message")
        payload = _open(node, row)
        (described,) = [a for a in payload.attachments if a.sha256 == address]
        sealed = store.attachment(conn, address)
        if sealed is None:
            raise NotFound("no such attachment on this message")
        content = _open_at_rest(node, address, sealed)
        record_event(
            conn,
            Event.MESSAGE_READ,
            principal,
            {"step": "attachment", "message_id": message_id, "sha256": address},
        )
    return described.model_dump(exclude={"content"}), content


# --- receiving --------------------------------------------------------------------------------


def _reject(
    node: Node, peer: Peer, request_id: str, message_id: str, token: str, why: str
) -> MessageRejected:
    with node.engine.begin() as conn:
        record_event(
            conn,
            Event.MESSAGE,
            partner_principal(peer),
            {
                "step": "rejected",
                "message_id": message_id,
                "partner": peer.node_id,
                "reason": why,
                "digest": _digest(token) if token.isascii() else None,
                "request_id": request_id,
            },
        )
    return MessageRejected(f"the sealed message was refused: {why}")


def _opened(node: Node, peer: Peer, msg: SealedMessage) -> tuple[Payload, list[Attachment]]:
    """Open and verify; raises (reason) ValueError for the caller to ledger and refuse."""

    def keys(sender: str) -> Ed25519PublicKey | None:
        return peer.signing_key if sender == peer.node_id else None

    try:
        opened = open_and_verify(
            msg.token, private_key=node.keys.encryption, recipient=node_id(node), keys=keys
        )
    except UnknownSender:
        raise ValueError("not signed by the sending partner") from None
    except BadSignature:
        raise ValueError("the inner signature does not verify") from None
    except WrongTarget:
        raise ValueError("signed for another recipient") from None
    except SealError as exc:
        raise ValueError(f"cannot be opened ({exc})") from None
    try:
        payload = Payload.model_validate_json(opened.payload)
    except PydanticError:
        raise ValueError("the payload is not a message") from None
    if payload.message_id != msg.message_id:
        raise ValueError("the sealed message id differs from the envelope's")
    if payload.sender_agency != peer.agency_code or payload.recipient_agency != node.agency:
        raise ValueError("sender or recipient agency differs from the partners'")
    files: list[Attachment] = []
    total = 0
    for item in payload.attachments:
        try:
            content = base64.b64decode(item.content, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("an attachment is not base64") from None
        total += len(content)
        if content_address(content) != item.sha256 or len(content) != item.size:
            raise ValueError(f"attachment {item.sha256[:12]}… does not match its address")
        files.append(Attachment(item.name, item.media_type, content))
    if total > node.settings.message_max_attachment_bytes:
        raise ValueError("the attachments exceed this node's limit")
    return payload, files


@dataclass(frozen=True, slots=True)
class Incoming:
    """A partner's sealed message, opened and its inner signature verified, not yet kept."""

    request_id: str
    message: SealedMessage
    payload: Payload
    files: list[Attachment]
    #: The hub that forwarded it (its node id), if it did not come from its sender directly.
    via: str | None = None


def _ack(message_id: str) -> bytes:
    return encode(MessageAck(message_id=message_id, state="delivered"))


def check_incoming(
    node: Node,
    peer: Peer,
    request_id: str,
    msg: SealedMessage,
    *,
    known: tuple[tuple[int, bytes] | None, MessageRow | None] | None = None,
    via: str | None = None,
) -> Incoming | tuple[int, bytes]:
    """The first half of receiving: the answer already given if this is a retry (of the
    request, or of the message under another request id), else the message opened and
    verified. A token that does not open or verify is ledgered and refused
    (`MessageRejected`); another message under this id is a `Conflict`. `known` is the kept
    answer and the held message if the caller looked them up already (a batch does, for all
    its items in two queries)."""
    if known is None:
        with node.engine.connect() as conn:
            kept = fed_store.get_receipt(conn, peer.node_id, request_id)
            existing = store.get_message(conn, msg.message_id)
    else:
        kept, existing = known
    if kept is not None:
        return kept
    if existing is not None:
        if existing.partner_node == peer.node_id and existing.digest == _digest(msg.token):
            return 200, _ack(msg.message_id)
        raise Conflict("a message with this id is held")
    try:
        payload, files = _opened(node, peer, msg)
    except ValueError as exc:
        raise _reject(node, peer, request_id, msg.message_id, msg.token, str(exc)) from None
    return Incoming(request_id, msg, payload, files, via)


def keep_incoming(
    conn: Connection,
    node: Node,
    peer: Peer,
    item: Incoming,
    now: datetime,
    on_mla: MlaHook | None = None,
) -> tuple[int, bytes]:
    """The second half, in the caller's transaction: keep the message, its attachments, its
    ledger entry, its MLA step, the recipients' event and the receipt of its request id."""
    msg, payload, files = item.message, item.payload, item.files
    principal = partner_principal(peer)
    body = _ack(msg.message_id)
    row = MessageRow(
        message_id=msg.message_id,
        direction="incoming",
        kind=payload.kind.value,
        thread_id=payload.thread_id,
        in_reply_to=payload.in_reply_to,
        case_reference=payload.case_reference,
        case_id=payload.case_id,
        mla_id=(payload.mla or {}).get("mla_id"),
        partner_node=peer.node_id,
        partner_agency=peer.agency_code,
        priority=payload.priority,
        deadline=payload.deadline,
        sealed=msg.token,
        digest=_digest(msg.token),
        sent_at=payload.sent_at,
        created_at=now,
        created_by=principal.label,
    )
    pk = store.insert_message(conn, row)
    row = _with_pk(row, pk)
    store.add_state(conn, pk, "received", now, principal.label, {})
    _keep_attachments(conn, node, pk, files, now)
    record_event(
        conn,
        Event.MESSAGE,
        principal,
        {
            "step": "received",
            "message_id": msg.message_id,
            "kind": payload.kind.value,
            "from": peer.agency_code,
            "partner": peer.node_id,
            "digest": row.digest,
            "records": [
                {"owner": i["reference"]["owner"], "mode": i["mode"]} for i in payload.records
            ],
            "attachments": [a.sha256 for a in files],
            "request_id": item.request_id,
            "via": item.via,
        },
    )
    if payload.mla is not None:
        if on_mla is None:
            raise ValidationError(FieldError("mla", "this node does not take MLA steps"))
        on_mla(conn, node, peer, row, payload.kind, payload.mla, files, now)
    publish_event(
        conn,
        node.agency,
        "message",
        {
            "message_id": msg.message_id,
            "kind": payload.kind.value,
            "from": peer.agency_code,
            "priority": payload.priority,
            "deadline": payload.deadline.isoformat() if payload.deadline else None,
            "thread_id": payload.thread_id,
            "case_id": payload.case_id,
            "case_reference": payload.case_reference,
            "via": item.via,
        },
        now,
    )
    fed_store.insert_receipt(conn, peer.node_id, item.request_id, 200, body, now)
    return 200, body


def keep_alone(
    node: Node, peer: Peer, item: Incoming, on_mla: MlaHook | None = None
) -> tuple[int, bytes]:
    """`keep_incoming` in a transaction of its own; a concurrent copy of the same request or
    message (the unique keys) answers as the copy that won."""
    try:
        with node.engine.begin() as conn:
            return keep_incoming(conn, node, peer, item, datetime.now(UTC), on_mla)
    except IntegrityError:
        with node.engine.connect() as conn:
            again = fed_store.get_receipt(conn, peer.node_id, item.request_id)
            held = store.get_message(conn, item.message.message_id)
        if again is not None:
            return again
        if held is not None and held.digest == _digest(item.message.token):
            return 200, _ack(item.message.message_id)
        raise


def receive_message(
    node: Node,
    peer: Peer,
    claims: MessageClaims,
    msg: SealedMessage,
    on_mla: MlaHook | None = None,
) -> tuple[int, bytes]:
    """Open, verify and keep a partner's sealed message (idempotent); the answer, signed by
    the partner API, is the delivery receipt. `on_mla` takes the MLA request or step a message
    carries, in the receiving transaction (`accord.services.mla.on_received`, which builds on
    this module and so is handed in by the entry point)."""
    checked = check_incoming(node, peer, claims.request_id, msg)
    if not isinstance(checked, Incoming):
        return checked
    return keep_alone(node, peer, checked, on_mla)


def apply_receipt(
    conn: Connection,
    node: Node,
    peer: Peer,
    request_id: str,
    message_id: str,
    msg: MessageReceipt,
    now: datetime,
) -> tuple[int, bytes]:
    """A read receipt, in the caller's transaction (idempotent on the request id and on the
    message's read state)."""
    if msg.message_id != message_id:
        raise ValidationError(FieldError("message_id", "differs from the path"))
    body = encode({"message_id": message_id, "state": "read"})
    if fed_store.get_receipt(conn, peer.node_id, request_id) is not None:
        return 200, body
    row = store.get_message(conn, message_id)
    if row is None or row.direction != "outgoing" or row.partner_node != peer.node_id:
        raise NotFound("no message was sent to this node with this id")
    history = store.states(conn, [row.pk])[row.pk]
    if not any(s.state == "read" for s in history):
        principal = partner_principal(peer)
        store.add_state(conn, row.pk, "read", msg.at, principal.label, {})
        record_event(
            conn,
            Event.MESSAGE,
            principal,
            {"step": "read_receipt", "message_id": message_id, "partner": peer.node_id},
        )
        publish_event(
            conn,
            node.agency,
            "message_receipt",
            {"message_id": message_id, "state": "read", "by": peer.agency_code},
            now,
        )
    fed_store.insert_receipt(conn, peer.node_id, request_id, 200, body, now)
    return 200, body


def receive_receipt(
    node: Node, peer: Peer, claims: MessageClaims, message_id: str, msg: MessageReceipt
) -> tuple[int, bytes]:
    """The recipient of a message sent from here read it."""
    with node.engine.begin() as conn:
        return apply_receipt(
            conn, node, peer, claims.request_id, message_id, msg, datetime.now(UTC)
        )


# --- outbox -----------------------------------------------------------------------------------


def on_delivered(conn: Connection, node: Node, message: OutboxRow, reply: Reply) -> None:
    """The partner kept the message (its signed answer is the delivery receipt)."""
    actor = f"system:outbox@{node.agency}"
    if message.kind == KIND_RECEIPT:
        record_event(
            conn,
            Event.MESSAGE,
            actor,
            {
                "step": "read_receipt_delivered",
                "message_id": message.subject,
                "partner": message.recipient,
            },
        )
        return
    row = store.get_message(conn, message.subject)
    now = datetime.now(UTC)
    if row is not None and message.kind == KIND_RELAY:
        # The hub holds it; "delivered" follows with the hub's relay receipt.
        store.add_state(
            conn,
            row.pk,
            "relayed",
            now,
            actor,
            {"via": message.recipient, "answer_digest": reply.claims.body_digest},
        )
    elif row is not None:
        store.add_state(
            conn, row.pk, "delivered", now, actor, {"answer_digest": reply.claims.body_digest}
        )
        publish_event(
            conn,
            node.agency,
            "message_receipt",
            {"message_id": row.message_id, "state": "delivered", "by": row.partner_agency},
            now,
        )
    record_event(
        conn,
        Event.MESSAGE,
        actor,
        {
            "step": "relayed" if message.kind == KIND_RELAY else "delivered",
            "message_id": message.subject,
            "partner": message.recipient,
            "answer_digest": reply.claims.body_digest,
            "signature": reply.signature,
        },
    )


def on_refused(conn: Connection, node: Node, message: OutboxRow, code: str) -> None:
    """The partner refused the message for good (it did not open or verify there)."""
    actor = f"system:outbox@{node.agency}"
    row = store.get_message(conn, message.subject)
    if row is not None and message.kind in (KIND_MESSAGE, KIND_RELAY):
        store.add_state(conn, row.pk, "failed", datetime.now(UTC), actor, {"code": code})
    record_event(
        conn,
        Event.MESSAGE,
        actor,
        {
            "step": "refused",
            "kind": message.kind,
            "message_id": message.subject,
            "partner": message.recipient,
            "code": code,
        },
    )
