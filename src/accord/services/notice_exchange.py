"""Notices across the federation: sending them out, their status changes, receiving them, and
the alerts that come back (docs/federation.md, "Notices").

A notice is a record leaving the node: its subject goes to each partner of its distribution
through the one policy decision (`accord.services.disclosure.release`, channel `notice`).
A partner whose decision is `full` or `redacted` is sent the notice as the policy shaped it;
a partner denied — or allowed only a `reference`, which carries no subject to match on — is
sent nothing. Messages leave through the outbox, in the transaction that publishes; a
suspension, cancellation or republication goes to exactly the partners that were sent the
notice. Received notices are held and matched like the node's own; a hit on one alerts its
owner (`accord.services.watchlist`). Receipts make every message idempotent on (sender,
request id)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from accord.crypto import MessageClaims
from accord.errors import Conflict, FieldError, NotFound, ValidationError
from accord.federation.client import Reply
from accord.federation.peers import Peer
from accord.federation.protocol import (
    NOTICES_PATH,
    AlertAck,
    AnswerItem,
    NoticeAck,
    NoticeAlert,
    NoticeMessage,
    NoticeStatusMessage,
    encode,
    new_id,
    notice_status_path,
)
from accord.model import Principal, agency_country, caption_of, validate_entity
from accord.model.notices import (
    Distribution,
    NoticeStatus,
    NoticeType,
    check_details,
    check_transition,
    effective_status,
)
from accord.node import Node
from accord.services import watchlist
from accord.services.audit import Event, record_event
from accord.services.disclosure import release
from accord.services.events import publish_event
from accord.services.federation import partner_principal
from accord.services.peers import usable_peers
from accord.services.purpose import Purpose
from accord.store import federation as fed_store
from accord.store import notices as store
from accord.store.federation import OutboxRow
from accord.store.notices import NoticeRow

__all__ = [
    "KIND_ALERT",
    "KIND_NOTICE",
    "KIND_STATUS",
    "distribute",
    "is_notice_message",
    "on_delivered",
    "on_refused",
    "propagate_status",
    "receive_alert",
    "receive_notice",
    "receive_status",
]

KIND_NOTICE = "notice.publish"
KIND_STATUS = "notice.status"
KIND_ALERT = watchlist.KIND_ALERT_MESSAGE


def is_notice_message(kind: str) -> bool:
    return kind in (KIND_NOTICE, KIND_STATUS, KIND_ALERT)


def _distribution(row: NoticeRow) -> Distribution:
    countries = row.distribution.get("countries")
    return Distribution(None if countries is None else frozenset(countries))


def _purpose(row: NoticeRow) -> Purpose:
    return Purpose(code=row.purpose, reference=f"notice {row.notice_id}", crime_area=row.crime_area)


def distribute(
    conn: Connection, node: Node, row: NoticeRow, now: datetime, actor: Principal | str
) -> list[dict[str, Any]]:
    """Send a notice just published to every current partner of its distribution that the
    policy engine lets have its subject; returns, per partner, what happened."""
    distribution = _distribution(row)
    subject = watchlist.subject_record(row)
    outcome: list[dict[str, Any]] = []
    for peer in usable_peers(node):
        if not distribution.includes(agency_country(peer.agency_code)):
            continue
        released = release(
            conn,
            node,
            recipient=peer.agency_code,
            purpose=_purpose(row),
            records=[subject],
            channel="notice",
            actor=actor,
            now=now,
        )
        (_, decision) = released.decisions[0]
        item = released.items[0] if released.items else None
        if item is None or item["mode"] not in ("full", "redacted"):
            outcome.append(
                {
                    "partner": peer.node_id,
                    "agency": peer.agency_code,
                    "sent": False,
                    "mode": decision.mode.value,
                }
            )
            continue
        message = NoticeMessage(
            notice_id=row.notice_id,
            type=row.type,  # type: ignore[arg-type]
            subject=AnswerItem.model_validate(item),
            documents=row.documents,
            details=row.details,
            requested_action=row.requested_action,
            purpose=row.purpose,
            crime_area=row.crime_area,
            valid_until=row.valid_until,
            distribution=row.distribution,
            published_at=now,
        )
        fed_store.enqueue(
            conn,
            message_id=new_id("msg"),
            recipient=peer.node_id,
            kind=KIND_NOTICE,
            subject=row.notice_id,
            method="POST",
            path=NOTICES_PATH,
            body=encode(message),
            at=now,
        )
        store.add_recipient(conn, row.pk, peer.node_id, peer.agency_code, item["mode"], now)
        outcome.append(
            {
                "partner": peer.node_id,
                "agency": peer.agency_code,
                "sent": True,
                "mode": item["mode"],
            }
        )
    record_event(
        conn,
        Event.NOTICE,
        actor,
        {"step": "distributed", "notice_id": row.notice_id, "partners": outcome},
    )
    return outcome


def propagate_status(
    conn: Connection,
    node: Node,
    row: NoticeRow,
    status: NoticeStatus,
    reason: str | None,
    now: datetime,
) -> None:
    """Tell every partner that was sent the notice of its new status (through the outbox)."""
    sent = store.recipients(conn, row.pk)
    if not sent:
        return
    body = encode(
        NoticeStatusMessage(
            notice_id=row.notice_id,
            status=status.value,  # type: ignore[arg-type]
            reason=reason,
            at=now,
        )
    )
    for node_id, _, _ in sent:
        fed_store.enqueue(
            conn,
            message_id=new_id("msg"),
            recipient=node_id,
            kind=KIND_STATUS,
            subject=row.notice_id,
            method="POST",
            path=notice_status_path(row.notice_id),
            body=body,
            at=now,
        )
    record_event(
        conn,
        Event.NOTICE,
        f"system:notices@{node.agency}",
        {
            "step": "status_sent",
            "notice_id": row.notice_id,
            "status": status.value,
            "partners": [n for n, _, _ in sent],
        },
    )


# --- receiving --------------------------------------------------------------------------------


def _kept(node: Node, peer: Peer, claims: MessageClaims) -> tuple[int, bytes] | None:
    with node.engine.connect() as conn:
        return fed_store.get_receipt(conn, peer.node_id, claims.request_id)


def _documents(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, doc in enumerate(raw):
        errors: list[FieldError] = []
        schema, props = validate_entity(
            f"doc-{i}", doc.get("schema"), doc.get("properties"), errors
        )
        if errors or schema is None or not schema.is_a("Identification"):
            raise ValidationError(
                [FieldError(f"documents.{i}.{e.field}", e.reason) for e in errors]
                or [FieldError(f"documents.{i}.schema", "must be a Passport or Identification")]
            )
        out.append({"schema": schema.name, "properties": props})
    return out


def _check_notice(node: Node, peer: Peer, msg: NoticeMessage, now: datetime) -> dict[str, Any]:
    """The notice's values to store, after checking it as a notice of ours would be."""
    kind = NoticeType(msg.type)
    details, errors = check_details(kind, msg.details)
    item = msg.subject
    record = item.record
    if item.mode not in ("full", "redacted") or record is None:
        errors.append(FieldError("subject.mode", "a notice's subject comes in full or redacted"))
        raise ValidationError(errors)
    found_envelope = record.get("accord")
    envelope: dict[str, Any] = found_envelope if isinstance(found_envelope, dict) else {}
    if envelope.get("owner") != peer.agency_code or item.reference.owner != peer.agency_code:
        errors.append(FieldError("subject.record.accord.owner", "a partner issues in its own name"))
    found: list[FieldError] = []
    schema, props = validate_entity(
        record.get("id"), record.get("schema"), record.get("properties"), found
    )
    errors.extend(FieldError(f"subject.record.{e.field}", e.reason) for e in found)
    countries = msg.distribution.get("countries")
    if countries is not None and agency_country(node.agency) not in countries:
        errors.append(FieldError("distribution", "this node's country is not among them"))
    if msg.valid_until <= now:
        errors.append(FieldError("valid_until", "has passed"))
    if errors:
        raise ValidationError(errors)
    assert schema is not None
    return {
        "notice_id": msg.notice_id,
        "origin": peer.node_id,
        "issuing_agency": peer.agency_code,
        "type": kind.value,
        "subject_schema": schema.name,
        "subject": {"schema": schema.name, "properties": props},
        "caption": caption_of(schema.name, props)[:500],
        "documents": _documents(msg.documents),
        "details": details,
        "requested_action": msg.requested_action,
        "purpose": msg.purpose,
        "crime_area": msg.crime_area,
        "envelope": envelope,
        "distribution": msg.distribution,
        "terms": item.terms,
        "valid_until": msg.valid_until,
        "created_at": now,
        "created_by": partner_principal(peer).label,
    }


