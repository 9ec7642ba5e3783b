"""/api/v1/mla — mutual legal assistance requests (docs/messaging.md, "MLA requests")."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field

from accord.api.deps import CurrentNode, CurrentPrincipal
from accord.api.routers.messages import AttachmentIn, attachments_of
from accord.model.messages import MAX_ATTACHMENTS
from accord.services import mla as service

router = APIRouter(prefix="/mla", tags=["mla"])


class OffenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = Field(max_length=4000)
    crime_area: str = Field(max_length=40)


class MeasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(max_length=64, description="bank_records, freezing_of_assets, …")
    description: str | None = Field(default=None, max_length=2000)
    amount: str | None = Field(default=None, max_length=40)
    currency: str | None = Field(default=None, max_length=3)


class MlaIn(BaseModel):
    """An MLA request (a draft until sent). `legal_basis` is a code of
    `accord/data/mla.yaml` (coe-1959, eu-2000, untoc, uncac, budapest, bilateral treaties)."""

    model_config = ConfigDict(extra="forbid")

    requested_agency: str | None = Field(default=None, max_length=40)
    requesting_authority: str | None = Field(default=None, max_length=300)
    requested_authority: str | None = Field(default=None, max_length=300)
    legal_basis: str | None = Field(default=None, max_length=64)
    offence: OffenceIn | None = None
    measures: list[MeasureIn] | None = Field(default=None, max_length=50)
    urgency: Literal["routine", "urgent", "immediate"] = "routine"
    deadline: str | None = Field(default=None, max_length=40)
    facts: str | None = Field(default=None, max_length=20_000)
    case_reference: str | None = Field(default=None, max_length=200)


class AdvanceIn(BaseModel):
    """The requested authority's next step; `grounds` for a refusal; `evidence` returned on
    (partial) execution; `assets` frozen or recovered."""

    model_config = ConfigDict(extra="forbid")

    state: Literal["acknowledged", "in_execution", "partially_executed", "executed", "refused"]
    grounds: str | None = Field(default=None, max_length=4000)
    note: str | None = Field(default=None, max_length=4000)
    evidence: list[AttachmentIn] | None = Field(default=None, max_length=MAX_ATTACHMENTS)
    assets: list[dict[str, Any]] | None = Field(default=None, max_length=50)


class MlaOut(BaseModel):
    mla_id: str
    direction: Literal["outgoing", "incoming"]
    state: str
    requesting_agency: str
    requested_agency: str
    partner: str | None
    legal_basis: str
    legal_basis_title: str
    crime_area: str
    urgency: str
    deadline: str
    overdue: bool
    form: dict[str, Any]
    sent_at: str | None
    closed_at: str | None
    turnaround_days: float | None
    evidence: list[dict[str, Any]]
    created_at: str
    created_by: str
    history: list[dict[str, Any]]


MlaId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=MlaOut)
def create(body: MlaIn, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """Draft a request; a missing legal basis or measures is refused with 422 naming it."""
    return service.create_mla(node, principal, body.model_dump(exclude_none=True)).to_dict()


@router.get("", response_model=list[MlaOut])
def listing(
    node: CurrentNode,
    principal: CurrentPrincipal,
    direction: Literal["outgoing", "incoming"] | None = None,
    state: Annotated[str | None, Query(max_length=24, description="A state or overdue.")] = None,
) -> Any:
    """Requests sent and received, newest first."""
    return [
        m.to_dict() for m in service.list_mla(node, principal, direction=direction, state=state)
    ]


@router.get("/metrics")
def metrics(
    node: CurrentNode,
    principal: CurrentPrincipal,
    direction: Literal["outgoing", "incoming"] = "outgoing",
) -> dict[str, Any]:
    """Turnaround per partner and per measure (median, p90, in days from sent to executed or
    refused), open and overdue counts, assets frozen and recovered per currency."""
    return service.metrics(node, principal, direction=direction)


@router.get("/{mla_id}", response_model=MlaOut)
def show(mla_id: MlaId, *, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """One request with every step, its evidence and their custody."""
    return service.get_mla(node, principal, mla_id).to_dict()


@router.post("/{mla_id}/send", response_model=MlaOut)
def send(mla_id: MlaId, *, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """Send a draft to the requested authority, sealed end to end."""
    return service.send_mla(node, principal, mla_id).to_dict()


@router.post("/{mla_id}/advance", response_model=MlaOut)
def advance(
    mla_id: MlaId, body: AdvanceIn, *, node: CurrentNode, principal: CurrentPrincipal
) -> Any:
    """The requested authority's next step; 409 when the state machine does not allow it."""
    found = service.advance_mla(
        node,
        principal,
        mla_id,
        body.state,
        grounds=body.grounds,
        note=body.note,
        evidence=attachments_of(body.evidence, "evidence"),
        assets=body.assets,
    )
    return found.to_dict()
