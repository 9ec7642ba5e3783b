"""/api/v1/graph — link analysis and money flow over what the node holds (docs/graph.md).

Every request states its purpose (purpose code, case reference, crime area) and goes to the
ledger with the records it showed; an export for another agency passes the policy engine."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from accord.api.deps import CurrentNode, CurrentPrincipal
from accord.services import graph as service
from accord.services.purpose import Purpose, parse_purpose

router = APIRouter(prefix="/graph", tags=["graph"])

_Id = Field(min_length=1, max_length=250, description="A record id, or OWNER:ID.")


class PurposeIn(BaseModel):
    """The stated purpose, as a search states it; a request without it is refused naming
    the missing part."""

    model_config = ConfigDict(extra="forbid")

    purpose: str | None = Field(default="investigation", max_length=40, description="Purpose code.")
    reference: str | None = Field(
        default=None, max_length=500, description="Case reference or free-text justification."
    )
    crime_area: str | None = Field(default=None, max_length=40, description="Crime-area code.")

    def stated(self) -> Purpose:
        return parse_purpose(self.purpose, self.reference, self.crime_area)


class NeighbourhoodIn(PurposeIn):
    start: str = _Id
    hops: int = Field(default=2, description="1 to ACCORD_GRAPH_MAX_HOPS (default 4).")
    schemata: list[str] = Field(
        default_factory=list, max_length=100, description="Keep only records of these schemata."
    )
    kinds: list[str] = Field(
        default_factory=list,
        max_length=4,
        description="Edge kinds to walk: relationship, property, shared, same_as.",
    )
    labels: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="Relationship schemata, properties or identifier kinds "
        "(Family, holder, phone).",
    )
    owners: list[str] = Field(
        default_factory=list, max_length=100, description="Agencies whose records to walk."
    )
    since: str | None = Field(default=None, max_length=10, description="YYYY-MM-DD.")
    until: str | None = Field(default=None, max_length=10, description="YYYY-MM-DD.")


class PathsIn(PurposeIn):
    source: str = _Id
    target: str = _Id
    max_hops: int | None = Field(default=None, description="Default: ACCORD_GRAPH_MAX_HOPS.")
    limit: int = Field(default=10, description="Most paths returned (1-100).")
    kinds: list[str] = Field(default_factory=list, max_length=4)


class CommunitiesIn(PurposeIn):
    resolution: float = Field(default=1.0, description="Leiden's resolution: higher, smaller.")
    min_size: int = Field(default=3, description="Smallest community returned.")
    limit: int = Field(default=20, description="Most communities returned (1-1000).")
    members: int = Field(default=200, description="Most members shown per community.")


class CentralityIn(PurposeIn):
    measure: Literal["betweenness", "pagerank"] = "betweenness"
    around: str | None = Field(
        default=None, max_length=250, description="Rank within this record's neighbourhood."
    )
    hops: int = Field(default=2, description="The neighbourhood's hops, with `around`.")
    limit: int = Field(default=20, description="Most records returned (1-1000).")


class MoneyFlowIn(PurposeIn):
    start: str = _Id
    direction: str = Field(default="forward", description="forward or backward.")
    since: str | None = Field(default=None, max_length=10, description="YYYY-MM-DD.")
    until: str | None = Field(default=None, max_length=10, description="YYYY-MM-DD.")
    min_amount: float | None = Field(default=None, description="Leave out smaller payments.")
    currencies: list[str] = Field(default_factory=list, max_length=20)
    max_hops: int = Field(default=6, description="Most payments away from the start (1-20).")
    fan: int = Field(default=5, description="Distinct counterparties that flag fan-in/fan-out.")
    limit: int = Field(default=1000, description="Most payments returned (1-100,000).")


class RingsIn(PurposeIn):
    kinds: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Identifier kinds that tie a ring (default: phone, email, address, "
        "file_hash, ip, account, wallet, username).",
    )
    min_records: int = Field(default=3, description="Smallest ring returned.")
    limit: int = Field(default=20, description="Most rings returned (1-1000).")


class ExportIn(PurposeIn):
    format: str = Field(max_length=20, description="graphml, gexf, cytoscape or i2-csv.")
    around: str | None = Field(
        default=None, max_length=250, description="Export this record's neighbourhood only."
    )
    hops: int = Field(default=2, description="The neighbourhood's hops, with `around`.")
    to: str | None = Field(
        default=None,
        max_length=40,
        description="For another agency: only what the agreements release in full.",
    )


@router.post("/neighbourhood")
def neighbourhood(body: NeighbourhoodIn, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """Records within `hops` links of `start`, with the links among them; filtered by
    schema, edge kind or label, owner and date window. Cut at ACCORD_GRAPH_NODE_LIMIT
    records (`truncated` says so)."""
    return service.analyse_neighbourhood(
        node,
        principal,
        body.stated(),
        start=body.start,
        hops=body.hops,
        schemata=body.schemata,
        kinds=body.kinds,
        labels=body.labels,
        owners=body.owners,
        since=body.since,
        until=body.until,
    ).to_dict()


@router.post("/paths")
def paths(body: PathsIn, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """Every shortest path between two records (`connected` false and no paths when none
    joins them within `max_hops`)."""
    return service.analyse_paths(
        node,
        principal,
        body.stated(),
        source=body.source,
        target=body.target,
        max_hops=body.max_hops,
        limit=body.limit,
        kinds=body.kinds,
    ).to_dict()


@router.post("/communities")
def communities(body: CommunitiesIn, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """Leiden communities (modularity), largest first."""
    return service.analyse_communities(
        node,
        principal,
        body.stated(),
        resolution=body.resolution,
        min_size=body.min_size,
        limit=body.limit,
        members=body.members,
    ).to_dict()


@router.post("/centrality")
def centrality(body: CentralityIn, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """Brokers (betweenness) or weight (PageRank), over the graph or a neighbourhood."""
    return service.analyse_centrality(
        node,
        principal,
        body.stated(),
        measure=body.measure,
        around=body.around,
        hops=body.hops,
        limit=body.limit,
    ).to_dict()


@router.post("/money-flow")
def money_flow(body: MoneyFlowIn, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """Follow payments from an account, person or company, forward or backward in time, with
    counterparties in aggregate and cycles, fan-in/fan-out and layering flagged."""
    return service.analyse_money_flow(
        node,
        principal,
        body.stated(),
        start=body.start,
        direction=body.direction,
        since=body.since,
        until=body.until,
        min_amount=body.min_amount,
        currencies=body.currencies,
        max_hops=body.max_hops,
        fan=body.fan,
        limit=body.limit,
    ).to_dict()


@router.post("/rings")
def rings(body: RingsIn, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """Records tied together by shared identifiers, most suspicious first."""
    return service.analyse_rings(
        node,
        principal,
        body.stated(),
        kinds=body.kinds,
        min_records=body.min_records,
        limit=body.limit,
    ).to_dict()


@router.post("/export")
def export(body: ExportIn, node: CurrentNode, principal: CurrentPrincipal) -> Response:
    """The graph or a neighbourhood as GraphML, GEXF, Cytoscape.js JSON or i2 CSV (the
    column map is in docs/graph.md). With `to`, every record passes the policy engine."""
    done = service.export_graph(
        node,
        principal,
        body.stated(),
        fmt=body.format,
        around=body.around,
        hops=body.hops,
        to=body.to,
    )
    return Response(
        done.text,
        media_type=done.media_type,
        headers={
            "X-Accord-Vertices": str(done.vertices),
            "X-Accord-Edges": str(done.edges),
            "X-Accord-Withheld": str(done.withheld),
        },
    )
