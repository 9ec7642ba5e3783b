"""TAXII 2.1 use cases (OASIS TAXII Version 2.1, Committee Specification 01): collections as
views governed by the agreements, objects paged, added, read, and status resources.

A collection is a view over the node's STIX objects (of some types, or all), with the purpose
and crime area its partners' reads are for and the roles that may read and write it. A
partner's client (a `taxii_client` token acting for an agency) sees in it only what `release`
lets go to that agency: TLP:RED never, and only what the agreements allow for the
collection's purpose; each page it reads is a disclosure in the ledger. The node's own users
see every object of the view, each read in the ledger too. A collection a caller may not read
is refused with 403 and says nothing of what it holds."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from accord.errors import FieldError, Forbidden, NotFound, ValidationError
from accord.model import EnvelopeDefaults, Principal, crime_areas
from accord.policy.codes import purposes
from accord.services.audit import Event, record_event
from accord.services.node import Node
from accord.services.purpose import Purpose
from accord.services.stix import governed, import_objects
from accord.store import stix as store
from accord.store.stix import CollectionRow, ObjectFilter, ObjectRow, StatusRow

__all__ = [
    "API_ROOT",
    "MEDIA_TYPE",
    "STIX_MEDIA_TYPE",
    "Page",
    "add_objects",
    "all_collections",
    "api_root_info",
    "collection_info",
    "create_collection",
    "delete_collection",
    "delete_object",
    "discovery",
    "get_status",
    "list_collections",
    "manifest",
    "object_versions",
    "objects_page",
    "one_object",
    "parse_filter",
    "timestamp",
]

#: The one API root this node serves (TAXII 2.1 §4.2).
API_ROOT = "accord"
MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
DEFAULT_LIMIT = 100


def timestamp(at: datetime) -> str:
    """A TAXII timestamp (§3.2): RFC 3339 in UTC with microseconds and `Z`."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def discovery(node: Node) -> dict[str, Any]:
    """The discovery resource (§4.1.1)."""
    root = f"/taxii2/{API_ROOT}/"
    return {
        "title": f"Accord node {node.agency}",
        "description": "STIX 2.1 objects governed by the agreements of this node's agency.",
        "contact": node.agency,
        "default": root,
        "api_roots": [root],
    }


def api_root_info(node: Node, api_root: str) -> dict[str, Any]:
    """The API root resource (§4.2.1)."""
    _root(api_root)
    return {
        "title": f"Accord {node.agency}",
        "description": "Collections are views over the node's STIX objects.",
        "versions": [MEDIA_TYPE],
        "max_content_length": node.settings.taxii_max_content_bytes,
    }


def _root(api_root: str) -> None:
    if api_root != API_ROOT:
        raise NotFound(f"no API root {api_root!r}")


# --- collections -------------------------------------------------------------------------------


def create_collection(
    node: Node,
    actor: Principal,
    *,
    title: str,
    purpose: str,
    crime_area: str,
    types: Sequence[str] = (),
    description: str | None = None,
    read_roles: Sequence[str] = ("analyst", "investigator", "liaison_officer", "taxii_client"),
    write_roles: Sequence[str] = ("analyst", "investigator"),
    collection_id: str | None = None,
) -> CollectionRow:
    """A new collection; its creation goes to the ledger."""
    from accord.auth import Role

    errors: list[FieldError] = []
    if not title.strip() or len(title) > 200:
        errors.append(FieldError("title", "is required, at most 200 characters"))
    if purpose not in purposes():
        errors.append(FieldError("purpose", f"{purpose!r} is not a purpose code"))
    if crime_area not in crime_areas():
        errors.append(FieldError("crime_area", f"unknown crime-area code {crime_area!r}"))
    roles = {r.value for r in Role}
    for field, names in (("read_role", read_roles), ("write_role", write_roles)):
        for name in names:
            if name not in roles:
                errors.append(FieldError(field, f"unknown role {name!r}"))
    if errors:
        raise ValidationError(errors)
    row = CollectionRow(
        id=collection_id or str(uuid.uuid4()),
        title=title.strip(),
        description=description,
        types=sorted(set(types)) or None,
        purpose=purpose,
        crime_area=crime_area,
        read_roles=sorted(set(read_roles)),
        write_roles=sorted(set(write_roles)),
        created_at=datetime.now(UTC),
    )
    with node.engine.begin() as conn:
        store.insert_collection(conn, row)
        record_event(
            conn,
            Event.TAXII_COLLECTION,
            actor,
            {
                "step": "created",
                "id": row.id,
                "title": row.title,
                "types": row.types,
                "purpose": purpose,
                "crime_area": crime_area,
                "read_roles": row.read_roles,
                "write_roles": row.write_roles,
            },
        )
    return row