def receive_notice(
    node: Node, peer: Peer, claims: MessageClaims, msg: NoticeMessage
) -> tuple[int, bytes]:
    """Hold a partner's notice, on the watchlist at once and checked against the records held
    (idempotent on the request id)."""
    kept = _kept(node, peer, claims)
    if kept is not None:
        return kept
    now = datetime.now(UTC).replace(microsecond=0)
    values = _check_notice(node, peer, msg, now)
    principal = partner_principal(peer)
    body = encode(NoticeAck(notice_id=msg.notice_id, status=NoticeStatus.PUBLISHED.value))
    try:
        with node.engine.begin() as conn:
            if store.get_notice(conn, msg.notice_id) is not None:
                raise Conflict("a notice with this id is held")
            pk = store.insert_notice(conn, values)
            store.add_transition(
                conn,
                pk,
                NoticeStatus.PUBLISHED.value,
                now,
                principal.label,
                {"published_at": msg.published_at.isoformat()},
            )
            record_event(
                conn,
                Event.NOTICE,
                principal,
                {
                    "step": "received",
                    "notice_id": msg.notice_id,
                    "type": msg.type,
                    "partner": peer.node_id,
                    "mode": msg.subject.mode,
                    "request_id": claims.request_id,
                    "request_digest": claims.body_digest,
                },
            )
            row = store.get_notice(conn, msg.notice_id)
            assert row is not None
            watchlist.activate(conn, node, row, now)
            fed_store.insert_receipt(conn, peer.node_id, claims.request_id, 200, body, now)
    except IntegrityError:
        kept = _kept(node, peer, claims)
        if kept is None:
            raise
        return kept
    return 200, body


