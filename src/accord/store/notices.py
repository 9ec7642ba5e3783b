"""Notice, watchlist-key, alert and event storage.

Functions take a Connection inside the caller's transaction: a notice's transition, its
watchlist keys, its outbox messages and its ledger entry commit together, as do a record and
the alerts it raised."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, delete, exists, func, insert, select, update

from accord.store.db import dialect_insert, placeholder
from accord.store.tables import (
    alert_acks,
    alerts,
    events,
    notice_keys,
    notice_recipients,
    notice_transitions,
    notices,
    watchlist_state,
)

__all__ = [
    "AlertRow",
    "EventRow",
    "NoticeRow",
    "TransitionRow",
    "ack_alert",
    "add_recipient",
    "add_transition",
    "drop_keys",
    "due_to_expire",
    "events_after",
    "get_alert",
    "get_notice",
    "has_keys",
    "insert_alerts",
    "insert_event",
    "insert_notice",
    "key_counts",
    "last_event_id",
    "list_alerts",
    "list_notices",
    "lock_notice",
    "notices_by_pk",
    "postings",
    "put_keys",
    "rare_postings",
    "recipients",
    "transitions",
    "watched_postings",
    "watchlist_version",
]

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class NoticeRow:
    pk: int
    notice_id: str
    origin: str | None
    issuing_agency: str
    type: str
    subject_schema: str
    subject: dict[str, Any]
    caption: str
    documents: list[dict[str, Any]]
    details: dict[str, Any]
    requested_action: str
    purpose: str
    crime_area: str
    envelope: dict[str, Any]
    distribution: dict[str, Any]
    terms: dict[str, Any] | None
    valid_until: datetime
    created_at: datetime
    created_by: str
    #: The latest transition's status (before expiry is read into it).
    status: str


@dataclass(frozen=True, slots=True)
class TransitionRow:
    status: str
    at: datetime
    actor: str
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AlertRow:
    id: int
    notice_pk: int
    notice_id: str
    for_agency: str
    notice_agency: str
    holder_agency: str
    hit_key: str
    record_owner: str | None
    record_id: str | None
    record_version: int | None
    record_schema: str
    score: float
    match: dict[str, Any]
    action: str
    source: str
    details: dict[str, Any]
    created_at: datetime
    acked_at: datetime | None = None
    acked_by: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class EventRow:
    id: int
    agency: str
    kind: str
    payload: dict[str, Any]
    created_at: datetime


def _status() -> Any:
    """Each notice's latest transition's status: one indexed look-up per notice read."""
    t = notice_transitions.c
    return (
        select(t.status)
        .where(t.notice_pk == notices.c.pk)
        .order_by(t.pk.desc())
        .limit(1)
        .scalar_subquery()
    )


def _notice_select(status: Any = None) -> Any:
    return select(notices, (status if status is not None else _status()).label("status"))


def _notice(row: Row[Any]) -> NoticeRow:
    m = row._mapping
    return NoticeRow(**{k: m[k] for k in NoticeRow.__slots__})


def insert_notice(conn: Connection, values: dict[str, Any]) -> int:
    pk = conn.execute(insert(notices).returning(notices.c.pk), values).scalar_one()
    return int(pk)


def add_transition(
    conn: Connection, notice_pk: int, status: str, at: datetime, actor: str, details: dict[str, Any]
) -> None:
    conn.execute(
        insert(notice_transitions).values(
            notice_pk=notice_pk, status=status, at=at, actor=actor, details=details
        )
    )


def lock_notice(conn: Connection, notice_id: str) -> NoticeRow | None:
    """The notice, held for the caller's change until its transaction ends, so that changes
    of one notice run one after another (as `store.records.lock_record` does for records)."""
    c = notices.c
    if conn.dialect.name == "sqlite":
        conn.execute(update(notices).where(c.notice_id == notice_id).values(pk=c.pk))
    else:
        conn.execute(select(c.pk).where(c.notice_id == notice_id).with_for_update())
    return get_notice(conn, notice_id)


def get_notice(conn: Connection, notice_id: str) -> NoticeRow | None:
    row = conn.execute(_notice_select().where(notices.c.notice_id == notice_id)).first()
    return None if row is None else _notice(row)


def notices_by_pk(conn: Connection, pks: Iterable[int]) -> dict[int, NoticeRow]:
    wanted = sorted(set(pks))
    found: dict[int, NoticeRow] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        for row in conn.execute(_notice_select().where(notices.c.pk.in_(chunk))):
            found[row.pk] = _notice(row)
    return found


def list_notices(
    conn: Connection,
    *,
    statuses: Sequence[str] = (),
    kind: str | None = None,
    received: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[NoticeRow]:
    """Notices, newest first; `statuses` filters on the latest transition, `received` on
    whether a partner issued them."""
    status = _status()
    stmt = _notice_select(status)
    if statuses:
        stmt = stmt.where(status.in_(list(statuses)))
    if kind is not None:
        stmt = stmt.where(notices.c.type == kind)
    if received is True:
        stmt = stmt.where(notices.c.origin.is_not(None))
    elif received is False:
        stmt = stmt.where(notices.c.origin.is_(None))
    stmt = stmt.order_by(notices.c.created_at.desc(), notices.c.pk.desc())
    return [_notice(r) for r in conn.execute(stmt.limit(limit).offset(offset))]


def due_to_expire(conn: Connection, now: datetime, limit: int = 500) -> list[NoticeRow]:
    """Published or suspended notices whose validity has ended."""
    status = _status()
    stmt = _notice_select(status).where(
        status.in_(["published", "suspended"]), notices.c.valid_until <= now
    )
    return [_notice(r) for r in conn.execute(stmt.order_by(notices.c.pk).limit(limit))]


def transitions(conn: Connection, notice_pk: int) -> list[TransitionRow]:
    t = notice_transitions.c
    stmt = select(t.status, t.at, t.actor, t.details).where(t.notice_pk == notice_pk)
    rows = conn.execute(stmt.order_by(t.pk))
    return [TransitionRow(r.status, r.at, r.actor, r.details) for r in rows]


# --- watchlist keys ---------------------------------------------------------------------------


def put_keys(conn: Connection, notice_pk: int, keys: Iterable[tuple[str, str]]) -> None:
    """Index an active notice's subject (its keys replace any it had)."""
    drop_keys(conn, notice_pk)
    rows = [(notice_pk, kind, value) for kind, value in sorted(set(keys))]
    if rows:
        mark = placeholder(conn)
        sql = f"INSERT INTO notice_keys (notice_pk, kind, value) VALUES ({mark}, {mark}, {mark})"  # noqa: S608
        conn.exec_driver_sql(sql, rows)


