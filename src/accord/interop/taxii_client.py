"""A TAXII 2.1 client for the feeds this node pulls (adapter): one page of a collection's
objects over HTTPS (OASIS TAXII 2.1 §5.4), with `added_after`, `limit` and `next`."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["FeedError", "FeedPage", "fetch_page"]

MEDIA_TYPE = "application/taxii+json;version=2.1"


class FeedError(Exception):
    """The feed gave no usable page (network, timeout, a 4xx or 5xx, not TAXII JSON)."""


@dataclass(frozen=True, slots=True)
class FeedPage:
    objects: list[dict[str, Any]]
    more: bool
    next: str | None
    #: X-TAXII-Date-Added-Last of the page (§3.4.1), as the server wrote it.
    added_last: str | None


def fetch_page(
    url: str,
    collection_id: str,
    *,
    token: str | None,
    limit: int,
    added_after: str | None = None,
    next_token: str | None = None,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
) -> FeedPage:
    """One page of objects of `collection_id` at the API root `url`."""
    params: dict[str, Any] = {"limit": limit}
    if added_after:
        params["added_after"] = added_after
    if next_token:
        params["next"] = next_token
    headers = {"Accept": MEDIA_TYPE}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    target = f"{url.rstrip('/')}/collections/{collection_id}/objects/"
    try:
        with httpx.Client(timeout=timeout, transport=transport) as client:
            response = client.get(target, params=params, headers=headers)
    except httpx.HTTPError as exc:
        raise FeedError(f"{type(exc).__name__}: {exc}") from None
    if response.status_code != 200:
        title = ""
        with contextlib.suppress(ValueError, AttributeError):
            title = str(response.json().get("description") or response.json().get("title"))
        raise FeedError(f"HTTP {response.status_code} {title}".strip())
    try:
        body = response.json()
    except ValueError:
        raise FeedError("the answer is not JSON") from None
    if not isinstance(body, dict):
        raise FeedError("the answer is not a TAXII envelope")
    objects = body.get("objects") or []
    if not isinstance(objects, list):
        raise FeedError("the envelope's objects are not a list")
    nxt = body.get("next")
    return FeedPage(
        objects=[o for o in objects if isinstance(o, dict)],
        more=bool(body.get("more")),
        next=str(nxt) if nxt else None,
        added_last=response.headers.get("X-TAXII-Date-Added-Last"),
    )
