"""The one door out of the node. Every path that sends records to another agency — partner
API reads, federated search answers, follow-up approvals, exports, messages with records —
calls `release`, which asks the policy engine about each record, shapes the answer so a denied
record is indistinguishable from an absent one, and writes the disclosure to the ledger with
the clauses that allowed it, in the caller's transaction."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, select

from accord.errors import FieldError, NotFound, ValidationError
from accord.model import Principal, Record
from accord.policy import Consent, Decision, Mode, decide, disclose
from accord.services.agreements import agreement_set
from accord.services.audit import Event, record_event
from accord.services.node import Node
from accord.services.purpose import Purpose
from accord.store.tables import consents as consents_table

__all__ = ["Released", "decisions_for", "open_reference", "release"]


@dataclass(frozen=True, slots=True)
class Released:
    """What `release` decided: the items to send (denied records absent) and every decision."""

    items: list[dict[str, Any]]
    decisions: list[tuple[Record, Decision]]


def _reference_key(node: Node) -> bytes:
    key = node.cache.get("reference_key")
    if key is None:
        raw = node.keys.signing.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"accord reference v1"
        ).derive(raw)
        node.cache["reference_key"] = key
    return bytes(key)


def make_reference(node: Node, recipient: str, record: Record) -> str:
    """An opaque reference for `recipient` to a record: AES-GCM over (recipient, owner, id)
    under a key only this node has. It reveals nothing and differs per recipient and call."""
    nonce = os.urandom(12)
    plain = json.dumps([recipient, record.owner, record.id], separators=(",", ":")).encode()
    sealed = AESGCM(_reference_key(node)).encrypt(nonce, plain, b"accord-ref")
    return "ref_" + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def open_reference(node: Node, recipient: str, reference: str) -> tuple[str, str]:
    """(owner, record id) behind a reference this node gave `recipient`; NotFound otherwise
    (a forged reference and another recipient's reference look the same)."""
    try:
        if not reference.startswith("ref_"):
            raise ValueError
        blob = base64.urlsafe_b64decode(reference[4:] + "=" * (-len(reference[4:]) % 4))
        plain = AESGCM(_reference_key(node)).decrypt(blob[:12], blob[12:], b"accord-ref")
        to, owner, record_id = json.loads(plain)
    except (ValueError, InvalidTag, json.JSONDecodeError):
        raise NotFound("no such reference") from None
    if to != recipient:
        raise NotFound("no such reference")
    return str(owner), str(record_id)


def _consents(conn: Connection, records: Sequence[Record]) -> set[Consent]:
    ids = [r.id for r in records]
    if not ids:
        return set()
    c = consents_table.c
    rows = conn.execute(select(c.record_id, c.recipient).where(c.record_id.in_(ids)))
    return {Consent(record_id=r.record_id, recipient=r.recipient) for r in rows}


def _open_on_follow_up(decision: Decision) -> Decision:
    if decision.mode is not Mode.REFERENCE:
        return decision
    return replace(decision, mode=Mode.REDACTED if decision.redactions else Mode.FULL)


def decisions_for(
    node: Node,
    recipient: str,
    purpose: Purpose,
    records: Sequence[Record],
    *,
    now: datetime | None = None,
    conn: Connection | None = None,
    case_basis: str | None = None,
) -> list[Decision]:
    """The policy decision on each record for `recipient`, sending nothing. `release` sends by
    these decisions; a path that must know before it looks anything up whether an answer could
    go at all (a partner's document checks) asks here with a probe record — a decision alone
    discloses nothing, so it is not a disclosure in the ledger."""
    now = now or datetime.now(UTC)
    agreements = agreement_set(node)
    if conn is None:
        with node.engine.connect() as own:
            consents = _consents(own, records)
    else:
        consents = _consents(conn, records)
    return [
        decide(
            recipient,
            purpose.code,
            purpose.crime_area,
            record,
            agreements=agreements,
            holder=node.agency,
            now=now,
            consents=consents,
            case_basis=case_basis,
        )
        for record in records
    ]


def release(
    conn: Connection,
    node: Node,
    *,
    recipient: str,
    purpose: Purpose,
    records: Sequence[Record],
    channel: str,
    actor: Principal | str,
    now: datetime | None = None,
    approved_follow_up: bool = False,
    annotate: Callable[[Record, Decision], dict[str, Any]] | None = None,
    case_basis: str | None = None,
) -> Released:
    """Decide, shape and record one outbound answer. `channel` names the path
    (`federated_search`, `follow_up`, `export`, `partner_read`, …) for the ledger.

    `approved_follow_up`: the owner's liaison officer approved a follow-up request for these
    records. A `reference` decision means "a hit, content on request" (the Prüm model), so here
    it opens to the content, with the clause's redactions; every other decision — and every
    denial, whatever its reason — stands as the policy engine made it.

    `annotate` adds members to the item of each record that goes out (a match score), given
    the record and its decision; a denied record has no item, so it is never asked about.

    `case_basis`: the records are posted to a joint investigation team's case set up under
    this agreement, whose `jit` clauses then apply too."""
    if recipient == node.agency:
        raise ValidationError(FieldError("recipient", "is this node's own agency"))
    now = now or datetime.now(UTC)
    decisions = list(
        zip(
            records,
            decisions_for(
                node, recipient, purpose, records, now=now, conn=conn, case_basis=case_basis
            ),
            strict=True,
        )
    )
    if approved_follow_up:
        decisions = [(r, _open_on_follow_up(d)) for r, d in decisions]
    items: list[dict[str, Any]] = []
    for record, decision in decisions:
        item = disclose(record, decision, make_reference(node, recipient, record))
        if item is not None:
            if annotate is not None:
                item = {**item, **annotate(record, decision)}
            items.append(item)
    record_event(
        conn,
        Event.DISCLOSURE,
        actor,
        {
            "recipient": recipient,
            "channel": channel,
            "approved_follow_up": approved_follow_up,
            **({"case_basis": case_basis} if case_basis else {}),
            **purpose.to_dict(),
            "decisions": [
                {
                    "owner": r.owner,
                    "id": r.id,
                    "mode": d.mode.value,
                    "clauses": list(d.clauses),
                    "reasons": list(d.reasons),
                    "redactions": list(d.redactions),
                }
                for r, d in decisions
            ],
        },
    )
    return Released(items=items, decisions=decisions)
