"""Storage of STIX 2.1 objects (every version), their correlating values, TAXII collections,
status resources and feeds. SQLAlchemy Core on SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.orm import aliased

from accord.store.tables import (
    stix_collections,
    stix_deleted,
    stix_feeds,
    stix_keys,
    stix_objects,
    stix_statuses,
)

__all__ = [
    "CollectionRow",
    "FeedRow",
    "ObjectFilter",
    "ObjectRow",
    "StatusRow",
    "count_key_holders",
    "delete_collection",
    "delete_versions",
    "existing_versions",
    "get_collection",
    "get_feed",
    "get_status",
    "insert_collection",
    "insert_feed",
    "insert_objects",
    "insert_status",
    "key_holders",
    "keys_of",
    "list_collections",
    "list_feeds",
    "select_objects",
    "stored_definitions",
    "update_feed",
]


@dataclass(frozen=True, slots=True)
class ObjectRow:
    pk: int
    owner: str
    stix_id: str
    type: str
    spec_version: str
    version: str
    modified_at: datetime | None
    date_added: datetime
    body: str
    tlp: str
    envelope: dict[str, Any]
    policy_schema: str
    ftm_id: str | None

    def data(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.body)
        return loaded


def _object(row: Row[Any]) -> ObjectRow:
    return ObjectRow(
        pk=row.pk,
        owner=row.owner,
        stix_id=row.stix_id,
        type=row.type,
        spec_version=row.spec_version,
        version=row.version,
        modified_at=row.modified_at,
        date_added=row.date_added,
        body=row.body,
        tlp=row.tlp,
        envelope=row.envelope,
        policy_schema=row.policy_schema,
        ftm_id=row.ftm_id,
    )


def existing_versions(
    conn: Connection, owner: str, pairs: Iterable[tuple[str, str]]
) -> set[tuple[str, str]]:
    """The (stix id, version) pairs among `pairs` already stored for `owner`."""
    wanted = set(pairs)
    ids = sorted({i for i, _ in wanted})
    found: set[tuple[str, str]] = set()
    c = stix_objects.c
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = conn.execute(
            select(c.stix_id, c.version).where(c.owner == owner, c.stix_id.in_(chunk))
        )
        found |= {(r.stix_id, r.version) for r in rows if (r.stix_id, r.version) in wanted}
    return found


def stored_definitions(conn: Connection, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The latest stored version of each marking or extension definition among `ids`."""
    wanted = sorted(set(ids))
    out: dict[str, dict[str, Any]] = {}
    c = stix_objects.c
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = conn.execute(
            select(c.stix_id, c.body).where(c.stix_id.in_(chunk)).order_by(c.pk)
        ).all()
        for r in rows:
            out[r.stix_id] = json.loads(r.body)
    return out


def insert_objects(
    conn: Connection, rows: Sequence[dict[str, Any]], keys: Sequence[set[tuple[str, str]]]
) -> list[int]:
    """Insert object versions (and their correlating values); returns their pks in order."""
    if not rows:
        return []
    # One INSERT … RETURNING for the batch on both backends, the pks in the rows' order.
    result = conn.execute(
        insert(stix_objects).returning(stix_objects.c.pk, sort_by_parameter_order=True),
        list(rows),
    )
    pks = [int(r.pk) for r in result]
    key_rows = [
        {"object_pk": pk, "kind": kind, "value": value}
        for pk, found in zip(pks, keys, strict=True)
        for kind, value in found
    ]
    if key_rows:
        conn.execute(insert(stix_keys), key_rows)
    return pks


@dataclass(frozen=True, slots=True)
class ObjectFilter:
    """TAXII's filters (§3.6): types, ids, versions (`last`, `first`, `all` or timestamps),
    spec versions, added after; `after_pk` is the page cursor."""

    types: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    versions: tuple[str, ...] = ("last",)
    spec_versions: tuple[str, ...] = ()
    added_after: datetime | None = None
    after_pk: int = 0


