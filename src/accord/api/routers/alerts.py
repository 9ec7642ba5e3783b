"""/api/v1/alerts and /api/v1/events — watchlist alerts and the live event stream.

The stream is server-sent events (the WHATWG HTML standard, "Server-sent events"): each event
has an `id:` (its row in the events table), an `event:` kind and JSON `data:`. A client that
reconnects sends `Last-Event-ID` (or `?last_event_id=`) and gets every event it missed;
without it the stream starts with the next event. The server ends a stream after
`ACCORD_EVENT_STREAM_SECONDS`; a client reconnects (EventSource does so by itself)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from accord.api.deps import CurrentNode, CurrentPrincipal
from accord.errors import FieldError, ValidationError
from accord.services import alerts as service
from accord.services import events as event_service

router = APIRouter(tags=["alerts"])

#: A comment line this often keeps proxies from closing an idle stream.
HEARTBEAT_SECONDS = 15.0


class AlertRecordOut(BaseModel):
    owner: str | None
    id: str | None
    schema_: str = Field(alias="schema")
    version: int | None

    model_config = ConfigDict(populate_by_name=True)


class AlertOut(BaseModel):
    id: int
    notice_id: str
    notice_agency: str
    holder_agency: str = Field(description="The agency holding the record that hit.")
    record: AlertRecordOut
    score: float
    match: dict[str, Any]
    action: str = Field(description="What the notice asks to be done.")
    source: str = Field(description="`local`: matched here; `partner`: a partner's alert.")
    partner: str | None
    item: dict[str, Any] | None = Field(
        description="A partner's alert: the record as its policy engine let it go."
    )
    owner_notified: str | None = Field(
        description="A received notice's hit: `sent:<mode>` to its owner, or `withheld`."
    )
    created_at: str
    acked: bool
    acked_at: str | None
    acked_by: str | None
    note: str | None


class AckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=service.MAX_NOTE)


@router.get("/alerts", response_model=list[AlertOut])
def alerts(
    node: CurrentNode,
    principal: CurrentPrincipal,
    acked: Annotated[bool | None, Query(description="Only acknowledged (true) or not.")] = None,
    notice_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIST)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Any:
    """The caller's agency's watchlist alerts, newest first."""
    found = service.list_alerts(
        node, principal, acked=acked, notice_id=notice_id, limit=limit, offset=offset
    )
    return [service.alert_to_dict(a) for a in found]


@router.post("/alerts/{alert_id}/ack", response_model=AlertOut)
def ack(
    body: AckIn,
    alert_id: Annotated[int, Path(ge=1, le=2**62)],
    node: CurrentNode,
    principal: CurrentPrincipal,
) -> Any:
    """Acknowledge an alert of the caller's agency (409 if acknowledged already)."""
    return service.alert_to_dict(service.ack_alert(node, principal, alert_id, body.note))


def _start(header: str | None, query: int | None) -> int | None:
    if query is not None:
        return query
    if header is None:
        return None
    value = header.strip()
    if not value.isdigit() or len(value) > 18:
        raise ValidationError(FieldError("Last-Event-ID", "must be an event id (an integer)"))
    return int(value)


def _frame(event_id: int, kind: str, payload: dict[str, Any]) -> bytes:
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return f"id: {event_id}\nevent: {kind}\ndata: {data}\n\n".encode()


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "A stream of server-sent events: `id:`, `event:` (alert, "
            "alert_ack) and JSON `data:` (an alert's notice, record reference, score, action).",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        }
    },
)
async def stream(
    request: Request,
    node: CurrentNode,
    principal: CurrentPrincipal,
    last_event_id_header: Annotated[
        str | None, Header(alias="Last-Event-ID", max_length=20)
    ] = None,
    last_event_id: Annotated[
        int | None, Query(ge=0, le=2**62, description="Resume after this event.")
    ] = None,
) -> StreamingResponse:
    """The caller's agency's events, live: alerts as they are raised, on whichever worker of
    the node. Resume with `Last-Event-ID`."""
    start = _start(last_event_id_header, last_event_id)
    agency = principal.agency
    if start is None:
        start = await run_in_threadpool(event_service.last_event_id, node, agency)
    after = start
    hub = event_service.hub_for(node)
    if hub.listens:  # the process's first stream: let the listener connect first
        await run_in_threadpool(hub.wait_listening, 2.0)
    limit = node.settings.event_stream_seconds

    async def frames() -> AsyncIterator[bytes]:
        seen = after
        opened = time.monotonic()
        beat = opened
        yield b"retry: 2000\n\n"
        while True:
            rows = await run_in_threadpool(event_service.events_after, node, agency, seen)
            for row in rows:
                seen = row.id
                yield _frame(row.id, row.kind, row.payload)
            now = time.monotonic()
            if now - opened >= limit or await request.is_disconnected():
                return
            if rows:
                beat = now
                continue
            if now - beat >= HEARTBEAT_SECONDS:
                beat = now
                yield b": keep-alive\n\n"
            await hub.wait(min(HEARTBEAT_SECONDS, max(0.05, limit - (now - opened))))

    return StreamingResponse(
        frames(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
