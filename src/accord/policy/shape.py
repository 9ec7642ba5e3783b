"""The shapes a decision lets leave the node, and the answer in which a deny is invisible.

A partner must not learn from an answer that a record exists which it may not see. So a denied
record is not turned into anything: `disclose` returns None for it and `answer` leaves it out,
and the answer has exactly the shape it would have had if the record did not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from accord.model import Record
from accord.policy.decide import Decision, Mode

__all__ = ["Reference", "answer", "disclose", "redact", "reference"]


@dataclass(frozen=True, slots=True)
class Reference:
    """A hit and nothing else: the kind of record, its owner and an opaque reference id with
    which the requester may ask the owner for the content (the follow-up)."""

    schema: str
    owner: str
    reference: str

    def to_dict(self) -> dict[str, str]:
        return {"schema": self.schema, "owner": self.owner, "reference": self.reference}


def redact(record: Record, decision: Decision) -> Record:
    """The record as it may leave: without the decision's redacted properties.

    Only for decisions that disclose content; anything else is a caller's error.
    """
    if not decision.discloses_content:
        raise ValueError(f"a {decision.mode.value} decision discloses no record content")
    if not decision.redactions:
        return record
    removed = set(decision.redactions)
    properties = {k: list(v) for k, v in record.properties.items() if k not in removed}
    return replace(record, properties=properties)


def reference(record: Record, decision: Decision, reference_id: str) -> Reference:
    """The reference shape of a record. `reference_id` is chosen by the caller (opaque, not the
    record id, and not derivable from it)."""
    if decision.denied:
        raise ValueError("a denied record has no reference")
    return Reference(schema=record.schema, owner=record.owner, reference=reference_id)


def disclose(record: Record, decision: Decision, reference_id: str) -> dict[str, Any] | None:
    """One record's part of an answer: None when denied (leave it out), else a mapping with the
    mode, the reference, the record (only when content is disclosed) and the terms."""
    if decision.mode is Mode.DENY:
        return None
    item: dict[str, Any] = {
        "mode": decision.mode.value,
        "reference": reference(record, decision, reference_id).to_dict(),
    }
    if decision.discloses_content:
        item["record"] = redact(record, decision).to_dict()
    item["terms"] = decision.terms()
    return item


def answer(
    decided: Iterable[tuple[Record, Decision]], reference_id: Callable[[Record], str]
) -> list[dict[str, Any]]:
    """The per-record part of an answer to a partner: every allowed record in the order given,
    denied records omitted, so that "denied" and "no such record" look the same."""
    items: list[dict[str, Any]] = []
    for record, decision in decided:
        item = disclose(record, decision, reference_id(record)) if not decision.denied else None
        if item is not None:
            items.append(item)
    return items
