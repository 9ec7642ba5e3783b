"""Record use cases: create, read, update, withdraw, history, list. Only the owner agency
writes; every read of record content, single or bulk, goes to the ledger in the transaction
that read it.

Changes of one record run one after another: the change reads the record under a lock
(`store.lock_record`) and applies itself only to the version it read (`store.replace_record`
and `store.mark_deleted` are guarded by the version). A change that still finds the record
moved on is computed again from the new version, a few times, then refused with 409; a client
that names the version it saw (`If-Match`) gets 412 when the record is no longer there."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection

from accord.errors import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    PreconditionFailed,
    ValidationError,
)
from accord.model import Principal, Record, RecordLimits, caption_of, parse_record
from accord.services import watchlist
from accord.services.audit import Event, record_event
from accord.services.node import Node
from accord.store import records as store
from accord.store.records import StaleRecord, StoredRecord

__all__ = [
    "MAX_LIST",
    "MAX_OFFSET",
    "create_record",
    "delete_record",
    "get_record",
    "list_records",
    "read_record",
    "record_history",
    "record_limits",
    "reindex_keys",
    "update_record",
]

#: Most records one listing returns.
MAX_LIST = 500
#: Deepest offset a listing accepts.
MAX_OFFSET = store.MAX_OFFSET
#: How often a change is computed again when another change of the record came first.
_ATTEMPTS = 5

_T = TypeVar("_T")


def record_limits(node: Node) -> RecordLimits:
    """The node's configured limits on one record's size (ACCORD_RECORD_MAX_*)."""
    s = node.settings
    return RecordLimits(max_values=s.record_max_values, max_value_length=s.record_max_value_length)


def _one(
    conn: Any, entity_id: str, owner: str | None, *, include_deleted: bool = False
) -> StoredRecord:
    found = store.get_record(conn, entity_id, owner, include_deleted=include_deleted)
    if not found:
        raise NotFound(f"no record {entity_id!r}")
    if len(found) > 1:
        owners = ", ".join(s.record.owner for s in found)
        raise Conflict(f"record {entity_id!r} exists for several owners ({owners}); name the owner")
    return found[0]


def create_record(node: Node, principal: Principal, data: Mapping[str, Any]) -> Record:
    """Create one record owned by the caller's agency (409 if the id exists)."""
    now = datetime.now(UTC)
    record = parse_record(data, {"owner": principal.agency}, now=now, limits=record_limits(node))
    if record.owner != principal.agency:
        raise Forbidden(f"records owned by {record.owner} can only be created by {record.owner}")
    caption = caption_of(record.schema, record.properties)
    keys = _record_keys(record)
    with node.engine.begin() as conn:
        # Insert-or-nothing rather than look-then-insert: two concurrent creates of one id give
        # one record and one 409, not a database error.
        if store.insert_new_records(conn, [(record, caption, keys)]):
            raise Conflict(f"record {record.id!r} of {record.owner} exists; update it instead")
        record_event(conn, Event.RECORD_CREATE, principal, _ref(record))
        _watch(conn, node, principal, record, keys, now)
    return record


def _watch(
    conn: Connection,
    node: Node,
    principal: Principal,
    record: Record,
    keys: set[tuple[str, str]],
    now: datetime,
) -> None:
    """Match a new or changed record against the watchlist, in the transaction that wrote it."""
    candidate = watchlist.Candidate(record, watchlist.record_watch_keys(record.schema, keys))
    watchlist.check_records(conn, node, [candidate], now, principal.label)


def _ref(record: Record) -> dict[str, Any]:
    env = record.envelope
    return {"owner": record.owner, "id": record.id, "schema": record.schema, "version": env.version}


def get_record(
    node: Node, principal: Principal, entity_id: str, owner: str | None = None
) -> Record:
    """Read one record; the read goes to the ledger."""
    return read_record(node, principal, entity_id, owner)[0]


def read_record(
    node: Node, principal: Principal, entity_id: str, owner: str | None = None
) -> tuple[Record, str]:
    """Read one record and its stored caption; the read goes to the ledger."""
    with node.engine.begin() as conn:
        stored = _one(conn, entity_id, owner)
        record_event(conn, Event.RECORD_READ, principal, _ref(stored.record))
        return stored.record, stored.caption


def _locked(
    conn: Connection,
    principal: Principal,
    entity_id: str,
    owner: str | None,
    expected_version: int | None,
    verb: str,
) -> StoredRecord:
    """The caller's own record, locked for its change; 404, 403 or 412 otherwise."""
    if owner is not None and owner != principal.agency:
        _one(conn, entity_id, owner)  # 404 when there is none to refuse
        raise Forbidden(f"only {owner} may {verb} record {entity_id!r}")
    current = store.lock_record(conn, principal.agency, entity_id)
    if current is None or current.deleted:
        raise NotFound(f"no record {entity_id!r}")
    seen = current.record.envelope.version
    if expected_version is not None and seen != expected_version:
        raise PreconditionFailed(
            f"record {entity_id!r} is at version {seen}, not {expected_version} (If-Match); "
            "read it again and reapply the change"
        )
    return current


def _serialised(entity_id: str, attempt: Callable[[], _T]) -> _T:
    for _ in range(_ATTEMPTS):
        try:
            return attempt()
        except StaleRecord:
            continue
    raise Conflict(
        f"record {entity_id!r} kept changing while this change was applied; read it again and retry"
    )


