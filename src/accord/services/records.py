"""Record use cases: create, read, update, withdraw, history. Only the owner agency writes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from accord.errors import Conflict, FieldError, Forbidden, NotFound, ValidationError
from accord.matching import record_keys
from accord.model import Principal, Record, caption_of, parse_record
from accord.services.audit import Event, record_event
from accord.services.node import Node
from accord.store import records as store
from accord.store.records import StoredRecord

__all__ = [
    "create_record",
    "delete_record",
    "get_record",
    "list_records",
    "record_history",
    "update_record",
]


def _one(conn: Any, entity_id: str, owner: str | None) -> StoredRecord:
    found = store.get_record(conn, entity_id, owner)
    if not found:
        raise NotFound(f"no record {entity_id!r}")
    if len(found) > 1:
        owners = ", ".join(s.record.owner for s in found)
        raise Conflict(f"record {entity_id!r} exists for several owners ({owners}); name the owner")
    return found[0]


def create_record(node: Node, principal: Principal, data: Mapping[str, Any]) -> Record:
    """Create one record owned by the caller's agency (409 if the id exists)."""
    now = datetime.now(UTC)
    record = parse_record(data, {"owner": principal.agency}, now=now)
    if record.owner != principal.agency:
        raise Forbidden(f"records owned by {record.owner} can only be created by {record.owner}")
    caption = caption_of(record.schema, record.properties)
    keys = record_keys(record.schema, record.properties)
    with node.engine.begin() as conn:
        # Insert-or-nothing rather than look-then-insert: two concurrent creates of one id give
        # one record and one 409, not a database error.
        if store.insert_new_records(conn, [(record, caption, keys)]):
            raise Conflict(f"record {record.id!r} of {record.owner} exists; update it instead")
        record_event(conn, Event.RECORD_CREATE, principal, _ref(record))
    return record


def _ref(record: Record) -> dict[str, Any]:
    env = record.envelope
    return {"owner": record.owner, "id": record.id, "schema": record.schema, "version": env.version}


def get_record(
    node: Node, principal: Principal, entity_id: str, owner: str | None = None
) -> Record:
    """Read one record; the read goes to the ledger."""
    with node.engine.begin() as conn:
        record = _one(conn, entity_id, owner).record
        record_event(conn, Event.RECORD_READ, principal, _ref(record))
        return record


def update_record(
    node: Node,
    principal: Principal,
    entity_id: str,
    changes: Mapping[str, Any],
    owner: str | None = None,
) -> Record:
    """Apply a partial change: `properties` given replace those properties (an empty list
    removes one); `accord` keys replace envelope values. The old version goes to history."""
    unknown = sorted(set(changes) - {"properties", "accord"})
    if unknown:
        raise ValidationError(
            [FieldError(k, "cannot be changed; send properties or accord") for k in unknown]
        )
    now = datetime.now(UTC)
    with node.engine.begin() as conn:
        current = _one(conn, entity_id, owner or principal.agency)
        old = current.record
        if old.owner != principal.agency:
            raise Forbidden(f"only {old.owner} may change record {entity_id!r}")
        env_changes = dict(changes.get("accord") or {})
        if "owner" in env_changes and env_changes["owner"] != old.owner:
            raise ValidationError(FieldError("accord.owner", "the owner of a record cannot change"))
        for fixed in ("created_at", "updated_at", "version"):
            if fixed in env_changes:
                raise ValidationError(FieldError(f"accord.{fixed}", "is set by the node"))
        props = {k: list(v) for k, v in old.properties.items()}
        new_props = changes.get("properties") or {}
        if not isinstance(new_props, Mapping):
            raise ValidationError(FieldError("properties", "must be an object"))
        for name, values in new_props.items():
            props[name] = values
        envelope = old.envelope.to_dict()
        envelope.update(env_changes)
        envelope.update(updated_at=now.isoformat(), version=old.envelope.version + 1)
        if "review_by" not in env_changes:
            envelope["review_by"] = old.envelope.review_by.isoformat()
        data = {"id": old.id, "schema": old.schema, "properties": props, "accord": envelope}
        record = parse_record(data, {}, now=now)
        caption = caption_of(record.schema, record.properties)
        keys = record_keys(record.schema, record.properties)
        store.replace_record(conn, current.pk, record, caption, keys, actor=principal.label)
        record_event(
            conn, Event.RECORD_UPDATE, principal, {**_ref(record), "changed": sorted(changes)}
        )
    return record


def delete_record(
    node: Node, principal: Principal, entity_id: str, owner: str | None = None
) -> None:
    """Withdraw a record: gone from search and reads, its versions kept for auditors."""
    now = datetime.now(UTC)
    with node.engine.begin() as conn:
        current = _one(conn, entity_id, owner or principal.agency)
        if current.record.owner != principal.agency:
            raise Forbidden(f"only {current.record.owner} may delete record {entity_id!r}")
        store.mark_deleted(conn, current.pk, actor=principal.label, at=now)
        record_event(conn, Event.RECORD_DELETE, principal, _ref(current.record))


def record_history(
    node: Node, principal: Principal, entity_id: str, owner: str | None = None
) -> list[dict[str, Any]]:
    with node.engine.begin() as conn:
        current = _one(conn, entity_id, owner)
        record_event(conn, Event.RECORD_READ, principal, {**_ref(current.record), "history": True})
        return store.history(conn, current.pk)


def list_records(
    node: Node, principal: Principal, schema: str | None, limit: int, offset: int
) -> list[Record]:
    with node.engine.connect() as conn:
        return [s.record for s in store.list_records(conn, schema, limit, offset)]
