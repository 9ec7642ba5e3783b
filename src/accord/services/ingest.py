"""Ingest: FtM JSON lines or mapped CSV → validated records → store and search index.

A line (a CSV row may make several entities: a Person, their Passport, …) is all or nothing:
every entity of it is validated before any is written, and one bad entity rejects the line,
reported with its number and the field at fault, while the good lines still load. With
`strict`, any bad line leaves the store as it was (every bad line is still reported). One
file is one transaction.

Envelope precedence (docs/ingest.md): a line's own `accord` values win; the batch (the CSV
mapping's `accord:` block, then the command-line flags over it) fills what the line does not
say; with `override`, what the batch says wins over the line. Re-running a file is
idempotent on (owner, entity id): an identical line is unchanged; a changed property or
envelope value makes a new version, and envelope values nobody states keep their stored
values (a re-run without `--tlp RED` does not downgrade the records to the default)."""

from __future__ import annotations

import gc
import io
import json
import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import IO, Any

from sqlalchemy import Connection, Engine

from accord.errors import AccordError, FieldError, Forbidden, ValidationError
from accord.interop import (
    BadLine,
    CsvMapping,
    load_mapping,
    parse_json_line,
    read_json_raw,
    read_mapped_csv,
)
from accord.matching import record_keys
from accord.model import (
    PERSON_SCHEMATA,
    Envelope,
    EnvelopeDefaults,
    Principal,
    Record,
    caption_of,
    parse_envelope,
    parse_record,
)
from accord.services import watchlist
from accord.services.audit import Event, record_event
from accord.services.node import Node
from accord.store import records as store
from accord.store.db import create_db_engine

__all__ = [
    "MAX_KEPT_ERRORS",
    "IngestFailed",
    "IngestFormat",
    "IngestReport",
    "LineError",
    "check_batch",
    "ingest_stream",
    "write_records",
]

BATCH = 2000
#: Errors kept in the report itself; every error goes to `on_error` (`--errors FILE`).
MAX_KEPT_ERRORS = 1000

#: Envelope values a re-ingest carries over from the stored version unless stated again.
_CARRIED = (
    "handling",
    "handling_conditions",
    "tlp",
    "reliability",
    "assessment",
    "subject_category",
    "crime_areas",
    "legal_basis",
    "review_by",
    "created_at",
)


class IngestFailed(AccordError):
    """The ingest could not finish for a reason of this machine's, not of the file's."""

    status = 503
    code = "ingest_failed"


class IngestFormat(StrEnum):
    FTM = "ftm"
    CSV = "csv"


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    field: str
    reason: str
    #: The mapping entity (`person`, `passport`) of a CSV row that makes several.
    entity: str | None = None

    def __str__(self) -> str:
        where = f"{self.entity}: " if self.entity else ""
        return f"line {self.line}: {where}{self.field}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"line": self.line, "field": self.field, "reason": self.reason}
        if self.entity:
            out["entity"] = self.entity
        return out


