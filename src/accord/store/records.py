"""Record storage: current versions, append-only history and search keys.

Functions take a Connection inside the caller's transaction, so a service decides what is
atomic (a whole ingest file, one API update with its ledger entry)."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Dialect,
    Row,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.sql.elements import TextClause

from accord.model import (
    TLP,
    Assessment,
    Envelope,
    Handling,
    Record,
    Reliability,
    SubjectCategory,
    content_hash,
)
from accord.store.db import bulk_insert
from accord.store.tables import match_views, record_history, record_keys, records

__all__ = [
    "MAX_OFFSET",
    "Existing",
    "KeyPlan",
    "NewRow",
    "RowBinder",
    "StaleRecord",
    "StoredRecord",
    "find_by_keys",
    "find_by_name_tokens",
    "find_candidates",
    "get_properties",
    "get_record",
    "get_records",
    "get_views",
    "history",
    "insert_new_records",
    "insert_new_rows",
    "insert_records",
    "list_records",
    "live_batch",
    "lock_record",
    "lookup_existing",
    "mark_deleted",
    "plan_candidate_keys",
    "replace_keys",
    "replace_record",
    "replace_views",
    "row_binder",
]

_LOOKUP_CHUNK = 500

#: Deepest offset a listing accepts: beyond it an OFFSET scan costs more than any page is
#: worth (and 2**63 overflows the database's integer).
MAX_OFFSET = 100_000


class StaleRecord(Exception):
    """The record is no longer at the version the caller read: another change came first.
    Nothing of the caller's change was written (the guarded statement matched no row)."""

    def __init__(self, pk: int, expected: int) -> None:
        super().__init__(f"record {pk} is no longer at version {expected}")
        self.pk = pk
        self.expected = expected


@dataclass(frozen=True, slots=True)
class StoredRecord:
    pk: int
    record: Record
    deleted: bool
    #: The caption stored with this version (what `Record.caption` computes, without
    #: loading followthemoney to do it).
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Existing:
    pk: int
    content_hash: str
    version: int
    deleted: bool


