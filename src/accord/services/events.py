"""The event stream: events for an agency, persisted, and woken across processes.

An event is a row of the `events` table, written in the transaction of the change it
announces (an alert): it exists exactly when the change does, and its id orders the stream,
so a client that reconnects with `Last-Event-ID` gets what it missed from the table.

Waking the streams: on PostgreSQL the writing transaction also sends `NOTIFY accord_events`
(delivered on commit, to every process that listens: every API worker of the node); each
process keeps one listening connection and wakes its open streams, which then read the
table. On SQLite (one process, the embedded mode) streams poll the table. Decision 0021."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Connection

from accord.node import Node
from accord.store import notices as store
from accord.store.notices import EventRow

__all__ = [
    "CHANNEL",
    "EventHub",
    "events_after",
    "hub_for",
    "last_event_id",
    "prune_events",
    "publish_event",
    "publish_events",
]

log = structlog.get_logger("accord.events")

#: The PostgreSQL notification channel.
CHANNEL = "accord_events"
#: How often a stream reads the table when nothing woke it (SQLite; and a safety net).
POLL_SECONDS = 0.5
#: How long a stream on PostgreSQL waits for a notification before it reads the table anyway.
_LISTEN_FALLBACK = 5.0


def publish_event(
    conn: Connection, agency: str, kind: str, payload: dict[str, Any], at: datetime | None = None
) -> int:
    """Persist an event for `agency` in the caller's transaction (and, on PostgreSQL, notify
    the node's other processes when it commits); returns its id."""
    event_id = store.insert_event(conn, agency, kind, payload, at or datetime.now(UTC))
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_notify(%s, %s)", (CHANNEL, f"{agency}:{event_id}"))
    return event_id


def publish_events(
    conn: Connection, events: Sequence[tuple[str, str, dict[str, Any], datetime]]
) -> None:
    """Several events (agency, kind, payload, at) at once, in the caller's transaction: one
    statement, and on PostgreSQL one notification per agency (a stream reads every event
    after its last id, so one wake-up serves them all)."""
    if not events:
        return
    store.insert_events(conn, events)
    if conn.dialect.name == "postgresql":
        for agency in sorted({e[0] for e in events}):
            last = store.last_event_id(conn, agency)
            conn.exec_driver_sql("SELECT pg_notify(%s, %s)", (CHANNEL, f"{agency}:{last}"))


def prune_events(node: Node, now: datetime | None = None) -> int:
    """Remove the events older than `ACCORD_EVENTS_RETENTION_DAYS` (a bounded number per
    call, oldest first); how many went. The outbox worker calls it each round."""
    now = now or datetime.now(UTC)
    before = now - timedelta(days=node.settings.events_retention_days)
    with node.engine.begin() as conn:
        return store.prune_events(conn, before)


def events_after(node: Node, agency: str, after: int, limit: int = 100) -> list[EventRow]:
    with node.engine.connect() as conn:
        return store.events_after(conn, agency, after, limit)


def last_event_id(node: Node, agency: str) -> int:
    with node.engine.connect() as conn:
        return store.last_event_id(conn, agency)


class EventHub:
    """Wakes this process's open streams when an event may have been written.

    On PostgreSQL a daemon thread holds one connection that LISTENs on `CHANNEL` and sets
    every waiting stream's asyncio event from its loop's thread; without it (SQLite) a
    stream's wait is a poll interval."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._listening = threading.Event()
        self._thread: threading.Thread | None = None
        if node.engine.dialect.name == "postgresql":
            self._thread = threading.Thread(target=self._listen, name="accord-events", daemon=True)
            self._thread.start()

    @property
    def listens(self) -> bool:
        return self._thread is not None

    def wait_listening(self, timeout: float = 5.0) -> bool:
        """Whether the listening connection is up (tests; SQLite: always false)."""
        return self._listening.wait(timeout) if self.listens else False

    def _listen(self) -> None:
        import psycopg

        url = self.node.engine.url.set(drivername="postgresql")
        dsn = url.render_as_string(hide_password=False)
        while True:
            try:
                with psycopg.connect(dsn, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._listening.set()
                    self.wake()  # events written while we were not listening
                    for _ in conn.notifies():
                        self.wake()
            except Exception:  # the database restarted: listen again shortly
                self._listening.clear()
                log.warning("event listener lost its connection; reconnecting", exc_info=True)
                threading.Event().wait(1.0)

    def wake(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            with contextlib.suppress(RuntimeError):  # the loop has closed
                loop.call_soon_threadsafe(event.set)

    async def wait(self, timeout: float) -> None:
        """Until an event may have been written, or `timeout` seconds."""
        if not self.listens:
            await asyncio.sleep(min(timeout, POLL_SECONDS))
            return
        event = asyncio.Event()
        entry = (asyncio.get_running_loop(), event)
        with self._lock:
            self._waiters.add(entry)
        try:
            await asyncio.wait_for(event.wait(), min(timeout, _LISTEN_FALLBACK))
        except TimeoutError:
            pass
        finally:
            with self._lock:
                self._waiters.discard(entry)


_HUB_LOCK = threading.Lock()


def hub_for(node: Node) -> EventHub:
    """The process's hub for `node` (made on first use)."""
    with _HUB_LOCK:
        hub: EventHub | None = node.cache.get("event_hub")
        if hub is None:
            hub = EventHub(node)
            node.cache["event_hub"] = hub
        return hub