@dataclass(slots=True)
class IngestReport:
    """Counts of one file: `lines` and `rejected` count lines; `created`, `updated` and
    `unchanged` count records (a CSV row may make several). `errors` holds the first
    MAX_KEPT_ERRORS errors; `error_count` is exact."""

    lines: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    error_count: int = 0
    errors: list[LineError] = field(default_factory=list)
    #: False when `strict` rolled the file back: nothing was written.
    written: bool = True

    @property
    def loaded(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def errors_complete(self) -> bool:
        return len(self.errors) == self.error_count

    @property
    def ok(self) -> bool:
        return self.written and self.rejected == 0

    def summary(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "written": self.written,
            "error_count": self.error_count,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "errors_complete": self.errors_complete,
            "errors": [e.to_dict() for e in self.errors],
        }


@dataclass(frozen=True, slots=True)
class _Built:
    record: Record
    stated: frozenset[str]


@dataclass(slots=True)
class _Prepared:
    """One entity ready to be written: its row, keys and view (`store.NewRow`), the keys the
    watchlist looks it up by, and what the line states of its envelope. `record` is None when
    another process prepared it; it is built again from its line (`source`) when needed."""

    row: store.NewRow
    schema: str
    watch: frozenset[tuple[str, str]]
    stated: frozenset[str]
    record: Record | None
    source: tuple[int, _Unit] | None = None
    lines: _Lines | None = None
    #: The notices a worker found it hits (notice pk, score, features); None: not looked up.
    hits: tuple[tuple[int, float, dict[str, Any]], ...] | None = None

    @property
    def properties(self) -> Mapping[str, list[str]]:
        """The record's properties, read from its row without building the record."""
        if self.record is not None:
            return self.record.properties
        found: Mapping[str, list[str]] = json.loads(self.row.values[store.PROPERTIES_AT])
        return found

    def __call__(self) -> Record:
        """The record, built again from its line if another process prepared it."""
        if self.record is None:
            assert self.lines is not None
            self.lines.rebuild(self)
        assert self.record is not None
        return self.record


#: What one line of the file is before it is validated: the line's bytes (FtM JSON lines), its
#: CSV row's entities with their mapping names, or what was wrong with it as it was read.
_Unit = bytes | list[tuple[str | None, Any]] | BadLine


@dataclass(frozen=True, slots=True)
class _Lines:
    """How a line becomes prepared entities: the batch values, the agency, the time. Plain
    values only, so that a worker process gets it once."""

    base: Mapping[str, Any]
    forced: Mapping[str, Any]
    agency: str
    now: datetime
    dialect: tuple[str, str]
    #: What a worker needs to look records up on the watchlist (`watchlist.find_hits`) on a
    #: connection of its own: the node's database, its candidate cap and threshold.
    database_url: str = field(default="", repr=False)
    cap: int = 0
    threshold: float = 1.0

    def build(self, line: int, unit: _Unit) -> tuple[list[_Built], list[LineError]]:
        # A line refused as it was read (too long, a CSV row that does not map) is answered
        # in its place, wherever it is prepared.
        entities = parse_json_line(unit) if isinstance(unit, bytes) else unit
        if isinstance(entities, BadLine):
            return [], [LineError(line, entities.field, entities.reason)]
        if isinstance(entities, dict):
            entities = [(None, entities)]
        return _build_line(line, entities, self.base, self.forced, self.agency, self.now)

    def prepare(
        self, line: int, unit: _Unit, binder: store.RowBinder, *, keep: bool
    ) -> tuple[list[_Prepared], list[LineError]]:
        built, errors = self.build(line, unit)
        if errors:
            return [], errors
        return [_prepare(b.record, b.stated, binder, keep=keep) for b in built], []

    def rebuild(self, item: _Prepared) -> Record:
        """The record of an entity prepared elsewhere, built again from its line exactly as
        it was the first time (same line, same batch values, same time)."""
        if item.record is None:
            assert item.source is not None
            built, _ = self.build(*item.source)
            item.record = next(
                b.record
                for b in built
                if (b.record.owner, b.record.id) == (item.row.owner, item.row.entity_id)
            )
        return item.record


def _prepare(
    record: Record, stated: frozenset[str], binder: store.RowBinder, *, keep: bool
) -> _Prepared:
    keys = record_keys(record.schema, record.properties)
    row = binder.new_row(record, caption_of(record.schema, record.properties), keys)
    watch = watchlist.record_watch_keys(record.schema, keys)
    return _Prepared(row, record.schema, watch, stated, record if keep else None)


class _Batch:
    """Lines waiting to be written; an id seen twice forces a flush so the later line wins."""

    def __init__(
        self,
        node: Node,
        conn: Connection,
        report: IngestReport,
        actor: str,
        now: datetime,
    ) -> None:
        self.node = node
        self.conn = conn
        self.report = report
        self.actor = actor
        self.now = now
        self.items: dict[tuple[str, str], _Prepared] = {}

    def add_line(self, prepared: list[_Prepared]) -> None:
        keys = [(p.row.owner, p.row.entity_id) for p in prepared]
        if len(self.items) >= BATCH or any(k in self.items for k in keys):
            self.flush()
        for key, p in zip(keys, prepared, strict=True):
            self.items[key] = p

    def flush(self) -> None:
        if not self.items:
            return
        existing_keys = store.insert_new_rows(self.conn, [p.row for p in self.items.values()])
        self.report.created += len(self.items) - len(existing_keys)
        # New and changed records are matched against the watchlist (unchanged ones were);
        # a new record a worker prepared was looked up there, and its hits are confirmed.
        changed: list[watchlist.Candidate] = []
        confirmed: list[tuple[watchlist.Candidate, int, float, dict[str, Any]]] = []
        for key, p in self.items.items():
            if key in existing_keys:
                continue
            if p.hits is None:
                changed.append(watchlist.Candidate(p if p.record is None else p.record, p.watch))
            else:
                cand = watchlist.Candidate(p, p.watch)
                confirmed.extend((cand, pk, score, match) for pk, score, match in p.hits)
        by_owner: dict[str, list[str]] = {}
        for owner, entity_id in existing_keys:
            by_owner.setdefault(owner, []).append(entity_id)
        for owner, ids in by_owner.items():
            existing = store.lookup_existing(self.conn, owner, ids)
            stored = {
                s.pk: s
                for s in store.get_records(
                    self.conn, [e.pk for e in existing.values()], include_deleted=True
                )
            }
            for entity_id in ids:
                item = self.items[(owner, entity_id)]
                rec = item()
                old = stored[existing[entity_id].pk]
                envelope = _carried(old.record.envelope, rec, item.stated)
                same_content = existing[entity_id].content_hash == item.row.content_hash
                if not old.deleted and same_content and envelope == old.record.envelope:
                    self.report.unchanged += 1
                    continue
                envelope = envelope.evolve(
                    updated_at=self.now, version=old.record.envelope.version + 1
                )
                updated = Record(rec.id, rec.schema, rec.properties, envelope)
                keys = set(item.row.keys)
                store.replace_record(
                    self.conn, old.pk, updated, item.row.caption, keys, actor=self.actor
                )
                changed.append(watchlist.Candidate(updated, item.watch))
                self.report.updated += 1
        watchlist.check_records(self.conn, self.node, changed, self.now, self.actor)
        watchlist.confirm_hits(self.conn, self.node, confirmed, self.now, self.actor)
        self.items.clear()


def write_records(
    conn: Connection, node: Node, actor: str, records: list[Record], now: datetime
) -> IngestReport:
    """Write validated records in the caller's transaction as ingest writes a file's lines
    (created, a new version when changed, unchanged; search keys and watchlist included),
    each record's own envelope stated in full. Other importers (STIX) link FtM records so."""
    report = IngestReport(lines=len(records))
    batch = _Batch(node, conn, report, actor, now)
    stated = frozenset(_CARRIED)
    binder = store.row_binder(conn)
    for record in records:
        batch.add_line([_prepare(record, stated, binder, keep=True)])
    batch.flush()
    return report


def _carried(old: Envelope, new: Record, stated: frozenset[str]) -> Envelope:
    """The stored envelope with what this ingest states about it; the rest stays."""
    changes: dict[str, Any] = {}
    for key in _CARRIED:
        if key in stated or (key == "handling_conditions" and "handling" in stated):
            changes[key] = getattr(new.envelope, key)
    if new.schema not in PERSON_SCHEMATA:
        changes["subject_category"] = None
    return old.evolve(**changes)


def check_batch(values: Mapping[str, Any], source: str = "accord") -> None:
    """Refuse bad batch envelope values once, before any line is read; errors name the
    envelope key (`accord.tlp`), or `mapping.accord.tlp` for a mapping's block."""
    probe = {"owner": "DE-PROBE", **values}
    try:
        parse_envelope(probe, is_person=True, now=datetime.now(UTC))
    except ValidationError as exc:
        raise ValidationError(
            [FieldError(e.field.replace("accord.", f"{source}.", 1), e.reason) for e in exc.errors]
        ) from None


def _units(
    stream: IO[bytes], mapping: CsvMapping | None, max_line: int
) -> Iterator[tuple[int, int, _Unit]]:
    """(line number, bytes consumed, the line to build entities from, or BadLine)."""
    if mapping is None:
        yield from read_json_raw(stream, max_line)
        return
    for line, consumed, row in read_mapped_csv(stream, mapping, max_line):
        yield line, consumed, row if isinstance(row, BadLine) else list(row)


#: A file is prepared by worker processes (`ingest_workers`) from its first line when it has
#: this many bytes or more to read, or, when its size is not known (a pipe, an upload), once
#: it has more lines than `POOL_FROM`. Until the workers are up, lines go on in the ingest's
#: own process. Smaller files are done before workers would have paid for their start (10,000
#: records: 5,400 a second in one process, 3,900 with two workers starting).
POOL_BYTES = 8 * 1024 * 1024
POOL_FROM = 20_000
#: Lines sent to a worker at a time, and chunks in flight per worker.
_CHUNK = 500
_IN_FLIGHT = 3

#: Allocations between two collections of the youngest generation while a file is ingested
#: (CPython's default is 700). A batch's lines become thousands of small objects that live
#: until the batch is written: collected every 700 allocations, each was walked, promoted and
#: walked again in older generations before it died. 200,000 records on SQLite with two
#: workers: 9,700-10,100 a second with the default, 11,300-12,200 with this (decision 0041).
BULK_YOUNG_COLLECTION = 50_000


class _Collector:
    """How many ingests are under way in this process, and the collector's threshold before
    the first of them began."""

    lock = threading.Lock()
    ingests = 0
    before: tuple[int, int, int] = (0, 0, 0)


@contextmanager
def _bulk_collections() -> Iterator[None]:
    """The youngest generation collected every `BULK_YOUNG_COLLECTION` allocations while
    this process ingests; the threshold found before is back once its last ingest ends (an
    API server may run several in threads, and sets a threshold of its own)."""
    with _Collector.lock:
        if _Collector.ingests == 0:
            _Collector.before = gc.get_threshold()
            young, *older = _Collector.before
            gc.set_threshold(max(young, BULK_YOUNG_COLLECTION), *older)
        _Collector.ingests += 1
    try:
        yield
    finally:
        with _Collector.lock:
            _Collector.ingests -= 1
            if _Collector.ingests == 0:
                gc.set_threshold(*_Collector.before)


_worker: tuple[_Lines, store.RowBinder, Engine] | None = None
#: A line's prepared entities, or its errors.
_Answer = tuple[list[_Prepared], list[LineError]]


def _start_worker(lines: _Lines) -> None:
    """A worker process: the ingest's own process handles Ctrl-C and tells the workers."""
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A worker does nothing but turn lines into rows: its whole life is a bulk load.
    gc.set_threshold(BULK_YOUNG_COLLECTION, *gc.get_threshold()[1:])
    binder = store.RowBinder.for_dialect(*lines.dialect)
    _worker = (lines, binder, create_db_engine(lines.database_url))


def _ready() -> bool:
    return _worker is not None


#: A prepared entity as it travels back from a worker: plain tuples, which pickle about
#: eight times faster than the objects (owner, entity id, row values, keys, view, schema,
#: watchlist keys, envelope keys stated, the notices it hits with score and features).
_Flat = tuple[
    str,
    str,
    tuple[Any, ...],
    tuple[tuple[str, str], ...],
    str | None,
    str,
    tuple[Any, ...],
    tuple[str, ...],
    tuple[tuple[int, float, dict[str, Any]], ...],
]


def _prepare_chunk(chunk: list[tuple[int, _Unit]]) -> list[tuple[list[_Flat], list[LineError]]]:
    """Prepare a chunk of lines, and look its records up on the watchlist as it stands (the
    notices committed; the ingest's process checks each hit's notice again before alerting)."""
    assert _worker is not None
    lines, binder, engine = _worker
    answers = [lines.prepare(line, unit, binder, keep=True) for line, unit in chunk]
    prepared = [p for entities, _ in answers for p in entities]
    with engine.connect() as conn:
        found = watchlist.find_hits(
            conn,
            [watchlist.Candidate(p(), p.watch) for p in prepared],
            cap=lines.cap,
            threshold=lines.threshold,
            now=lines.now,
        )
    hits = iter(found)
    out: list[tuple[list[_Flat], list[LineError]]] = []
    for entities, errors in answers:
        flat: list[_Flat] = [
            (
                p.row.owner,
                p.row.entity_id,
                p.row.values,
                p.row.keys,
                p.row.view,
                p.schema,
                tuple(p.watch),
                tuple(p.stated),
                tuple((notice.pk, score, match) for notice, score, match in next(hits)),
            )
            for p in entities
        ]
        out.append((flat, errors))
    return out


def _bytes_left(stream: IO[bytes]) -> int | None:
    """How much of a file there is to read, or None for a stream of unknown size."""
    try:
        return os.fstat(stream.fileno()).st_size - stream.tell()
    except (OSError, AttributeError, ValueError, io.UnsupportedOperation):
        return None


def _stopped() -> IngestFailed:
    return IngestFailed(
        "an ingest worker process stopped (out of memory?); nothing was written. "
        "Set ACCORD_INGEST_WORKERS=0 to ingest in one process"
    )


class _Workers:
    """The worker processes preparing a large file's lines, their answers taken in the
    file's order. Started with the ingest's own context (forkserver: safe in a threaded API
    server); lines go on in the calling process until the first worker has answered."""

    def __init__(self, count: int, lines: _Lines) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__, "accord.matching.view"])
        self.count = count
        self.lines = lines
        self.pool = ProcessPoolExecutor(
            max_workers=count, mp_context=context, initializer=_start_worker, initargs=(lines,)
        )
        # The first submit starts the fork server and waits for it (about a second, its
        # imports): in a thread of its own, while the lines go on in this process.
        self.warm: Future[bool] = Future()
        threading.Thread(target=self._warm_up, name="ingest-workers", daemon=True).start()
        self.chunk: list[tuple[int, _Unit]] = []
        self.pending: deque[
            tuple[list[tuple[int, _Unit]], Future[list[tuple[list[_Flat], list[LineError]]]]]
        ] = deque()
        self.stated: dict[tuple[str, ...], frozenset[str]] = {}

    def _warm_up(self) -> None:
        try:
            first = self.pool.submit(_ready)
            first.add_done_callback(lambda done: self._settle(done))
        except BaseException as exc:  # noqa: BLE001 - handed to the ingest, which raises it
            self.warm.set_exception(exc)

    def _settle(self, done: Future[bool]) -> None:
        exc = done.exception()
        if exc is not None:
            self.warm.set_exception(exc)
        else:
            self.warm.set_result(True)

    @property
    def ready(self) -> bool:
        if self.warm.done():
            if self.warm.exception() is not None:
                raise _stopped()
            return True
        return False

    def add(self, line: int, unit: _Unit) -> Iterator[_Answer]:
        """Queue one line; yields the answers that are due, in order."""
        self.chunk.append((line, unit))
        if len(self.chunk) >= _CHUNK:
            self._send()
            while len(self.pending) > self.count * _IN_FLIGHT:
                yield from self._take()

    def drain(self) -> Iterator[_Answer]:
        if self.chunk:
            self._send()
        while self.pending:
            yield from self._take()

    def _send(self) -> None:
        try:
            future = self.pool.submit(_prepare_chunk, self.chunk)
        except BrokenProcessPool:
            raise _stopped() from None
        self.pending.append((self.chunk, future))
        self.chunk = []

    def _take(self) -> Iterator[_Answer]:
        chunk, future = self.pending.popleft()
        try:
            answers = future.result()
        except BrokenProcessPool:
            raise _stopped() from None
        stated, lines = self.stated, self.lines
        for (line, unit), (flat, errors) in zip(chunk, answers, strict=True):
            prepared = []
            for owner, entity_id, values, keys, view, schema, watch, said, hits in flat:
                said_set = stated.get(said)
                if said_set is None:
                    said_set = stated[said] = frozenset(said)
                row = store.NewRow(owner, entity_id, values, keys, view)
                prepared.append(
                    _Prepared(
                        row, schema, frozenset(watch), said_set, None, (line, unit), lines, hits
                    )
                )
            yield prepared, errors

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def ingest_stream(
    node: Node,
    principal: Principal,
    stream: IO[bytes],
    *,
    defaults: EnvelopeDefaults,
    fmt: IngestFormat = IngestFormat.FTM,
    mapping_text: str | None = None,
    strict: bool = False,
    override: bool = False,
    on_error: Callable[[LineError], None] | None = None,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
    source: str = "stream",
    workers: int | None = None,
) -> IngestReport:
    """Load one file. Raises ValidationError (nothing written) for a bad batch value, an empty
    file, a broken mapping or CSV header; every bad line is in the report and `on_error`.

    A large file (`POOL_BYTES`, `POOL_FROM`) is validated and indexed by `workers` processes
    (default: the node's `ingest_workers`) while this one writes, in the file's order: the
    result is the same as in one process, line for line."""
    if defaults.owner != principal.agency:
        raise Forbidden(
            f"records owned by {defaults.owner} can only be written by {defaults.owner}; "
            f"you act for {principal.agency}"
        )
    now = now or datetime.now(UTC)
    batch_values = defaults.as_mapping()
    check_batch(batch_values)
    base = dict(batch_values)
    mapping: CsvMapping | None = None
    if fmt is IngestFormat.CSV:
        if mapping_text is None:
            raise ValidationError(
                FieldError("mapping", "a CSV file needs a mapping file (--mapping)")
            )
        mapping = load_mapping(mapping_text)
        block = {k: v for k, v in mapping.envelope.items() if k != "owner"}
        check_batch(block, "mapping.accord")
        # The mapping's `accord:` block is a batch default; the command-line flags win over it.
        base = {**block, **batch_values}
    forced = {k: v for k, v in batch_values.items() if k != "owner"} if override else {}
    report = IngestReport()

    def reject(errors: list[LineError]) -> None:
        report.rejected += 1
        report.error_count += len(errors)
        room = MAX_KEPT_ERRORS - len(report.errors)
        if room > 0:
            report.errors.extend(errors[:room])
        if on_error is not None:
            for e in errors:
                on_error(e)

    workers = node.settings.ingest_workers if workers is None else workers
    size = _bytes_left(stream)
    large = size is not None and size >= POOL_BYTES
    pool: _Workers | None = None
    with _bulk_collections(), node.engine.connect() as conn:
        transaction = conn.begin()
        dialect = (conn.dialect.name, conn.dialect.driver)
        lines = _Lines(
            base,
            forced,
            principal.agency,
            now,
            dialect,
            node.settings.resolved_database_url,
            node.settings.watchlist_candidates,
            node.settings.match_threshold,
        )
        binder = store.row_binder(conn)

        def take(prepared: list[_Prepared], errors: list[LineError]) -> None:
            if errors:
                reject(errors)
            elif not (strict and report.rejected):
                batch.add_line(prepared)

        try:
            batch = _Batch(node, conn, report, principal.label, now)
            for line, consumed, unit in _units(stream, mapping, node.settings.max_line_bytes):
                report.lines += 1
                if progress is not None and report.lines % 500 == 0:
                    progress(consumed)
                if pool is None and workers > 0 and (large or report.lines > POOL_FROM):
                    pool = _Workers(workers, lines)
                if pool is None or (not pool.ready and not pool.pending and not pool.chunk):
                    take(*lines.prepare(line, unit, binder, keep=True))
                    continue
                for prepared, errors in pool.add(line, unit):
                    take(prepared, errors)
            if pool is not None:
                for prepared, errors in pool.drain():
                    take(prepared, errors)
            if report.lines == 0:
                raise ValidationError(FieldError("file", "is empty: no records to ingest"))
            if strict and report.rejected:
                transaction.rollback()
                report.created = report.updated = report.unchanged = 0
                report.written = False
                return report
            batch.flush()
            record_event(
                conn,
                Event.INGEST,
                principal,
                {"source": source, "format": fmt.value, **report.summary()},
            )
            transaction.commit()
        except BaseException:
            if transaction.is_active:
                transaction.rollback()
            raise
        finally:
            if pool is not None:
                pool.close()
    return report


