"""Search: exact identifiers (document numbers, phones, emails, IBANs); person names through the
matcher (`accord.matching`: spellings, scripts and romanisations, equivalent given names, birth
dates, nationality); other names (companies, vessels) by their folded tokens.

`find_hits` is the one search a local user and a partner's query both run; `search_local`
adds the ledger entry of a local user's search. A person is found when the matcher's score
reaches the threshold (`ACCORD_MATCH_THRESHOLD`, the node's own). A local user also sees a
person whose names hold every word typed (a surname alone), still ranked by the matcher's
score; a partner never does (hit/no-hit must not turn a shared surname into a disclosure)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from accord.errors import FieldError, ValidationError
from accord.matching import query_keys
from accord.matching.keys import match_key_groups
from accord.matching.score import (
    MatchResult,
    Subject,
    load_weights,
    score,
    subject_of,
)
from accord.model import PERSON_SCHEMATA, Principal, Record
from accord.services.audit import Event, record_event
from accord.services.match import best_of, screen_candidates
from accord.services.node import Node
from accord.services.purpose import Purpose
from accord.store import records as store

__all__ = ["MATCH_PROPERTIES", "SearchHit", "find_hits", "search_local"]

MAX_LIMIT = 500
#: The properties of a query that the matcher weighs beside its names.
MATCH_PROPERTIES = frozenset(
    {
        "birthDate",
        "nationality",
        "citizenship",
        "country",
        "gender",
        "passportNumber",
        "idNumber",
        "taxNumber",
        "socialSecurityNumber",
        "innCode",
        "email",
        "phone",
    }
)


@dataclass(frozen=True, slots=True)
class SearchHit:
    record: Record
    match: str  # "identifier" or "name"
    #: 1.0 for an exact identifier; the matcher's score for a person; for another name the
    #: share of the query's name tokens the record holds.
    score: float
    #: The record's stored caption (its display label).
    caption: str = ""
    #: The matcher's explained result, for a person found by name.
    result: MatchResult | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "match": self.match,
            "score": round(self.score, 3),
            "record": self.record.to_dict(),
        }
        if self.result is not None:
            out["algorithm"] = self.result.algorithm
            out["features"] = self.result.explain()
        return out


def find_hits(
    conn: Connection,
    node: Node,
    *,
    terms: Sequence[str],
    properties: Mapping[str, Sequence[str]] | None = None,
    accepts: Callable[[Record], bool] | None = None,
    persons: bool = True,
    limit: int = 20,
    partner: bool = False,
) -> list[SearchHit]:
    """Records matching a query: `terms` are free text, each tried as an identifier and as a
    name; `properties` are the query's other FtM properties (birth date, nationality,
    identifiers), which the matcher weighs. `accepts` filters by schema; `persons` False skips
    the matcher (the query is for another kind of entity). Identifier hits first, then the
    rest by score. `partner`: answer only what passes the threshold or holds every token."""
    country = node.agency[:2]
    keep = accepts or (lambda record: True)
    best: dict[tuple[str, str], SearchHit] = {}

    def add(hit: SearchHit) -> None:
        if not keep(hit.record):
            return
        key = (hit.record.owner, hit.record.id)
        held = best.get(key)
        if held is None or _rank(hit) > _rank(held):
            best[key] = hit

    names: list[str] = []
    exact: list[tuple[str, str]] = []
    tokens: list[str] = []
    for term in terms:
        ids, words = query_keys(term, country)
        exact.extend(ids)
        if words:
            names.append(term)
            tokens.extend(words)
    for stored in store.get_records(conn, store.find_by_keys(conn, exact, limit)):
        add(SearchHit(stored.record, "identifier", 1.0, stored.caption))

    threshold = node.settings.match_threshold
    weights = load_weights()
    subject = None
    #: Each person the matcher scored, by primary key (a token hit may be one of them).
    scored: dict[int, MatchResult] = {}

    def scored_as(subject: Subject, pk: int, record: Record) -> MatchResult:
        if pk not in scored:
            scored[pk] = score(subject, subject_of(record.schema, record.properties), weights)
        return scored[pk]

    if persons and names:
        query = {"name": names, **{k: list(v) for k, v in (properties or {}).items()}}
        subject = subject_of("Person", query)
        groups = match_key_groups("Person", query)
        pks = store.find_candidates(conn, sorted(groups), node.settings.match_candidates, groups)
        passed = screen_candidates(conn, subject, pks, weights, threshold, limit)
        scored.update(passed)
        for stored in store.get_records(conn, best_of(passed, limit)):
            result = passed[stored.pk]
            add(SearchHit(stored.record, "name", result.score, stored.caption, result))
    if tokens:
        unique = len(set(tokens))
        # Persons are the matcher's; a token hit is shown for one only to a local user
        # whose query the matcher ran (below), so other searches do not read them at all.
        local_persons = not partner and persons and subject is not None
        ranked = store.find_by_name_tokens(
            conn,
            tokens,
            limit + len(best),
            require_all=partner,
            skip_schemata=frozenset() if local_persons else PERSON_SCHEMATA,
        )
        by_pk = {s.pk: s for s in store.get_records(conn, [pk for pk, _ in ranked])}
        for pk, matched in ranked:
            found = by_pk.get(pk)
            if found is None:
                continue
            if found.record.schema in PERSON_SCHEMATA:
                # A person is the matcher's: by its score, or, for a local user, holding
                # every word typed (ranked by the matcher all the same).
                if partner or not persons or subject is None or matched < unique:
                    continue
                result = scored_as(subject, pk, found.record)
                add(SearchHit(found.record, "name", result.score, found.caption, result))
            else:
                add(SearchHit(found.record, "name", matched / unique, found.caption))
    return sorted(best.values(), key=_rank, reverse=True)[:limit]


def _rank(hit: SearchHit) -> tuple[bool, float]:
    return (hit.match == "identifier", hit.score)


def search_local(
    node: Node,
    principal: Principal,
    query: str,
    purpose: Purpose,
    *,
    limit: int = 20,
) -> list[SearchHit]:
    """Records of this node matching `query` (an identifier or a name): identifier hits
    first, then names by score. The search, its stated purpose and the ids it returned go to
    the ledger."""
    if not query or not query.strip():
        raise ValidationError(FieldError("query", "is required"))
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(FieldError("limit", f"must be between 1 and {MAX_LIMIT}"))
    with node.engine.connect() as conn:
        hits = find_hits(conn, node, terms=[query.strip()], limit=limit)
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
