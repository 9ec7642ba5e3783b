"""/taxii2/ — the TAXII 2.1 server (OASIS TAXII Version 2.1): discovery, the API root,
collections, objects, manifest, versions and status. Every answer is
`application/taxii+json;version=2.1`; a request that accepts no TAXII 2.1 media type is
refused with 406 and a POST of another content type with 415 (§1.6.8). Errors take TAXII's
error shape (§3.6.1, `accord.api.errors`). Authentication: the node's API tokens, as bearer or
as the password of HTTP Basic (for clients that speak only Basic)."""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Header, Path, Query, Request, Response

from accord.api.deps import CurrentNode, CurrentPrincipal
from accord.errors import AccordError
from accord.services import taxii as service
from accord.services.taxii import MEDIA_TYPE, STIX_MEDIA_TYPE, Page, timestamp

__all__ = ["NotAcceptable", "UnsupportedMediaType", "router"]

router = APIRouter(prefix="/taxii2", tags=["taxii"])


class NotAcceptable(AccordError):
    status = 406
    code = "not_acceptable"


class UnsupportedMediaType(AccordError):
    status = 415
    code = "unsupported_media_type"


class ContentTooLarge(AccordError):
    status = 413
    code = "body_too_large"


def _media(value: str) -> tuple[str, dict[str, str]]:
    kind, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for part in rest.split(";"):
        key, _, val = part.partition("=")
        if key.strip():
            params[key.strip().lower()] = val.strip().strip('"')
    return kind.strip().lower(), params


def _accepts(accept: str | None) -> None:
    """§1.6.8: a TAXII 2.1 media type, `application/taxii+json` without a version, or any."""
    if accept is None:
        return
    for item in accept.split(","):
        kind, params = _media(item)
        if kind in ("*/*", "application/*"):
            return
        if kind == "application/taxii+json" and params.get("version", "2.1") == "2.1":
            return
    raise NotAcceptable(f"this server answers {MEDIA_TYPE} only")


Accept = Annotated[str | None, Header()]
Root = Annotated[str, Path(max_length=100)]
CollectionId = Annotated[str, Path(max_length=64)]
ObjectId = Annotated[str, Path(max_length=200)]
Limit = Annotated[int | None, Query(description="Objects per page (§3.7).")]
Next = Annotated[str | None, Query(max_length=500, description="The `next` of the last page.")]
AddedAfter = Annotated[str | None, Query(max_length=40, description="§3.5.")]
MatchId = Annotated[list[str] | None, Query(alias="match[id]", description="§3.6.")]
MatchType = Annotated[list[str] | None, Query(alias="match[type]", description="§3.6.")]
MatchVersion = Annotated[list[str] | None, Query(alias="match[version]", description="§3.6.")]
MatchSpec = Annotated[list[str] | None, Query(alias="match[spec_version]", description="§3.6.")]


