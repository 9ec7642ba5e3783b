"""STIX correlation across the federation: a STIX object holding a value of a record a
partner disclosed to this node alerts that record's owner, on the owner's node.

A partner's record disclosed in full (a follow-up's outcome) leaves its correlating values
here (e-mail addresses, phone numbers, identifiers: IBANs, wallets, account numbers), with
the purpose and crime area it was disclosed for. When a STIX object holding one of those
values is imported, the object goes to the record's owner through `release`, under that
purpose: a `full` decision names the object (id, type, TLP), any other that lets something
go sends a hit with an opaque reference to follow up, a denial sends nothing. The alert
leaves through the outbox, in the import's transaction, and arrives on the owner's event
stream; both ledgers hold it. Decision 0035."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from accord.crypto import MessageClaims
from accord.errors import NotFound, ValidationError
from accord.federation.client import Reply
from accord.federation.peers import Peer
from accord.federation.protocol import (
    STIX_CORRELATIONS_PATH,
    AlertAck,
    AnswerItem,
    ItemReference,
    StixCorrelationAlert,
    encode,
    new_id,
)
from accord.matching import OBSERVABLE_KINDS
from accord.model import Principal, Record
from accord.node import Node
from accord.policy import Mode
from accord.services.audit import Event, record_event
from accord.services.disclosure import release
from accord.services.events import publish_event
from accord.services.federation import partner_principal
from accord.services.purpose import Purpose
from accord.store import federation as fed_store
from accord.store import records as record_store
from accord.store.federation import OutboxRow
from accord.store.stix_partners import PartnerHolder, partner_holders, replace_partner_keys

__all__ = [
    "CORRELATING_KINDS",
    "KIND_CORRELATION",
    "alert_owner",
    "holders",
    "is_correlation_kind",
    "on_delivered",
    "on_refused",
    "receive_correlation",
    "remember_disclosed",
]

KIND_CORRELATION = "stix.correlation"
#: Keys of the records' search index that a STIX observable's value meets.
CORRELATING_KINDS = OBSERVABLE_KINDS


def is_correlation_kind(kind: str) -> bool:
    return kind == KIND_CORRELATION


def remember_disclosed(
    conn: Connection,
    peer: Peer,
    items: Sequence[AnswerItem],
    *,
    source: str,
    purpose: str,
    crime_area: str,
    now: datetime,
) -> int:
    """Keep the correlating values of the records `peer` disclosed (in full or redacted: what
    came is what correlates), for the retention their terms set; returns how many records.
    A record that does not parse is kept where it came (the follow-up's outcome) but cannot
    correlate."""
    from accord.matching import record_keys
    from accord.model import parse_record

    kept = 0
    for item in items:
        data = item.record
        if not isinstance(data, dict) or item.mode == "reference":
            continue
        try:
            record = parse_record(data, {"owner": item.reference.owner}, now=now)
        except ValidationError:
            continue
        if record.owner != peer.agency_code:
            continue  # a partner answers for its own records only
        found = record_keys(record.schema, record.properties)
        keys = {k for k in found if k[0] in CORRELATING_KINDS}
        holder = PartnerHolder(
            owner=record.owner,
            record_id=record.id,
            schema=record.schema,
            partner=peer.node_id,
            source=source,
            purpose=purpose,
            crime_area=crime_area,
        )
        days = item.terms.get("retention_days")
        keep_until = now + timedelta(days=days) if isinstance(days, int) else None
        replace_partner_keys(conn, holder, keys, now, keep_until)
        kept += 1
    return kept


def holders(
    conn: Connection, key: tuple[str, str], limit: int, now: datetime | None = None
) -> list[PartnerHolder]:
    """Records partners disclosed that hold the value, within the retention their terms set
    (at most `limit`)."""
    if limit <= 0 or key[0] not in CORRELATING_KINDS:
        return []
    return partner_holders(conn, key[0], key[1], limit, now or datetime.now(UTC))


def alert_owner(
    conn: Connection,
    node: Node,
    principal: Principal,
    stix: Record,
    stix_row: dict[str, Any],
    key: tuple[str, str],
    holder: PartnerHolder,
    now: datetime,
) -> str:
    """Tell the owner of a disclosed record that a STIX object holds one of its values, as
    `release` lets the object go to that owner for the purpose the record was disclosed for;
    `sent:full`, `sent:reference` or `withheld`. In the caller's transaction."""
    purpose = Purpose(
        code=holder.purpose,
        reference=f"STIX correlation {stix_row['stix_id']}",
        crime_area=holder.crime_area,
    )
    released = release(
        conn,
        node,
        recipient=holder.owner,
        purpose=purpose,
        records=[stix],
        channel="stix_correlation",
        actor=principal,
        now=now,
    )
    ((_, decision),) = released.decisions
    outcome = "withheld"
    alert_id = new_id("stc")
    if released.items:
        item = AnswerItem.model_validate(released.items[0])
        full = decision.mode is Mode.FULL
        message = StixCorrelationAlert(
            alert_id=alert_id,
            record_id=holder.record_id,
            kind=key[0],  # type: ignore[arg-type]
            value=key[1],
            mode="full" if full else "reference",
            reference=ItemReference(
                schema=item.reference.schema_,
                owner=item.reference.owner,
                reference=item.reference.reference,
            ),
            object_id=stix_row["stix_id"] if full else None,
            object_type=stix_row["type"] if full else None,
            object_tlp=stix_row["tlp"] if full else None,
            terms=item.terms,
            matched_at=now,
        )
        fed_store.enqueue(
            conn,
            message_id=new_id("msg"),
            recipient=holder.partner,
            kind=KIND_CORRELATION,
            subject=alert_id,
            method="POST",
            path=STIX_CORRELATIONS_PATH,
            body=encode(message),
            at=now,
        )
        outcome = f"sent:{message.mode}"
    record_event(
        conn,
        Event.STIX_CORRELATION,
        principal,
        {
            "step": "owner_alerted" if outcome != "withheld" else "owner_withheld",
            "stix_id": stix_row["stix_id"],
            "version": stix_row["version"],
            "value": {"kind": key[0], "value": key[1]},
            "record": {"owner": holder.owner, "id": holder.record_id, "schema": holder.schema},
            "partner": holder.partner,
            "disclosed_in": holder.source,
            "alert_id": alert_id if outcome != "withheld" else None,
            "outcome": outcome,
            "reasons": list(decision.reasons),
        },
    )
    return outcome


def receive_correlation(
    node: Node, peer: Peer, claims: MessageClaims, msg: StixCorrelationAlert
) -> tuple[int, bytes]:
    """A partner's STIX object holds a value of one of our records: an event on our stream
    and an entry in our ledger (idempotent on the request id). A record we do not own is
    answered 404, as if it did not exist."""
    with node.engine.connect() as conn:
        kept = fed_store.get_receipt(conn, peer.node_id, claims.request_id)
    if kept is not None:
        return kept
    now = datetime.now(UTC)
    principal = partner_principal(peer)
    body = encode(AlertAck(alert_id=msg.alert_id, state="received"))
    with node.engine.begin() as conn:
        stored = record_store.get_record(conn, msg.record_id, node.agency)
        if not stored:
            raise NotFound("no such record is held here")
        rec = stored[0].record
        details: dict[str, Any] = {
            "step": "received",
            "partner": peer.node_id,
            "agency": peer.agency_code,
            "alert_id": msg.alert_id,
            "record": {"owner": rec.owner, "id": rec.id, "schema": rec.schema},
            "value": {"kind": msg.kind, "value": msg.value},
            "mode": msg.mode,
            "reference": msg.reference.reference,
            "object": (
                {"id": msg.object_id, "type": msg.object_type, "tlp": msg.object_tlp}
                if msg.mode == "full"
                else None
            ),
            "matched_at": msg.matched_at.isoformat(),
        }
        record_event(
            conn,
            Event.STIX_CORRELATION,
            principal,
            {**details, "request_id": claims.request_id, "request_digest": claims.body_digest},
        )
        publish_event(conn, node.agency, "stix_correlation", details, now)
        fed_store.insert_receipt(conn, peer.node_id, claims.request_id, 200, body, now)
    return 200, body


# --- outbox -----------------------------------------------------------------------------------


def on_delivered(conn: Connection, node: Node, message: OutboxRow, reply: Reply) -> None:
    """The owner's node accepted a correlation alert (the outbox worker's transaction)."""
    record_event(
        conn,
        Event.STIX_CORRELATION,
        f"system:outbox@{node.agency}",
        {
            "step": "delivered",
            "alert_id": message.subject,
            "partner": message.recipient,
            "request_id": message.message_id,
            "answer_digest": reply.claims.body_digest,
            "signature": reply.signature,
        },
    )


def on_refused(conn: Connection, node: Node, message: OutboxRow, code: str) -> None:
    """The owner's node refused a correlation alert for good (the record is not its own)."""
    record_event(
        conn,
        Event.STIX_CORRELATION,
        f"system:outbox@{node.agency}",
        {
            "step": "refused",
            "alert_id": message.subject,
            "partner": message.recipient,
            "request_id": message.message_id,
            "code": code,
        },
    )