def receive_status(
    node: Node, peer: Peer, claims: MessageClaims, notice_id: str, msg: NoticeStatusMessage
) -> tuple[int, bytes]:
    """The issuer suspended, cancelled or republished a notice it sent us."""
    if msg.notice_id != notice_id:
        raise ValidationError(FieldError("notice_id", "differs from the path"))
    kept = _kept(node, peer, claims)
    if kept is not None:
        return kept
    now = datetime.now(UTC).replace(microsecond=0)
    principal = partner_principal(peer)
    target = NoticeStatus(msg.status)
    body = encode(NoticeAck(notice_id=notice_id, status=target.value))
    with node.engine.begin() as conn:
        row = store.lock_notice(conn, notice_id)
        if row is None or row.origin != peer.node_id:
            raise NotFound("no such notice was received from this node")
        check_transition(effective_status(NoticeStatus(row.status), row.valid_until, now), target)
        reason = {"reason": msg.reason} if msg.reason else {}
        store.add_transition(conn, row.pk, target.value, now, principal.label, reason)
        record_event(
            conn,
            Event.NOTICE,
            principal,
            {
                "step": "status_received",
                "notice_id": notice_id,
                "status": target.value,
                "reason": msg.reason,
                "request_id": claims.request_id,
                "request_digest": claims.body_digest,
            },
        )
        if target is NoticeStatus.PUBLISHED:
            watchlist.activate(conn, node, row, now)
        else:
            store.drop_keys(conn, row.pk)
        fed_store.insert_receipt(conn, peer.node_id, claims.request_id, 200, body, now)
    return 200, body


