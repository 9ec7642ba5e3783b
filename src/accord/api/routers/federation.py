"""/api/v1/federated-search and /api/v1/follow-ups — the user's side of the federation.

`include(app)` also mounts the `/federation/v1` routes partner nodes call
(`accord.api.routers.partner`), so that the one app and its one access matrix cover both."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, ConfigDict, Field

from accord.api.deps import CurrentNode, CurrentPrincipal
from accord.api.routers.partner import router as partner_router
from accord.api.schemas import MatchIn, MatchOut, SearchHitOut
from accord.matching.score import ALGORITHM
from accord.services.federation import PartnerQuery, federated_match, federated_search
from accord.services.followup import (
    FollowUp,
    get_follow_up,
    list_follow_ups,
    request_follow_up,
)
from accord.services.followup_owner import decide_follow_up
from accord.services.match import MAX_RESULTS, match_records, parse_queries
from accord.services.purpose import parse_purpose

__all__ = ["include", "router"]

router = APIRouter(tags=["federation"])


class FederatedSearchIn(BaseModel):
    """A name or identifier as text, and/or FtM properties of a person or organisation, with
    the purpose stated as for a local search; `partners` are node ids (default: all)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    query: str | None = Field(default=None, max_length=500)
    schema_: str | None = Field(default=None, alias="schema", max_length=64)
    properties: dict[str, list[str]] | None = None
    purpose: str = Field(default="investigation", description="Purpose code.")
    reference: str = Field(description="Case reference or free-text justification.")
    crime_area: str = Field(description="Crime-area code, e.g. thb.")
    partners: list[str] | None = Field(default=None, max_length=100)
    limit: int = Field(default=20, ge=1, le=500)
    include_local: bool = True


class PartnerOut(BaseModel):
    node_id: str
    agency: str
    status: Literal["hits", "no_hit", "unavailable"]
    items: list[dict[str, Any]]
    ledger_alarm: Literal["forked", "shrunk"] | None = Field(
        default=None,
        description="Set when this node caught the partner's ledger forked or shrunk "
        "(GET /api/v1/audit/witness): treat its answers with suspicion.",
    )


class FederatedSearchOut(BaseModel):
    request_id: str
    local: list[SearchHitOut]
    partners: list[PartnerOut]


class FederatedMatchIn(MatchIn):
    """Queries in the shape of yente's `/match`; `partners` are node ids (default: all)."""

    partners: list[str] | None = Field(default=None, max_length=100)
    limit: int = Field(default=10, ge=1, le=MAX_RESULTS)
    include_local: bool = True


class FederatedMatchResponseOut(BaseModel):
    request_id: str
    partners: list[PartnerOut]


class FederatedMatchOut(BaseModel):
    """`local`: this node's answer, as `/match` gives it (empty with `include_local` false);
    `federated`: per query, every partner's answer, each item with its match score."""

    local: MatchOut
    federated: dict[str, FederatedMatchResponseOut]


class FollowUpIn(BaseModel):
    """Ask the partner that gave `reference` for the record behind it."""

    model_config = ConfigDict(extra="forbid")

    partner: str = Field(description="Node id of the partner that gave the reference.")
    reference: str = Field(min_length=1, max_length=500)
    purpose: str = "investigation"
    case_reference: str = Field(description="Case reference or free-text justification.")
    crime_area: str
    legal_basis: str = Field(min_length=1, max_length=2000)
    justification: str = Field(min_length=1, max_length=4000)
    days: int | None = Field(default=None, ge=1, le=90, description="Deadline in days.")


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "decline"]
    conditions: str | None = Field(
        default=None, max_length=4000, description="Terms of use, e.g. H3 restrictions."
    )
    reason: str | None = Field(default=None, max_length=2000)


class FollowUpOut(BaseModel):
    follow_up_id: str
    direction: Literal["incoming", "outgoing"]
    partner: str
    partner_agency: str
    reference: str
    purpose: str
    case_reference: str
    crime_area: str
    legal_basis: str
    justification: str
    deadline: str
    created_at: str
    created_by: str
    state: str
    overdue: bool
    status: str
    history: list[dict[str, Any]]
    outcome: dict[str, Any] | None


def _out(found: FollowUp) -> FollowUpOut:
    return FollowUpOut.model_validate(found.to_dict())


