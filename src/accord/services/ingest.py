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

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import IO, Any

from sqlalchemy import Connection

from accord.errors import FieldError, Forbidden, ValidationError
from accord.interop import BadLine, CsvMapping, load_mapping, read_json_lines, read_mapped_csv
from accord.matching import record_keys
from accord.model import (
    PERSON_SCHEMATA,
    Envelope,
    EnvelopeDefaults,
    Principal,
    Record,
    caption_of,
    content_hash,
    parse_envelope,
    parse_record,
)
from accord.services import watchlist
from accord.services.audit import Event, record_event
from accord.services.node import Node
from accord.store import records as store

__all__ = [
    "MAX_KEPT_ERRORS",
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


class _Batch:
    """Lines waiting to be written; an id seen twice forces a flush so the later line wins."""

    def __init__(
        self, node: Node, conn: Connection, report: IngestReport, actor: str, now: datetime
    ) -> None:
        self.node = node
        self.conn = conn
        self.report = report
        self.actor = actor
        self.now = now
        self.items: dict[tuple[str, str], _Built] = {}

    def add_line(self, built: list[_Built]) -> None:
        keys = [(b.record.owner, b.record.id) for b in built]
        if len(self.items) >= BATCH or any(k in self.items for k in keys):
            self.flush()
        for key, b in zip(keys, built, strict=True):
            self.items[key] = b

    def flush(self) -> None:
        if not self.items:
            return
        prepared = {
            key: (
                b.record,
                caption_of(b.record.schema, b.record.properties),
                record_keys(b.record.schema, b.record.properties),
            )
            for key, b in self.items.items()
        }
        existing_keys = store.insert_new_records(self.conn, list(prepared.values()))
        self.report.created += len(prepared) - len(existing_keys)
        # New and changed records are matched against the watchlist (unchanged ones were).
        changed = [
            watchlist.Candidate(rec, watchlist.record_watch_keys(rec.schema, keys))
            for key, (rec, _, keys) in prepared.items()
            if key not in existing_keys
        ]
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
                rec, caption, keys = prepared[(owner, entity_id)]
                old = stored[existing[entity_id].pk]
                envelope = _carried(old.record.envelope, rec, self.items[(owner, entity_id)].stated)
                same_content = existing[entity_id].content_hash == content_hash(
                    rec.schema, rec.properties
                )
                if not old.deleted and same_content and envelope == old.record.envelope:
                    self.report.unchanged += 1
                    continue
                envelope = envelope.evolve(
                    updated_at=self.now, version=old.record.envelope.version + 1
                )
                updated = Record(rec.id, rec.schema, rec.properties, envelope)
                store.replace_record(self.conn, old.pk, updated, caption, keys, actor=self.actor)
                changed.append(
                    watchlist.Candidate(updated, watchlist.record_watch_keys(rec.schema, keys))
                )
                self.report.updated += 1
        watchlist.check_records(self.conn, self.node, changed, self.now, self.actor)
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
    for record in records:
        batch.add_line([_Built(record, stated)])
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


def _lines(
    stream: IO[bytes], mapping: CsvMapping | None, max_line: int
) -> Iterator[tuple[int, int, list[tuple[str | None, Any]] | BadLine]]:
    """(line number, bytes consumed, the line's entities with their mapping name, or BadLine)."""
    if mapping is None:
        for line, consumed, obj in read_json_lines(stream, max_line):
            yield line, consumed, obj if isinstance(obj, BadLine) else [(None, obj)]
        return
    for line, consumed, row in read_mapped_csv(stream, mapping, max_line):
        yield line, consumed, row if isinstance(row, BadLine) else list(row)


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
) -> IngestReport:
    """Load one file. Raises ValidationError (nothing written) for a bad batch value, an empty
    file, a broken mapping or CSV header; every bad line is in the report and `on_error`."""
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

    with node.engine.connect() as conn:
        transaction = conn.begin()
        try:
            batch = _Batch(node, conn, report, principal.label, now)
            for line, consumed, item in _lines(stream, mapping, node.settings.max_line_bytes):
                report.lines += 1
                if progress is not None and report.lines % 500 == 0:
                    progress(consumed)
                if isinstance(item, BadLine):
                    reject([LineError(line, item.field, item.reason)])
                    continue
                built, errors = _build_line(line, item, base, forced, principal.agency, now)
                if errors:
                    reject(errors)
                elif not (strict and report.rejected):
                    batch.add_line(built)
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
