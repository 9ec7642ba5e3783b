"""CSV with a FollowTheMoney mapping file: each row becomes one or more FtM entities.

The mapping is FtM's own format (`entities:` with `schema`, `keys` or `id_column`, and
`properties:` naming `column`/`columns`/`literal`/`join`/`split`/`entity`), parsed and checked by
followthemoney. Values are taken raw from the columns so that Accord's strict validation
rejects a value FtM would silently drop. The format and its rules are in docs/ingest.md.

A row is one line of UTF-8: a quoted cell may hold commas and doubled quotes but no line
break, so a quote left open is reported on its own line instead of swallowing the rows after
it, and a line that cannot be read stops only itself."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import yaml
from followthemoney import model as ftm
from followthemoney.exc import InvalidMapping
from followthemoney.mapping.query import QueryMapping

from accord.errors import FieldError, ValidationError
from accord.interop.lines import BadLine, not_utf8, read_raw_lines

__all__ = ["CsvMapping", "load_mapping", "read_mapped_csv"]

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class CsvMapping:
    query: QueryMapping
    envelope: dict[str, Any]


def load_mapping(text: str, source: str = "mapping") -> CsvMapping:
    """Parse a mapping file; raise ValidationError naming what is wrong."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationError(FieldError(source, f"not valid YAML: {exc}")) from exc
    if not isinstance(data, dict):
        raise ValidationError(FieldError(source, "must be a mapping with an `entities:` key"))
    envelope = data.pop("accord", None) or {}
    if "queries" in data:
        queries = data["queries"]
        if not isinstance(queries, list) or len(queries) != 1:
            raise ValidationError(FieldError(f"{source}.queries", "must hold exactly one query"))
        data = dict(queries[0])
    if "entities" not in data:
        raise ValidationError(FieldError(f"{source}.entities", "is required"))
    config = {"csv_url": "-", "entities": data["entities"]}
    try:
        query = ftm.make_mapping(config, key_prefix=None)
    except (InvalidMapping, TypeError, AttributeError, ValueError) as exc:
        raise ValidationError(FieldError(f"{source}.entities", str(exc))) from exc
    if not isinstance(envelope, dict):
        raise ValidationError(FieldError(f"{source}.accord", "must be a mapping of envelope keys"))
    return CsvMapping(query=query, envelope=envelope)


def _raw_values(pm: Any, row: dict[str, str]) -> list[str]:
    values: list[str] = [v for v in pm.record_values(row) if v is not None]
    if pm.join is not None:
        values = [pm.join.join(values)]
    if pm.split is not None:
        values = [part for v in values for part in v.split(pm.split)]
    return [v for v in values if v.strip()]


def _text(number: int, raw: bytes) -> str | BadLine:
    """The line as text without its line break."""
    if number == 1 and raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return BadLine("line", not_utf8(raw, exc))
    if text.endswith("\n"):
        text = text[:-1]
    if text.endswith("\r"):
        text = text[:-1]
    if "\x00" in text:
        return BadLine("line", "contains a NUL byte")
    return text


def _cells(text: str, header: list[str]) -> list[str] | BadLine:
    """The cells of one line. A row is one line: a quote still open at the end of the line is
    an unclosed quote, not a cell that runs on into the following rows."""
    try:
        return next(csv.reader((text,), strict=True))
    except csv.Error as exc:
        if "unexpected end of data" not in str(exc):
            return BadLine("line", f"not valid CSV: {exc}")
        column = len(next(csv.reader((text,))))
        name = f" ({header[column - 1]})" if column <= len(header) else ""
        return BadLine(
            "line",
            f"unclosed quote in column {column}{name}: a quoted cell must end on its own line",
        )


def _header(lines: Iterator[tuple[int, int, bytes | BadLine]]) -> list[str]:
    for number, _, raw in lines:
        text = raw if isinstance(raw, BadLine) else _text(number, raw)
        if isinstance(text, str):
            if not text.strip():
                continue
            cells = _cells(text, [])
            if isinstance(cells, list):
                header = [c.strip() for c in cells]
                dup = sorted({c for c in header if header.count(c) > 1})
                if dup:
                    raise ValidationError(
                        FieldError(f"line {number}", f"the header names {', '.join(dup)} twice")
                    )
                return header
            text = cells
        raise ValidationError(FieldError(f"line {number}", f"the header: {text.reason}"))
    raise ValidationError(FieldError("file", "is empty: no header line"))


def _entities(
    mapping: CsvMapping, row: dict[str, str]
) -> list[tuple[str, dict[str, Any]]] | BadLine:
    ids: dict[str, str] = {}
    entities: list[tuple[str, dict[str, Any]]] = []
    for em in mapping.query.entities:
        entity_id = em.compute_key(row)
        if entity_id is None or not entity_id.strip():
            continue  # an entity the row does not make (its key columns are empty)
        ids[em.name] = entity_id
        props: dict[str, list[str]] = {}
        for pm in em.properties:
            if pm.entity is not None:
                ref = ids.get(pm.entity)
                if ref is None:
                    return BadLine(
                        f"{em.name}.{pm.prop.name}",
                        f"refers to {pm.entity!r}, which this row does not make "
                        "(its key columns are empty)",
                    )
                values = [ref]
            else:
                values = _raw_values(pm, row)
            if values:
                props.setdefault(pm.prop.name, []).extend(values)
        entities.append((em.name, {"id": entity_id, "schema": em.schema.name, "properties": props}))
    if not entities:
        keys = sorted({k for em in mapping.query.entities for k in em.keys or [em.id_column]})
        return BadLine("line", f"makes no entity: the key columns ({', '.join(keys)}) are empty")
    return entities


def read_mapped_csv(
    stream: IO[bytes], mapping: CsvMapping, max_bytes: int
) -> Iterator[tuple[int, int, list[tuple[str, dict[str, Any]]] | BadLine]]:
    """Yield (line number, bytes consumed, the row's (mapping entity name, entity dict) pairs
    or BadLine). The header must name every column the mapping uses (ValidationError)."""
    lines = read_raw_lines(stream, max_bytes)
    header = _header(lines)
    missing = sorted(set(mapping.query.refs) - set(header))
    if missing:
        raise ValidationError(
            [
                FieldError(f"mapping column {c!r}", "is not a column of the CSV file")
                for c in missing
            ]
        )
    for number, consumed, raw in lines:
        text = raw if isinstance(raw, BadLine) else _text(number, raw)
        if isinstance(text, BadLine):
            yield number, consumed, text
            continue
        if not text.strip():
            continue
        cells = _cells(text, header)
        if isinstance(cells, BadLine):
            yield number, consumed, cells
            continue
        if not any(c.strip() for c in cells):
            continue  # a row of empty cells, as spreadsheets write at the end
        if len(cells) != len(header):
            yield (
                number,
                consumed,
                BadLine("line", f"has {len(cells)} cells; the header has {len(header)}"),
            )
            continue
        yield number, consumed, _entities(mapping, dict(zip(header, cells, strict=True)))