def drop_keys(conn: Connection, notice_pk: int) -> None:
    conn.execute(delete(notice_keys).where(notice_keys.c.notice_pk == notice_pk))
    _bump(conn)


#: Notice-key changes this process has written (committed or not): what `watched_postings`
#: remembers is dropped after any, so a change rolled back cannot leave its keys behind.
_written = 0


def _bump(conn: Connection) -> None:
    """The watchlist changed in this transaction (`watchlist_version`)."""
    global _written
    _written += 1
    s = watchlist_state.c
    done = conn.execute(update(watchlist_state).where(s.id == 1).values(version=s.version + 1))
    if not done.rowcount:
        conn.execute(insert(watchlist_state).values(id=1, version=1))


def watchlist_version(conn: Connection) -> int:
    """The watchlist's version: it changes with every committed change of notice keys."""
    s = watchlist_state.c
    return int(conn.execute(select(s.version).where(s.id == 1)).scalar_one_or_none() or 0)


def has_keys(conn: Connection) -> bool:
    """Whether any notice is on the watchlist (one indexed probe: an ingest with an empty
    watchlist pays nothing more)."""
    return bool(conn.execute(select(exists().where(notice_keys.c.kind.is_not(None)))).scalar())


def _by_kind(keys: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, set[str]] = {}
    for kind, value in keys:
        grouped.setdefault(kind, set()).add(value)
    return {kind: sorted(values) for kind, values in grouped.items()}


