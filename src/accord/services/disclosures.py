"""To whom one of this agency's records was disclosed, in which mode and under which clauses:
read from the ledger's disclosure entries (`accord.services.disclosure.release` writes one for
every outbound answer), for the record's owner only."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from accord.errors import Forbidden
from accord.ledger import EntryError, decode_entry
from accord.model import Principal
from accord.services.audit import Event
from accord.services.node import Node
from accord.store import ledger as store

__all__ = ["MAX_DISCLOSURES", "Disclosure", "record_disclosures"]

#: The latest this many disclosure entries naming the record are read.
MAX_DISCLOSURES = 1000


@dataclass(frozen=True, slots=True)
class Disclosure:
    index: int
    at: str
    actor: str
    recipient: str
    channel: str
    mode: str
    clauses: list[str]
    reasons: list[str]
    redactions: list[str]
    purpose: str
    reference: str
    crime_area: str
    approved_follow_up: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "at": self.at,
            "actor": self.actor,
            "recipient": self.recipient,
            "channel": self.channel,
            "mode": self.mode,
            "clauses": self.clauses,
            "reasons": self.reasons,
            "redactions": self.redactions,
            "purpose": self.purpose,
            "reference": self.reference,
            "crime_area": self.crime_area,
            "approved_follow_up": self.approved_follow_up,
        }


def record_disclosures(
    node: Node, principal: Principal, record_id: str, owner: str | None = None
) -> list[Disclosure]:
    """Every decision this node took about sending record `record_id` out, newest first,
    denials included (a denial is a decision too). Only the owner agency may ask."""
    owner = owner or node.agency
    if owner != principal.agency:
        raise Forbidden("only the record's owner agency sees to whom it was disclosed")
    fragment = json.dumps(record_id, ensure_ascii=False)
    with node.engine.connect() as conn:
        rows = store.entries_containing(conn, Event.DISCLOSURE.value, fragment, MAX_DISCLOSURES)
    found: list[Disclosure] = []
    for row in rows:
        try:
            entry = decode_entry(row.payload)
        except EntryError:
            continue  # `accord audit verify` names a damaged entry; it tells nothing here
        details = entry.details
        for decision in details.get("decisions", []):
            if decision.get("id") != record_id or decision.get("owner") != owner:
                continue
            found.append(
                Disclosure(
                    index=row.idx,
                    at=entry.at.isoformat(),
                    actor=entry.actor,
                    recipient=str(details.get("recipient", "")),
                    channel=str(details.get("channel", "")),
                    mode=str(decision.get("mode", "")),
                    clauses=[str(c) for c in decision.get("clauses", [])],
                    reasons=[str(r) for r in decision.get("reasons", [])],
                    redactions=[str(r) for r in decision.get("redactions", [])],
                    purpose=str(details.get("purpose", "")),
                    reference=str(details.get("reference", "")),
                    crime_area=str(details.get("crime_area", "")),
                    approved_follow_up=bool(details.get("approved_follow_up", False)),
                )
            )
    return found
