"""Watchlist alerts as users read them: an agency's own alerts, listed and acknowledged.

A caller sees only the alerts for its own agency; another agency's alert is answered as if it
did not exist. An alert from a partner may carry the record the partner's policy let go: its
listing then goes to the ledger as a read of that record. An acknowledgement is appended
(never changed), once per alert, and is an event on the agency's stream too."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from accord.errors import Conflict, FieldError, NotFound, ValidationError
from accord.model import Principal
from accord.node import Node
from accord.services.audit import Event, record_event
from accord.services.events import publish_event
from accord.store import notices as store
from accord.store.notices import AlertRow

__all__ = ["MAX_LIST", "MAX_NOTE", "ack_alert", "alert_to_dict", "list_alerts"]

MAX_LIST = 500
MAX_NOTE = 2000


def alert_to_dict(a: AlertRow) -> dict[str, Any]:
    item = a.details.get("item")
    return {
        "id": a.id,
        "notice_id": a.notice_id,
        "notice_agency": a.notice_agency,
        "holder_agency": a.holder_agency,
        "record": {
            "owner": a.record_owner,
            "id": a.record_id,
            "schema": a.record_schema,
            "version": a.record_version,
        },
        "score": a.score,
        "match": a.match,
        "action": a.action,
        "source": a.source,
        "partner": a.details.get("partner"),
        "item": item,
        "owner_notified": a.details.get("owner_notified"),
        "created_at": a.created_at.isoformat(),
        "acked": a.acked_at is not None,
        "acked_at": a.acked_at.isoformat() if a.acked_at else None,
        "acked_by": a.acked_by,
        "note": a.note,
    }


def _partner_records(found: list[AlertRow]) -> list[list[str]]:
    out: list[list[str]] = []
    for a in found:
        record = (a.details.get("item") or {}).get("record")
        if isinstance(record, dict):
            out.append([str(a.record_owner), str(record.get("id")), a.notice_id])
    return out


def list_alerts(
    node: Node,
    principal: Principal,
    *,
    acked: bool | None = None,
    notice_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AlertRow]:
    """The caller's agency's alerts, newest first."""
    if not 1 <= limit <= MAX_LIST:
        raise ValidationError(FieldError("limit", f"between 1 and {MAX_LIST}"))
    with node.engine.begin() as conn:
        found = store.list_alerts(
            conn, principal.agency, acked=acked, notice_id=notice_id, limit=limit, offset=offset
        )
        records = _partner_records(found)
        if records:
            record_event(conn, Event.RECORD_READ, principal, {"alerts": True, "records": records})
    return found


def ack_alert(node: Node, principal: Principal, alert_id: int, note: str | None = None) -> AlertRow:
    """Acknowledge one of the caller's agency's alerts (409 if it was acknowledged)."""
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise ValidationError(FieldError("note", f"at most {MAX_NOTE} characters"))
    now = datetime.now(UTC)
    with node.engine.begin() as conn:
        found = store.get_alert(conn, alert_id)
        if found is None or found.for_agency != principal.agency:
            raise NotFound(f"no alert {alert_id}")
        if not store.ack_alert(conn, alert_id, principal.label, now, note):
            raise Conflict(f"alert {alert_id} was acknowledged already")
        record_event(
            conn,
            Event.WATCHLIST_ALERT,
            principal,
            {
                "step": "acked",
                "alert_id": alert_id,
                "notice_id": found.notice_id,
                "note": note,
                # The answer shows the alert, with a partner's record if it carries one.
                "records": _partner_records([found]),
            },
        )
        publish_event(
            conn,
            principal.agency,
            "alert_ack",
            {"alert_id": alert_id, "notice_id": found.notice_id, "acked_by": principal.label},
            now,
        )
        acked = store.get_alert(conn, alert_id)
    assert acked is not None
    return acked
