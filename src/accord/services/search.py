"""Local search: exact identifiers (document numbers, phones, emails, IBANs) and folded names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accord.errors import FieldError, ValidationError
from accord.matching import query_keys
from accord.model import Principal, Record
from accord.services.audit import Event, record_event
from accord.services.node import Node
from accord.services.purpose import Purpose
from accord.store import records as store

__all__ = ["SearchHit", "search_local"]

MAX_LIMIT = 500


@dataclass(frozen=True, slots=True)
class SearchHit:
    record: Record
    match: str  # "identifier" or "name"
    score: float  # 1.0 for an exact identifier; share of query name tokens found otherwise
    #: The record's stored caption (its display label).
    caption: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"match": self.match, "score": round(self.score, 3), "record": self.record.to_dict()}


def search_local(
    node: Node,
    principal: Principal,
    query: str,
    purpose: Purpose,
    *,
    limit: int = 20,
    all_name_tokens: bool = False,
) -> list[SearchHit]:
    """Records of this node matching `query`: identifier hits first, then names by coverage.

    With `all_name_tokens`, a name hit must hold every query token (partners answer only
    those). The search, its stated purpose and the ids it returned go to the ledger."""
    if not query or not query.strip():
        raise ValidationError(FieldError("query", "is required"))
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(FieldError("limit", f"must be between 1 and {MAX_LIMIT}"))
    # The node's own code was checked at `init`; its first two letters are its country.
    exact, tokens = query_keys(query, node.agency[:2])
    hits: list[SearchHit] = []
    seen: set[int] = set()
    with node.engine.connect() as conn:
        id_pks = store.find_by_keys(conn, exact, limit)
        for stored in store.get_records(conn, id_pks):
            seen.add(stored.pk)
            hits.append(SearchHit(stored.record, "identifier", 1.0, stored.caption))
        if tokens and len(hits) < limit:
            ranked = [
                (pk, n)
                for pk, n in store.find_by_name_tokens(
                    conn, tokens, limit + len(seen), require_all=all_name_tokens
                )
                if pk not in seen
            ][: limit - len(hits)]
            by_pk = {s.pk: s for s in store.get_records(conn, [pk for pk, _ in ranked])}
            unique = len(set(tokens))
            for pk, matched in ranked:
                if pk in by_pk:
                    found = by_pk[pk]
                    hits.append(SearchHit(found.record, "name", matched / unique, found.caption))
    with node.engine.begin() as conn:
        record_event(
            conn,
            Event.SEARCH,
            principal,
            {
                "query": query,
                **purpose.to_dict(),
                "results": [[h.record.owner, h.record.id] for h in hits],
            },
        )
    return hits
