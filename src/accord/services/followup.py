"""Follow-up after a reference hit: the requester's side, and what both sides share.

The requester asks the node that gave a reference for the record behind it, stating purpose,
legal basis and justification; the request leaves through the outbox, written in the same
transaction as the follow-up itself. The owner keeps it as `pending` until its liaison officer
approves (optionally with conditions, e.g. H3 restrictions) or declines; an approval asks the
policy engine again (`release`, channel `follow_up`) and the outcome goes back through the
outbox. States are append-only transitions; a follow-up still open after its deadline is
`overdue`. Each step is in the ledger of the node where it happens, with the digest of the
signed message that carried it, so that both ledgers show the whole exchange. The owner's side
is `accord.services.followup_owner`.

States, requester: queued → pending → approved | declined, or failed when the owner refused the
request itself. Owner: pending → approved | declined."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from accord.crypto import MessageClaims, body_digest
from accord.errors import Conflict, FieldError, NotFound, ValidationError
from accord.federation.client import Reply
from accord.federation.peers import Peer
from accord.federation.protocol import (
    FOLLOW_UPS_PATH,
    AnswerItem,
    FollowUpAck,
    FollowUpOutcome,
    FollowUpRequest,
    OutcomeAck,
    encode,
    new_id,
)
from accord.model import Principal
from accord.services.audit import Event, record_event
from accord.services.federation import partner_principal
from accord.services.node import Node
from accord.services.peers import usable_peers
from accord.services.purpose import Purpose
from accord.store import federation as store
from accord.store.federation import FollowUpRow, OutboxRow

__all__ = [
    "FINAL_STATES",
    "KIND_OUTCOME",
    "KIND_REQUEST",
    "MAX_DAYS",
    "OPEN_STATES",
    "FollowUp",
    "follow_up_row",
    "get_follow_up",
    "items_summary",
    "ledger_facts",
    "list_follow_ups",
    "load_follow_up",
    "on_delivered",
    "on_refused",
    "receive_outcome",
    "request_follow_up",
]

OPEN_STATES = ("queued", "pending")
FINAL_STATES = ("approved", "declined", "failed")
MAX_DAYS = 90
KIND_REQUEST = "follow_up.request"
KIND_OUTCOME = "follow_up.outcome"


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A follow-up with its history, as a user sees it."""

    row: FollowUpRow
    history: list[store.TransitionRow]

    @property
    def state(self) -> str:
        return self.row.state

    def overdue(self, now: datetime | None = None) -> bool:
        return self.state in OPEN_STATES and (now or datetime.now(UTC)) > self.row.deadline

    def outcome(self) -> dict[str, Any] | None:
        """The decision: for the owner what it decided, for the requester what it received."""
        if self.state not in FINAL_STATES:
            return None
        details = self.history[-1].details
        keys = ("conditions", "reason", "items", "code")
        return {"decision": self.state} | {k: details[k] for k in keys if k in details}

    def to_dict(self, now: datetime | None = None) -> dict[str, Any]:
        r = self.row
        overdue = self.overdue(now)
        return {
            "follow_up_id": r.follow_up_id,
            "direction": r.direction,
            "partner": r.partner,
            "partner_agency": r.partner_agency,
            "reference": r.reference,
            "purpose": r.purpose,
            "case_reference": r.case_reference,
            "crime_area": r.crime_area,
            "legal_basis": r.legal_basis,
            "justification": r.justification,
            "deadline": r.deadline.isoformat(),
            "created_at": r.created_at.isoformat(),
            "created_by": r.created_by,
            "state": r.state,
            "overdue": overdue,
            "status": "overdue" if overdue else r.state,
            "history": [
                {"state": t.state, "at": t.at.isoformat(), "actor": t.actor} for t in self.history
            ],
            "outcome": self.outcome(),
        }


def load_follow_up(conn: Connection, follow_up_id: str) -> FollowUp | None:
    row = store.get_follow_up(conn, follow_up_id)
    return FollowUp(row, store.transitions(conn, row.pk)) if row is not None else None


def _received(found: list[FollowUp]) -> list[list[str]]:
    """(owner, record id, follow-up id) of every record a partner disclosed in these outcomes."""
    records: list[list[str]] = []
    for f in found:
        for item in (f.outcome() or {}).get("items") or []:
            record = item.get("record") if isinstance(item, dict) else None
            if isinstance(record, dict):
                owner = (record.get("accord") or {}).get("owner") or f.row.partner_agency
                records.append([str(owner), str(record.get("id")), f.row.follow_up_id])
    return records


def _ledger_read(conn: Connection, reader: Principal | None, found: list[FollowUp]) -> None:
    """A follow-up that carries a partner's records is a read of record content: it goes to
    the ledger with the ids returned, in the transaction that read them."""
    received = _received(found)
    if reader is not None and received:
        record_event(conn, Event.RECORD_READ, reader, {"follow_ups": True, "records": received})


