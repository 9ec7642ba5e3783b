"""Policy use cases for people: explain a decision, simulate an agreement, export records.

`export_records` is an outbound path like a federated answer: it goes through
`disclosure.release`, the one decision point."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select

from accord.errors import FieldError, ValidationError
from accord.model import Principal, Record, is_agency_code
from accord.policy import (
    Explanation,
    Mode,
    SimulationReport,
    explain,
    parse_agreement,
    simulate,
    simulation_day,
)
from accord.services import records as record_service
from accord.services.agreements import agreement_set
from accord.services.audit import Event, record_event
from accord.services.disclosure import release
from accord.services.node import Node
from accord.services.purpose import Purpose
from accord.store import records as store
from accord.store.tables import records as records_table

__all__ = ["Export", "check", "export_records", "simulate_file"]


def _recipient(agency: str) -> str:
    if not is_agency_code(agency):
        raise ValidationError(FieldError("to", f"{agency!r} is not an agency code CC-NAME"))
    return agency


def check(
    node: Node, principal: Principal, *, to: str, record_id: str, purpose: Purpose
) -> Explanation:
    """What `decide` would answer for sending `record_id` to `to`, with every clause weighed."""
    record = record_service.get_record(node, principal, record_id)
    result = explain(
        _recipient(to),
        purpose.code,
        purpose.crime_area,
        record,
        agreements=agreement_set(node),
        holder=node.agency,
        now=datetime.now(UTC),
    )
    with node.engine.begin() as conn:
        record_event(
            conn,
            Event.POLICY_DECISION,
            principal,
            {"to": to, "id": record_id, **purpose.to_dict(), "decision": result.decision.to_dict()},
        )
    return result


def _all_records(node: Node, batch: int = 2000) -> Iterator[Record]:
    last = 0
    c = records_table.c
    while True:
        with node.engine.connect() as conn:
            pks = [
                r[0]
                for r in conn.execute(
                    select(c.pk)
                    .where(c.pk > last, c.deleted.is_(False))
                    .order_by(c.pk)
                    .limit(batch)
                )
            ]
            if not pks:
                return
            stored = store.get_records(conn, pks)
        yield from (s.record for s in stored)
        last = pks[-1]


def simulate_file(
    node: Node, file_name: str, text: str, *, on: date | None = None
) -> SimulationReport:
    """Before an agreement is signed: how many of this node's records would flow to each party
    in each mode (nothing is loaded or changed), judged on `on`, or else today or the
    agreement's first day of validity, whichever is later (`simulation_day`)."""
    agreement = parse_agreement(file_name, text)
    day = simulation_day(agreement, datetime.now(UTC).date(), on)
    return simulate(agreement, _all_records(node), now=datetime.combine(day, time(), tzinfo=UTC))


@dataclass(frozen=True, slots=True)
class Export:
    """An export: the items released (as a partner would receive them: mode, reference, the
    record when its content may go, terms) and, per requested id left out, why."""

    to: str
    items: list[dict[str, Any]]
    refused: list[dict[str, Any]]
    reference_only: list[str]  # ids released as a reference only: no content, a follow-up opens it

    def to_dict(self) -> dict[str, Any]:
        return {
            "to": self.to,
            "items": self.items,
            "refused": self.refused,
            "reference_only": self.reference_only,
        }


def export_records(
    node: Node,
    principal: Principal,
    *,
    to: str,
    record_ids: list[str],
    purpose: Purpose,
) -> Export:
    """Records prepared for hand-over to another agency, as the agreements allow: full or
    redacted records, references, or nothing. The disclosure goes to the ledger. The caller
    (this node's own user, never the recipient) learns which ids were left out and why."""
    recipient = _recipient(to)
    if not record_ids:
        raise ValidationError(FieldError("ids", "name at least one record"))
    wanted = list(dict.fromkeys(record_ids))
    with node.engine.begin() as conn:
        found = {rid: store.get_record(conn, rid, node.agency) for rid in wanted}
        released = release(
            conn,
            node,
            recipient=recipient,
            purpose=purpose,
            records=[s.record for stored in found.values() for s in stored],
            channel="export",
            actor=principal,
        )
        refused: list[dict[str, Any]] = [
            {"id": rid, "reason": "not_found", "message": f"no record of {node.agency}"}
            for rid, stored in found.items()
            if not stored
        ]
        refused.extend(
            {
                "id": record.id,
                "reason": "denied",
                "message": "denied by policy: " + ", ".join(d.reasons or ("no reason",)),
                "reasons": list(d.reasons),
            }
            for record, d in released.decisions
            if d.denied
        )
        record_event(
            conn,
            Event.EXPORT,
            principal,
            {
                "to": recipient,
                "requested": len(wanted),
                "released": len(released.items),
                "refused": [[r["id"], r["reason"]] for r in refused],
            },
        )
    references = [r.id for r, d in released.decisions if d.mode is Mode.REFERENCE]
    return Export(recipient, released.items, refused, references)
