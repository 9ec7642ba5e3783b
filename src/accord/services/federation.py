"""Federated search, both ends.

Requester: the user states a purpose; the query goes to every chosen partner in parallel, each
with its own deadline, and the user sees per partner `hits`, `no_hit` or `unavailable` — never a
partner's error text. Partner: the query runs through the same local search a local user
reaches, every match goes through `accord.services.disclosure.release` (the one door out of
the node), and the answer holds only what may leave. Both ledgers record the exchange: the
query and the answer, with the digest of the signed answer body on both sides."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any

import structlog
from followthemoney import model as ftm
from followthemoney.types import registry
from pydantic import ValidationError as PydanticError

from accord.crypto import MessageClaims, body_digest
from accord.errors import AccordError, FieldError, ValidationError
from accord.federation.client import (
    FederationClient,
    HeadExchange,
    PartnerRefused,
    PartnerUnavailable,
    Reply,
    client_for,
)
from accord.federation.peers import Peer
from accord.federation.protocol import (
    MATCH_PATH,
    SEARCH_PATH,
    AnswerItem,
    MatchAnswer,
    ScoredItem,
    SearchAnswer,
    SearchRequest,
    encode,
    new_id,
)
from accord.model import Principal, PrincipalKind, Record
from accord.policy import Decision, Mode
from accord.services.audit import Event, record_event, record_events
from accord.services.disclosure import release
from accord.services.node import Node
from accord.services.peers import usable_peers
from accord.services.purpose import Purpose, parse_purpose
from accord.services.search import MATCH_PROPERTIES, SearchHit, find_hits
from accord.services.witness import alarms, witness_for

__all__ = [
    "FederatedResult",
    "PartnerQuery",
    "PartnerResult",
    "answer_search",
    "federated_match",
    "federated_search",
    "partner_principal",
]

log = structlog.get_logger("accord.federation")

_SEARCHABLE = (registry.name, registry.identifier, registry.phone, registry.email)


@dataclass(frozen=True, slots=True)
class PartnerQuery:
    """What to look for: free text (a name or an identifier) and/or FtM properties of a person
    or organisation (`schema` restricts the answer to that schema and its descendants)."""

    text: str | None = None
    schema: str | None = None
    properties: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def terms(self) -> list[str]:
        """The local searches this query stands for: the text, and every name, identifier,
        phone or email value among the properties. Raises ValidationError."""
        errors: list[FieldError] = []
        schema = ftm.get(self.schema or "LegalEntity")
        if schema is None:
            errors.append(FieldError("schema", f"unknown FollowTheMoney schema {self.schema!r}"))
        terms = [self.text.strip()] if self.text and self.text.strip() else []
        for name, values in self.properties.items():
            prop = schema.get(name) if schema is not None else None
            if prop is None:
                errors.append(FieldError(f"properties.{name}", "not a property of the schema"))
            elif prop.type in _SEARCHABLE:
                terms.extend(v.strip() for v in values if v.strip())
        if not errors and not terms:
            errors.append(
                FieldError("query", "state a name or identifier, as text or as properties")
            )
        if errors:
            raise ValidationError(errors)
        return list(dict.fromkeys(terms))

    def accepts(self, record: Record) -> bool:
        if not self.schema:
            return True
        schema = ftm.get(record.schema)
        return schema is not None and schema.is_a(self.schema)

    def persons(self) -> bool:
        """Whether the query may be for a person (then the matcher weighs it)."""
        person = ftm.get("Person")
        return person is not None and bool(person.is_a(self.schema or "LegalEntity"))

    def match_properties(self) -> dict[str, list[str]]:
        """The properties the matcher weighs beside the names (birth date, nationality,
        gender, identifiers)."""
        return {
            k: [v.strip() for v in values if v.strip()]
            for k, values in self.properties.items()
            if k in MATCH_PROPERTIES
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.text,
            "schema": self.schema,
            "properties": {k: list(v) for k, v in self.properties.items()},
        }


@dataclass(frozen=True, slots=True)
class PartnerResult:
    """One partner's part of a federated search, as the user sees it."""

    node_id: str
    agency: str
    status: str  # "hits", "no_hit" or "unavailable"
    items: list[dict[str, Any]]
    #: "forked" or "shrunk" when this node caught the partner's ledger so (decision 0009).
    ledger_alarm: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "node_id": self.node_id,
            "agency": self.agency,
            "status": self.status,
            "items": self.items,
            "ledger_alarm": self.ledger_alarm,
        }


@dataclass(frozen=True, slots=True)
class FederatedResult:
    request_id: str
    local: list[SearchHit]
    partners: list[PartnerResult]

    def to_dict(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "local": [h.to_dict() for h in self.local],
            "partners": [p.to_dict() for p in self.partners],
        }


def partner_principal(peer: Peer) -> Principal:
    """How a partner node appears to services and in the ledger: `node:nl-politie@NL-POLITIE`."""
    return Principal(subject=peer.node_id, agency=peer.agency_code, kind=PrincipalKind.NODE)


