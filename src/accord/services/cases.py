"""Cases and joint investigation teams (docs/messaging.md, "Joint investigation teams").

A case shared with other agencies is a joint investigation team: its lead agency (this node's),
its members, its legal basis (the id of the JIT agreement, whose clauses of kind `jit` apply to
what is posted to it) and its validity. A posting — a message, with records and files — goes
to every current member as an end-to-end message, each attached record through the one policy
door with the case's agreement as `case_basis`. Membership changes and every posting go to the
ledger; an agency that left is sent nothing further."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from accord.errors import Conflict, FieldError, Forbidden, NotFound, ValidationError
from accord.federation.protocol import new_id
from accord.model import Principal, crime_areas
from accord.model.messages import Attachment, MessageKind, check_draft
from accord.node import Node
from accord.services.agreements import agreement_set
from accord.services.audit import Event, record_event
from accord.services.events import publish_event
from accord.services.messaging import compose, message_purpose, partner_for
from accord.store import messaging as store
from accord.store.messaging import CaseRow, StateRow

__all__ = ["Case", "add_member", "create_case", "get_case", "list_cases", "post", "remove_member"]


@dataclass(frozen=True, slots=True)
class Case:
    row: CaseRow
    members: list[str]
    history: list[StateRow]

    def to_dict(self) -> dict[str, Any]:
        row = self.row
        return {
            "case_id": row.case_id,
            "reference": row.reference,
            "title": row.title,
            "lead_agency": row.lead_agency,
            "legal_basis": row.legal_basis,
            "crime_area": row.crime_area,
            "valid_from": row.valid_from.isoformat(),
            "valid_until": row.valid_until.isoformat() if row.valid_until else None,
            "joint": len(self.members) > 1,
            "members": self.members,
            "history": [
                {"action": h.state, "at": h.at.isoformat(), "actor": h.actor, **h.details}
                for h in self.history
            ],
            "created_at": row.created_at.isoformat(),
            "created_by": row.created_by,
        }


def _date(errors: list[FieldError], name: str, raw: Any) -> date | None:
    if raw is None or raw == "":
        return None
    try:
        return raw if isinstance(raw, date) else date.fromisoformat(str(raw))
    except ValueError:
        errors.append(FieldError(name, "a date, e.g. 2027-07-01"))
        return None


def _basis(errors: list[FieldError], node: Node, raw: Any) -> str | None:
    """The JIT agreement's id: an agreement loaded here with at least one clause of kind jit."""
    if raw is None or raw == "":
        return None
    for agreement in agreement_set(node):
        if agreement.id == raw:
            if any(c.kind.value == "jit" for d in agreement.directions for c in d.clauses):
                return str(raw)
            errors.append(FieldError("legal_basis", "this agreement has no clause of kind jit"))
            return None
    errors.append(FieldError("legal_basis", f"no agreement {raw!r} is loaded"))
    return None


def _load(conn: Any, case_id: str) -> Case:
    row = store.get_case(conn, case_id)
    if row is None:
        raise NotFound(f"no case {case_id!r}")
    members, history = store.members(conn, row.pk)
    return Case(row, members, history)


def create_case(node: Node, principal: Principal, data: Mapping[str, Any]) -> Case:
    """Open a case led by this agency; with `legal_basis` (a JIT agreement) and members it is
    a joint investigation team."""
    errors: list[FieldError] = []
    reference = str(data.get("reference") or "").strip()
    if not reference or len(reference) > 200:
        errors.append(FieldError("reference", "is required (at most 200 characters)"))
    title = str(data.get("title") or reference).strip()[:300]
    area = data.get("crime_area")
    if area not in crime_areas():
        errors.append(FieldError("crime_area", f"unknown crime-area code {area!r}"))
    basis = _basis(errors, node, data.get("legal_basis"))
    now = datetime.now(UTC)
    valid_from = _date(errors, "valid_from", data.get("valid_from")) or now.date()
    valid_until = _date(errors, "valid_until", data.get("valid_until"))
    if valid_until is not None and valid_until < valid_from:
        errors.append(FieldError("valid_until", "is before valid_from"))
    if errors:
        raise ValidationError(errors)
    row = CaseRow(
        case_id=new_id("case"),
        reference=reference,
        title=title or reference,
        lead_agency=node.agency,
        legal_basis=basis,
        crime_area=str(area),
        valid_from=valid_from,
        valid_until=valid_until,
        created_at=now,
        created_by=principal.label,
    )
    with node.engine.begin() as conn:
        pk = store.insert_case(conn, row)
        store.add_member_change(conn, pk, node.agency, "joined", now, principal.label)
        record_event(
            conn,
            Event.CASE,
            principal,
            {
                "step": "created",
                "case_id": row.case_id,
                "reference": reference,
                "legal_basis": basis,
            },
        )
        return _load(conn, row.case_id)


