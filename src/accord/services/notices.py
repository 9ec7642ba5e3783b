"""Notices: issue, publish, suspend, cancel, read (docs/notices.md).

A notice is drafted by an agency's officer, checked against its type's required fields (data:
`accord/data/notices.yaml`) and kept as `draft`; publishing puts its subject on the watchlist
(matched at once against the records already held), and sends it to the partners of its
distribution through the one policy decision (`accord.services.notice_exchange`). Suspending
or cancelling takes it off the watchlist in the same transaction, and the partners that
received it are told. Every change is an appended transition and a ledger entry; reading
notices is in the ledger too. Only the issuing agency changes a notice; a notice received from
a partner changes only when its issuer says so."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection

from accord.errors import FieldError, Forbidden, NotFound, ValidationError
from accord.model import PERSON_SCHEMATA, Principal, caption_of, parse_record, validate_entity
from accord.model.notices import (
    FINAL,
    IllegalTransition,
    NoticeStatus,
    NoticeType,
    check_details,
    check_transition,
    effective_status,
    parse_distribution,
    parse_status,
    parse_type,
    type_spec,
)
from accord.node import Node
from accord.policy.codes import is_country, purposes
from accord.services import notice_exchange, watchlist
from accord.services.audit import Event, record_event
from accord.store import notices as store
from accord.store.notices import NoticeRow, TransitionRow

__all__ = [
    "MAX_LIST",
    "Notice",
    "cancel_notice",
    "create_notice",
    "expire_due",
    "get_notice",
    "list_notices",
    "publish_notice",
    "suspend_notice",
]

MAX_LIST = 500
MAX_DOCUMENTS = 20
_KEYS = frozenset(
    {
        "type",
        "subject",
        "documents",
        "details",
        "requested_action",
        "valid_until",
        "distribution",
        "purpose",
        "crime_area",
        "envelope",
    }
)
#: Envelope values a notice may set for its subject (owner and times are the notice's own).
_ENVELOPE_KEYS = frozenset(
    {
        "handling",
        "handling_conditions",
        "tlp",
        "reliability",
        "assessment",
        "subject_category",
        "crime_areas",
        "legal_basis",
    }
)


@dataclass(frozen=True, slots=True)
class Notice:
    """A notice with its history, as a user sees it."""

    row: NoticeRow
    history: list[TransitionRow]
    recipients: list[tuple[str, str, str]] = field(default_factory=list)

    def status(self, now: datetime | None = None) -> NoticeStatus:
        return effective_status(
            NoticeStatus(self.row.status), self.row.valid_until, now or datetime.now(UTC)
        )

    def to_dict(self, now: datetime | None = None) -> dict[str, Any]:
        r = self.row
        spec = type_spec(NoticeType(r.type))
        return {
            "notice_id": r.notice_id,
            "type": r.type,
            "type_label": spec.label,
            "status": self.status(now).value,
            "issuing_agency": r.issuing_agency,
            "received_from": r.origin,
            "subject": {
                "schema": r.subject_schema,
                "caption": r.caption,
                "properties": r.subject["properties"],
            },
            "documents": r.documents,
            "details": r.details,
            "requested_action": r.requested_action,
            "purpose": r.purpose,
            "crime_area": r.crime_area,
            "envelope": r.envelope,
            "distribution": r.distribution,
            "terms": r.terms,
            "valid_until": r.valid_until.isoformat(),
            "created_at": r.created_at.isoformat(),
            "created_by": r.created_by,
            "history": [
                {"status": t.status, "at": t.at.isoformat(), "actor": t.actor, **t.details}
                for t in self.history
            ],
            "sent_to": [{"node_id": n, "agency": a, "mode": m} for n, a, m in self.recipients],
        }


def _valid_until(raw: Any, kind: NoticeType, now: datetime, errors: list[FieldError]) -> datetime:
    default = now + timedelta(days=type_spec(kind).valid_days)
    if raw is None:
        return default
    if not isinstance(raw, str):
        errors.append(FieldError("valid_until", "must be an ISO 8601 date or time"))
        return default
    try:
        if len(raw) == 10:
            found = datetime.combine(date.fromisoformat(raw), time(23, 59, 59), UTC)
        else:
            found = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        errors.append(FieldError("valid_until", "must be an ISO 8601 date or time"))
        return default
    if found.tzinfo is None:
        found = found.replace(tzinfo=UTC)
    if found <= now:
        errors.append(FieldError("valid_until", "must be in the future"))
    return found.astimezone(UTC)


def _documents(raw: Any, errors: list[FieldError]) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_DOCUMENTS:
        errors.append(FieldError("documents", f"must be a list of at most {MAX_DOCUMENTS}"))
        return []
    out: list[dict[str, Any]] = []
    for i, doc in enumerate(raw):
        where = f"documents.{i}"
        if not isinstance(doc, Mapping):
            errors.append(FieldError(where, "must be an FtM entity: schema and properties"))
            continue
        found: list[FieldError] = []
        schema, props = validate_entity(f"doc-{i}", doc.get("schema"), doc.get("properties"), found)
        errors.extend(FieldError(f"{where}.{e.field}", e.reason) for e in found)
        if schema is None or found:
            continue
        if not schema.is_a("Identification"):
            errors.append(FieldError(f"{where}.schema", "must be a Passport or an Identification"))
        elif not props.get("number"):
            errors.append(FieldError(f"{where}.properties.number", "a document needs its number"))
        else:
            out.append({"schema": schema.name, "properties": props})
    return out


def create_notice(node: Node, principal: Principal, data: Mapping[str, Any]) -> Notice:
    """Draft a notice in the caller's agency's name. Every problem is named: a field the type
    requires and the details lack (`details.arrest_warrant`), an unknown type, a bad subject
    property, a country that is none."""
    if not isinstance(data, Mapping):
        raise ValidationError(FieldError("body", "must be a JSON object"))
    errors = [FieldError(k, "unknown key") for k in sorted(set(data) - _KEYS)]
    kind = parse_type(data.get("type"))
    spec = type_spec(kind)
    now = datetime.now(UTC).replace(microsecond=0)
    notice_id = f"ntc-{secrets.token_hex(16)}"
    details, problems = check_details(kind, data.get("details"))
    errors.extend(problems)
    purpose = data.get("purpose") or spec.purpose
    if purpose not in purposes():
        errors.append(FieldError("purpose", f"{purpose!r} is not a purpose code"))
    crime_area = data.get("crime_area")
    envelope_in = data.get("envelope") or {}
    if not isinstance(envelope_in, Mapping):
        errors.append(FieldError("envelope", "must be an object of envelope values"))
        envelope_in = {}
    errors.extend(
        FieldError(f"envelope.{k}", "not settable on a notice's subject")
        for k in sorted(set(envelope_in) - _ENVELOPE_KEYS)
    )
    if not isinstance(crime_area, str) or not crime_area:
        errors.append(FieldError("crime_area", "is required"))
        crime_area = ""
    distribution, problems = parse_distribution(data.get("distribution"), kind, is_country)
    errors.extend(problems)
    valid_until = _valid_until(data.get("valid_until"), kind, now, errors)
    documents = _documents(data.get("documents"), errors)
    action = data.get("requested_action") or spec.action
    if not isinstance(action, str) or len(action) > 2000:
        errors.append(FieldError("requested_action", "text of at most 2000 characters"))
        action = spec.action
    subject = data.get("subject")
    record = None
    if not isinstance(subject, Mapping):
        errors.append(FieldError("subject", "give the subject: an FtM entity (schema, properties)"))
    else:
        errors.extend(
            FieldError(f"subject.{k}", "unknown key")
            for k in sorted(set(subject) - {"schema", "properties"})
        )
        is_person = subject.get("schema") in PERSON_SCHEMATA
        accord = {
            "subject_category": spec.subject_category if is_person else None,
            "crime_areas": [crime_area] if crime_area else [],
            **{k: v for k, v in envelope_in.items() if k in _ENVELOPE_KEYS},
            "created_at": now.isoformat(),
            "updated_at": now.isoformat(),
        }
        try:
            record = parse_record(
                {
                    "id": notice_id,
                    "schema": subject.get("schema"),
                    "properties": subject.get("properties"),
                    "accord": accord,
                },
                {"owner": principal.agency},
                now=now,
            )
        except ValidationError as exc:
            for e in exc.errors:
                if e.field.startswith("accord."):
                    name = "envelope." + e.field.removeprefix("accord.")
                else:
                    name = f"subject.{e.field}"
                errors.append(FieldError(name, e.reason))
        else:
            if not record.properties:
                errors.append(FieldError("subject.properties", "say something of the subject"))
    if errors:
        raise ValidationError(errors)
    assert record is not None
    values = {
        "notice_id": notice_id,
        "origin": None,
        "issuing_agency": principal.agency,
        "type": kind.value,
        "subject_schema": record.schema,
        "subject": {"schema": record.schema, "properties": record.properties},
        "caption": caption_of(record.schema, record.properties)[:500],
        "documents": documents,
        "details": details,
        "requested_action": action.strip() or spec.action,
        "purpose": purpose,
        "crime_area": crime_area,
        "envelope": record.envelope.to_dict(),
        "distribution": distribution.to_dict(),
        "terms": None,
        "valid_until": valid_until,
        "created_at": now,
        "created_by": principal.label,
    }
    with node.engine.begin() as conn:
        pk = store.insert_notice(conn, values)
        store.add_transition(conn, pk, NoticeStatus.DRAFT.value, now, principal.label, {})
        record_event(
            conn,
            Event.NOTICE,
            principal,
            {
                "step": "created",
                "notice_id": notice_id,
                "type": kind.value,
                "subject": [record.schema, values["caption"]],
                "distribution": values["distribution"],
                "valid_until": valid_until.isoformat(),
            },
        )
    return get_notice(node, principal, notice_id, ledger=False)


def _load(conn: Connection, row: NoticeRow) -> Notice:
    return Notice(row, store.transitions(conn, row.pk), store.recipients(conn, row.pk))


def get_notice(node: Node, principal: Principal, notice_id: str, *, ledger: bool = True) -> Notice:
    """One notice with its history; the read goes to the ledger."""
    with node.engine.begin() as conn:
        row = store.get_notice(conn, notice_id)
        if row is None:
            raise NotFound(f"no notice {notice_id!r}")
        found = _load(conn, row)
        if ledger:
            record_event(conn, Event.NOTICE_READ, principal, {"notices": [notice_id]})
    return found


def _db_statuses(status: NoticeStatus | None) -> tuple[str, ...]:
    if status is None:
        return ()
    if status is NoticeStatus.EXPIRED:
        return ("published", "suspended", "expired")
    return (status.value,)


def list_notices(
    node: Node,
    principal: Principal,
    *,
    status: str | None = None,
    kind: str | None = None,
    received: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Notice]:
    """Notices, newest first (issued here and received); the listing goes to the ledger."""
    wanted = parse_status(status) if status is not None else None
    type_code = parse_type(kind).value if kind is not None else None
    if not 1 <= limit <= MAX_LIST:
        raise ValidationError(FieldError("limit", f"between 1 and {MAX_LIST}"))
    now = datetime.now(UTC)
    with node.engine.begin() as conn:
        rows = store.list_notices(
            conn,
            statuses=_db_statuses(wanted),
            kind=type_code,
            received=received,
            limit=limit,
            offset=offset,
        )
        found = [_load(conn, r) for r in rows]
        if wanted is not None:
            found = [n for n in found if n.status(now) is wanted]
        if found:
            record_event(
                conn,
                Event.NOTICE_READ,
                principal,
                {"notices": [n.row.notice_id for n in found]},
            )
    return found


def _change(
    node: Node,
    principal: Principal,
    notice_id: str,
    target: NoticeStatus,
    reason: str | None = None,
) -> Notice:
    reason = (reason or "").strip()[:2000] or None
    now = datetime.now(UTC).replace(microsecond=0)
    with node.engine.begin() as conn:
        row = store.lock_notice(conn, notice_id)
        if row is None:
            raise NotFound(f"no notice {notice_id!r}")
        if row.origin is not None:
            raise Forbidden(
                f"this notice was issued by {row.issuing_agency}: only its issuer changes it"
            )
        if row.issuing_agency != principal.agency:
            raise Forbidden(f"only {row.issuing_agency} changes its notices")
        current = effective_status(NoticeStatus(row.status), row.valid_until, now)
        check_transition(current, target)
        history = store.transitions(conn, row.pk)
        first_publication = target is NoticeStatus.PUBLISHED and not any(
            t.status == NoticeStatus.PUBLISHED.value for t in history
        )
        details = {"reason": reason} if reason else {}
        store.add_transition(conn, row.pk, target.value, now, principal.label, details)
        record_event(
            conn,
            Event.NOTICE,
            principal,
            {"step": target.value, "notice_id": notice_id, "type": row.type, "reason": reason},
        )
        row = store.get_notice(conn, notice_id)
        assert row is not None
        if target is NoticeStatus.PUBLISHED:
            watchlist.activate(conn, node, row, now)
            if first_publication:
                notice_exchange.distribute(conn, node, row, now, principal)
            else:
                notice_exchange.propagate_status(conn, node, row, target, reason, now)
        else:
            store.drop_keys(conn, row.pk)
            notice_exchange.propagate_status(conn, node, row, target, reason, now)
        found = _load(conn, row)
    return found


def publish_notice(node: Node, principal: Principal, notice_id: str) -> Notice:
    """Publish a draft (or a suspended notice again): on the watchlist at once, checked against
    the records held, and on a first publication sent to the partners of its distribution."""
    return _change(node, principal, notice_id, NoticeStatus.PUBLISHED)


def suspend_notice(
    node: Node, principal: Principal, notice_id: str, reason: str | None = None
) -> Notice:
    """Suspend a published notice: it stops alerting at once, here and at its recipients."""
    return _change(node, principal, notice_id, NoticeStatus.SUSPENDED, reason)


def cancel_notice(
    node: Node, principal: Principal, notice_id: str, reason: str | None = None
) -> Notice:
    """Cancel a notice for good: it stops alerting at once, here and at its recipients."""
    return _change(node, principal, notice_id, NoticeStatus.CANCELLED, reason)


def expire_due(node: Node, now: datetime | None = None) -> int:
    """Write the expiry of every notice whose validity has ended (it stopped alerting when its
    `valid_until` passed: matching reads the time); returns how many."""
    now = now or datetime.now(UTC)
    actor = f"system:notices@{node.agency}"
    count = 0
    with node.engine.begin() as conn:
        for row in store.due_to_expire(conn, now):
            if NoticeStatus(row.status) in FINAL:
                continue
            try:
                check_transition(NoticeStatus(row.status), NoticeStatus.EXPIRED)
            except IllegalTransition:
                continue
            store.add_transition(conn, row.pk, NoticeStatus.EXPIRED.value, now, actor, {})
            store.drop_keys(conn, row.pk)
            record_event(
                conn,
                Event.NOTICE,
                actor,
                {"step": "expired", "notice_id": row.notice_id, "type": row.type},
            )
            count += 1
    return count