def _matches(
    node: Node,
    principal: Principal,
    query: PartnerQuery,
    purpose: Purpose,
    limit: int,
    *,
    partner: bool = False,
    request_id: str | None = None,
) -> list[SearchHit]:
    """The search a local user runs, on every term and property of the query at once; it goes
    to the ledger as a search by `principal` (a partner node, or the user's local part)."""
    with node.engine.connect() as conn:
        hits = find_hits(
            conn,
            node,
            terms=query.terms(),
            properties=query.match_properties(),
            accepts=query.accepts,
            persons=query.persons(),
            limit=limit,
            partner=partner,
        )
    with node.engine.begin() as conn:
        record_event(
            conn,
            Event.SEARCH,
            principal,
            {
                **query.to_dict(),
                **purpose.to_dict(),
                **({"request_id": request_id} if request_id else {}),
                "results": [[h.record.owner, h.record.id] for h in hits],
            },
        )
    return hits


def _match_of(hit: SearchHit, decision: Decision) -> dict[str, Any]:
    """What an answer says of why a record matched: its score, and the matcher's features
    only where the record's content goes too (a feature tells what agreed, e.g. the birth
    date, which a reference or a redaction withholds)."""
    full = decision.mode is Mode.FULL and hit.result is not None
    return {
        "score": round(hit.score, 3),
        "match": hit.match,
        "algorithm": hit.result.algorithm if hit.result is not None else None,
        "features": hit.result.explain() if full and hit.result is not None else None,
    }


def _summary(items: Sequence[AnswerItem]) -> list[dict[str, Any]]:
    """What the ledger keeps of an answer: modes, references and the ids of records whose
    content it carried, never the content."""
    return [
        {
            "mode": i.mode,
            "schema": i.reference.schema_,
            "owner": i.reference.owner,
            "reference": i.reference.reference,
            **({"id": str(i.record.get("id"))} if i.record else {}),
        }
        for i in items
    ]


# --- partner side -----------------------------------------------------------------------------


def answer_search(
    node: Node, peer: Peer, claims: MessageClaims, request: SearchRequest, *, scored: bool = True
) -> bytes:
    """Answer a verified search request from `peer`; returns the exact answer body: a
    `MatchAnswer` (each item with its score) at `/match`, a `SearchAnswer` at `/search`.

    Raises ValidationError (no purpose, no query, unknown codes) before anything is searched."""
    purpose = parse_purpose(request.purpose, request.reference, request.crime_area)
    query = PartnerQuery(request.query, request.schema_, request.properties or {})
    query.terms()
    principal = partner_principal(peer)
    exchange = {
        "request_id": claims.request_id,
        "partner": peer.node_id,
        "agency": peer.agency_code,
    }
    with node.engine.begin() as conn:
        record_event(
            conn,
            Event.FEDERATION_QUERY,
            principal,
            {
                "direction": "received",
                **exchange,
                **query.to_dict(),
                **purpose.to_dict(),
                "request_digest": claims.body_digest,
            },
        )
    limit = min(request.limit, node.settings.federation_max_results)
    hits = _matches(
        node, principal, query, purpose, limit, partner=True, request_id=claims.request_id
    )
    found = {(h.record.owner, h.record.id): h for h in hits}
    with node.engine.begin() as conn:
        released = release(
            conn,
            node,
            recipient=peer.agency_code,
            purpose=purpose,
            records=[h.record for h in hits],
            channel="federated_search",
            actor=principal,
            annotate=(
                (
                    lambda record, decision: {
                        "match": _match_of(found[(record.owner, record.id)], decision)
                    }
                )
                if scored
                else None
            ),
        )
        answer: MatchAnswer | SearchAnswer = (
            MatchAnswer(items=[ScoredItem.model_validate(i) for i in released.items])
            if scored
            else SearchAnswer(items=[AnswerItem.model_validate(i) for i in released.items])
        )
        body = encode(answer)
        record_event(
            conn,
            Event.FEDERATION_ANSWER,
            principal,
            {
                "direction": "sent",
                **exchange,
                "answer_digest": body_digest(body),
                "items": _summary(answer.items),
            },
        )
    return body


# --- requester side ---------------------------------------------------------------------------


