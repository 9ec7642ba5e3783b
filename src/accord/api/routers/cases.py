"""/api/v1/cases — cases and joint investigation teams (docs/messaging.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, status
from pydantic import BaseModel, ConfigDict, Field

from accord.api.deps import CurrentNode, CurrentPrincipal
from accord.api.routers.messages import AttachmentIn, attachments_of
from accord.model.messages import MAX_ATTACHMENTS, MAX_RECORDS
from accord.services import cases as service

router = APIRouter(prefix="/cases", tags=["cases"])


class CaseIn(BaseModel):
    """A case led by this agency. `legal_basis`: the id of a JIT agreement loaded here (with
    clauses of kind `jit`); with members from other agencies the case is a joint team."""

    model_config = ConfigDict(extra="forbid")

    reference: str = Field(max_length=200)
    title: str | None = Field(default=None, max_length=300)
    crime_area: str = Field(max_length=40)
    legal_basis: str | None = Field(default=None, max_length=64)
    valid_from: str | None = Field(default=None, max_length=10)
    valid_until: str | None = Field(default=None, max_length=10)


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agency: str = Field(max_length=40)


class PostIn(BaseModel):
    """A posting to every current member; records go as the team's agreement allows."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["spontaneous", "rfi"] = "spontaneous"
    subject: str = Field(max_length=300)
    body: str = Field(max_length=20_000)
    language: str = Field(default="en", max_length=40)
    priority: Literal["routine", "urgent", "immediate"] = "routine"
    handling: Literal["H0", "H1", "H2", "H3"] = "H0"
    tlp: Literal["CLEAR", "GREEN", "AMBER", "AMBER+STRICT"] = "AMBER"
    records: list[str] = Field(default_factory=list, max_length=MAX_RECORDS)
    purpose: str | None = Field(default=None, max_length=40)
    attachments: list[AttachmentIn] | None = Field(default=None, max_length=MAX_ATTACHMENTS)


class CaseOut(BaseModel):
    case_id: str
    reference: str
    title: str
    lead_agency: str
    legal_basis: str | None
    crime_area: str
    valid_from: str
    valid_until: str | None
    joint: bool
    members: list[str]
    history: list[dict[str, Any]]
    created_at: str
    created_by: str


class PostOut(BaseModel):
    case_id: str
    sent: list[dict[str, Any]]


CaseId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CaseOut)
def create(body: CaseIn, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """Open a case led by this agency."""
    return service.create_case(node, principal, body.model_dump()).to_dict()


@router.get("", response_model=list[CaseOut])
def listing(node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """Cases held here, newest first."""
    return [c.to_dict() for c in service.list_cases(node)]


@router.get("/{case_id}", response_model=CaseOut)
def show(case_id: CaseId, *, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """One case with its members and every membership change."""
    return service.get_case(node, case_id).to_dict()


@router.post("/{case_id}/members", response_model=CaseOut)
def add_member(
    case_id: CaseId, body: MemberIn, *, node: CurrentNode, principal: CurrentPrincipal
) -> Any:
    """Add a partner agency to the team."""
    return service.add_member(node, principal, case_id, body.agency).to_dict()


@router.delete("/{case_id}/members/{agency}", response_model=CaseOut)
def remove_member(
    case_id: CaseId,
    agency: Annotated[str, Path(max_length=40)],
    *,
    node: CurrentNode,
    principal: CurrentPrincipal,
) -> Any:
    """Remove an agency from the team: it is sent nothing further."""
    return service.remove_member(node, principal, case_id, agency).to_dict()


@router.post("/{case_id}/posts", status_code=status.HTTP_201_CREATED, response_model=PostOut)
def post(case_id: CaseId, body: PostIn, *, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """Post a message, with records and files, to every current member."""
    data = body.model_dump(exclude={"attachments"})
    return service.post(node, principal, case_id, data, attachments_of(body.attachments))