def select_objects(conn: Connection, f: ObjectFilter, limit: int) -> list[ObjectRow]:
    """Up to `limit` stored object versions matching `f`, in the order they were added."""
    c = stix_objects.c
    q = select(stix_objects).where(c.pk > f.after_pk)
    if f.types:
        q = q.where(c.type.in_(f.types))
    if f.ids:
        q = q.where(c.stix_id.in_(f.ids))
    if f.spec_versions:
        q = q.where(c.spec_version.in_(f.spec_versions))
    if f.added_after is not None:
        q = q.where(c.date_added > f.added_after)
    versions = set(f.versions)
    if "all" not in versions:
        other = aliased(stix_objects)
        conditions = []
        stamps = [v for v in versions if v not in ("first", "last")]
        if "last" in versions:
            newer = exists().where(
                other.c.stix_id == c.stix_id,
                other.c.owner == c.owner,
                or_(
                    other.c.modified_at > c.modified_at,
                    and_(other.c.modified_at == c.modified_at, other.c.pk > c.pk),
                ),
            )
            conditions.append(~newer)
        if "first" in versions:
            older = exists().where(
                other.c.stix_id == c.stix_id,
                other.c.owner == c.owner,
                or_(
                    other.c.modified_at < c.modified_at,
                    and_(other.c.modified_at == c.modified_at, other.c.pk < c.pk),
                ),
            )
            conditions.append(~older)
        if stamps:
            conditions.append(c.version.in_(stamps))
        q = q.where(or_(*conditions))
    rows = conn.execute(q.order_by(c.pk).limit(limit)).all()
    return [_object(r) for r in rows]


def delete_versions(
    conn: Connection, rows: Sequence[ObjectRow], *, actor: str, at: datetime
) -> None:
    """Remove object versions (TAXII 2.1 §5.7): each is kept as it was in `stix_deleted`,
    with who removed it and when; it leaves reads, manifests and correlation."""
    if not rows:
        return
    conn.execute(
        insert(stix_deleted),
        [
            {
                "pk": r.pk,
                "owner": r.owner,
                "stix_id": r.stix_id,
                "type": r.type,
                "spec_version": r.spec_version,
                "version": r.version,
                "date_added": r.date_added,
                "body": r.body,
                "tlp": r.tlp,
                "envelope": r.envelope,
                "deleted_at": at,
                "deleted_by": actor,
            }
            for r in rows
        ],
    )
    pks = [r.pk for r in rows]
    conn.execute(delete(stix_keys).where(stix_keys.c.object_pk.in_(pks)))
    conn.execute(delete(stix_objects).where(stix_objects.c.pk.in_(pks)))


def keys_of(conn: Connection, pk: int) -> set[tuple[str, str]]:
    c = stix_keys.c
    return {
        (r.kind, r.value) for r in conn.execute(select(c.kind, c.value).where(c.object_pk == pk))
    }


def key_holders(
    conn: Connection, kind: str, value: str, limit: int, exclude_id: str | None = None
) -> list[ObjectRow]:
    """Up to `limit` latest versions of other STIX objects holding the value."""
    c = stix_objects.c
    k = stix_keys.c
    q = (
        select(stix_objects)
        .join(stix_keys, k.object_pk == c.pk)
        .where(k.kind == kind, k.value == value)
    )
    if exclude_id is not None:
        q = q.where(c.stix_id != exclude_id)
    rows = conn.execute(q.order_by(c.pk.desc()).limit(limit * 4)).all()
    seen: dict[str, ObjectRow] = {}
    for r in rows:
        if r.stix_id not in seen:
            seen[r.stix_id] = _object(r)
    return list(seen.values())[:limit]


def count_key_holders(conn: Connection, kind: str, value: str, cap: int) -> int:
    """How many object versions hold the value, counted up to `cap` + 1."""
    k = stix_keys.c
    inner = select(k.object_pk).where(k.kind == kind, k.value == value).limit(cap + 1)
    return int(conn.execute(select(func.count()).select_from(inner.subquery())).scalar_one())


@dataclass(frozen=True, slots=True)
class CollectionRow:
    id: str
    title: str
    description: str | None
    types: list[str] | None
    purpose: str
    crime_area: str
    read_roles: list[str]
    write_roles: list[str]
    created_at: datetime


def _collection(row: Row[Any]) -> CollectionRow:
    return CollectionRow(
        id=row.id,
        title=row.title,
        description=row.description,
        types=row.types,
        purpose=row.purpose,
        crime_area=row.crime_area,
        read_roles=list(row.read_roles),
        write_roles=list(row.write_roles),
        created_at=row.created_at,
    )