def _envelope(row: Row[Any]) -> Envelope:
    m = row._mapping
    review = m["review_by"]
    return Envelope(
        owner=m["owner"],
        handling=Handling(m["handling"]),
        handling_conditions=m["handling_conditions"],
        tlp=TLP(m["tlp"]),
        reliability=Reliability(m["reliability"]),
        assessment=Assessment(m["assessment"]),
        subject_category=SubjectCategory(m["subject_category"]) if m["subject_category"] else None,
        crime_areas=tuple(m["crime_areas"]),
        legal_basis=m["legal_basis"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        review_by=review if isinstance(review, date) else date.fromisoformat(str(review)),
        version=m["version"],
    )


def _stored(row: Row[Any]) -> StoredRecord:
    m = row._mapping
    record = Record(
        id=m["entity_id"], schema=m["schema"], properties=m["properties"], envelope=_envelope(row)
    )
    return StoredRecord(pk=m["pk"], record=record, deleted=bool(m["deleted"]), caption=m["caption"])


def _row(record: Record, caption: str) -> dict[str, Any]:
    env = record.envelope
    return {
        "entity_id": record.id,
        "owner": env.owner,
        "schema": record.schema,
        "caption": caption[:500],
        "properties": record.properties,
        "handling": env.handling.value,
        "handling_conditions": env.handling_conditions,
        "tlp": env.tlp.value,
        "reliability": env.reliability.value,
        "assessment": env.assessment.value,
        "subject_category": env.subject_category.value if env.subject_category else None,
        "crime_areas": list(env.crime_areas),
        "legal_basis": env.legal_basis,
        "created_at": env.created_at,
        "updated_at": env.updated_at,
        "review_by": env.review_by,
        "version": env.version,
        "content_hash": content_hash(record.schema, record.properties),
        "deleted": False,
    }


def lookup_existing(conn: Connection, owner: str, ids: Sequence[str]) -> dict[str, Existing]:
    """Current rows for these entity ids of one owner (for idempotent ingest)."""
    found: dict[str, Existing] = {}
    c = records.c
    for start in range(0, len(ids), _LOOKUP_CHUNK):
        chunk = ids[start : start + _LOOKUP_CHUNK]
        stmt = select(c.entity_id, c.pk, c.content_hash, c.version, c.deleted).where(
            c.owner == owner, c.entity_id.in_(chunk)
        )
        for row in conn.execute(stmt):
            found[row.entity_id] = Existing(row.pk, row.content_hash, row.version, row.deleted)
    return found


def insert_records(
    conn: Connection, items: Sequence[tuple[Record, str, set[tuple[str, str]]]]
) -> list[int]:
    """Insert new records (record, caption, search keys); returns their primary keys."""
    if not items:
        return []
    rows = [_row(rec, caption) for rec, caption, _ in items]
    result = conn.execute(
        insert(records).returning(records.c.pk, sort_by_parameter_order=True), rows
    )
    pks = [r[0] for r in result]
    _insert_keys(
        conn,
        [
            (pk, kind, value)
            for pk, (_, _, keys) in zip(pks, items, strict=True)
            for kind, value in keys
        ],
    )
    _insert_views(conn, [(pk, rec) for pk, (rec, _, _) in zip(pks, items, strict=True)])
    return pks


#: The records table's columns a new row states (the primary key is the database's).
_ROW_COLUMNS = tuple(c for c in records.c if c.name != "pk")
ROW_COLUMNS = tuple(c.name for c in _ROW_COLUMNS)
_HASH_AT = ROW_COLUMNS.index("content_hash")
_CAPTION_AT = ROW_COLUMNS.index("caption")
#: Where a row holds the record's properties, as JSON text on either database.
PROPERTIES_AT = ROW_COLUMNS.index("properties")


@dataclass(frozen=True, slots=True)
class NewRow:
    """A record ready to be written: its row of the records table as the database driver
    takes it (`RowBinder`), its search keys and its matching view. Plain values only, so
    that another process can prepare it (`accord.services.ingest`)."""

    owner: str
    entity_id: str
    values: tuple[Any, ...]
    keys: tuple[tuple[str, str], ...]
    view: str | None

    @property
    def content_hash(self) -> str:
        return str(self.values[_HASH_AT])

    @property
    def caption(self) -> str:
        return str(self.values[_CAPTION_AT])


class _Repeated:
    """A bind processor that keeps the value it bound last, and binds a value equal to it
    (of the same type) no second time. Binding a timestamp as SQLite's text cost more than
    this check."""

    __slots__ = ("_bind", "_bound", "_last")

    def __init__(self, bind: Callable[[Any], Any]) -> None:
        self._bind = bind
        self._last: Any = _Repeated
        self._bound: Any = None

    def __call__(self, value: Any) -> Any:
        last = self._last
        if type(value) is not type(last) or value != last:
            self._bound = self._bind(value)
            self._last = value
        return self._bound


class RowBinder:
    """Turns a record into its row of the records table, each value bound as the dialect's
    own INSERT would bind it (a date as SQLite's text, JSON serialised), so that the row can
    go to the driver without SQLAlchemy's per-row statement work. A binder is made from the
    dialect's name and driver alone (`for_dialect`), in any process."""

    def __init__(self, dialect: Dialect) -> None:
        self.name = dialect.name
        self.driver = dialect.driver
        serialise = getattr(dialect, "_json_serializer", None) or json.dumps
        binders: list[Any] = []
        for col in _ROW_COLUMNS:
            if self.name == "postgresql" and isinstance(col.type, JSON):
                # unnest's arrays carry JSON as text; the driver adapts JSON only on its own.
                binders.append(serialise)
            else:
                bind = col.type.dialect_impl(dialect).bind_processor(dialect)
                # Envelope values repeat from record to record (one ingest's time, its crime
                # areas, its review date): each bound once while it repeats.
                if bind is not None and col.name != "properties":
                    binders.append(_Repeated(bind))
                else:
                    binders.append(bind)
        self._binders = binders

    @classmethod
    def for_dialect(cls, name: str, driver: str) -> RowBinder:
        dialect = make_url(f"{name}+{driver}://").get_dialect()()
        return cls(dialect)

    def row(self, record: Record, caption: str) -> tuple[Any, ...]:
        plain = _row(record, caption)
        return tuple(
            plain[name] if bind is None else bind(plain[name])
            for name, bind in zip(ROW_COLUMNS, self._binders, strict=True)
        )

    def new_row(self, record: Record, caption: str, keys: Iterable[tuple[str, str]]) -> NewRow:
        """The record with its row, search keys and matching view."""
        # The matcher's modules load its romanisation tables: only where records are written.
        from accord.matching.view import VIEWED_SCHEMATA, view_of

        view = (
            view_of(record.schema, record.properties) if record.schema in VIEWED_SCHEMATA else None
        )
        return NewRow(record.owner, record.id, self.row(record, caption), tuple(keys), view)


def row_binder(conn: Connection) -> RowBinder:
    """The binder of this connection's dialect (one per dialect, kept)."""
    dialect = conn.dialect
    key = (dialect.name, dialect.driver)
    found: RowBinder | None = _BINDERS.get(key)
    if found is None:
        found = _BINDERS[key] = RowBinder(dialect)
    return found


_BINDERS: dict[tuple[str, str], RowBinder] = {}


def insert_new_records(
    conn: Connection, items: Sequence[tuple[Record, str, set[tuple[str, str]]]]
) -> set[tuple[str, str]]:
    """Insert the records whose (owner, entity id) is not stored yet, with their search keys.
    Returns the (owner, entity id) pairs that were NOT inserted because they exist."""
    binder = row_binder(conn)
    return insert_new_rows(
        conn, [binder.new_row(rec, caption, keys) for rec, caption, keys in items]
    )


def insert_new_rows(conn: Connection, rows: Sequence[NewRow]) -> set[tuple[str, str]]:
    """Insert the rows whose (owner, entity id) is not stored yet, with their search keys
    and views; returns the (owner, entity id) pairs that were NOT inserted because they exist.

    One INSERT .. ON CONFLICT DO NOTHING instead of a look-up first: new data, the common
    case, costs no read (and PostgreSQL's planner cannot misjudge a table growing inside the
    transaction). Rows go to the driver as they are (`RowBinder`)."""
    if not rows:
        return set()
    if conn.dialect.name == "postgresql":
        inserted = _insert_new_pg(conn, [r.values for r in rows])
    else:
        inserted = _insert_new_sqlite(conn, [r.values for r in rows])
    fresh = [
        (inserted[(r.owner, r.entity_id)], r) for r in rows if (r.owner, r.entity_id) in inserted
    ]
    _insert_keys(conn, [(pk, kind, value) for pk, r in fresh for kind, value in r.keys])
    bulk_insert(
        conn,
        "match_views",
        ("record_pk", "view"),
        [(pk, r.view) for pk, r in fresh if r.view is not None],
    )
    return {(r.owner, r.entity_id) for r in rows} - set(inserted)


_OWNER_AT = ROW_COLUMNS.index("owner")
_ID_AT = ROW_COLUMNS.index("entity_id")


def _insert_new_sqlite(conn: Connection, rows: list[tuple[Any, ...]]) -> dict[tuple[str, str], int]:
    """SQLite: the driver's executemany of INSERT .. ON CONFLICT DO NOTHING, then the rows it
    inserted read back as the newest ones. SQLite gives a new row the largest rowid yet, and
    this transaction holds the database's write lock from the first row on, so the rows
    inserted are exactly the `rowcount` newest (the driver returns no rows from an
    executemany, and SQLAlchemy's multi-row INSERT .. RETURNING cost a third of ingest)."""
    names = ", ".join(ROW_COLUMNS)
    marks = ", ".join("?" for _ in ROW_COLUMNS)
    # Only this table's column names are interpolated; the values are parameters.
    cursor = conn.exec_driver_sql(
        f"INSERT INTO records ({names}) VALUES ({marks}) "  # noqa: S608
        "ON CONFLICT (owner, entity_id) DO NOTHING",
        rows,
    )
    count = cursor.rowcount
    if count <= 0:
        return {}
    newest = conn.exec_driver_sql(
        "SELECT pk, owner, entity_id FROM records ORDER BY pk DESC LIMIT ?", (count,)
    )
    found = {(owner, entity_id): pk for pk, owner, entity_id in newest}
    if len(found) != count or not found.keys() <= {(r[_OWNER_AT], r[_ID_AT]) for r in rows}:
        raise RuntimeError("the records inserted are not the newest rows")  # pragma: no cover
    return found


def _insert_new_pg(conn: Connection, rows: list[tuple[Any, ...]]) -> dict[tuple[str, str], int]:
    """PostgreSQL: the rows as one array per column, `unnest`ed into one INSERT .. ON
    CONFLICT DO NOTHING RETURNING. A multi-row VALUES of thousands of rows is a statement the
    driver parses placeholder by placeholder (a quarter of ingest's time); this one is short
    and its arrays travel as parameters. The values are bound already (`RowBinder`)."""
    dialect = conn.dialect
    arrays = [list(column) for column in zip(*rows, strict=True)]
    casts = [f"%s::{col.type.compile(dialect=dialect)}[]" for col in _ROW_COLUMNS]
    names = ", ".join(ROW_COLUMNS)
    # Only this table's column names and types are interpolated; the values are parameters.
    sql = (
        f"INSERT INTO records ({names}) SELECT * FROM unnest({', '.join(casts)}) "  # noqa: S608
        "ON CONFLICT (owner, entity_id) DO NOTHING RETURNING pk, owner, entity_id"
    )
    return {
        (owner, entity_id): pk for pk, owner, entity_id in conn.exec_driver_sql(sql, tuple(arrays))
    }


def _insert_views(conn: Connection, items: Sequence[tuple[int, Record]]) -> None:
    """Store the matching view of each record the matcher scores (`accord.matching.view`)."""
    # The matcher's modules load its romanisation tables: only where records are written.
    from accord.matching.view import VIEWED_SCHEMATA, view_of

    rows = [
        (pk, view_of(rec.schema, rec.properties))
        for pk, rec in items
        if rec.schema in VIEWED_SCHEMATA
    ]
    bulk_insert(conn, "match_views", ("record_pk", "view"), rows)


def replace_views(conn: Connection, items: Sequence[tuple[int, Record]]) -> None:
    """Rewrite the matching views of these records (after the analysis changed)."""
    if not items:
        return
    conn.execute(delete(match_views).where(match_views.c.record_pk.in_([pk for pk, _ in items])))
    _insert_views(conn, items)


def get_views(conn: Connection, pks: Iterable[int]) -> dict[int, str]:
    """The stored matching views of those of `pks` that have one."""
    wanted = list(pks)
    if not wanted:
        return {}
    v = match_views.c
    return {
        r[0]: r[1] for r in conn.execute(select(v.record_pk, v.view).where(v.record_pk.in_(wanted)))
    }


def _insert_keys(conn: Connection, rows: list[tuple[int, str, str]]) -> None:
    """Search keys are the bulk of ingest's rows; they go straight to the driver (COPY on
    PostgreSQL): SQLAlchemy's per-row parameter processing cost more than the insert itself."""
    bulk_insert(conn, "record_keys", ("record_pk", "kind", "value"), rows)


def lock_record(conn: Connection, owner: str, entity_id: str) -> StoredRecord | None:
    """The current row of (owner, entity id), deleted or not, held for the caller's change
    until its transaction ends, so that changes of one record run one after another.

    PostgreSQL: `SELECT … FOR UPDATE` locks the row; a second writer waits, then reads the
    first one's version. SQLite locks the whole database for writing, so a no-op UPDATE comes
    first: it takes the write lock (waiting out the busy timeout) before the row is read."""
    c = records.c
    where = and_(c.owner == owner, c.entity_id == entity_id)
    if conn.dialect.name == "sqlite":
        conn.execute(update(records).where(where).values(version=c.version))
        stmt = select(records).where(where)
    else:
        stmt = select(records).where(where).with_for_update()
    row = conn.execute(stmt).first()
    return None if row is None else _stored(row)


def _claim(conn: Connection, pk: int, version: int, *, live: bool) -> StoredRecord:
    """Row `pk` as it is at `version` (not deleted, if `live`), locked for this transaction.
    The version guard is the invariant every writer relies on: a change computed from version
    v is applied only to version v, else StaleRecord and nothing is written."""
    c = records.c
    guard = and_(c.pk == pk, c.version == version)
    if live:
        guard = and_(guard, c.deleted.is_(False))
    if conn.execute(update(records).where(guard).values(version=c.version)).rowcount != 1:
        raise StaleRecord(pk, version)
    row = conn.execute(select(records).where(c.pk == pk)).one()
    return _stored(row)


def _archive(conn: Connection, old: StoredRecord, actor: str, change: str, at: datetime) -> None:
    record = old.record
    conn.execute(
        insert(record_history).values(
            record_pk=old.pk,
            version=record.envelope.version,
            schema=record.schema,
            properties=record.properties,
            envelope=record.envelope.to_dict(),
            superseded_at=at,
            superseded_by=actor,
            change=change,
        )
    )


def replace_record(
    conn: Connection,
    pk: int,
    record: Record,
    caption: str,
    keys: set[tuple[str, str]],
    *,
    actor: str,
) -> None:
    """Make `record` the current version of row `pk`, keeping the old version in history.

    `record.envelope.version` must be one more than the stored version (the version the
    change was computed from); otherwise StaleRecord and nothing is written."""
    old = _claim(conn, pk, record.envelope.version - 1, live=False)
    _archive(conn, old, actor, "update", record.envelope.updated_at)
    values = _row(record, caption)
    conn.execute(update(records).where(records.c.pk == pk).values(**values))
    conn.execute(delete(record_keys).where(record_keys.c.record_pk == pk))
    _insert_keys(conn, [(pk, k, v) for k, v in keys])
    replace_views(conn, [(pk, record)])


def live_batch(conn: Connection, after_pk: int, size: int) -> list[StoredRecord]:
    """Up to `size` current records with a primary key above `after_pk`, in key order (for
    walking every record in batches)."""
    stmt = (
        select(records)
        .where(records.c.pk > after_pk, records.c.deleted.is_(False))
        .order_by(records.c.pk)
        .limit(size)
    )
    return [_stored(r) for r in conn.execute(stmt)]


def replace_keys(conn: Connection, items: Sequence[tuple[int, set[tuple[str, str]]]]) -> None:
    """Replace the search keys of these records (the records themselves do not change)."""
    if not items:
        return
    conn.execute(delete(record_keys).where(record_keys.c.record_pk.in_([pk for pk, _ in items])))
    _insert_keys(conn, [(pk, k, v) for pk, keys in items for k, v in keys])


def mark_deleted(
    conn: Connection, pk: int, *, actor: str, at: datetime, version: int | None = None
) -> int:
    """Withdraw a record: it leaves search and reads; its versions stay for auditors.

    `version`: the version the caller read (default: whatever is stored); a record already
    withdrawn, or no longer at that version, raises StaleRecord. Returns the new version."""
    if version is None:
        version = conn.execute(select(records.c.version).where(records.c.pk == pk)).scalar_one()
    old = _claim(conn, pk, version, live=True)
    _archive(conn, old, actor, "delete", at)
    conn.execute(
        update(records)
        .where(records.c.pk == pk)
        .values(deleted=True, updated_at=at, version=version + 1)
    )
    conn.execute(delete(record_keys).where(record_keys.c.record_pk == pk))
    conn.execute(delete(match_views).where(match_views.c.record_pk == pk))
    return version + 1


def get_record(
    conn: Connection, entity_id: str, owner: str | None = None, *, include_deleted: bool = False
) -> list[StoredRecord]:
    """Current versions with this entity id (one per owner unless `owner` is given)."""
    c = records.c
    stmt = select(records).where(c.entity_id == entity_id)
    if owner is not None:
        stmt = stmt.where(c.owner == owner)
    if not include_deleted:
        stmt = stmt.where(c.deleted.is_(False))
    return [_stored(r) for r in conn.execute(stmt.order_by(c.owner))]


def get_records(
    conn: Connection, pks: Iterable[int], *, include_deleted: bool = False
) -> list[StoredRecord]:
    wanted = list(pks)
    if not wanted:
        return []
    stmt = select(records).where(records.c.pk.in_(wanted))
    if not include_deleted:
        stmt = stmt.where(records.c.deleted.is_(False))
    by_pk = {r.pk: _stored(r) for r in conn.execute(stmt)}
    return [by_pk[pk] for pk in wanted if pk in by_pk]


def get_properties(conn: Connection, pks: Iterable[int]) -> list[tuple[int, str, dict[str, Any]]]:
    """(pk, schema, properties) of the live records among `pks`, in that order: what the
    matcher reads of a candidate (the whole record is read only for the ones it keeps)."""
    wanted = list(pks)
    if not wanted:
        return []
    r = records.c
    stmt = select(r.pk, r.schema, r.properties).where(r.pk.in_(wanted), r.deleted.is_(False))
    by_pk = {row[0]: (row[0], row[1], row[2]) for row in conn.execute(stmt)}
    return [by_pk[pk] for pk in wanted if pk in by_pk]


def find_by_keys(conn: Connection, keys: Sequence[tuple[str, str]], limit: int) -> list[int]:
    """Records holding any of these exact keys."""
    if not keys:
        return []
    k = record_keys.c
    stmt = (
        select(k.record_pk)
        # OR of equalities: SQLite scans the table for a row-value IN but uses the index here.
        .where(or_(*(and_(k.kind == kind, k.value == value) for kind, value in keys)))
        .distinct()
        .order_by(k.record_pk)
        .limit(limit)
    )
    return [r[0] for r in conn.execute(stmt)]


#: A key held by more records than this many times the cap is left out of a candidate
#: search when the query has rarer keys: it tells records apart no better than chance, and
#: reading its postings is most of a query's cost in a large index.
COMMON_KEY_FACTOR = 25
#: Postings one candidate search reads at most, as a multiple of the cap: keys are taken
#: rarest first until the next would pass this budget (the rarest is always read). It
#: bounds a query with many fairly common keys (a Mohammed Ali born on a common day).
POSTINGS_FACTOR = 60
#: The notional index size of the keys' inverse frequency (only ratios matter for ranking).
_IDF_SIZE = 1_000_000


@lru_cache(maxsize=512)
def _weighted_keys_sql(n: int, dialect: str) -> TextClause:
    """The candidate statement for `n` keys: the keys, their weights and evidence groups as
    a VALUES table `q(kind, value, w, g)` of bound parameters, joined to the index key by key
    (SQLite and PostgreSQL both read each key's postings from the covering index, where a
    CASE per posting would cost a comparison per key per row); per record the heaviest key
    of each group, summed over groups, best first. Written once per number of keys: a VALUES
    table of literal rows is compiled again for every query, which cost a query more than
    reading its candidates' views."""
    cast = (
        ("CAST({} AS VARCHAR)", "CAST({} AS VARCHAR)", "CAST({} AS FLOAT)", "CAST({} AS INTEGER)")
        if dialect == "postgresql"
        else ("{}", "{}", "{}", "{}")
    )
    rows = ", ".join(
        f"({cast[0].format(f':k{i}')}, {cast[1].format(f':v{i}')}, "
        f"{cast[2].format(f':w{i}')}, {cast[3].format(f':g{i}')})"
        for i in range(n)
    )
    return text(
        f"WITH q(kind, value, w, g) AS (VALUES {rows}) "  # noqa: S608 (placeholders only)
        "SELECT held.record_pk, sum(held.w) AS weight FROM ("
        "SELECT record_keys.record_pk AS record_pk, max(q.w) AS w FROM q JOIN record_keys "
        "ON record_keys.kind = q.kind AND record_keys.value = q.value "
        "GROUP BY record_keys.record_pk, q.g) AS held "
        "GROUP BY held.record_pk ORDER BY weight DESC, held.record_pk LIMIT :cap"
    )


#: Keys counted in one statement (SQLite allows 500 terms in a compound SELECT).
_COUNT_CHUNK = 200


#: Counts of common keys, remembered for a while by each process: a common key (a frequent
#: given name's spelling or sound) recurs from query to query, and counting its holders is
#: most of a candidate search's cost, while its count only ranks keys and sets the common
#: ones aside, for which a count some minutes old does as well. Rarer keys are counted every
#: time (cheaply), so a record just written is found at once.
_common_counts: dict[tuple[str, str, str, int], tuple[int, float]] = {}
_CACHED_COUNT = 500
_COUNT_TTL = 300.0
_COMMON_COUNTS_MAX = 100_000


def _posting_counts(
    conn: Connection, keys: Sequence[tuple[str, str]], most: int
) -> dict[tuple[str, str], int]:
    """How many records hold each key, counted up to `most` (a common key's postings are not
    read to the end only to learn that they are too many); keys no record holds are left out."""
    k = record_keys.c
    counts: dict[tuple[str, str], int] = {}
    database = conn.engine.url.render_as_string(hide_password=True)
    now = time.monotonic()
    unknown: list[tuple[str, str]] = []
    for key in keys:
        cached = _common_counts.get((database, *key, most))
        if cached is not None and cached[1] > now:
            counts[key] = cached[0]
        else:
            unknown.append(key)
    for start in range(0, len(unknown), _COUNT_CHUNK):
        chunk = unknown[start : start + _COUNT_CHUNK]
        held = [
            select(literal(i).label("i"), func.count().label("n")).select_from(
                select(literal(1).label("one"))
                .where(k.kind == kind, k.value == value)
                .limit(most)
                .subquery()
            )
            for i, (kind, value) in enumerate(chunk)
        ]
        statement = held[0] if len(held) == 1 else union_all(*held)
        for i, n in conn.execute(statement):
            if n:
                key = chunk[int(i)]
                counts[key] = int(n)
                if n >= _CACHED_COUNT:
                    if len(_common_counts) >= _COMMON_COUNTS_MAX:
                        _common_counts.clear()
                    _common_counts[(database, *key, most)] = (int(n), now + _COUNT_TTL)
    return counts


def find_candidates(
    conn: Connection,
    keys: Sequence[tuple[str, str]],
    cap: int,
    groups: Mapping[tuple[str, str], int] | None = None,
) -> list[int]:
    """Matching candidates: the records whose shared keys weigh most, at most `cap` of them
    (ties by primary key, so the answer is stable). A key weighs by how rare it is
    (log(1 + N / records holding it)): sharing a rare surname's spelling says more than
    sharing a common given name's sound. Keys of one evidence group (`groups`, a number per
    key: one name part's spellings and sounds, `matching.keys.match_key_groups`) count once
    per record, by the heaviest the record shares; a key without a group is one of its own.
    Keys far too common to tell records apart are not read while rarer ones remain
    (`COMMON_KEY_FACTOR`), and the postings read are bounded (`POSTINGS_FACTOR`), so the cap
    bounds the work of one query however common its keys."""
    plan = plan_candidate_keys(conn, keys, cap, groups)
    if not plan.keys:
        return []
    if plan.all_common:
        # Every key is too common to tell records apart (a common name alone): the three
        # rarest, each read only so far.
        return _first_holders(conn, [key for key, _, _ in plan.keys], cap)
    params: dict[str, Any] = {"cap": cap}
    for i, ((kind, value), weight, group) in enumerate(plan.keys):
        params[f"k{i}"], params[f"v{i}"], params[f"w{i}"], params[f"g{i}"] = (
            kind, value, weight, group,
        )  # fmt: skip
    stmt = _weighted_keys_sql(len(plan.keys), conn.dialect.name)
    return [r[0] for r in conn.execute(stmt, params)]


@dataclass(frozen=True, slots=True)
class KeyPlan:
    """The keys a candidate search reads, each with its weight and evidence group; with
    `all_common`, every key the query has was too common and these are the three rarest."""

    keys: list[tuple[tuple[str, str], float, int]]
    all_common: bool = False


def plan_candidate_keys(
    conn: Connection,
    keys: Sequence[tuple[str, str]],
    cap: int,
    groups: Mapping[tuple[str, str], int] | None = None,
) -> KeyPlan:
    """Which of `keys` a search for `cap` candidates reads, rarest first, and what each
    weighs (`find_candidates`): keys no record holds are left out, keys far too common are
    not read while rarer ones remain, and the postings read stay within the budget."""
    wanted = sorted(set(keys))
    if not wanted or cap < 1:
        return KeyPlan([])
    counts = _posting_counts(conn, wanted, COMMON_KEY_FACTOR * cap + 1)
    if not counts:
        return KeyPlan([])
    common = COMMON_KEY_FACTOR * cap
    ordered = sorted(counts, key=lambda key: (counts[key], key))
    used: list[tuple[str, str]] = []
    read = 0
    for key in ordered:
        n = counts[key]
        if n > common or (used and read + n > POSTINGS_FACTOR * cap):
            break
        used.append(key)
        read += n
    own = 1 + max((groups or {}).values(), default=0)

    def weighed(i: int, key: tuple[str, str]) -> tuple[tuple[str, str], float, int]:
        group = None if groups is None else groups.get(key)
        return key, math.log1p(_IDF_SIZE / counts[key]), own + i if group is None else group

    if not used:
        return KeyPlan([weighed(i, key) for i, key in enumerate(ordered[:3])], all_common=True)
    return KeyPlan([weighed(i, key) for i, key in enumerate(used)])


def _first_holders(conn: Connection, keys: Sequence[tuple[str, str]], cap: int) -> list[int]:
    """The records holding most of `keys`, among the first `COMMON_KEY_FACTOR * cap` holders
    of each (by primary key): a bounded read when every key is common."""
    k = record_keys.c
    most = COMMON_KEY_FACTOR * cap
    held = union_all(
        *(
            select(k.record_pk)
            .where(k.kind == kind, k.value == value)
            .order_by(k.record_pk)
            .limit(most)
            .subquery()
            .select()
            for kind, value in keys
        )
    ).subquery()
    hits = func.count().label("hits")
    stmt = (
        select(held.c.record_pk, hits)
        .group_by(held.c.record_pk)
        .order_by(hits.desc(), held.c.record_pk)
        .limit(cap)
    )
    return [r[0] for r in conn.execute(stmt)]


def find_by_name_tokens(
    conn: Connection,
    tokens: Sequence[str],
    limit: int,
    *,
    require_all: bool = False,
    skip_schemata: frozenset[str] = frozenset(),
) -> list[tuple[int, int]]:
    """Records whose name tokens include all query tokens, or failing that (unless
    `require_all`) at least half of them: (pk, tokens matched), best first. Records of
    `skip_schemata` are not answered (with `require_all`: persons, which the matcher ranks)."""
    unique = sorted(set(tokens))
    if not unique:
        return []
    if require_all:
        return _with_all_tokens(conn, unique, limit, skip_schemata)
    k = record_keys.c
    matched = func.count(func.distinct(k.value)).label("matched")
    need = max(1, (len(unique) + 1) // 2)
    stmt = (
        select(k.record_pk, matched)
        .where(and_(k.kind == "name", k.value.in_(unique)))
        .group_by(k.record_pk)
        .having(matched >= need)
        .order_by(matched.desc(), k.record_pk)
        .limit(limit)
    )
    if skip_schemata:
        stmt = stmt.where(_not_of(k.record_pk, skip_schemata))
    return [(r[0], r[1]) for r in conn.execute(stmt)]


def _not_of(pk: Any, schemata: frozenset[str]) -> Any:
    """The record `pk` is of none of `schemata`."""
    return exists().where(records.c.pk == pk, records.c.schema.notin_(sorted(schemata)))


#: Holders of a name token counted at most (to pick the rarest token of a query).
_TOKEN_COUNT_MOST = 100_000


def _with_all_tokens(
    conn: Connection, tokens: list[str], limit: int, skip_schemata: frozenset[str]
) -> list[tuple[int, int]]:
    """Walk the holders of the rarest token in key order and keep those that hold every
    other one (a lookup each in the covering index), until `limit` are found: common tokens
    ("ltd", "trading", "anna") are never scanned, and a query whose holders abound stops
    early."""
    # Counted as candidate keys are (common ones remembered a while, and not past
    # `_TOKEN_COUNT_MOST`): a query's common tokens ("ltd", "trading") recur from query to
    # query, and counting their every holder was most of a search's cost.
    held = _posting_counts(conn, [("name", t) for t in tokens], _TOKEN_COUNT_MOST)
    counts = {value: n for (_, value), n in held.items()}
    if len(counts) < len(tokens):
        return []  # some token is in no record at all
    rarest = min(tokens, key=lambda t: (counts[t], t))
    first = record_keys.alias("first")
    stmt = select(first.c.record_pk).where(first.c.kind == "name", first.c.value == rarest)
    for other in sorted(set(tokens) - {rarest}, key=lambda t: (counts[t], t)):
        also = record_keys.alias()
        stmt = stmt.where(
            exists().where(
                also.c.kind == "name", also.c.value == other, also.c.record_pk == first.c.record_pk
            )
        )
    if skip_schemata:
        stmt = stmt.where(_not_of(first.c.record_pk, skip_schemata))
    stmt = stmt.order_by(first.c.record_pk).limit(limit)
    return [(r[0], len(tokens)) for r in conn.execute(stmt)]


def history(conn: Connection, pk: int) -> list[dict[str, Any]]:
    """Superseded versions of a record, oldest first."""
    h = record_history.c
    stmt = select(record_history).where(h.record_pk == pk).order_by(h.version)
    return [
        {
            "version": r.version,
            "schema": r.schema,
            "properties": r.properties,
            "accord": r.envelope,
            "superseded_at": r.superseded_at.isoformat(),
            "superseded_by": r.superseded_by,
            "change": r.change,
        }
        for r in conn.execute(stmt)
    ]


def list_records(
    conn: Connection, schema: str | None, limit: int, offset: int
) -> list[StoredRecord]:
    """Current records, newest first; `offset` at most MAX_OFFSET (the caller checks)."""
    c = records.c
    stmt = select(records).where(c.deleted.is_(False))
    if schema:
        stmt = stmt.where(c.schema == schema)
    stmt = stmt.order_by(c.updated_at.desc(), c.pk.desc()).limit(limit).offset(offset)
    return [_stored(r) for r in conn.execute(stmt)]
