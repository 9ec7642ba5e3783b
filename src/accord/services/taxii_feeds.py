"""Feeds: external TAXII 2.1 collections this node pulls and imports (docs/stix.md).

A pull asks for the objects added after the last complete pull (`added_after`), page by page
with `next`, and imports each page as `accord stix import` does (envelope from the feed's
flags, TLP from the markings). After each page it keeps the `next` token and the latest
date_added seen: a pull that fails resumes from its last page, and only a pull that reached
the last page moves `added_after` on. The feed's token is read from the environment variable
the feed names and is never stored or logged."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from accord.errors import Conflict, FieldError, NotFound, ValidationError
from accord.interop.taxii_client import FeedError, fetch_page
from accord.model import EnvelopeDefaults, Principal
from accord.services.audit import Event, record_event
from accord.services.ingest import check_batch
from accord.services.node import Node
from accord.services.stix import import_objects
from accord.store import stix as store
from accord.store.stix import FeedRow

__all__ = ["PullResult", "add_feed", "list_feeds", "pull_feed"]

PAGE = 500


def add_feed(
    node: Node,
    actor: Principal,
    *,
    name: str,
    url: str,
    collection_id: str,
    token_env: str | None = None,
    envelope: dict[str, Any] | None = None,
    added_after: str | None = None,
) -> FeedRow:
    """Register a feed; its envelope flags are checked as an import's are."""
    errors: list[FieldError] = []
    if not name.strip() or len(name) > 100:
        errors.append(FieldError("name", "is required, at most 100 characters"))
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        errors.append(FieldError("url", "must be the http(s) URL of a TAXII 2.1 API root"))
    if not collection_id.strip():
        errors.append(FieldError("collection", "is required"))
    if token_env is not None and not token_env.replace("_", "").isalnum():
        errors.append(FieldError("token_env", "must be the name of an environment variable"))
    if errors:
        raise ValidationError(errors)
    values = {k: v for k, v in (envelope or {}).items() if v is not None}
    check_batch(values)
    row = FeedRow(
        name=name.strip(),
        url=url,
        collection_id=collection_id.strip(),
        token_env=token_env,
        envelope=values,
        added_after=added_after,
        next_page=None,
        seen_until=None,
        last_pulled_at=None,
        last_error=None,
        created_at=datetime.now(UTC),
    )
    with node.engine.begin() as conn:
        if not store.insert_feed(conn, row):
            raise Conflict(f"a feed named {name!r} exists")
        record_event(
            conn,
            Event.TAXII_FEED,
            actor,
            {"step": "added", "name": row.name, "url": url, "collection": row.collection_id},
        )
    return row


def list_feeds(node: Node) -> list[FeedRow]:
    with node.engine.connect() as conn:
        return store.list_feeds(conn)


@dataclass(slots=True)
class PullResult:
    feed: str
    pages: int = 0
    objects: int = 0
    created: int = 0
    existing: int = 0
    refused: int = 0
    complete: bool = False
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "feed": self.feed,
            "pages": self.pages,
            "objects": self.objects,
            "created": self.created,
            "existing": self.existing,
            "refused": self.refused,
            "complete": self.complete,
            "error": self.error,
        }


def _later(a: str | None, b: str | None) -> str | None:
    if not a or not b:
        return a or b
    return max(a, b)


def pull_feed(
    node: Node,
    actor: Principal,
    name: str,
    *,
    page_size: int = PAGE,
    max_pages: int | None = None,
    **fetch: Any,
) -> PullResult:
    """Pull one feed from where it stopped; the result says how far it got and why it
    stopped. `max_pages` ends the pull early (as a failure would, resumable)."""
    with node.engine.connect() as conn:
        feed = store.get_feed(conn, name)
    if feed is None:
        raise NotFound(f"no feed {name!r}")
    token = os.environ.get(feed.token_env) if feed.token_env else None
    result = PullResult(feed=name)
    env = feed.envelope
    defaults = EnvelopeDefaults(
        owner=actor.agency,
        tlp=env.get("tlp"),
        reliability=env.get("reliability"),
        assessment=env.get("assessment"),
        crime_areas=tuple(env.get("crime_areas") or ()),
    )
    next_token, seen = feed.next_page, feed.seen_until
    while max_pages is None or result.pages < max_pages:
        try:
            page = fetch_page(
                feed.url,
                feed.collection_id,
                token=token,
                limit=page_size,
                added_after=feed.added_after,
                next_token=next_token,
                **fetch,
            )
        except FeedError as exc:
            result.error = str(exc)
            break
        result.pages += 1
        if page.objects:
            report = import_objects(
                node,
                actor,
                json.dumps({"objects": page.objects}),
                defaults=defaults,
                source=f"feed:{name}",
            )
            result.objects += report.objects
            result.created += report.created
            result.existing += report.existing
            result.refused += report.refused
        seen = _later(seen, page.added_last)
        if not page.more:
            result.complete = True
            next_token = None
            break
        if page.next is None:
            # A server that pages by added_after alone: ask for what came after this page.
            if page.added_last is None:
                result.error = "the server says there is more but gives no next token"
                break
            feed = _with_added_after(feed, page.added_last)
        next_token = page.next
        with node.engine.begin() as conn:
            store.update_feed(conn, name, next_page=next_token, seen_until=seen)
    now = datetime.now(UTC)
    with node.engine.begin() as conn:
        if result.complete:
            store.update_feed(
                conn,
                name,
                added_after=_later(feed.added_after, seen),
                next_page=None,
                seen_until=None,
                last_pulled_at=now,
                last_error=None,
            )
        else:
            store.update_feed(
                conn,
                name,
                next_page=next_token,
                seen_until=seen,
                last_pulled_at=now,
                last_error=result.error,
            )
        record_event(conn, Event.TAXII_FEED, actor, {"step": "pulled", **result.to_dict()})
    return result


def _with_added_after(feed: FeedRow, added_after: str | None) -> FeedRow:
    return FeedRow(
        name=feed.name,
        url=feed.url,
        collection_id=feed.collection_id,
        token_env=feed.token_env,
        envelope=feed.envelope,
        added_after=added_after,
        next_page=None,
        seen_until=feed.seen_until,
        last_pulled_at=feed.last_pulled_at,
        last_error=feed.last_error,
        created_at=feed.created_at,
    )