def receive_alert(
    node: Node, peer: Peer, claims: MessageClaims, msg: NoticeAlert
) -> tuple[int, bytes]:
    """A partner's record matched a notice issued here: an alert for the notice's owner, with
    what the partner's policy let go of the record."""
    kept = _kept(node, peer, claims)
    if kept is not None:
        return kept
    now = datetime.now(UTC).replace(microsecond=0)
    principal = partner_principal(peer)
    item = msg.item.model_dump(mode="json", by_alias=True)
    record = msg.item.record or {}
    body = encode(AlertAck(alert_id=msg.alert_id, state="received"))
    with node.engine.begin() as conn:
        row = store.get_notice(conn, msg.notice_id)
        if row is None or row.origin is not None:
            raise NotFound("no such notice was issued here")
        record_event(
            conn,
            Event.WATCHLIST_ALERT,
            principal,
            {
                "step": "received",
                "notice_id": msg.notice_id,
                "partner": peer.node_id,
                "alert_id": msg.alert_id,
                "mode": msg.item.mode,
                "owner": msg.item.reference.owner,
                "reference": msg.item.reference.reference,
                "record": record.get("id"),
                "score": msg.match.score,
                "request_id": claims.request_id,
                "request_digest": claims.body_digest,
            },
        )
        alert = {
            "notice_pk": row.pk,
            "notice_id": row.notice_id,
            "for_agency": row.issuing_agency,
            "notice_agency": row.issuing_agency,
            "holder_agency": peer.agency_code,
            "hit_key": f"{peer.node_id}:{msg.alert_id}",
            "record_owner": msg.item.reference.owner,
            "record_id": record.get("id"),
            "record_version": None,
            "record_schema": msg.item.reference.schema_,
            "score": msg.match.score,
            "match": msg.match.model_dump(mode="json"),
            "action": row.requested_action,
            "source": "partner",
            "details": {
                "partner": peer.node_id,
                "item": item,
                "matched_at": msg.matched_at.isoformat(),
            },
            "created_at": now,
        }
        (new,) = store.insert_alerts(conn, [alert])
        if new is not None:
            payload = watchlist.alert_payload(new, alert, row.type)
            publish_event(conn, row.issuing_agency, "alert", payload, now)
        fed_store.insert_receipt(conn, peer.node_id, claims.request_id, 200, body, now)
    return 200, body


# --- outbox -----------------------------------------------------------------------------------


def on_delivered(conn: Connection, node: Node, message: OutboxRow, reply: Reply) -> None:
    """A partner accepted a notice message (called in the outbox worker's transaction)."""
    record_event(
        conn,
        Event.WATCHLIST_ALERT if message.kind == KIND_ALERT else Event.NOTICE,
        f"system:outbox@{node.agency}",
        {
            "step": "delivered",
            "kind": message.kind,
            "notice_id": message.subject,
            "partner": message.recipient,
            "request_id": message.message_id,
            "answer_digest": reply.claims.body_digest,
            "signature": reply.signature,
        },
    )


def on_refused(conn: Connection, node: Node, message: OutboxRow, code: str) -> None:
    """A partner refused a notice message for good (an older node answers 404 to a kind it
    does not know)."""
    record_event(
        conn,
        Event.WATCHLIST_ALERT if message.kind == KIND_ALERT else Event.NOTICE,
        f"system:outbox@{node.agency}",
        {
            "step": "refused",
            "kind": message.kind,
            "notice_id": message.subject,
            "partner": message.recipient,
            "request_id": message.message_id,
            "code": code,
        },
    )