def add_member(node: Node, principal: Principal, case_id: str, agency: str) -> Case:
    """Add a partner agency to the team; it receives every posting from now on."""
    agency = agency.strip().upper()
    partner_for(node, agency, "agency")
    now = datetime.now(UTC)
    with node.engine.begin() as conn:
        case = _load(conn, case_id)
        if agency in case.members:
            raise Conflict(f"{agency} is a member already")
        store.add_member_change(conn, case.row.pk, agency, "joined", now, principal.label)
        record_event(
            conn,
            Event.CASE,
            principal,
            {"step": "member_added", "case_id": case_id, "agency": agency},
        )
        return _load(conn, case_id)


def remove_member(node: Node, principal: Principal, case_id: str, agency: str) -> Case:
    """Remove an agency from the team: it is sent nothing further."""
    agency = agency.strip().upper()
    now = datetime.now(UTC)
    with node.engine.begin() as conn:
        case = _load(conn, case_id)
        if agency == case.row.lead_agency:
            raise ValidationError(FieldError("agency", "the lead agency cannot leave its case"))
        if agency not in case.members:
            raise NotFound(f"{agency} is not a member")
        store.add_member_change(conn, case.row.pk, agency, "left", now, principal.label)
        record_event(
            conn,
            Event.CASE,
            principal,
            {"step": "member_removed", "case_id": case_id, "agency": agency},
        )
        return _load(conn, case_id)


def get_case(node: Node, case_id: str) -> Case:
    with node.engine.connect() as conn:
        return _load(conn, case_id)


def list_cases(node: Node) -> list[Case]:
    with node.engine.connect() as conn:
        return [_load(conn, r.case_id) for r in store.list_cases(conn)]


def post(
    node: Node,
    principal: Principal,
    case_id: str,
    data: Mapping[str, Any],
    attachments: Sequence[Attachment] = (),
) -> dict[str, Any]:
    """Post a message (with records and files) to every current member of the case; per
    member the message sent and, per record, what the policy let go."""
    now = datetime.now(UTC)
    with node.engine.begin() as conn:
        case = _load(conn, case_id)
        row = case.row
        if row.lead_agency != node.agency:
            raise Forbidden("postings go out from the lead agency's node")
        today = now.date()
        if today < row.valid_from or (row.valid_until is not None and today > row.valid_until):
            raise Conflict("the case is not within its validity")
        recipients = [a for a in case.members if a != node.agency]
        if not recipients:
            raise ValidationError(FieldError("members", "the case has no other member to post to"))
        drafts = []
        for agency in recipients:
            draft = check_draft(
                {
                    **data,
                    "kind": data.get("kind") or MessageKind.SPONTANEOUS.value,
                    "recipient": agency,
                    "case_reference": row.reference,
                },
                attachments,
                max_attachment_bytes=node.settings.message_max_attachment_bytes,
            )
            if draft.kind not in (MessageKind.SPONTANEOUS, MessageKind.RFI):
                raise ValidationError(FieldError("kind", "a posting is spontaneous or an rfi"))
            drafts.append((draft, partner_for(node, agency, "members")))
        sent = []
        for draft, peer in drafts:
            purpose = message_purpose(
                {**data, "crime_area": data.get("crime_area") or row.crime_area},
                draft,
                row.reference,
            )
            done = compose(
                conn,
                node,
                principal,
                draft,
                peer,
                purpose=purpose,
                now=now,
                case_id=case_id,
                case_basis=row.legal_basis,
            )
            sent.append(
                {
                    "agency": peer.agency_code,
                    "message_id": done.row.message_id,
                    "records": done.outcome,
                }
            )
        record_event(
            conn,
            Event.CASE,
            principal,
            {
                "step": "posted",
                "case_id": case_id,
                "members": recipients,
                "messages": [s["message_id"] for s in sent],
            },
        )
        # The lead agency's own users hear of it live; each member's node announces the
        # message it receives (`message` events with the case's id and reference).
        publish_event(
            conn,
            node.agency,
            "case_posting",
            {
                "case_id": case_id,
                "case_reference": row.reference,
                "by": principal.label,
                "members": recipients,
                "messages": [s["message_id"] for s in sent],
            },
            now,
        )
    return {"case_id": case_id, "sent": sent}