def key_counts(conn: Connection, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """How many active notices hold each of these keys (keys held by none are absent)."""
    k = notice_keys.c
    found: dict[tuple[str, str], int] = {}
    for kind, values in _by_kind(keys).items():
        for start in range(0, len(values), _CHUNK):
            chunk = values[start : start + _CHUNK]
            stmt = (
                select(k.value, func.count())
                .where(k.kind == kind, k.value.in_(chunk))
                .group_by(k.value)
            )
            found.update(((kind, r[0]), int(r[1])) for r in conn.execute(stmt))
    return found


def postings(conn: Connection, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[int]]:
    """The active notices holding each of these keys."""
    return rare_postings(conn, keys, None)


def rare_postings(
    conn: Connection, keys: Iterable[tuple[str, str]], most: int | None
) -> dict[tuple[str, str], list[int]]:
    """The active notices holding each of these keys, for the keys held by no more than
    `most` notices (all with None). One row a key, its notices joined by the database
    (`group_concat`, `string_agg`), straight from the driver: an ingest reads hundreds of
    thousands of postings, and a row object each cost more than the database's read."""
    found: dict[tuple[str, str], list[int]] = {}
    mark = placeholder(conn)
    joined = (
        "string_agg(notice_pk::text, ',')"
        if conn.dialect.name == "postgresql"
        else "group_concat(notice_pk)"
    )
    having = "" if most is None else f" HAVING count(*) <= {int(most)}"
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        for kind, values in _by_kind(keys).items():
            for start in range(0, len(values), _CHUNK):
                chunk = values[start : start + _CHUNK]
                marks = ", ".join(mark for _ in chunk)
                cursor.execute(
                    # Only placeholders, the aggregate's name and an int are interpolated;
                    # kind and values are parameters.
                    f"SELECT value, {joined} FROM notice_keys "  # noqa: S608
                    f"WHERE kind = {mark} AND value IN ({marks}) GROUP BY value{having}",
                    (kind, *chunk),
                )
                for value, pks in cursor.fetchall():
                    found[(kind, value)] = [int(pk) for pk in pks.split(",")]
    finally:
        cursor.close()
    return found


#: Postings `watched_postings` read, by key (None: no active notice holds the key, or too
#: many do), while the watchlist stays at `_postings_mark`.
_postings: dict[tuple[str, str], list[int] | None] = {}
_postings_mark: tuple[str, int, int, int | None] | None = None
_POSTINGS_MAX = 200_000


def watched_postings(
    conn: Connection, keys: Iterable[tuple[str, str]], most: int | None
) -> dict[tuple[str, str], list[int]]:
    """`rare_postings`, remembered while the watchlist's version stays the same: an ingest
    looks up the same common name keys chunk after chunk, and reading their postings again
    was most of what the watchlist cost a record. The version is read first, so postings
    read while a change commits are dropped at the next look-up."""
    global _postings_mark
    mark = (
        conn.engine.url.render_as_string(hide_password=True),
        watchlist_version(conn),
        _written,
        most,
    )
    if mark != _postings_mark or len(_postings) > _POSTINGS_MAX:
        _postings.clear()
        _postings_mark = mark
    wanted = set(keys)
    unknown = [key for key in wanted if key not in _postings]
    if unknown:
        found = rare_postings(conn, unknown, most)
        for key in unknown:
            _postings[key] = found.get(key)
    return {key: posts for key in wanted if (posts := _postings[key])}


# --- recipients -------------------------------------------------------------------------------


def add_recipient(
    conn: Connection, notice_pk: int, node_id: str, agency: str, mode: str, at: datetime
) -> None:
    stmt = (
        dialect_insert(conn, notice_recipients)
        .values(notice_pk=notice_pk, node_id=node_id, agency=agency, mode=mode, sent_at=at)
        .on_conflict_do_nothing(index_elements=["notice_pk", "node_id"])
    )
    conn.execute(stmt)


def recipients(conn: Connection, notice_pk: int) -> list[tuple[str, str, str]]:
    """(node id, agency, mode) of every partner the notice was sent to."""
    r = notice_recipients.c
    stmt = select(r.node_id, r.agency, r.mode).where(r.notice_pk == notice_pk).order_by(r.pk)
    return [(a, b, c) for a, b, c in conn.execute(stmt)]


# --- alerts -----------------------------------------------------------------------------------


def insert_alerts(conn: Connection, rows: Sequence[dict[str, Any]]) -> list[int | None]:
    """Insert alerts; a hit already alerted to that agency is skipped. Returns each row's new
    id, or None for a row skipped."""
    ids: list[int | None] = []
    for row in rows:
        stmt = (
            dialect_insert(conn, alerts)
            .values(**row)
            .on_conflict_do_nothing(index_elements=["notice_pk", "hit_key", "for_agency"])
            .returning(alerts.c.id)
        )
        new = conn.execute(stmt).scalar()
        ids.append(None if new is None else int(new))
    return ids


def _alert_select() -> Any:
    a = alert_acks.c
    return select(alerts, a.acked_at, a.acked_by, a.note).outerjoin(
        alert_acks, a.alert_id == alerts.c.id
    )


def _alert(row: Row[Any]) -> AlertRow:
    m = row._mapping
    return AlertRow(**{k: m[k] for k in AlertRow.__slots__})


def get_alert(conn: Connection, alert_id: int) -> AlertRow | None:
    row = conn.execute(_alert_select().where(alerts.c.id == alert_id)).first()
    return None if row is None else _alert(row)


def list_alerts(
    conn: Connection,
    agency: str,
    *,
    acked: bool | None = None,
    notice_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AlertRow]:
    """An agency's alerts, newest first."""
    stmt = _alert_select().where(alerts.c.for_agency == agency)
    if acked is True:
        stmt = stmt.where(alert_acks.c.pk.is_not(None))
    elif acked is False:
        stmt = stmt.where(alert_acks.c.pk.is_(None))
    if notice_id is not None:
        stmt = stmt.where(alerts.c.notice_id == notice_id)
    stmt = stmt.order_by(alerts.c.id.desc()).limit(limit).offset(offset)
    return [_alert(r) for r in conn.execute(stmt)]


def ack_alert(conn: Connection, alert_id: int, by: str, at: datetime, note: str | None) -> bool:
    """Acknowledge an alert; False when it was acknowledged already."""
    stmt = (
        dialect_insert(conn, alert_acks)
        .values(alert_id=alert_id, acked_by=by, acked_at=at, note=note)
        .on_conflict_do_nothing(index_elements=["alert_id"])
        .returning(alert_acks.c.pk)
    )
    return conn.execute(stmt).scalar() is not None


# --- events -----------------------------------------------------------------------------------


#: Built once (values bound at execution: no cache key computed over them per event).
_INSERT_EVENT = insert(events).returning(events.c.id)


def insert_event(
    conn: Connection, agency: str, kind: str, payload: dict[str, Any], at: datetime
) -> int:
    values = {"agency": agency, "kind": kind, "payload": payload, "created_at": at}
    return int(conn.execute(_INSERT_EVENT, values).scalar_one())


def prune_events(conn: Connection, before: datetime, limit: int = 10_000) -> int:
    """Remove up to `limit` events written before `before`, oldest first; how many went. Ids
    grow with time, so the old events are a prefix of the id order: the scan stops at the
    first event to keep, and its cost follows the number removed, not the table's size."""
    e = events.c
    first = conn.execute(select(func.min(e.id))).scalar()
    if first is None:
        return 0
    keep = conn.execute(select(e.id).where(e.created_at >= before).order_by(e.id).limit(1)).scalar()
    end = first + limit if keep is None else min(keep, first + limit)
    stmt = delete(events).where(e.id < end, e.created_at < before)
    return int(conn.execute(stmt).rowcount or 0)


def insert_events(
    conn: Connection, rows: Sequence[tuple[str, str, dict[str, Any], datetime]]
) -> None:
    """Several events (agency, kind, payload, at) in one statement, ids in order."""
    if rows:
        conn.execute(
            insert(events),
            [{"agency": a, "kind": k, "payload": p, "created_at": at} for a, k, p, at in rows],
        )


def events_after(conn: Connection, agency: str, after: int, limit: int = 100) -> list[EventRow]:
    """An agency's events with an id above `after`, oldest first."""
    e = events.c
    stmt = (
        select(e.id, e.agency, e.kind, e.payload, e.created_at)
        .where(and_(e.agency == agency, e.id > after))
        .order_by(e.id)
        .limit(limit)
    )
    return [EventRow(r.id, r.agency, r.kind, r.payload, r.created_at) for r in conn.execute(stmt)]


def last_event_id(conn: Connection, agency: str) -> int:
    e = events.c
    found = conn.execute(select(func.max(e.id)).where(e.agency == agency)).scalar()
    return int(found or 0)
