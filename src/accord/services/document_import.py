"""Loading many document reports at once (`accord documents import`): CSV with a header or
JSON lines, with the fields of a single report (number, country, type, status, and optionally
reference, action, reported_on).

Every bad line is reported with its number and the field at fault; the good ones still load.
Lines go in chunks: each chunk is one transaction with one ledger entry naming its lines,
how many loaded and a SHA-256 digest of the reports it wrote. A document already reported is
refused on its line (change its status instead); one the agency had withdrawn is reported
again."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from hashlib import sha256
from typing import IO, Any

from accord.documents import WITHDRAWN
from accord.errors import FieldError, ValidationError
from accord.model import Principal
from accord.services.audit import Event, record_event
from accord.services.documents import (
    MAX_REFERENCE,
    check_issuer,
    check_status,
    check_text,
    parse_country,
    parse_number,
    parse_type,
)
from accord.services.node import Node
from accord.store import documents as store
from accord.store.documents import Key, Report

__all__ = ["CHUNK", "ImportReport", "LineError", "import_documents", "read_lines"]

#: Lines per transaction and ledger entry: large, since a commit costs about as much as
#: thousands of rows.
CHUNK = 20_000
FIELDS = ("number", "country", "type", "status", "reference", "action", "reported_on")
_FIELDS = frozenset(FIELDS)


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    errors: tuple[FieldError, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "errors": [e.to_dict() for e in self.errors]}


@dataclass(slots=True)
class ImportReport:
    lines: int = 0
    loaded: int = 0
    reported_again: int = 0
    errors: list[LineError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "loaded": self.loaded,
            "reported_again": self.reported_again,
            "rejected": len(self.errors),
            "errors": [e.to_dict() for e in self.errors[:1000]],
        }


def read_lines(stream: IO[bytes], fmt: str) -> Iterator[tuple[int, int, Mapping[str, Any] | str]]:
    """(line number, bytes read so far, the line's fields or why it cannot be read)."""
    done = 0
    if fmt == "csv":
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        reader = csv.DictReader(text)
        unknown = sorted(set(reader.fieldnames or ()) - set(FIELDS))
        missing = [f for f in FIELDS[:4] if f not in (reader.fieldnames or ())]
        if unknown or missing:
            raise ValidationError(
                FieldError(
                    "header",
                    f"columns {', '.join(FIELDS)} (the first four required); "
                    + (f"unknown: {', '.join(unknown)}" if unknown else "")
                    + (f" missing: {', '.join(missing)}" if missing else ""),
                )
            )
        for row in reader:
            done = stream.tell() if stream.seekable() else done
            yield reader.line_num, done, {k: v for k, v in row.items() if v not in (None, "")}
        return
    for number, raw in enumerate(stream, 1):
        done += len(raw)
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            yield number, done, f"not a JSON object: {exc}"
            continue
        if not isinstance(data, dict):
            yield number, done, "not a JSON object"
            continue
        yield number, done, data


@lru_cache(maxsize=1024)
def _may_report(principal: Principal, code: str) -> None:
    """`check_issuer` once per (principal, country) of a file: its lines repeat them."""
    check_issuer(principal, code, "report")


def _parse(principal: Principal, raw: Mapping[str, Any], now: datetime) -> Report:
    errors: list[FieldError] = []
    if not raw.keys() <= _FIELDS:
        errors.extend(FieldError(k, "unknown field") for k in sorted(set(raw) - _FIELDS))
    key = (
        parse_country(raw.get("country"), "country", errors),
        parse_number(raw.get("number"), "number", errors),
        parse_type(raw.get("type"), "type", errors),
    )
    status, action, reference = raw.get("status"), raw.get("action"), raw.get("reference")
    if not isinstance(status, str):
        errors.append(FieldError("status", "is required"))
        status = ""
    if action is not None and not isinstance(action, str):
        errors.append(FieldError("action", "an action code"))
        action = None
    if reference is not None and not isinstance(reference, str):
        errors.append(FieldError("reference", "text"))
        reference = None
    check_status(status, action, errors, withdrawal=False)
    check_text(reference, "reference", MAX_REFERENCE, errors)
    reported = now.date()
    if raw.get("reported_on") is not None:
        try:
            reported = date.fromisoformat(str(raw["reported_on"]))
        except ValueError:
            errors.append(FieldError("reported_on", "a date, YYYY-MM-DD"))
    if errors:
        raise ValidationError(errors)
    _may_report(principal, key[0])
    return Report(
        *key,
        status=status,
        action=action,
        reported_on=reported,
        agency=principal.agency,
        reference=reference,
        changed_at=now,
        changed_by=principal.label,
    )


def import_documents(
    node: Node,
    principal: Principal,
    lines: Iterator[tuple[int, int, Mapping[str, Any] | str]],
    *,
    source: str,
    progress: Callable[[int], None] | None = None,
    on_error: Callable[[LineError], None] | None = None,
) -> ImportReport:
    """Load every good line; see the module's docstring."""
    from accord.errors import AccordError

    report = ImportReport()
    chunk: dict[Key, tuple[int, Report]] = {}

    def reject(line: int, errors: list[FieldError]) -> None:
        error = LineError(line, tuple(errors))
        report.errors.append(error)
        if on_error is not None:
            on_error(error)

    def flush(done: int) -> None:
        if chunk:
            _write(node, principal, chunk, report, reject, source)
            chunk.clear()
        if progress is not None:
            progress(done)

    done = 0
    now = datetime.now(UTC)
    for line, done, raw in lines:
        report.lines += 1
        if isinstance(raw, str):
            reject(line, [FieldError("line", raw)])
            continue
        try:
            parsed = _parse(principal, raw, now)
        except ValidationError as exc:
            reject(line, exc.errors)
            continue
        except AccordError as exc:  # another country's document
            reject(line, [FieldError("country", exc.message)])
            continue
        if parsed.key in chunk:
            reject(
                line, [FieldError("number", f"the same document as line {chunk[parsed.key][0]}")]
            )
            continue
        chunk[parsed.key] = (line, parsed)
        if len(chunk) >= CHUNK:
            flush(done)
    flush(done)
    return report


def _write(
    node: Node,
    principal: Principal,
    chunk: dict[Key, tuple[int, Report]],
    report: ImportReport,
    reject: Callable[[int, list[FieldError]], None],
    source: str,
) -> None:
    digest = sha256()
    with node.engine.begin() as conn:
        existing = store.lookup_many(conn, ((k[0], k[1]) for k in chunk))
        fresh: list[Report] = []
        again = 0
        for key, (line, new) in chunk.items():
            held = {f[0]: f[1] for f in existing.get((key[0], key[1]), ())}
            if key[2] not in held:
                fresh.append(new)
            elif held[key[2]] == WITHDRAWN:
                old = store.get_report(conn, key, lock=True)
                assert old is not None
                store.supersede(conn, old, new, at=new.changed_at, by=new.changed_by, reason=source)
                again += 1
            else:
                reject(line, [FieldError("number", f"already reported {held[key[2]]}")])
                continue
            digest.update(f"{key[0]}\t{key[1]}\t{key[2]}\t{new.status}\n".encode())
        # In key order: neighbours in the registry's B-tree are written together.
        store.insert_reports(conn, sorted(fresh, key=lambda r: r.key))
        loaded = len(fresh) + again
        record_event(
            conn,
            Event.DOCUMENT_IMPORT,
            principal,
            {
                "source": source,
                "lines": [min(v[0] for v in chunk.values()), max(v[0] for v in chunk.values())],
                "loaded": loaded,
                "digest": digest.hexdigest(),
            },
        )
    report.loaded += loaded
    report.reported_again += again