def delete_collection(node: Node, actor: Principal, collection_id: str) -> None:
    """Remove a collection (a view: no object goes with it)."""
    with node.engine.begin() as conn:
        if not store.delete_collection(conn, collection_id):
            raise NotFound(f"no collection {collection_id!r}")
        record_event(conn, Event.TAXII_COLLECTION, actor, {"step": "deleted", "id": collection_id})


def _can(principal: Principal, roles: Sequence[str]) -> bool:
    return bool(principal.roles & set(roles))


def _collection_dict(c: CollectionRow, principal: Principal) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": c.id,
        "title": c.title,
        "can_read": _can(principal, c.read_roles),
        "can_write": _can(principal, c.write_roles),
        "media_types": [STIX_MEDIA_TYPE],
    }
    if c.description:
        out["description"] = c.description
    return out


def all_collections(node: Node) -> list[CollectionRow]:
    """Every collection, for the node's administrator."""
    with node.engine.connect() as conn:
        return store.list_collections(conn)


def list_collections(node: Node, principal: Principal, api_root: str) -> dict[str, Any]:
    """The collections resource (§5.1.1): those the caller may read or write."""
    _root(api_root)
    with node.engine.connect() as conn:
        rows = store.list_collections(conn)
    shown = [
        _collection_dict(c, principal)
        for c in rows
        if _can(principal, c.read_roles) or _can(principal, c.write_roles)
    ]
    return {"collections": shown} if shown else {}


def _collection(
    conn: Any, principal: Principal, api_root: str, collection_id: str
) -> CollectionRow:
    _root(api_root)
    c = store.get_collection(conn, collection_id)
    if c is None:
        raise NotFound(f"no collection {collection_id!r}")
    if not (_can(principal, c.read_roles) or _can(principal, c.write_roles)):
        raise Forbidden("this collection is not open to you")
    return c


def collection_info(
    node: Node, principal: Principal, api_root: str, collection_id: str
) -> dict[str, Any]:
    """One collection resource (§5.2.1)."""
    with node.engine.connect() as conn:
        return _collection_dict(_collection(conn, principal, api_root, collection_id), principal)


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    """One page of objects, manifest entries or versions as allowed to the caller."""

    rows: list[ObjectRow]
    more: bool
    next: str | None

    @property
    def first_added(self) -> datetime | None:
        return min((r.date_added for r in self.rows), default=None)

    @property
    def last_added(self) -> datetime | None:
        return max((r.date_added for r in self.rows), default=None)