def insert_collection(conn: Connection, row: CollectionRow) -> None:
    conn.execute(
        insert(stix_collections).values(
            id=row.id,
            title=row.title,
            description=row.description,
            types=row.types,
            purpose=row.purpose,
            crime_area=row.crime_area,
            read_roles=row.read_roles,
            write_roles=row.write_roles,
            created_at=row.created_at,
        )
    )


def get_collection(conn: Connection, collection_id: str) -> CollectionRow | None:
    row = conn.execute(select(stix_collections).where(stix_collections.c.id == collection_id))
    found = row.first()
    return _collection(found) if found is not None else None


def list_collections(conn: Connection) -> list[CollectionRow]:
    rows = conn.execute(select(stix_collections).order_by(stix_collections.c.created_at))
    return [_collection(r) for r in rows]


def delete_collection(conn: Connection, collection_id: str) -> bool:
    done = conn.execute(delete(stix_collections).where(stix_collections.c.id == collection_id))
    return bool(done.rowcount)


@dataclass(frozen=True, slots=True)
class StatusRow:
    id: str
    collection_id: str
    agency: str
    request_timestamp: datetime
    total_count: int
    success_count: int
    failure_count: int
    successes: list[dict[str, Any]]
    failures: list[dict[str, Any]]


def insert_status(conn: Connection, s: StatusRow) -> None:
    conn.execute(
        insert(stix_statuses).values(
            id=s.id,
            collection_id=s.collection_id,
            agency=s.agency,
            request_timestamp=s.request_timestamp,
            total_count=s.total_count,
            success_count=s.success_count,
            failure_count=s.failure_count,
            successes=s.successes,
            failures=s.failures,
        )
    )


def get_status(conn: Connection, status_id: str) -> StatusRow | None:
    found = conn.execute(select(stix_statuses).where(stix_statuses.c.id == status_id)).first()
    if found is None:
        return None
    return StatusRow(
        id=found.id,
        collection_id=found.collection_id,
        agency=found.agency,
        request_timestamp=found.request_timestamp,
        total_count=found.total_count,
        success_count=found.success_count,
        failure_count=found.failure_count,
        successes=list(found.successes),
        failures=list(found.failures),
    )


@dataclass(frozen=True, slots=True)
class FeedRow:
    name: str
    url: str
    collection_id: str
    token_env: str | None
    envelope: dict[str, Any]
    added_after: str | None
    next_page: str | None
    seen_until: str | None
    last_pulled_at: datetime | None
    last_error: str | None
    created_at: datetime


def _feed(row: Row[Any]) -> FeedRow:
    return FeedRow(
        name=row.name,
        url=row.url,
        collection_id=row.collection_id,
        token_env=row.token_env,
        envelope=dict(row.envelope),
        added_after=row.added_after,
        next_page=row.next_page,
        seen_until=row.seen_until,
        last_pulled_at=row.last_pulled_at,
        last_error=row.last_error,
        created_at=row.created_at,
    )


def insert_feed(conn: Connection, f: FeedRow) -> bool:
    """False when a feed of that name exists."""
    if conn.execute(select(stix_feeds.c.name).where(stix_feeds.c.name == f.name)).first():
        return False
    conn.execute(
        insert(stix_feeds).values(
            name=f.name,
            url=f.url,
            collection_id=f.collection_id,
            token_env=f.token_env,
            envelope=f.envelope,
            added_after=f.added_after,
            next_page=f.next_page,
            seen_until=f.seen_until,
            last_pulled_at=f.last_pulled_at,
            last_error=f.last_error,
            created_at=f.created_at,
        )
    )
    return True


def get_feed(conn: Connection, name: str) -> FeedRow | None:
    found = conn.execute(select(stix_feeds).where(stix_feeds.c.name == name)).first()
    return _feed(found) if found is not None else None


def list_feeds(conn: Connection) -> list[FeedRow]:
    return [_feed(r) for r in conn.execute(select(stix_feeds).order_by(stix_feeds.c.name))]


def update_feed(conn: Connection, name: str, **values: Any) -> None:
    conn.execute(update(stix_feeds).where(stix_feeds.c.name == name).values(**values))