def get_follow_up(node: Node, follow_up_id: str, reader: Principal | None = None) -> FollowUp:
    """One follow-up; `reader`: who reads it, for the ledger when it carries records."""
    with node.engine.begin() as conn:
        found = load_follow_up(conn, follow_up_id)
        if found is None:
            raise NotFound(f"no follow-up {follow_up_id!r}")
        _ledger_read(conn, reader, [found])
    return found


def list_follow_ups(
    node: Node,
    *,
    direction: str | None = None,
    status: str | None = None,
    reader: Principal | None = None,
) -> list[FollowUp]:
    """Follow-ups, newest first; `status` is a state or `overdue`. `reader`: who reads them,
    for the ledger when they carry records."""
    if direction not in (None, "incoming", "outgoing"):
        raise ValidationError(FieldError("direction", "incoming or outgoing"))
    known = (*OPEN_STATES, *FINAL_STATES, "overdue")
    if status is not None and status not in known:
        raise ValidationError(FieldError("status", f"one of {', '.join(known)}"))
    states = OPEN_STATES if status == "overdue" else (status,) if status else ()
    now = datetime.now(UTC)
    with node.engine.begin() as conn:
        rows = store.list_follow_ups(conn, direction=direction, states=states)
        found = [FollowUp(r, store.transitions(conn, r.pk)) for r in rows]
        found = [f for f in found if status != "overdue" or f.overdue(now)]
        _ledger_read(conn, reader, found)
    return found


def items_summary(items: list[AnswerItem]) -> list[dict[str, Any]]:
    return [
        {"mode": i.mode, "schema": i.reference.schema_, "owner": i.reference.owner} for i in items
    ]


def _text(name: str, value: str, limit: int) -> str:
    text = value.strip()
    if not text:
        raise ValidationError(FieldError(name, "is required"))
    if len(text) > limit:
        raise ValidationError(FieldError(name, f"at most {limit} characters"))
    return text


# --- requester --------------------------------------------------------------------------------


def request_follow_up(
    node: Node,
    principal: Principal,
    *,
    partner: str,
    reference: str,
    purpose: Purpose,
    legal_basis: str,
    justification: str,
    days: int | None = None,
) -> FollowUp:
    """Ask `partner` for the content behind `reference`; queued for delivery in the same
    transaction that records it."""
    peer = usable_peers(node, [partner])[0]
    days = days if days is not None else node.settings.follow_up_days
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(FieldError("days", f"between 1 and {MAX_DAYS}"))
    now = datetime.now(UTC).replace(microsecond=0)
    request = FollowUpRequest(
        follow_up_id=new_id("fu"),
        reference=_text("reference", reference, 500),
        purpose=purpose.code,
        case_reference=purpose.reference,
        crime_area=purpose.crime_area,
        legal_basis=_text("legal_basis", legal_basis, 2000),
        justification=_text("justification", justification, 4000),
        deadline=now + timedelta(days=days),
    )
    body = encode(request)
    with node.engine.begin() as conn:
        pk = store.insert_follow_up(
            conn, follow_up_row(request, "outgoing", peer, now, principal.label)
        )
        store.add_transition(conn, pk, "queued", now, principal.label, {})
        store.enqueue(
            conn,
            message_id=new_id("msg"),
            recipient=peer.node_id,
            kind=KIND_REQUEST,
            subject=request.follow_up_id,
            method="POST",
            path=FOLLOW_UPS_PATH,
            body=body,
            at=now,
        )
        record_event(
            conn,
            Event.FOLLOW_UP,
            principal,
            {
                "step": "requested",
                **ledger_facts(request, peer),
                "request_digest": body_digest(body),
            },
        )
    return get_follow_up(node, request.follow_up_id)


def follow_up_row(
    request: FollowUpRequest, direction: str, peer: Peer, now: datetime, by: str
) -> FollowUpRow:
    return FollowUpRow(
        follow_up_id=request.follow_up_id,
        direction=direction,
        partner=peer.node_id,
        partner_agency=peer.agency_code,
        reference=request.reference,
        purpose=request.purpose,
        case_reference=request.case_reference,
        crime_area=request.crime_area,
        legal_basis=request.legal_basis,
        justification=request.justification,
        deadline=request.deadline,
        created_at=now,
        created_by=by,
    )


def ledger_facts(request: FollowUpRequest, peer: Peer) -> dict[str, Any]:
    return {
        "follow_up_id": request.follow_up_id,
        "partner": peer.node_id,
        "agency": peer.agency_code,
        "reference": request.reference,
        "purpose": request.purpose,
        "case_reference": request.case_reference,
        "crime_area": request.crime_area,
        "legal_basis": request.legal_basis,
        "justification": request.justification,
        "deadline": request.deadline.isoformat(),
    }