def _check_changes(changes: Mapping[str, Any]) -> None:
    unknown = sorted(set(changes) - {"properties", "accord"})
    if unknown:
        raise ValidationError(
            [FieldError(k, "cannot be changed; send properties or accord") for k in unknown]
        )
    env_changes = changes.get("accord") or {}
    if not isinstance(env_changes, Mapping):
        raise ValidationError(FieldError("accord", "must be an object of envelope values"))
    for fixed in ("created_at", "updated_at", "version"):
        if fixed in env_changes:
            raise ValidationError(FieldError(f"accord.{fixed}", "is set by the node"))
    if not isinstance(changes.get("properties") or {}, Mapping):
        raise ValidationError(FieldError("properties", "must be an object"))


def _changed(
    old: Record, changes: Mapping[str, Any], now: datetime, limits: RecordLimits
) -> Record:
    """The next version of `old` with `changes` applied."""
    env_changes = dict(changes.get("accord") or {})
    if "owner" in env_changes and env_changes["owner"] != old.owner:
        raise ValidationError(FieldError("accord.owner", "the owner of a record cannot change"))
    props = {k: list(v) for k, v in old.properties.items()}
    for name, values in (changes.get("properties") or {}).items():
        props[name] = values
    envelope = old.envelope.to_dict()
    envelope.update(env_changes)
    envelope.update(updated_at=now.isoformat(), version=old.envelope.version + 1)
    if "review_by" not in env_changes:
        envelope["review_by"] = old.envelope.review_by.isoformat()
    data = {"id": old.id, "schema": old.schema, "properties": props, "accord": envelope}
    return parse_record(data, {}, now=now, limits=limits)


def update_record(
    node: Node,
    principal: Principal,
    entity_id: str,
    changes: Mapping[str, Any],
    owner: str | None = None,
    *,
    expected_version: int | None = None,
) -> Record:
    """Apply a partial change: `properties` given replace those properties (an empty list
    removes one); `accord` keys replace envelope values. The old version goes to history.

    `expected_version`: apply only if the record is still at this version (412 otherwise)."""
    _check_changes(changes)
    limits = record_limits(node)

    def attempt() -> Record:
        now = datetime.now(UTC)
        with node.engine.begin() as conn:
            current = _locked(conn, principal, entity_id, owner, expected_version, "change")
            record = _changed(current.record, changes, now, limits)
            caption = caption_of(record.schema, record.properties)
            keys = _record_keys(record)
            store.replace_record(conn, current.pk, record, caption, keys, actor=principal.label)
            record_event(
                conn, Event.RECORD_UPDATE, principal, {**_ref(record), "changed": sorted(changes)}
            )
            _watch(conn, node, principal, record, keys, now)
        return record

    return _serialised(entity_id, attempt)


def delete_record(
    node: Node,
    principal: Principal,
    entity_id: str,
    owner: str | None = None,
    *,
    expected_version: int | None = None,
) -> None:
    """Withdraw a record: gone from search and reads, its versions kept for auditors."""

    def attempt() -> None:
        now = datetime.now(UTC)
        with node.engine.begin() as conn:
            current = _locked(conn, principal, entity_id, owner, expected_version, "delete")
            seen = current.record.envelope.version
            store.mark_deleted(conn, current.pk, actor=principal.label, at=now, version=seen)
            record_event(conn, Event.RECORD_DELETE, principal, _ref(current.record))

    _serialised(entity_id, attempt)


def record_history(
    node: Node, principal: Principal, entity_id: str, owner: str | None = None
) -> list[dict[str, Any]]:
    """Superseded versions, oldest first; a withdrawn record's too (its last entry is the
    `delete`), since auditors answer for what a record said before it was withdrawn."""
    with node.engine.begin() as conn:
        current = _one(conn, entity_id, owner, include_deleted=True)
        past = store.history(conn, current.pk)
        record_event(
            conn,
            Event.RECORD_READ,
            principal,
            {
                **_ref(current.record),
                "history": [h["version"] for h in past],
                "withdrawn": current.deleted,
            },
        )
        return past


def list_records(
    node: Node, principal: Principal, schema: str | None, limit: int, offset: int
) -> list[Record]:
    """The node's current records, newest first. The listing, and the id and version of
    every record it returned, go to the ledger as one entry."""
    errors = []
    if not 1 <= limit <= MAX_LIST:
        errors.append(FieldError("limit", f"must be between 1 and {MAX_LIST}"))
    if not 0 <= offset <= MAX_OFFSET:
        errors.append(FieldError("offset", f"must be between 0 and {MAX_OFFSET}"))
    if errors:
        raise ValidationError(errors)
    with node.engine.begin() as conn:
        found = [s.record for s in store.list_records(conn, schema, limit, offset)]
        record_event(
            conn,
            Event.RECORD_READ,
            principal,
            {
                "list": {"schema": schema, "limit": limit, "offset": offset},
                "records": [[r.owner, r.id, r.envelope.version] for r in found],
            },
        )
    return found


def _record_keys(record: Record) -> set[tuple[str, str]]:
    # followthemoney is imported where records are written; a read does not need it.
    from accord.matching import record_keys

    return record_keys(record.schema, record.properties)


def reindex_keys(
    node: Node,
    principal: Principal,
    *,
    batch: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Recompute every current record's search keys and matching view (after the key rules
    or the name analysis change, e.g. when the matcher's keys were added), a batch per
    transaction; returns how many records were
    reindexed. The records themselves are not changed; the ledger records the act and the
    count (a reindex reads record content)."""
    done = 0
    after = 0
    while True:
        with node.engine.begin() as conn:
            rows = store.live_batch(conn, after, batch)
            if not rows:
                break
            store.replace_keys(conn, [(r.pk, _record_keys(r.record)) for r in rows])
            store.replace_views(conn, [(r.pk, r.record) for r in rows])
        after = rows[-1].pk
        done += len(rows)
        if progress is not None:
            progress(len(rows))
    with node.engine.begin() as conn:
        record_event(conn, Event.REINDEX, principal, {"records": done})
    return done