def _build_line(
    line: int,
    entities: list[tuple[str | None, Any]],
    base: Mapping[str, Any],
    forced: Mapping[str, Any],
    agency: str,
    now: datetime,
) -> tuple[list[_Built], list[LineError]]:
    """Every entity of one line validated; any error means none of them is written."""
    built: list[_Built] = []
    errors: list[LineError] = []
    for name, data in entities:
        accord = data.get("accord") if isinstance(data, Mapping) else None
        if forced and isinstance(data, Mapping) and (accord is None or isinstance(accord, Mapping)):
            extra = dict(forced)
            if data.get("schema") not in PERSON_SCHEMATA:
                extra.pop("subject_category", None)
            accord = {**(accord or {}), **extra}
            data = {**data, "accord": accord}
        try:
            record = parse_record(data, base, now=now)
            if record.owner != agency:
                raise ValidationError(
                    FieldError(
                        "accord.owner",
                        f"records owned by {record.owner} can only be written by {record.owner}",
                    )
                )
        except ValidationError as exc:
            errors.extend(LineError(line, e.field, e.reason, name) for e in exc.errors)
            continue
        own = set(accord) if isinstance(accord, Mapping) else set()
        stated = frozenset({k for k, v in base.items() if v is not None} | own)
        built.append(_Built(record, stated))
    return built, errors
