"""CSV with a FollowTheMoney mapping file: each row becomes one or more FtM entities.

The mapping is FtM's own format (`entities:` with `schema`, `keys` or `id_column`, and
`properties:` naming `column`/`columns`/`literal`/`join`/`split`/`entity`), parsed and checked by
followthemoney. Values are taken raw from the columns so that Accord's strict validation
rejects a value FtM would silently drop."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import yaml
from followthemoney import model as ftm
from followthemoney.exc import InvalidMapping
from followthemoney.mapping.query import QueryMapping

from accord.errors import FieldError, ValidationError
from accord.interop.lines import BadLine

__all__ = ["CsvMapping", "load_mapping", "read_mapped_csv"]


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


def read_mapped_csv(
    stream: IO[bytes], mapping: CsvMapping
) -> Iterator[tuple[int, int, list[dict[str, Any]] | BadLine]]:
    """Yield (line number, bytes consumed, entity dicts of that row or BadLine)."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.DictReader(text)
    header = reader.fieldnames or []
    missing = sorted(set(mapping.query.refs) - set(header))
    if missing:
        raise ValidationError(
            [
                FieldError(f"mapping column {c!r}", "is not a column of the CSV file")
                for c in missing
            ]
        )
    for row in reader:
        line = reader.line_num
        if None in row:
            yield line, stream.tell(), BadLine("line", "has more cells than the header")
            continue
        ids: dict[str, str] = {}
        entities: list[dict[str, Any]] = []
        for em in mapping.query.entities:
            entity_id = em.compute_key(row)
            if entity_id is None:
                continue
            ids[em.name] = entity_id
            props: dict[str, list[str]] = {}
            for pm in em.properties:
                if pm.entity is not None:
                    ref = ids.get(pm.entity)
                    values = [ref] if ref else []
                else:
                    values = _raw_values(pm, row)
                if values:
                    props.setdefault(pm.prop.name, []).extend(values)
            entities.append({"id": entity_id, "schema": em.schema.name, "properties": props})
        yield line, stream.tell(), entities
