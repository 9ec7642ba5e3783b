"""Follow-up after a reference hit: the owner's side.

A partner's request is kept as `pending` (idempotently: a retried delivery gets the answer the
first one got). The liaison officer approves, optionally with conditions, or declines; an
approval asks the policy engine again, and the outcome is queued for the requester in the same
transaction that records the decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from accord.crypto import MessageClaims, body_digest
from accord.errors import Conflict, Forbidden, NotFound
from accord.federation.peers import Peer
from accord.federation.protocol import (
    AnswerItem,
    FollowUpAck,
    FollowUpOutcome,
    FollowUpRequest,
    encode,
    new_id,
    outcome_path,
)
from accord.model import Principal
from accord.services.audit import Event, record_event
from accord.services.disclosure import open_reference, release
from accord.services.federation import partner_principal
from accord.services.followup import (
    KIND_OUTCOME,
    MAX_DAYS,
    FollowUp,
    follow_up_row,
    get_follow_up,
    ledger_facts,
    load_follow_up,
)
from accord.services.node import Node
from accord.services.purpose import Purpose, parse_purpose
from accord.store import federation as store
from accord.store import records as record_store
from accord.store.federation import FollowUpRow

__all__ = ["LIAISON_ROLE", "decide_follow_up", "receive_follow_up"]

LIAISON_ROLE = "liaison_officer"


def receive_follow_up(
    node: Node, peer: Peer, claims: MessageClaims, request: FollowUpRequest
) -> tuple[int, bytes]:
    """Store a partner's follow-up request as `pending` (idempotent on the request id).

    Raises ValidationError (purpose) or NotFound (a reference this node did not give the
    partner) before anything is stored."""
    with node.engine.connect() as conn:
        kept = store.get_receipt(conn, peer.node_id, claims.request_id)
    if kept is not None:
        return kept
    parse_purpose(request.purpose, request.case_reference, request.crime_area)
    open_reference(node, peer.agency_code, request.reference)
    principal = partner_principal(peer)
    now = datetime.now(UTC).replace(microsecond=0)
    deadline = min(max(request.deadline, now), now + timedelta(days=MAX_DAYS))
    request = request.model_copy(update={"deadline": deadline})
    try:
        with node.engine.begin() as conn:
            if store.get_follow_up(conn, request.follow_up_id) is not None:
                raise Conflict("a follow-up with this id exists")
            pk = store.insert_follow_up(
                conn, follow_up_row(request, "incoming", peer, now, principal.label)
            )
            store.add_transition(conn, pk, "pending", now, principal.label, {})
            body = encode(
                FollowUpAck(follow_up_id=request.follow_up_id, state="pending", deadline=deadline)
            )
            store.insert_receipt(conn, peer.node_id, claims.request_id, 202, body, now)
            record_event(
                conn,
                Event.FOLLOW_UP,
                principal,
                {
                    "step": "received",
                    **ledger_facts(request, peer),
                    "request_id": claims.request_id,
                    "request_digest": claims.body_digest,
                },
            )
    except IntegrityError:
        # A concurrent delivery of the same request won the race: answer as it was answered.
        with node.engine.connect() as conn:
            kept = store.get_receipt(conn, peer.node_id, claims.request_id)
        if kept is None:
            raise
        return kept
    return 202, body


def decide_follow_up(
    node: Node,
    principal: Principal,
    follow_up_id: str,
    *,
    approve: bool,
    conditions: str | None = None,
    reason: str | None = None,
) -> FollowUp:
    """The liaison officer's decision on a partner's pending follow-up. An approval asks the
    policy engine again: if the agreements in force no longer let the record go to the
    requester, nothing is disclosed and the outcome is `declined` (`policy_denied` in the local
    history). The outcome is queued for the requester in the same transaction."""
    if LIAISON_ROLE not in principal.roles:
        raise Forbidden("only a liaison officer decides follow-up requests")
    conditions = conditions.strip() or None if conditions else None
    reason = reason.strip() or None if reason else None
    now = datetime.now(UTC).replace(microsecond=0)
    with node.engine.begin() as conn:
        found = load_follow_up(conn, follow_up_id)
        if found is None or found.row.direction != "incoming":
            raise NotFound(f"no follow-up {follow_up_id!r} from a partner")
        if found.state != "pending":
            raise Conflict(f"this follow-up is already {found.state}")
        items: list[AnswerItem] = []
        disclosed: list[dict[str, Any]] = []
        if approve:
            items, disclosed = _approved_items(conn, node, principal, found.row)
        decision: Literal["approved", "declined"] = "approved" if items else "declined"
        out_reason = reason if decision == "declined" and not approve else None
        if approve and not items:
            out_reason = "the record cannot be disclosed"
        outcome = FollowUpOutcome(
            follow_up_id=follow_up_id,
            decision=decision,
            items=items,
            conditions=conditions if items else None,
            reason=out_reason,
            decided_at=now,
        )
        body = encode(outcome)
        store.add_transition(
            conn,
            found.row.pk,
            decision,
            now,
            principal.label,
            {
                "conditions": outcome.conditions,
                "reason": out_reason,
                "policy_denied": approve and not items,
                "disclosed": disclosed,
                "outcome_digest": body_digest(body),
            },
        )
        store.enqueue(
            conn,
            message_id=new_id("msg"),
            recipient=found.row.partner,
            kind=KIND_OUTCOME,
            subject=follow_up_id,
            method="POST",
            path=outcome_path(follow_up_id),
            body=body,
            at=now,
        )
        record_event(
            conn,
            Event.FOLLOW_UP,
            principal,
            {
                "step": "decided",
                "follow_up_id": follow_up_id,
                "partner": found.row.partner,
                "agency": found.row.partner_agency,
                "decision": decision,
                "approved_by_officer": approve,
                "conditions": outcome.conditions,
                "reason": out_reason,
                "disclosed": disclosed,
                "outcome_digest": body_digest(body),
            },
        )
    return get_follow_up(node, follow_up_id)


def _approved_items(
    conn: Connection, node: Node, principal: Principal, row: FollowUpRow
) -> tuple[list[AnswerItem], list[dict[str, Any]]]:
    """The records an approved follow-up discloses, after asking the policy engine again.

    `release` decides, opens `reference` decisions to content because the liaison officer
    approved (the Prüm model's second step), and writes the DISCLOSURE entry; a denied record
    does not go out."""
    try:
        owner, record_id = open_reference(node, row.partner_agency, row.reference)
    except NotFound:
        return [], []
    stored = record_store.get_record(conn, record_id, owner)
    purpose = Purpose(code=row.purpose, reference=row.case_reference, crime_area=row.crime_area)
    released = release(
        conn,
        node,
        recipient=row.partner_agency,
        purpose=purpose,
        records=[s.record for s in stored],
        channel="follow_up",
        actor=principal,
        approved_follow_up=True,
    )
    items = [AnswerItem.model_validate(item) for item in released.items]
    disclosed = [
        {
            "owner": record.owner,
            "id": record.id,
            "mode": decision.mode.value,
            "clauses": list(decision.clauses),
        }
        for record, decision in released.decisions
        if not decision.denied
    ]
    return items, disclosed
