"""/api/v1/messages — send, list and read end-to-end messages (docs/messaging.md)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from accord.api.deps import CurrentNode, CurrentPrincipal
from accord.errors import FieldError, ValidationError
from accord.model.messages import MAX_ATTACHMENTS, MAX_RECORDS, Attachment
from accord.services import messaging as service

router = APIRouter(prefix="/messages", tags=["messages"])


class AttachmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="File name, without a path.")
    media_type: str = Field(default="application/octet-stream", max_length=120)
    content: str = Field(description="The file's bytes, base64 (RFC 4648 §4).")


def attachments_of(
    items: list[AttachmentIn] | None, field: str = "attachments"
) -> list[Attachment]:
    """Decode attachments sent as base64; the field that is not base64 is named."""
    found: list[Attachment] = []
    for i, item in enumerate(items or []):
        try:
            content = base64.b64decode(item.content, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError(FieldError(f"{field}.{i}.content", "is not base64")) from None
        found.append(Attachment(item.name, item.media_type, content))
    return found


class MessageIn(BaseModel):
    """A message to a partner agency. `records` are ids of records held here: each goes only
    as the policy engine decides for the recipient (`purpose`, `crime_area`), and the answer
    says which went (`record_outcome`). Attachments are at most
    `ACCORD_MESSAGE_MAX_ATTACHMENT_BYTES` together."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["rfi", "reply", "spontaneous"] = "rfi"
    recipient: str = Field(max_length=40, description="Agency code, e.g. NL-POLITIE.")
    subject: str = Field(max_length=300)
    body: str = Field(max_length=20_000)
    language: str = Field(default="en", max_length=40, description="BCP 47 tag: en, de, uk…")
    priority: Literal["routine", "urgent", "immediate"] = "routine"
    handling: Literal["H0", "H1", "H2", "H3"] = "H0"
    tlp: Literal["CLEAR", "GREEN", "AMBER", "AMBER+STRICT"] = "AMBER"
    case_reference: str | None = Field(default=None, max_length=200)
    in_reply_to: str | None = Field(default=None, max_length=64)
    records: list[str] = Field(default_factory=list, max_length=MAX_RECORDS)
    purpose: str | None = Field(default=None, max_length=40)
    crime_area: str | None = Field(default=None, max_length=40)
    attachments: list[AttachmentIn] | None = Field(default=None, max_length=MAX_ATTACHMENTS)
    via: str | None = Field(
        default=None,
        max_length=40,
        description="A partner agency to relay the message (a hub): it holds only the token "
        "sealed to the recipient, which it cannot open.",
    )


class MessageOut(BaseModel):
    message_id: str
    direction: Literal["outgoing", "incoming"]
    kind: str
    thread_id: str
    in_reply_to: str | None
    case_reference: str | None
    case_id: str | None
    mla_id: str | None
    partner: str
    partner_agency: str
    priority: str
    deadline: str | None
    overdue: bool
    answered: bool
    state: str
    delivered: bool
    read: bool
    sent_at: str
    created_by: str
    digest: str = Field(description="SHA-256 of the sealed token as it crossed the wire.")
    history: list[dict[str, Any]]
    subject: str | None = None
    body: str | None = None
    language: str | None = None
    handling: str | None = None
    tlp: str | None = None
    sender_agency: str | None = None
    recipient_agency: str | None = None
    sent_by: str | None = None
    records: list[dict[str, Any]] | None = None
    attachments: list[dict[str, Any]] | None = None
    mla: dict[str, Any] | None = None
    verified: bool = Field(default=False, description="The sender's signature verified.")
    record_outcome: list[dict[str, Any]] | None = None


MessageId = Annotated[str, Path(min_length=1, max_length=64, description="msg_…")]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=MessageOut)
def send(body: MessageIn, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """Seal, sign and queue a message; delivered through the outbox with receipts. A bad field
    is refused with 422 naming it, and nothing is sent."""
    data = body.model_dump(exclude={"attachments"})
    return service.send_message(node, principal, data, attachments_of(body.attachments)).to_dict()


@router.get("", response_model=list[MessageOut])
def listing(
    node: CurrentNode,
    principal: CurrentPrincipal,
    direction: Literal["outgoing", "incoming"] | None = None,
    thread_id: Annotated[str | None, Query(max_length=64)] = None,
    case_id: Annotated[str | None, Query(max_length=64)] = None,
    overdue: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIST)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Any:
    """Messages sent and received, newest first, with their subjects and bodies (each opened
    and its signature verified); the listing goes to the ledger."""
    found = service.list_messages(
        node,
        principal,
        direction=direction,
        thread_id=thread_id,
        case_id=case_id,
        overdue=overdue,
        limit=limit,
        offset=offset,
    )
    return [m.to_dict() for m in found]


@router.get("/{message_id}", response_model=MessageOut)
def show(message_id: MessageId, *, node: CurrentNode, principal: CurrentPrincipal) -> Any:
    """One message in full; the first read of a received one sends the sender a read receipt."""
    return service.read_message(node, principal, message_id).to_dict()


@router.get(
    "/{message_id}/attachments/{sha256}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {"schema": {"type": "string"}}}}},
)
def attachment(
    message_id: MessageId,
    sha256: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")],
    *,
    node: CurrentNode,
    principal: CurrentPrincipal,
) -> Response:
    """An attachment's bytes, checked against their SHA-256 address."""
    info, content = service.get_attachment(node, principal, message_id, sha256)
    name = str(info["name"]).replace('"', "")
    return Response(
        content,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Repr-Digest": f"sha-256=:{base64.b64encode(bytes.fromhex(sha256)).decode()}:",
        },
    )