def on_delivered(conn: Connection, node: Node, message: OutboxRow, reply: Reply) -> None:
    """The partner accepted an outbox message (called in the worker's transaction). The
    outbox hands this every kind it has no branch for: a STIX correlation alert goes on."""
    from accord.services import stix_exchange

    if stix_exchange.is_correlation_kind(message.kind):
        stix_exchange.on_delivered(conn, node, message, reply)
        return
    actor = f"system:outbox@{node.agency}"
    found = load_follow_up(conn, message.subject)
    if found is None:
        return
    proof = {"answer_digest": reply.claims.body_digest, "signature": reply.signature}
    if message.kind == KIND_REQUEST:
        ack = FollowUpAck.model_validate_json(reply.body)
        if found.state == "queued":
            store.add_transition(
                conn,
                found.row.pk,
                "pending",
                datetime.now(UTC),
                actor,
                {"deadline": ack.deadline.isoformat()},
            )
        step = "delivered"
    else:
        step = "outcome_delivered"
    record_event(
        conn,
        Event.FOLLOW_UP,
        actor,
        {
            "step": step,
            "follow_up_id": message.subject,
            "partner": message.recipient,
            "request_id": message.message_id,
            **proof,
        },
    )


def on_refused(conn: Connection, node: Node, message: OutboxRow, code: str) -> None:
    """The partner refused an outbox message for good (4xx); called in the worker's
    transaction. A refused request ends the follow-up as `failed`. A STIX correlation alert
    (which the outbox hands here with every kind it has no branch for) goes on."""
    from accord.services import stix_exchange

    if stix_exchange.is_correlation_kind(message.kind):
        stix_exchange.on_refused(conn, node, message, code)
        return
    actor = f"system:outbox@{node.agency}"
    found = load_follow_up(conn, message.subject)
    if found is not None and message.kind == KIND_REQUEST and found.state in OPEN_STATES:
        store.add_transition(conn, found.row.pk, "failed", datetime.now(UTC), actor, {"code": code})
    step = "refused" if message.kind == KIND_REQUEST else "outcome_refused"
    record_event(
        conn,
        Event.FOLLOW_UP,
        actor,
        {
            "step": step,
            "follow_up_id": message.subject,
            "partner": message.recipient,
            "request_id": message.message_id,
            "code": code,
        },
    )


def _watch_received(
    conn: Connection, node: Node, principal: Principal, items: list[AnswerItem], now: datetime
) -> None:
    """Records a partner disclosed are matched against the watchlist like our own: a hit on
    a notice raises its alert here. A record that does not parse is kept in the outcome
    (as received) but cannot be matched."""
    from accord.matching import record_keys
    from accord.model import parse_record
    from accord.services import watchlist

    candidates: list[watchlist.Candidate] = []
    for item in items:
        data = item.record
        if not isinstance(data, dict):
            continue
        try:
            record = parse_record(data, {"owner": item.reference.owner}, now=now)
        except ValidationError:
            continue
        keys = record_keys(record.schema, record.properties)
        candidates.append(
            watchlist.Candidate(record, watchlist.record_watch_keys(record.schema, keys))
        )
    watchlist.check_records(conn, node, candidates, now, principal.label)


def receive_outcome(
    node: Node, peer: Peer, claims: MessageClaims, outcome: FollowUpOutcome
) -> tuple[int, bytes]:
    """The owner's decision on one of our follow-ups (idempotent on the request id)."""
    principal = partner_principal(peer)
    now = datetime.now(UTC)
    with node.engine.begin() as conn:
        kept = store.get_receipt(conn, peer.node_id, claims.request_id)
        if kept is not None:
            return kept
        found = load_follow_up(conn, outcome.follow_up_id)
        if found is None or found.row.direction != "outgoing" or found.row.partner != peer.node_id:
            raise NotFound("no such follow-up was sent to this node")
        if found.state in FINAL_STATES:
            raise Conflict("this follow-up already has an outcome")
        items = [i.model_dump(mode="json", by_alias=True) for i in outcome.items]
        store.add_transition(
            conn,
            found.row.pk,
            outcome.decision,
            now,
            principal.label,
            {
                "items": items,
                "conditions": outcome.conditions,
                "reason": outcome.reason,
                "decided_at": outcome.decided_at.isoformat(),
                "outcome_digest": claims.body_digest,
            },
        )
        body = encode(OutcomeAck(follow_up_id=outcome.follow_up_id, state=outcome.decision))
        store.insert_receipt(conn, peer.node_id, claims.request_id, 200, body, now)
        _watch_received(conn, node, principal, outcome.items, now)
        # What was disclosed correlates with STIX objects here, alerting its owner (0035).
        from accord.services.stix_exchange import remember_disclosed

        remember_disclosed(
            conn,
            peer,
            outcome.items,
            source=f"follow-up {outcome.follow_up_id}",
            purpose=found.row.purpose,
            crime_area=found.row.crime_area,
            now=now,
        )
        record_event(
            conn,
            Event.FOLLOW_UP,
            principal,
            {
                "step": "outcome_received",
                "follow_up_id": outcome.follow_up_id,
                "partner": peer.node_id,
                "decision": outcome.decision,
                "conditions": outcome.conditions,
                "request_id": claims.request_id,
                "outcome_digest": claims.body_digest,
                "items": items_summary(outcome.items),
            },
        )
    return 200, body