def _split(values: Sequence[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for v in values or ():
        out.extend(p.strip() for p in v.split(",") if p.strip())
    return tuple(dict.fromkeys(out))


def parse_filter(
    *,
    added_after: str | None,
    ids: Sequence[str] | None,
    types: Sequence[str] | None,
    versions: Sequence[str] | None,
    spec_versions: Sequence[str] | None,
) -> ObjectFilter:
    """TAXII's URL filters (§3.5, §3.6): `added_after`, `match[id]`, `match[type]`,
    `match[version]` (`last` when absent), `match[spec_version]`."""
    after: datetime | None = None
    if added_after is not None:
        try:
            after = datetime.fromisoformat(added_after.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(
                FieldError("added_after", f"{added_after!r} is not a TAXII timestamp")
            ) from None
        after = after if after.tzinfo else after.replace(tzinfo=UTC)
    wanted = _split(versions) or ("last",)
    for v in wanted:
        if v not in ("first", "last", "all"):
            try:
                datetime.fromisoformat(v.replace("Z", "+00:00"))
            except ValueError:
                raise ValidationError(
                    FieldError("match[version]", f"{v!r} is not first, last, all or a timestamp")
                ) from None
    return ObjectFilter(
        types=_split(types),
        ids=_split(ids),
        versions=wanted,
        spec_versions=_split(spec_versions),
        added_after=after,
    )


def _digest(c: CollectionRow, f: ObjectFilter, kind: str) -> str:
    blob = json.dumps(
        [
            c.id,
            kind,
            f.types,
            f.ids,
            f.versions,
            f.spec_versions,
            f.added_after.isoformat() if f.added_after else None,
        ],
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _cursor(next_token: str | None, digest: str) -> int:
    if next_token is None:
        return 0
    try:
        raw = base64.urlsafe_b64decode(next_token + "=" * (-len(next_token) % 4))
        after, seen = json.loads(raw)
        after = int(after)
    except (ValueError, TypeError, json.JSONDecodeError):
        raise ValidationError(FieldError("next", "is not a token this server gave")) from None
    if seen != digest:
        raise ValidationError(
            FieldError("next", "was given for other filters; ask again from the first page")
        )
    return after


def _token(after: int, digest: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([after, digest]).encode()).decode().rstrip("=")


def _limit(node: Node, limit: int | None) -> int:
    top = node.settings.taxii_max_page
    if limit is None:
        return min(DEFAULT_LIMIT, top)
    if not 1 <= limit <= top:
        raise ValidationError(FieldError("limit", f"must be from 1 to {top}"))
    return limit


def _view(c: CollectionRow, f: ObjectFilter) -> ObjectFilter:
    """The caller's filters within the collection's types."""
    if not c.types:
        return f
    types = tuple(t for t in f.types if t in c.types) if f.types else tuple(c.types)
    return ObjectFilter(
        types=types or ("\x00none",),
        ids=f.ids,
        versions=f.versions,
        spec_versions=f.spec_versions,
        added_after=f.added_after,
        after_pk=f.after_pk,
    )


def _page(
    node: Node,
    principal: Principal,
    api_root: str,
    collection_id: str,
    f: ObjectFilter,
    *,
    limit: int | None,
    next_token: str | None,
    kind: str,
) -> Page:
    size = _limit(node, limit)
    with node.engine.begin() as conn:
        c = _collection(conn, principal, api_root, collection_id)
        if not _can(principal, c.read_roles):
            raise Forbidden("this collection is not open to you for reading")
        digest = _digest(c, f, kind)
        after = _cursor(next_token, digest)
        view = _view(c, f)
        rows = store.select_objects(
            conn,
            ObjectFilter(
                types=view.types,
                ids=view.ids,
                versions=view.versions,
                spec_versions=view.spec_versions,
                added_after=view.added_after,
                after_pk=after,
            ),
            size + 1,
        )
        more = len(rows) > size
        rows = rows[:size]
        cursor = rows[-1].pk if rows else after
        shown = _allowed(conn, node, principal, c, rows, channel=f"taxii_{kind}")
    return Page(rows=shown, more=more, next=_token(cursor, digest) if more else None)


def _allowed(
    conn: Any,
    node: Node,
    principal: Principal,
    c: CollectionRow,
    rows: list[ObjectRow],
    *,
    channel: str,
) -> list[ObjectRow]:
    """The rows the caller may see; the read (or the disclosure) goes to the ledger."""
    if not rows:
        return []
    if principal.acts_for is not None:
        allowed, _ = governed(
            conn,
            node,
            rows,
            recipient=principal.acts_for,
            purpose=Purpose(c.purpose, f"TAXII collection {c.id}", c.crime_area),
            channel=channel,
            actor=principal,
        )
        return allowed
    record_event(
        conn,
        Event.STIX_READ,
        principal,
        {
            "collection": c.id,
            "channel": channel,
            "objects": [[r.owner, r.stix_id, r.version] for r in rows],
        },
    )
    return rows


def objects_page(
    node: Node,
    principal: Principal,
    api_root: str,
    collection_id: str,
    f: ObjectFilter,
    *,
    limit: int | None = None,
    next_token: str | None = None,
) -> Page:
    """A page of the collection's objects (§5.4)."""
    return _page(
        node,
        principal,
        api_root,
        collection_id,
        f,
        limit=limit,
        next_token=next_token,
        kind="objects",
    )


def manifest(
    node: Node,
    principal: Principal,
    api_root: str,
    collection_id: str,
    f: ObjectFilter,
    *,
    limit: int | None = None,
    next_token: str | None = None,
) -> Page:
    """A page of the collection's manifest (§5.3): which object versions it holds."""
    return _page(
        node,
        principal,
        api_root,
        collection_id,
        f,
        limit=limit,
        next_token=next_token,
        kind="manifest",
    )


def one_object(
    node: Node,
    principal: Principal,
    api_root: str,
    collection_id: str,
    object_id: str,
    f: ObjectFilter,
    *,
    limit: int | None = None,
    next_token: str | None = None,
) -> Page:
    """One object's versions as filtered (§5.6); 404 when none is there for the caller."""
    scoped = ObjectFilter(
        ids=(object_id,),
        versions=f.versions,
        spec_versions=f.spec_versions,
        added_after=f.added_after,
    )
    page = _page(
        node,
        principal,
        api_root,
        collection_id,
        scoped,
        limit=limit,
        next_token=next_token,
        kind="object",
    )
    if not page.rows and next_token is None:
        raise NotFound(f"no object {object_id!r} in this collection")
    return page


def object_versions(
    node: Node,
    principal: Principal,
    api_root: str,
    collection_id: str,
    object_id: str,
    f: ObjectFilter,
    *,
    limit: int | None = None,
    next_token: str | None = None,
) -> Page:
    """Every version of one object (§5.8), as the caller may see them."""
    scoped = ObjectFilter(
        ids=(object_id,),
        versions=("all",),
        spec_versions=f.spec_versions,
        added_after=f.added_after,
    )
    page = _page(
        node,
        principal,
        api_root,
        collection_id,
        scoped,
        limit=limit,
        next_token=next_token,
        kind="versions",
    )
    if not page.rows and next_token is None:
        raise NotFound(f"no object {object_id!r} in this collection")
    return page


# --- writing -----------------------------------------------------------------------------------


def add_objects(
    node: Node,
    principal: Principal,
    api_root: str,
    collection_id: str,
    body: bytes,
) -> StatusRow:
    """Add the objects of a TAXII envelope (§5.5); the status resource says, per object,
    whether it was stored (or was already) and why not."""
    with node.engine.connect() as conn:
        c = _collection(conn, principal, api_root, collection_id)
    if not _can(principal, c.write_roles):
        raise Forbidden("this collection is not open to you for writing")
    owner = principal.acts_for or principal.agency
    writer = Principal(
        subject=principal.subject,
        agency=owner,
        kind=principal.kind,
        roles=principal.roles,
        scopes=principal.scopes,
        acts_for=principal.acts_for,
    )
    requested = datetime.now(UTC)
    report = import_objects(
        node,
        writer,
        body,
        defaults=EnvelopeDefaults(owner=owner),
        source=f"taxii:{c.id}",
        now=requested,
    )
    successes = [
        {"id": i, "version": v, **({"message": "stored already"} if s == "exists" else {})}
        for s, i, v in report.stored
    ]
    failures = [
        {
            "id": o.id or f"objects[{o.index}]",
            "version": o.version,
            "message": "; ".join(str(e) for e in o.errors),
        }
        for o in report.outcomes
        if o.status == "refused"
    ]
    status = StatusRow(
        id=str(uuid.uuid4()),
        collection_id=c.id,
        agency=principal.acts_for or principal.agency,
        request_timestamp=requested,
        total_count=report.objects,
        success_count=len(successes),
        failure_count=len(failures),
        successes=successes,
        failures=failures,
    )
    with node.engine.begin() as conn:
        store.insert_status(conn, status)
    return status


#: Most versions of one object one delete removes.
_MAX_DELETE = 10_000


def delete_object(
    node: Node,
    principal: Principal,
    api_root: str,
    collection_id: str,
    object_id: str,
    *,
    versions: Sequence[str] | None = None,
    spec_versions: Sequence[str] | None = None,
) -> int:
    """Delete An Object (§5.7): the versions of `object_id` in the collection's view that
    `match[version]` (every version when absent) and `match[spec_version]` select. The
    caller needs the collection's read and write roles, and removes only what its agency
    owns: an object another agency owns is answered 404 as if it were not there. The versions
    removed are kept for auditors (`stix_deleted`) and named in the ledger; returns how many."""
    f = parse_filter(
        added_after=None,
        ids=None,
        types=None,
        versions=_split(versions) or ("all",),
        spec_versions=spec_versions,
    )
    owner = principal.acts_for or principal.agency
    now = datetime.now(UTC)
    with node.engine.begin() as conn:
        c = _collection(conn, principal, api_root, collection_id)
        if not (_can(principal, c.read_roles) and _can(principal, c.write_roles)):
            raise Forbidden("this collection is not open to you for deleting")
        view = _view(
            c,
            ObjectFilter(ids=(object_id,), versions=f.versions, spec_versions=f.spec_versions),
        )
        rows = [r for r in store.select_objects(conn, view, _MAX_DELETE) if r.owner == owner]
        if not rows:
            raise NotFound(f"no object {object_id!r} in this collection")
        store.delete_versions(conn, rows, actor=principal.label, at=now)
        record_event(
            conn,
            Event.STIX_DELETE,
            principal,
            {
                "collection": c.id,
                "id": object_id,
                "for": owner,
                "match_version": list(f.versions),
                "match_spec_version": list(f.spec_versions),
                "objects": [[r.owner, r.stix_id, r.version] for r in rows],
            },
        )
    return len(rows)


def get_status(node: Node, principal: Principal, api_root: str, status_id: str) -> StatusRow:
    """A status resource (§4.3), to the agency that posted the objects only."""
    _root(api_root)
    with node.engine.connect() as conn:
        found = store.get_status(conn, status_id)
    if found is None or found.agency != (principal.acts_for or principal.agency):
        raise NotFound(f"no status {status_id!r}")
    return found


def status_dict(s: StatusRow) -> dict[str, Any]:
    """The status resource's JSON (§4.3.1)."""
    return {
        "id": s.id,
        "status": "complete",
        "request_timestamp": timestamp(s.request_timestamp),
        "total_count": s.total_count,
        "success_count": s.success_count,
        "successes": s.successes,
        "failure_count": s.failure_count,
        "failures": s.failures,
        "pending_count": 0,
        "pendings": [],
    }
