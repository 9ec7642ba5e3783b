"""/api/v1/notices — issue, publish, suspend, cancel and read notices (docs/notices.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field

from accord.api.deps import CurrentNode, CurrentPrincipal
from accord.services import notices as service

router = APIRouter(prefix="/notices", tags=["notices"])

Status = Literal["draft", "published", "suspended", "cancelled", "expired"]
Kind = Literal["red", "yellow", "blue", "black", "green", "orange", "purple", "diffusion"]


class EntityIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: str = Field(alias="schema", max_length=64, description="FtM schema, e.g. Person.")
    properties: dict[str, list[str]] = Field(default_factory=dict)


class NoticeIn(BaseModel):
    """A notice to draft. `details` holds the fields its type requires (docs/notices.md);
    `distribution` is `{"all": true}` (the default, except for a diffusion) or
    `{"countries": ["NL", "UA"]}`; `envelope` sets the subject's handling code, TLP label,
    evaluation, subject category, crime areas or legal basis."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(
        max_length=16, description="red, yellow, blue, black, green, orange, purple or diffusion."
    )
    subject: EntityIn
    documents: list[EntityIn] | None = Field(default=None, max_length=service.MAX_DOCUMENTS)
    details: dict[str, Any] = Field(default_factory=dict)
    requested_action: str | None = Field(default=None, max_length=2000)
    valid_until: str | None = Field(default=None, max_length=40)
    distribution: dict[str, Any] | None = None
    purpose: str | None = Field(default=None, max_length=40)
    crime_area: str = Field(max_length=40)
    envelope: dict[str, Any] | None = None

    def as_data(self) -> dict[str, Any]:
        data = self.model_dump(by_alias=True, exclude_none=True)
        return data


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=2000)


class SubjectOut(BaseModel):
    schema_: str = Field(alias="schema")
    caption: str
    properties: dict[str, list[str]]

    model_config = ConfigDict(populate_by_name=True)


class RecipientOut(BaseModel):
    node_id: str
    agency: str
    mode: str


class NoticeOut(BaseModel):
    notice_id: str
    type: Kind
    type_label: str
    status: Status
    issuing_agency: str
    received_from: str | None = Field(description="The partner node it came from, if any.")
    subject: SubjectOut
    documents: list[dict[str, Any]]
    details: dict[str, Any]
    requested_action: str
    purpose: str
    crime_area: str
    envelope: dict[str, Any]
    distribution: dict[str, Any]
    terms: dict[str, Any] | None
    valid_until: str
    created_at: str
    created_by: str
    history: list[dict[str, Any]]
    sent_to: list[RecipientOut]


#: Annotated, not a shared default: FastAPI copies the metadata for each route.
NoticeId = Annotated[str, Path(min_length=1, max_length=64, description="The notice's id (ntc-…).")]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=NoticeOut)
def create(body: NoticeIn, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """Draft a notice in the caller's agency's name. A field its type requires and the body
    lacks is refused with 422 naming it (`details.arrest_warrant`)."""
    return service.create_notice(node, principal, body.as_data()).to_dict()


@router.get("", response_model=list[NoticeOut])
def listing(
    node: CurrentNode,
    principal: CurrentPrincipal,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    type_: Annotated[Kind | None, Query(alias="type")] = None,
    received: Annotated[
        bool | None, Query(description="Only notices from partners (true) or issued here.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIST)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Any:
    """Notices issued here and received from partners, newest first; the listing goes to
    the ledger."""
    found = service.list_notices(
        node,
        principal,
        status=status_,
        kind=type_,
        received=received,
        limit=limit,
        offset=offset,
    )
    return [n.to_dict() for n in found]


@router.get("/{notice_id}", response_model=NoticeOut)
def show(notice_id: NoticeId, *, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """One notice with its history; the read goes to the ledger."""
    return service.get_notice(node, principal, notice_id).to_dict()


@router.post("/{notice_id}/publish", response_model=NoticeOut)
def publish(notice_id: NoticeId, *, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """Publish a draft, or a suspended notice again: it goes on the watchlist (matched at once
    against the records held) and, the first time, to the partners of its distribution as the
    policy engine allows. 409 when its status does not allow it."""
    return service.publish_notice(node, principal, notice_id).to_dict()


@router.post("/{notice_id}/suspend", response_model=NoticeOut)
def suspend(
    body: ReasonIn, notice_id: NoticeId, *, node: CurrentNode, principal: CurrentPrincipal
) -> Any:
    """Suspend a published notice: it stops alerting at once, here and at the partners that
    received it. 409 when its status does not allow it."""
    return service.suspend_notice(node, principal, notice_id, body.reason).to_dict()


@router.post("/{notice_id}/cancel", response_model=NoticeOut)
def cancel(
    body: ReasonIn, notice_id: NoticeId, *, node: CurrentNode, principal: CurrentPrincipal
) -> Any:
    """Cancel a notice for good: it stops alerting at once, here and at the partners that
    received it. 409 when it is cancelled or expired already."""
    return service.cancel_notice(node, principal, notice_id, body.reason).to_dict()