def federated_search(
    node: Node,
    principal: Principal,
    query: PartnerQuery,
    purpose: Purpose,
    *,
    partners: Sequence[str] | None = None,
    limit: int = 20,
    include_local: bool = True,
) -> FederatedResult:
    """Search this node and, in parallel, every chosen partner (default: all valid partners),
    each within `ACCORD_FEDERATION_TIMEOUT` seconds."""
    query.terms()
    if not 1 <= limit <= 500:
        raise ValidationError(FieldError("limit", "must be between 1 and 500"))
    peers = usable_peers(node, partners)
    request_id = new_id("fs")
    try:
        request = SearchRequest(
            query=query.text,
            schema=query.schema,
            properties={k: list(v) for k, v in query.properties.items()} or None,
            purpose=purpose.code,
            reference=purpose.reference,
            crime_area=purpose.crime_area,
            limit=limit,
        )
    except PydanticError as exc:
        raise ValidationError(
            [
                FieldError(".".join(str(p) for p in e["loc"]) or "query", e["msg"])
                for e in exc.errors()
            ]
        ) from None
    body = encode(request)
    client = client_for(node) if peers else None  # FederationNotConfigured before anything
    witness = witness_for(node)
    with node.engine.begin() as conn:
        record_event(
            conn,
            Event.FEDERATION_QUERY,
            principal,
            {
                "direction": "sent",
                "request_id": request_id,
                "partners": [p.node_id for p in peers],
                **query.to_dict(),
                **purpose.to_dict(),
                "request_digest": body_digest(body),
            },
        )
    timeout = node.settings.federation_timeout
    futures: dict[str, Future[tuple[Reply, bool]]] = {}
    # When each partner's answer came, for its response time in the ledger (the dashboards).
    answered: dict[str, float] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, len(peers)), thread_name_prefix="fan-out")
    asked = time.monotonic()
    try:
        if client is not None:
            for peer in peers:
                futures[peer.node_id] = pool.submit(
                    _ask, client, peer, body, request_id, witness, timeout
                )
                futures[peer.node_id].add_done_callback(_stamp(answered, peer.node_id))
        local = (
            _matches(node, principal, query, purpose, limit, request_id=request_id)
            if include_local
            else []
        )
        wait(futures.values(), timeout=timeout)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    results: list[PartnerResult] = []
    ledger: list[tuple[Event, str, dict[str, Any]]] = []
    flagged = alarms(node) if peers else {}
    for peer in peers:
        result, details = _collect(peer, futures[peer.node_id])
        if peer.node_id in flagged:
            result = replace(result, ledger_alarm=flagged[peer.node_id])
        results.append(result)
        ledger.append(
            (
                Event.FEDERATION_ANSWER,
                principal.label,
                {
                    "direction": "received",
                    "request_id": request_id,
                    "partner": peer.node_id,
                    "agency": peer.agency_code,
                    "status": result.status,
                    **details,
                    **(
                        {"seconds": round(answered[peer.node_id] - asked, 3)}
                        if result.status != "unavailable" and peer.node_id in answered
                        else {}
                    ),
                },
            )
        )
    with node.engine.begin() as conn:
        record_events(conn, ledger)
    return FederatedResult(request_id, local, results)


def federated_match(
    node: Node,
    principal: Principal,
    queries: Mapping[str, PartnerQuery],
    purpose: Purpose,
    *,
    partners: Sequence[str] | None = None,
    limit: int = 10,
) -> dict[str, FederatedResult]:
    """Ask every chosen partner about each described entity (`/api/v1/federated-match`): one
    federated search per query, partners only (this node's own part is `/match`)."""
    return {
        name: federated_search(
            node, principal, query, purpose, partners=partners, limit=limit, include_local=False
        )
        for name, query in queries.items()
    }


def _ask(
    client: FederationClient,
    peer: Peer,
    body: bytes,
    request_id: str,
    witness: HeadExchange,
    timeout: float,
) -> tuple[Reply, bool]:
    """Ask `/match` (each answer item with its score); a partner whose node predates it
    answers 404 there and is asked `/search` instead. Returns the reply and whether scored."""
    try:
        return client.send(
            peer, "POST", MATCH_PATH, body, request_id, witness=witness, timeout=timeout
        ), True
    except PartnerRefused as exc:
        if exc.status_code != 404:
            raise
    again = f"{request_id}.s"
    return client.send(
        peer, "POST", SEARCH_PATH, body, again, witness=witness, timeout=timeout
    ), False


def _stamp(answered: dict[str, float], name: str) -> Callable[[Future[tuple[Reply, bool]]], None]:
    """A callback that notes when partner `name`'s answer came."""

    def done(_: Future[tuple[Reply, bool]]) -> None:
        answered.setdefault(name, time.monotonic())

    return done


def _collect(
    peer: Peer, future: Future[tuple[Reply, bool]]
) -> tuple[PartnerResult, dict[str, Any]]:
    """A partner's result and what the ledger keeps of it."""
    unavailable = PartnerResult(peer.node_id, peer.agency_code, "unavailable", [])
    if not future.done():
        future.cancel()
        return unavailable, {"reason": "timeout"}
    try:
        reply, scored = future.result()
        answer: MatchAnswer | SearchAnswer = (
            MatchAnswer if scored else SearchAnswer
        ).model_validate_json(reply.body)
    except PartnerRefused as exc:
        return unavailable, {"reason": "refused", "code": exc.partner_code}
    except (PartnerUnavailable, AccordError) as exc:
        return unavailable, {"reason": exc.code}
    except ValueError:
        return unavailable, {"reason": "malformed_answer"}
    except Exception:  # a fault on our side must still leave the other partners
        log.exception("federated search call failed", partner=peer.node_id)
        return unavailable, {"reason": "error"}
    status = "hits" if answer.items else "no_hit"
    items = [i.model_dump(mode="json", by_alias=True) for i in answer.items]
    details = {
        "answer_digest": reply.claims.body_digest,
        "signature": reply.signature,
        "items": _summary(answer.items),
    }
    return PartnerResult(peer.node_id, peer.agency_code, status, items), details
