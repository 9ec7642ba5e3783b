"""Ingest: FtM JSON lines or mapped CSV → validated records → store and search index.

One file is one transaction. A bad line is reported with its number and reason and the good
lines still load; with `strict`, the first bad line aborts the file and nothing is written.
Re-running a file is idempotent on (owner, entity id): unchanged records are skipped and
changed ones become a new version."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import IO, Any

from sqlalchemy import Connection

from accord.errors import FieldError, Forbidden, ValidationError
from accord.interop import BadLine, CsvMapping, load_mapping, read_json_lines, read_mapped_csv
from accord.matching import record_keys
from accord.model import EnvelopeDefaults, Principal, Record, caption_of, content_hash, parse_record
from accord.services.audit import Event, record_event
from accord.services.node import Node
from accord.store import records as store

__all__ = ["IngestFormat", "IngestReport", "LineError", "ingest_stream"]

BATCH = 2000
MAX_REPORTED_ERRORS = 1000


class IngestFormat(StrEnum):
    FTM = "ftm"
    CSV = "csv"


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.reason}"


@dataclass(slots=True)
class IngestReport:
    lines: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[LineError] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        return self.created + self.updated + self.unchanged

    def to_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "errors": [{"line": e.line, "field": e.field, "reason": e.reason} for e in self.errors],
        }


class _Batch:
    """Records waiting to be written; an id seen twice forces a flush so the later line wins."""

    def __init__(self, conn: Connection, report: IngestReport, actor: str) -> None:
        self.conn = conn
        self.report = report
        self.actor = actor
        self.items: dict[tuple[str, str], Record] = {}

    def add(self, record: Record) -> None:
        key = (record.owner, record.id)
        if key in self.items or len(self.items) >= BATCH:
            self.flush()
        self.items[key] = record

    def flush(self) -> None:
        if not self.items:
            return
        prepared = {
            key: (
                rec,
                caption_of(rec.schema, rec.properties),
                record_keys(rec.schema, rec.properties),
            )
            for key, rec in self.items.items()
        }
        existing_keys = store.insert_new_records(self.conn, list(prepared.values()))
        self.report.created += len(prepared) - len(existing_keys)
        by_owner: dict[str, list[str]] = {}
        for owner, entity_id in existing_keys:
            by_owner.setdefault(owner, []).append(entity_id)
        for owner, ids in by_owner.items():
            existing = store.lookup_existing(self.conn, owner, ids)
            for entity_id in ids:
                rec, caption, keys = prepared[(owner, entity_id)]
                old = existing[entity_id]
                if not old.deleted and old.content_hash == content_hash(rec.schema, rec.properties):
                    self.report.unchanged += 1
                    continue
                env = rec.envelope.evolve(version=old.version + 1)
                updated = Record(rec.id, rec.schema, rec.properties, env)
                store.replace_record(self.conn, old.pk, updated, caption, keys, actor=self.actor)
                self.report.updated += 1
        self.items.clear()


def _entities(
    stream: IO[bytes], mapping: CsvMapping | None, max_line: int
) -> Iterator[tuple[int, int, dict[str, Any] | BadLine]]:
    if mapping is None:
        yield from read_json_lines(stream, max_line)
        return
    for line, consumed, row in read_mapped_csv(stream, mapping):
        if isinstance(row, BadLine):
            yield line, consumed, row
            continue
        for entity in row:
            yield line, consumed, entity


def ingest_stream(
    node: Node,
    principal: Principal,
    stream: IO[bytes],
    *,
    defaults: EnvelopeDefaults,
    fmt: IngestFormat = IngestFormat.FTM,
    mapping_text: str | None = None,
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
    source: str = "stream",
) -> IngestReport:
    """Load one file. Raises ValidationError (nothing written) for an empty file, a broken
    mapping, or — with `strict` — the first bad line."""
    if defaults.owner != principal.agency:
        raise Forbidden(
            f"records owned by {defaults.owner} can only be written by {defaults.owner}; "
            f"you act for {principal.agency}"
        )
    now = now or datetime.now(UTC)
    base = defaults.as_mapping()
    mapping: CsvMapping | None = None
    if fmt is IngestFormat.CSV:
        if mapping_text is None:
            raise ValidationError(
                FieldError("mapping", "a CSV file needs a mapping file (--mapping)")
            )
        mapping = load_mapping(mapping_text)
        # The mapping's `accord:` block is a batch default, like the command-line flags.
        base.update({k: v for k, v in mapping.envelope.items() if k != "owner"})
    report = IngestReport()
    last_line = 0
    with node.engine.begin() as conn:
        batch = _Batch(conn, report, principal.label)
        for line, consumed, item in _entities(stream, mapping, node.settings.max_line_bytes):
            if line != last_line:
                report.lines += 1
                last_line = line
            try:
                if isinstance(item, BadLine):
                    raise ValidationError(FieldError(item.field, item.reason))
                record = parse_record(item, base, now=now)
                if record.owner != principal.agency:
                    raise ValidationError(
                        FieldError(
                            "accord.owner",
                            f"records owned by {record.owner} can only be written by "
                            f"{record.owner}",
                        )
                    )
            except ValidationError as exc:
                errors = [LineError(line, e.field, e.reason) for e in exc.errors]
                if strict:
                    raise ValidationError(
                        [FieldError(f"line {e.line}: {e.field}", e.reason) for e in errors]
                    ) from exc
                report.rejected += 1
                room = MAX_REPORTED_ERRORS - len(report.errors)
                report.errors.extend(errors[: max(room, 0)])
                continue
            batch.add(record)
            if progress is not None and report.lines % 500 == 0:
                progress(consumed)
        batch.flush()
        if report.lines == 0:
            raise ValidationError(FieldError("file", "is empty: no records to ingest"))
        summary = {k: v for k, v in report.to_dict().items() if k != "errors"}
        record_event(
            conn, Event.INGEST, principal, {"source": source, "format": fmt.value, **summary}
        )
    return report