@router.post("/federated-search", response_model=FederatedSearchOut)
def federated_search_route(
    body: FederatedSearchIn, node: CurrentNode, principal: CurrentPrincipal
) -> FederatedSearchOut:
    """Search this node and every chosen partner in parallel; per partner `hits`, `no_hit` or
    `unavailable` (no answer within the partner timeout)."""
    purpose = parse_purpose(body.purpose, body.reference, body.crime_area)
    query = PartnerQuery(body.query, body.schema_, body.properties or {})
    result = federated_search(
        node,
        principal,
        query,
        purpose,
        partners=body.partners,
        limit=body.limit,
        include_local=body.include_local,
    )
    return FederatedSearchOut.model_validate(result.to_dict())


@router.post("/federated-match", response_model=FederatedMatchOut, response_model_by_alias=True)
def federated_match_route(
    body: FederatedMatchIn, node: CurrentNode, principal: CurrentPrincipal
) -> FederatedMatchOut:
    """Match each described person here (as `/match`) and at every chosen partner, which
    answers the records passing its own threshold, each with its score."""
    purpose = parse_purpose(body.purpose or "investigation", body.reference, body.crime_area)
    queries = parse_queries(
        {name: q.as_data() for name, q in body.queries.items()}, node.agency[:2]
    )
    local = (
        match_records(node, principal, queries, purpose, limit=body.limit)
        if body.include_local
        else {}
    )
    asked = {name: PartnerQuery(None, q.schema, q.properties) for name, q in queries.items()}
    federated = federated_match(
        node, principal, asked, purpose, partners=body.partners, limit=body.limit
    )
    return FederatedMatchOut.model_validate(
        {
            "local": {
                "responses": {
                    name: {
                        "results": [h.to_dict(used) for h in hits],
                        "total": len(hits),
                        "threshold": used,
                        "algorithm": hits[0].result.algorithm if hits else ALGORITHM,
                    }
                    for name, (used, hits) in local.items()
                }
            },
            "federated": {
                name: {
                    "request_id": result.request_id,
                    "partners": [p.to_dict() for p in result.partners],
                }
                for name, result in federated.items()
            },
        }
    )


@router.post("/follow-ups", response_model=FollowUpOut, status_code=201)
def create_follow_up(
    body: FollowUpIn, node: CurrentNode, principal: CurrentPrincipal
) -> FollowUpOut:
    """Request the content behind a reference hit; delivered through the outbox."""
    purpose = parse_purpose(body.purpose, body.case_reference, body.crime_area)
    found = request_follow_up(
        node,
        principal,
        partner=body.partner,
        reference=body.reference,
        purpose=purpose,
        legal_basis=body.legal_basis,
        justification=body.justification,
        days=body.days,
    )
    return _out(found)


@router.get("/follow-ups", response_model=list[FollowUpOut])
def follow_ups(
    node: CurrentNode,
    principal: CurrentPrincipal,
    direction: Literal["incoming", "outgoing"] | None = None,
    status: str | None = None,
) -> list[FollowUpOut]:
    """Follow-ups sent and received, newest first; `status` is a state or `overdue`."""
    found = list_follow_ups(node, direction=direction, status=status, reader=principal)
    return [_out(f) for f in found]


@router.get("/follow-ups/{follow_up_id}", response_model=FollowUpOut)
def follow_up(follow_up_id: str, node: CurrentNode, principal: CurrentPrincipal) -> FollowUpOut:
    """One follow-up with its history and, once decided, its outcome."""
    return _out(get_follow_up(node, follow_up_id, reader=principal))


@router.post("/follow-ups/{follow_up_id}/decision", response_model=FollowUpOut)
def decide(
    follow_up_id: str, body: DecisionIn, node: CurrentNode, principal: CurrentPrincipal
) -> FollowUpOut:
    """A liaison officer approves (optionally with conditions) or declines a partner's
    follow-up; the policy engine is asked again before anything is disclosed."""
    found = decide_follow_up(
        node,
        principal,
        follow_up_id,
        approve=body.decision == "approve",
        conditions=body.conditions,
        reason=body.reason,
    )
    return _out(found)


def include(app: FastAPI, prefix: str) -> None:
    """Add the user routes under `prefix` and the partner routes at `/federation/v1`."""
    app.include_router(router, prefix=prefix)
    app.include_router(partner_router)