def _json(
    data: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    import json

    return Response(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=headers,
    )


def _added_headers(page: Page) -> dict[str, str]:
    """§3.4.1: X-TAXII-Date-Added-First and -Last of the objects returned."""
    first, last = page.first_added, page.last_added
    if first is None or last is None:
        return {}
    return {
        "X-TAXII-Date-Added-First": timestamp(first),
        "X-TAXII-Date-Added-Last": timestamp(last),
    }


def _envelope(page: Page) -> dict[str, Any]:
    out: dict[str, Any] = {"more": page.more}
    if page.next:
        out["next"] = page.next
    if page.rows:
        out["objects"] = [r.data() for r in page.rows]
    return out


@router.get("/", response_class=Response)
def discovery(node: CurrentNode, principal: CurrentPrincipal, accept: Accept = None) -> Response:
    """Server discovery (TAXII 2.1 §4.1): the API roots of this server."""
    _accepts(accept)
    return _json(service.discovery(node))


@router.get("/{api_root}/", response_class=Response)
def api_root(
    api_root: Root, node: CurrentNode, principal: CurrentPrincipal, accept: Accept = None
) -> Response:
    """Get API root information (TAXII 2.1 §4.2)."""
    _accepts(accept)
    return _json(service.api_root_info(node, api_root))


@router.get("/{api_root}/status/{status_id}/", response_class=Response)
def get_status(
    api_root: Root,
    status_id: Annotated[str, Path(max_length=64)],
    node: CurrentNode,
    principal: CurrentPrincipal,
    accept: Accept = None,
) -> Response:
    """Get status (TAXII 2.1 §4.3): the outcome of a POST of objects."""
    _accepts(accept)
    found = service.get_status(node, principal, api_root, status_id)
    return _json(service.status_dict(found))


@router.get("/{api_root}/collections/", response_class=Response)
def collections(
    api_root: Root, node: CurrentNode, principal: CurrentPrincipal, accept: Accept = None
) -> Response:
    """Get collections (TAXII 2.1 §5.1): those the caller may read or write."""
    _accepts(accept)
    return _json(service.list_collections(node, principal, api_root))


@router.get("/{api_root}/collections/{collection_id}/", response_class=Response)
def collection(
    api_root: Root,
    collection_id: CollectionId,
    node: CurrentNode,
    principal: CurrentPrincipal,
    accept: Accept = None,
) -> Response:
    """Get a collection (TAXII 2.1 §5.2)."""
    _accepts(accept)
    return _json(service.collection_info(node, principal, api_root, collection_id))


def _filter(
    added_after: str | None,
    match_id: list[str] | None,
    match_type: list[str] | None,
    match_version: list[str] | None,
    match_spec: list[str] | None,
) -> Any:
    return service.parse_filter(
        added_after=added_after,
        ids=match_id,
        types=match_type,
        versions=match_version,
        spec_versions=match_spec,
    )


@router.get("/{api_root}/collections/{collection_id}/manifest/", response_class=Response)
def get_manifest(
    api_root: Root,
    collection_id: CollectionId,
    node: CurrentNode,
    principal: CurrentPrincipal,
    accept: Accept = None,
    limit: Limit = None,
    next: Next = None,
    added_after: AddedAfter = None,
    match_id: MatchId = None,
    match_type: MatchType = None,
    match_version: MatchVersion = None,
    match_spec: MatchSpec = None,
) -> Response:
    """Get object manifests (TAXII 2.1 §5.3): id, date added, version and media type of each
    object version the caller may see."""
    _accepts(accept)
    f = _filter(added_after, match_id, match_type, match_version, match_spec)
    page = service.manifest(
        node, principal, api_root, collection_id, f, limit=limit, next_token=next
    )
    out: dict[str, Any] = {"more": page.more}
    if page.next:
        out["next"] = page.next
    if page.rows:
        out["objects"] = [
            {
                "id": r.stix_id,
                "date_added": timestamp(r.date_added),
                "version": r.version or timestamp(r.date_added),
                "media_type": STIX_MEDIA_TYPE,
            }
            for r in page.rows
        ]
    return _json(out, headers=_added_headers(page))


@router.get("/{api_root}/collections/{collection_id}/objects/", response_class=Response)
def get_objects(
    api_root: Root,
    collection_id: CollectionId,
    node: CurrentNode,
    principal: CurrentPrincipal,
    accept: Accept = None,
    limit: Limit = None,
    next: Next = None,
    added_after: AddedAfter = None,
    match_id: MatchId = None,
    match_type: MatchType = None,
    match_version: MatchVersion = None,
    match_spec: MatchSpec = None,
) -> Response:
    """Get objects (TAXII 2.1 §5.4): a page of the collection's objects the caller may see,
    in the order they were added, with `more` and `next` (§3.7)."""
    _accepts(accept)
    f = _filter(added_after, match_id, match_type, match_version, match_spec)
    page = service.objects_page(
        node, principal, api_root, collection_id, f, limit=limit, next_token=next
    )
    return _json(_envelope(page), headers=_added_headers(page))


@router.post(
    "/{api_root}/collections/{collection_id}/objects/", response_class=Response, status_code=202
)
async def add_objects(
    request: Request,
    api_root: Root,
    collection_id: CollectionId,
    node: CurrentNode,
    principal: CurrentPrincipal,
    accept: Accept = None,
    content_type: Annotated[str | None, Header()] = None,
) -> Response:
    """Add objects (TAXII 2.1 §5.5): a TAXII envelope of STIX objects; answered with a
    status resource (202), which names each object stored and each refused, and why."""
    _accepts(accept)
    kind, params = _media(content_type or "")
    if kind != "application/taxii+json" or params.get("version", "2.1") != "2.1":
        raise UnsupportedMediaType(f"send the objects as {MEDIA_TYPE}")
    limit = node.settings.taxii_max_content_bytes
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise ContentTooLarge(f"the body is larger than max_content_length ({limit} bytes)")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise ContentTooLarge(f"the body is larger than max_content_length ({limit} bytes)")
    status = await anyio.to_thread.run_sync(
        service.add_objects, node, principal, api_root, collection_id, bytes(body)
    )
    return _json(service.status_dict(status), status=202)


@router.get("/{api_root}/collections/{collection_id}/objects/{object_id}/", response_class=Response)
def get_object(
    api_root: Root,
    collection_id: CollectionId,
    object_id: ObjectId,
    node: CurrentNode,
    principal: CurrentPrincipal,
    accept: Accept = None,
    limit: Limit = None,
    next: Next = None,
    added_after: AddedAfter = None,
    match_version: MatchVersion = None,
    match_spec: MatchSpec = None,
) -> Response:
    """Get an object (TAXII 2.1 §5.6): its versions as `match[version]` asks (the latest by
    default)."""
    _accepts(accept)
    f = _filter(added_after, None, None, match_version, match_spec)
    page = service.one_object(
        node, principal, api_root, collection_id, object_id, f, limit=limit, next_token=next
    )
    return _json(_envelope(page), headers=_added_headers(page))


@router.get(
    "/{api_root}/collections/{collection_id}/objects/{object_id}/versions/",
    response_class=Response,
)
def get_versions(
    api_root: Root,
    collection_id: CollectionId,
    object_id: ObjectId,
    node: CurrentNode,
    principal: CurrentPrincipal,
    accept: Accept = None,
    limit: Limit = None,
    next: Next = None,
    added_after: AddedAfter = None,
    match_spec: MatchSpec = None,
) -> Response:
    """Get object versions (TAXII 2.1 §5.8): every version the caller may see."""
    _accepts(accept)
    f = _filter(added_after, None, None, None, match_spec)
    page = service.object_versions(
        node, principal, api_root, collection_id, object_id, f, limit=limit, next_token=next
    )
    out: dict[str, Any] = {"more": page.more}
    if page.next:
        out["next"] = page.next
    if page.rows:
        out["versions"] = [r.version or timestamp(r.date_added) for r in page.rows]
    return _json(out, headers=_added_headers(page))


@router.delete(
    "/{api_root}/collections/{collection_id}/objects/{object_id}/",
    response_class=Response,
)
def delete_object(
    api_root: Root,
    collection_id: CollectionId,
    object_id: ObjectId,
    node: CurrentNode,
    principal: CurrentPrincipal,
    accept: Accept = None,
    match_version: MatchVersion = None,
    match_spec: MatchSpec = None,
) -> Response:
    """Delete an object (TAXII 2.1 §5.7): the versions `match[version]` names (every version
    when absent) and `match[spec_version]` selects, of the caller's agency's own objects;
    200 with no body."""
    _accepts(accept)
    service.delete_object(
        node,
        principal,
        api_root,
        collection_id,
        object_id,
        versions=match_version,
        spec_versions=match_spec,
    )
    return Response(status_code=200)
