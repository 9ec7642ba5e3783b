"""Mutual legal assistance requests, tracked in both ledgers (docs/messaging.md, "MLA requests").

A request is drafted here, checked against the form (`accord.model.mla.check_form`: the legal
basis and measures are data), and sent to the requested authority as an end-to-end message of
kind `mla_request`. Every later step — acknowledged, in execution, partially executed,
executed, refused with grounds — is the requested authority's; it travels back as a message of
kind `mla_update`, with the evidence returned as attachments, each with a chain-of-custody
entry in both ledgers. Each side checks every step against the state machine; an illegal one
is refused and nothing of it is kept. `metrics` gives turnaround per partner and per measure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from accord.errors import FieldError, Forbidden, NotFound, ValidationError
from accord.federation.peers import Peer
from accord.federation.protocol import new_id
from accord.model import Principal
from accord.model.codes import TLP, Handling
from accord.model.messages import Attachment, Draft, MessageKind, check_draft
from accord.model.mla import (
    CLOSED,
    MlaState,
    check_assets,
    check_form,
    check_transition,
    legal_bases,
    measures,
    quantile,
)
from accord.node import Node
from accord.services.audit import Event, record_event
from accord.services.events import publish_event
from accord.services.federation import partner_principal
from accord.services.messaging import compose, partner_for
from accord.store import messaging as store
from accord.store.messaging import MessageRow, MlaRow, StateRow

__all__ = [
    "Mla",
    "advance_mla",
    "create_mla",
    "get_mla",
    "list_mla",
    "metrics",
    "on_received",
    "send_mla",
]

MAX_LIST = 500


@dataclass(frozen=True, slots=True)
class Mla:
    row: MlaRow
    history: list[StateRow]

    def to_dict(self, now: datetime | None = None) -> dict[str, Any]:
        now = now or datetime.now(UTC)
        row = self.row
        state = MlaState(row.state)
        sent = next((s.at for s in self.history if s.state == MlaState.SENT.value), None)
        closed = next((s.at for s in self.history if s.state in CLOSED), None)
        evidence = [e for s in self.history for e in s.details.get("evidence", [])]
        form = dict(row.form)
        return {
            "mla_id": row.mla_id,
            "direction": row.direction,
            "state": state.value,
            "requesting_agency": row.requesting_agency,
            "requested_agency": row.requested_agency,
            "partner": row.partner_node,
            "legal_basis": row.legal_basis,
            "legal_basis_title": legal_bases()[row.legal_basis].title,
            "crime_area": row.crime_area,
            "urgency": row.urgency,
            "deadline": row.deadline.isoformat(),
            "overdue": state not in CLOSED and state is not MlaState.DRAFT and now > row.deadline,
            "form": form,
            "sent_at": sent.isoformat() if sent else None,
            "closed_at": closed.isoformat() if closed else None,
            "turnaround_days": _days(sent, closed),
            "evidence": evidence,
            "created_at": row.created_at.isoformat(),
            "created_by": row.created_by,
            "history": [
                {"state": s.state, "at": s.at.isoformat(), "actor": s.actor, **s.details}
                for s in self.history
            ],
        }


def _days(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 86400, 3)


def _load(conn: Connection, mla_id: str) -> Mla:
    row = store.get_mla(conn, mla_id)
    if row is None:
        raise NotFound(f"no MLA request {mla_id!r}")
    return Mla(row, store.mla_transitions_of(conn, [row.pk])[row.pk])


def _form_json(form: Mapping[str, Any]) -> dict[str, Any]:
    return {**form, "deadline": form["deadline"].isoformat()}


def create_mla(node: Node, principal: Principal, data: Mapping[str, Any]) -> Mla:
    """Draft an MLA request in this agency's name; raises ValidationError naming every bad
    field (a missing legal basis or measures among them)."""
    now = datetime.now(UTC)
    form = check_form(data, now)
    peer = partner_for(node, form["requested_agency"], "requested_agency")
    mla_id = new_id("mla")
    row = MlaRow(
        mla_id=mla_id,
        direction="outgoing",
        partner_node=peer.node_id,
        requesting_agency=node.agency,
        requested_agency=peer.agency_code,
        legal_basis=form["legal_basis"],
        crime_area=form["offence"]["crime_area"],
        urgency=form["urgency"],
        deadline=form["deadline"],
        form=_form_json(form),
        created_at=now,
        created_by=principal.label,
    )
    with node.engine.begin() as conn:
        pk = store.insert_mla(conn, row)
        store.add_mla_transition(conn, pk, MlaState.DRAFT.value, now, principal.label, {})
        record_event(
            conn,
            Event.MLA,
            principal,
            {
                "step": "draft",
                "mla_id": mla_id,
                "requested": peer.agency_code,
                "legal_basis": form["legal_basis"],
                "measures": [m["type"] for m in form["measures"]],
            },
        )
        return _load(conn, mla_id)


def _draft(
    row: MlaRow,
    kind: MessageKind,
    subject: str,
    body: str,
    files: Sequence[Attachment],
    max_bytes: int,
) -> Draft:
    return check_draft(
        {
            "kind": kind.value,
            "recipient": row.requested_agency
            if row.direction == "outgoing"
            else row.requesting_agency,
            "subject": subject,
            "body": body,
            "priority": row.urgency,
            "case_reference": row.form.get("case_reference"),
            "handling": Handling.H1.value,
            "tlp": TLP.AMBER.value,
        },
        files,
        max_attachment_bytes=max_bytes,
    )


def send_mla(node: Node, principal: Principal, mla_id: str) -> Mla:
    """Send a draft to the requested authority (an end-to-end message of kind `mla_request`)."""
    now = datetime.now(UTC)
    with node.engine.begin() as conn:
        found = _load(conn, mla_id)
        row = found.row
        if row.direction != "outgoing":
            raise Forbidden("only the requesting authority sends its request")
        check_transition(MlaState(row.state), MlaState.SENT)
        peer = partner_for(node, row.requested_agency, "requested_agency")
        offence = row.form["offence"]["description"]
        draft = _draft(
            row,
            MessageKind.MLA_REQUEST,
            f"MLA request: {offence}"[:300],
            row.form.get("facts") or offence,
            (),
            node.settings.message_max_attachment_bytes,
        )
        sent = compose(
            conn,
            node,
            principal,
            draft,
            peer,
            purpose=None,
            now=now,
            mla={"mla_id": mla_id, "state": MlaState.SENT.value, "form": row.form},
            mla_id=mla_id,
        )
        details = {"message_id": sent.row.message_id}
        store.add_mla_transition(conn, row.pk, MlaState.SENT.value, now, principal.label, details)
        record_event(
            conn,
            Event.MLA,
            principal,
            {
                "step": "transition",
                "mla_id": mla_id,
                "state": "sent",
                "to": peer.agency_code,
                **details,
            },
        )
        return _load(conn, mla_id)


def advance_mla(
    node: Node,
    principal: Principal,
    mla_id: str,
    target: str,
    *,
    grounds: str | None = None,
    note: str | None = None,
    evidence: Sequence[Attachment] = (),
    assets: Any = None,
) -> Mla:
    """The requested authority's next step on a request it received; sent back to the
    requesting authority with the evidence returned (each with a custody entry)."""
    try:
        state = MlaState(target)
    except ValueError:
        raise ValidationError(
            FieldError("state", f"one of {', '.join(s.value for s in MlaState)}")
        ) from None
    errors: list[FieldError] = []
    if state is MlaState.REFUSED and not (grounds or "").strip():
        errors.append(FieldError("grounds", "a refusal states its grounds"))
    if evidence and state not in (MlaState.PARTIALLY_EXECUTED, MlaState.EXECUTED):
        errors.append(FieldError("evidence", "evidence is returned on (partial) execution"))
    reported = check_assets(assets)
    if errors:
        raise ValidationError(errors)
    now = datetime.now(UTC)
    with node.engine.begin() as conn:
        found = _load(conn, mla_id)
        row = found.row
        if state is MlaState.SENT:
            raise ValidationError(FieldError("state", "a draft is sent with `send`"))
        if row.direction != "incoming":
            raise Forbidden("only the requested authority executes a request")
        check_transition(MlaState(row.state), state)
        peer = partner_for(node, row.requesting_agency, "requesting_agency")
        update: dict[str, Any] = {"mla_id": mla_id, "state": state.value}
        if grounds:
            update["grounds"] = grounds.strip()
        if note:
            update["note"] = note.strip()
        if reported:
            update["assets"] = reported
        draft = _draft(
            row,
            MessageKind.MLA_UPDATE,
            f"MLA {mla_id}: {state.value.replace('_', ' ')}",
            (grounds or note or state.value.replace("_", " ")).strip(),
            evidence,
            node.settings.message_max_attachment_bytes,
        )
        sent = compose(
            conn,
            node,
            principal,
            draft,
            peer,
            purpose=None,
            now=now,
            mla=update,
            mla_id=mla_id,
            thread_id=None,
        )
        custody = [
            _custody(a, principal.label, node.agency, peer.agency_code, now) for a in evidence
        ]
        details = {k: v for k, v in update.items() if k not in ("mla_id", "state")}
        details["message_id"] = sent.row.message_id
        if custody:
            details["evidence"] = custody
        store.add_mla_transition(conn, row.pk, state.value, now, principal.label, details)
        record_event(
            conn,
            Event.MLA,
            principal,
            {
                "step": "transition",
                "mla_id": mla_id,
                "state": state.value,
                "to": peer.agency_code,
                "message_id": sent.row.message_id,
                "grounds": update.get("grounds"),
                "assets": reported,
            },
        )
        for entry in custody:
            record_event(conn, Event.MLA, principal, {"step": "custody", "mla_id": mla_id, **entry})
        return _load(conn, mla_id)


def _custody(
    item: Attachment, by: str, sender: str, recipient: str, at: datetime
) -> dict[str, Any]:
    return {
        "sha256": item.sha256,
        "name": item.name,
        "size": len(item.content),
        "custody": [
            {
                "action": "handed_over",
                "by": by,
                "from": sender,
                "to": recipient,
                "at": at.isoformat(),
            }
        ],
    }


def on_received(
    conn: Connection,
    node: Node,
    peer: Peer,
    message: MessageRow,
    kind: MessageKind,
    update: dict[str, Any],
    files: list[Attachment],
    now: datetime,
) -> None:
    """A partner's MLA request or step arrived in a sealed message (its receiving transaction):
    kept, checked against the state machine, ledgered and announced on the event stream."""
    principal = partner_principal(peer)
    mla_id = str(update.get("mla_id"))
    try:
        target = MlaState(str(update.get("state")))
    except ValueError:
        raise ValidationError(FieldError("mla.state", "not an MLA state")) from None
    if kind is MessageKind.MLA_REQUEST:
        if target is not MlaState.SENT:
            raise ValidationError(FieldError("mla.state", "a request arrives as sent"))
        form = dict(update.get("form") or {})
        checked = check_form(
            {**form, "deadline": form.get("deadline")}, datetime.min.replace(tzinfo=UTC)
        )
        if checked["requested_agency"] != node.agency:
            raise ValidationError(FieldError("mla.form.requested_agency", "is not this agency"))
        row = MlaRow(
            mla_id=mla_id,
            direction="incoming",
            partner_node=peer.node_id,
            requesting_agency=peer.agency_code,
            requested_agency=node.agency,
            legal_basis=checked["legal_basis"],
            crime_area=checked["offence"]["crime_area"],
            urgency=checked["urgency"],
            deadline=checked["deadline"],
            form=_form_json(checked),
            created_at=now,
            created_by=principal.label,
        )
        if store.get_mla(conn, mla_id) is not None:
            raise ValidationError(FieldError("mla.mla_id", "an MLA request with this id is held"))
        pk = store.insert_mla(conn, row)
        received = {"message_id": message.message_id}
        store.add_mla_transition(conn, pk, MlaState.SENT.value, now, principal.label, received)
        record_event(
            conn,
            Event.MLA,
            principal,
            {
                "step": "received",
                "mla_id": mla_id,
                "from": peer.agency_code,
                "legal_basis": row.legal_basis,
                "measures": [m["type"] for m in checked["measures"]],
                **received,
            },
        )
        publish_event(
            conn,
            node.agency,
            "mla",
            {"mla_id": mla_id, "state": "sent", "from": peer.agency_code},
            now,
        )
        return
    found = store.get_mla(conn, mla_id)
    if found is None or found.direction != "outgoing" or found.partner_node != peer.node_id:
        raise ValidationError(FieldError("mla.mla_id", "no MLA request was sent to this partner"))
    check_transition(MlaState(found.state), target)
    if target is MlaState.REFUSED and not str(update.get("grounds") or "").strip():
        raise ValidationError(FieldError("mla.grounds", "a refusal states its grounds"))
    assets = check_assets(update.get("assets"))
    custody = []
    for item in files:
        entry = _custody(
            item,
            str(update.get("by") or principal.label),
            peer.agency_code,
            node.agency,
            message.sent_at,
        )
        entry["custody"].append(
            {
                "action": "received",
                "by": f"system:messages@{node.agency}",
                "at": now.isoformat(),
                "message_id": message.message_id,
            }
        )
        custody.append(entry)
    details: dict[str, Any] = {"message_id": message.message_id}
    for key in ("grounds", "note"):
        if update.get(key):
            details[key] = str(update[key])[:4000]
    if assets:
        details["assets"] = assets
    if custody:
        details["evidence"] = custody
    store.add_mla_transition(conn, found.pk, target.value, now, principal.label, details)
    record_event(
        conn,
        Event.MLA,
        principal,
        {
            "step": "transition_received",
            "mla_id": mla_id,
            "state": target.value,
            "from": peer.agency_code,
            "message_id": message.message_id,
            "grounds": details.get("grounds"),
            "assets": assets,
        },
    )
    for entry in custody:
        record_event(conn, Event.MLA, principal, {"step": "custody", "mla_id": mla_id, **entry})
    publish_event(
        conn,
        node.agency,
        "mla",
        {"mla_id": mla_id, "state": target.value, "from": peer.agency_code},
        now,
    )


def get_mla(node: Node, principal: Principal, mla_id: str) -> Mla:
    with node.engine.begin() as conn:
        found = _load(conn, mla_id)
        record_event(conn, Event.MLA, principal, {"step": "read", "mla_id": mla_id})
        return found


def list_mla(
    node: Node, principal: Principal, *, direction: str | None = None, state: str | None = None
) -> list[Mla]:
    """MLA requests sent and received, newest first; `state` is a state or `overdue`."""
    now = datetime.now(UTC)
    if state is not None and state != "overdue" and state not in {s.value for s in MlaState}:
        raise ValidationError(FieldError("state", "an MLA state or overdue"))
    with node.engine.begin() as conn:
        rows = store.list_mla(conn, direction=direction)
        histories = store.mla_transitions_of(conn, [r.pk for r in rows])
        found = [Mla(r, histories[r.pk]) for r in rows]
        if state == "overdue":
            found = [m for m in found if m.to_dict(now)["overdue"]]
        elif state is not None:
            found = [m for m in found if m.row.state == state]
        record_event(
            conn, Event.MLA, principal, {"step": "listed", "mla": [m.row.mla_id for m in found]}
        )
    return found[:MAX_LIST]


def _stats(values: list[float]) -> dict[str, Any]:
    return {
        "count": len(values),
        "median_days": quantile(values, 0.5),
        "p90_days": quantile(values, 0.9),
    }


def metrics(node: Node, principal: Principal, *, direction: str = "outgoing") -> dict[str, Any]:
    """Turnaround (sent to executed or refused, in days) per partner and per measure, median
    and p90; open and overdue counts; assets frozen and recovered per currency."""
    if direction not in ("outgoing", "incoming"):
        raise ValidationError(FieldError("direction", "outgoing or incoming"))
    now = datetime.now(UTC)
    with node.engine.begin() as conn:
        rows = store.list_mla(conn, direction=direction)
        histories = store.mla_transitions_of(conn, [r.pk for r in rows])
        record_event(conn, Event.MLA, principal, {"step": "metrics", "direction": direction})
    by_partner: dict[str, list[float]] = defaultdict(list)
    by_measure: dict[str, list[float]] = defaultdict(list)
    states: dict[str, int] = defaultdict(int)
    assets: dict[str, dict[str, Decimal]] = {
        "frozen": defaultdict(Decimal),
        "recovered": defaultdict(Decimal),
    }
    open_count = overdue = 0
    for row in rows:
        view = Mla(row, histories[row.pk]).to_dict(now)
        states[row.state] += 1
        partner = row.requested_agency if direction == "outgoing" else row.requesting_agency
        if MlaState(row.state) not in CLOSED and row.state != MlaState.DRAFT.value:
            open_count += 1
            overdue += view["overdue"]
        turnaround = view["turnaround_days"]
        if turnaround is not None:
            by_partner[partner].append(turnaround)
            for m in {m["type"] for m in row.form.get("measures", [])}:
                by_measure[m].append(turnaround)
        for step in histories[row.pk]:
            for asset in step.details.get("assets", []):
                assets[asset["kind"]][asset["currency"]] += Decimal(asset["amount"])
    return {
        "direction": direction,
        "total": len(rows),
        "open": open_count,
        "overdue": overdue,
        "by_state": dict(sorted(states.items())),
        "turnaround_by_partner": {k: _stats(v) for k, v in sorted(by_partner.items())},
        "turnaround_by_measure": {
            k: {**_stats(v), "label": measures()[k].label} for k, v in sorted(by_measure.items())
        },
        "assets": {kind: {c: str(a) for c, a in sorted(v.items())} for kind, v in assets.items()},
    }
