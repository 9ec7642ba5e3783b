"""/api/v1/xref — cross-referencing: run it, read the candidate links, judge them
(docs/xref.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field

from accord.api.deps import CurrentNode, CurrentPrincipal
from accord.services import xref as service

router = APIRouter(prefix="/xref", tags=["xref"])

Engine = Literal["auto", "accord", "duckdb", "spark"]
Judgement = Literal["same", "different", "unsure"]
State = Literal["new", "same", "different", "unsure"]


class XrefRunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    against: str = Field(
        default="all",
        min_length=2,
        max_length=40,
        description="An agency whose records this node holds (CC-NAME), or `all`.",
    )
    among_partners: bool = Field(
        default=False,
        description="With `all`: link the partners' records with one another too (a person "
        "two partners hold), not only with this node's own.",
    )
    since: str | None = Field(
        default=None,
        max_length=40,
        description="Only pairs with a record changed since then (ISO 8601 date or time).",
    )
    engine: Engine = Field(
        default="auto",
        description="`auto`: the accord engine for small runs, Splink on DuckDB above "
        "`ACCORD_XREF_ACCORD_MAX` records; `spark` needs PySpark and Java.",
    )


class XrefRunOut(BaseModel):
    run: int
    engine: str
    against: str
    among_partners: bool
    since: str | None
    parameters: dict[str, Any]
    counts: dict[str, int]


class XrefSideOut(BaseModel):
    owner: str
    id: str
    caption: str | None
    cluster: int | None = Field(description="The cluster of `same` links the record is in.")


class XrefLinkOut(BaseModel):
    id: int
    state: State
    left: XrefSideOut
    right: XrefSideOut
    cluster: int | None = Field(description="Both records' cluster, when they share one.")
    score: float = Field(description="The accord matcher's score.")
    splink_probability: float | None = Field(description="Splink's, when Splink proposed it.")
    algorithm: str
    engine: str
    proposed_by: list[str]
    features: dict[str, float] = Field(description="Each feature's contribution to the score.")
    run: int
    created_at: str
    updated_at: str


class XrefClusterOut(BaseModel):
    id: int
    records: list[XrefSideOut]


class XrefPageOut(BaseModel):
    links: list[XrefLinkOut]
    clusters: list[XrefClusterOut]


class XrefJudgementOut(BaseModel):
    id: int
    judgement: Judgement
    note: str | None
    by: str
    at: str


class XrefSideDetailOut(XrefSideOut):
    record: dict[str, Any] = Field(description="The record, with its envelope under `accord`.")


class XrefLinkDetailOut(BaseModel):
    id: int
    state: State
    left: XrefSideDetailOut
    right: XrefSideDetailOut
    cluster: int | None
    cluster_records: list[list[str]]
    score: float
    splink_probability: float | None
    algorithm: str
    engine: str
    proposed_by: list[str]
    features: list[dict[str, Any]] = Field(
        description="Every feature: value, weight, contribution and why."
    )
    judgements: list[XrefJudgementOut]
    run: int
    created_at: str
    updated_at: str


class XrefJudgementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    judgement: Judgement
    note: str | None = Field(default=None, max_length=service.MAX_NOTE)


class XrefJudgedOut(BaseModel):
    link: int
    state: Judgement
    previous: State
    judgement: XrefJudgementOut


#: Annotated, not a shared default: FastAPI copies the metadata for each route.
LinkId = Annotated[int, Path(ge=1, le=2**62, description="The link's id.")]


@router.post("/runs", response_model=XrefRunOut, status_code=status.HTTP_201_CREATED)
def run(body: XrefRunIn, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """Cross-reference the node's own person records with those of `against`, and store the
    candidate links (the answer comes when the run has finished; `accord xref` shows a
    progress bar). The run, its parameters and counts go to the ledger."""
    report = service.run_xref(
        node,
        principal,
        against=body.against,
        since=body.since,
        engine=body.engine,
        among_partners=body.among_partners,
    )
    return report.to_dict()


@router.get("", response_model=XrefPageOut)
def links(
    node: CurrentNode,
    principal: CurrentPrincipal,
    state: Annotated[State | None, Query(description="Only links in this state.")] = None,
    agency: Annotated[
        str | None,
        Query(min_length=2, max_length=40, description="Only links with this agency."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIST)] = 50,
    offset: Annotated[int, Query(ge=0, le=service.MAX_OFFSET)] = 0,
) -> Any:
    """Candidate links between current records, best score first, with the clusters their
    records are in; the listing goes to the ledger."""
    page = service.list_links(
        node, principal, state=state, agency=agency, limit=limit, offset=offset
    )
    return page.to_dict()


@router.get("/{link_id}", response_model=XrefLinkDetailOut)
def link(link_id: LinkId, *, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """One link with both records, every feature and its judgements; the read goes to the
    ledger."""
    return service.show_link(node, principal, link_id)


@router.post(
    "/{link_id}/judgements", response_model=XrefJudgedOut, status_code=status.HTTP_201_CREATED
)
def judge(
    body: XrefJudgementIn,
    link_id: LinkId,
    *,
    node: CurrentNode,
    principal: CurrentPrincipal,
) -> Any:
    """Judge a link `same`, `different` or `unsure` (an undo is another judgement). A pair
    judged `different` is never proposed again; `same` joins the two records' clusters."""
    return service.judge_link(node, principal, link_id, body.judgement, body.note)
