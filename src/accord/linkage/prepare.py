"""Records prepared for batch linkage: one flat row per person, computed with the matcher's
own normalisation (pure).

A row carries what the comparison spec (`accord.linkage.spec`) compares and blocks on:

- `name`: the primary name in its best Latin form, words in the order written; `name_sorted`
  the same words in alphabetical order (so that surname-first and given-name-first agree);
- `given` and `surname`: the first and last required part of the primary name (from
  `firstName` / `lastName` when the record has them), in their best Latin forms;
- `name_keys`: every name key of every name (`accord.matching.names.name_keys`: spellings,
  equivalence groups, phonetic codes and consonant skeletons of each required part);
- `birth_date` (known to the day, ISO 8601) and `birth_year`;
- `countries`, `gender`;
- `ids`: personal identifiers (passport, national id, tax number) and `contacts` (phones,
  e-mails, accounts), as `kind:value` after normalisation;
- blocking keys: `block_year` pairs each required part's spellings, groups, phonetic codes
  and skeletons with the birth year (`kovalenko|1981`), `block_pair` joins keys of two
  different parts of one name (`k:kflnk+k:lksndr`), so records meet when they share one
  part and the year, or two parts whatever the year;
- `fresh`: the record changed since the run's `--since` (or there was none).

The "best Latin form" of a part is its most common romanisation (`romanizations(...)[0]`),
or the part itself folded to ASCII when it is Latin already.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from accord.matching.dates import parse_date
from accord.matching.identifiers import IdKind
from accord.matching.names import NamePart, PersonName, analyze_person_name
from accord.matching.romanize import romanizations
from accord.matching.score import Subject, subject_of

__all__ = [
    "ARRAY_COLUMNS",
    "COLUMNS",
    "PERSONAL_KINDS",
    "PreparedRecord",
    "best_form",
    "columns",
    "prepare",
    "prepare_chunk",
]

#: Identifier kinds that identify one person (the others are contacts and accounts).
PERSONAL_KINDS = frozenset({IdKind.PASSPORT, IdKind.NATIONAL_ID, IdKind.TAX_ID})
#: At most this many blocking keys of each kind per record: a name of many parts in many
#: spellings must not multiply the pairs it takes part in.
MAX_BLOCK_KEYS = 48


@dataclass(frozen=True, slots=True)
class PreparedRecord:
    """One person record as the linkage engines see it. `source_dataset` is the side of the
    run it is on (`a`, the node's own records, or `b`, the records it is linked against):
    Splink links across datasets, never within one."""

    unique_id: int
    source_dataset: str
    name: str | None
    name_sorted: str | None
    given: str | None
    surname: str | None
    name_keys: tuple[str, ...]
    birth_date: str | None
    birth_year: int | None
    countries: tuple[str, ...]
    gender: str | None
    ids: tuple[str, ...]
    contacts: tuple[str, ...]
    block_year: tuple[str, ...]
    block_pair: tuple[str, ...]
    fresh: bool


#: Column names of a prepared table, in order.
COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(PreparedRecord))
#: The columns that hold lists of strings (the others hold one value).
ARRAY_COLUMNS = frozenset({"name_keys", "countries", "ids", "contacts", "block_year", "block_pair"})


def best_form(part: NamePart) -> str:
    """The part's most common Latin spelling (lower-case ASCII, no spaces)."""
    if part.original.isascii():
        return part.original.replace("'", "")
    found = romanizations(part.original)
    return found[0].replace(" ", "") if found else min(part.forms)


def _required(parts: Sequence[NamePart]) -> list[NamePart]:
    return [p for p in parts if not p.optional and not p.initial]


def _primary(names: Sequence[PersonName]) -> PersonName | None:
    """The name compared by spelling: the first one written in Latin letters if any (the
    record's own transcription), else the first."""
    for name in names:
        if name.original.isascii():
            return name
    return names[0] if names else None


def _first(properties: Mapping[str, Iterable[str]], prop: str) -> str | None:
    for value in properties.get(prop, ()):
        parsed = analyze_person_name(str(value))
        if parsed is not None:
            parts = _required(parsed.parts) or list(parsed.parts)
            return " ".join(best_form(p) for p in parts)
    return None


def _part_keys(part: NamePart) -> set[str]:
    keys = {f"n:{f}" for f in part.forms if len(f) > 1}
    keys.update(f"s:{s}" for s in part.symbols)
    keys.update(f"p:{p}" for p in part.phonetic if len(p) > 1)
    keys.update(f"k:{k}" for k in part.skeletons if len(k) >= 3)
    return keys


def _pair_keys(part: NamePart) -> set[str]:
    """The keys two parts are paired by: groups and skeletons (robust to spelling)."""
    keys = {f"s:{s}" for s in part.symbols}
    keys.update(f"k:{k}" for k in part.skeletons if len(k) >= 2)
    return keys or {f"n:{f}" for f in part.forms}


def _blocking(names: Sequence[PersonName], year: int | None) -> tuple[list[str], list[str]]:
    per_year: set[str] = set()
    pairs: set[str] = set()
    for name in names:
        for parts in name.tokenizations:
            required = _required(parts)
            if year is not None:
                for part in required:
                    per_year.update(f"{k}|{year:04d}" for k in _part_keys(part))
            for i, a in enumerate(required):
                for b in required[i + 1 :]:
                    for x in _pair_keys(a):
                        for y in _pair_keys(b):
                            pairs.add(f"{x}+{y}" if x <= y else f"{y}+{x}")
    return sorted(per_year)[:MAX_BLOCK_KEYS], sorted(pairs)[:MAX_BLOCK_KEYS]


def _name_keys(names: Sequence[PersonName]) -> list[str]:
    keys: set[str] = set()
    for name in names:
        for parts in name.tokenizations:
            for part in _required(parts):
                keys.update(_part_keys(part))
    return sorted(keys)


def _dates(subject: Subject) -> tuple[str | None, int | None]:
    full: str | None = None
    year: int | None = None
    for raw in subject.birth_dates:
        parsed = parse_date(raw)
        if parsed is None:
            continue
        if year is None:
            year = parsed.year
        if full is None and parsed.full:
            full = parsed.iso()
    return full, year


def prepare(
    unique_id: int,
    side: str,
    properties: Mapping[str, Iterable[str]],
    *,
    fresh: bool = True,
    schema: str = "Person",
) -> PreparedRecord | None:
    """The prepared row of one person record; None when it has nothing to link on (no
    name and no identifier)."""
    subject = subject_of(schema, properties)
    ids = sorted(
        f"{i.kind.value}:{i.value}" for i in subject.identifiers if i.kind in PERSONAL_KINDS
    )
    contacts = sorted(
        f"{i.kind.value}:{i.value}" for i in subject.identifiers if i.kind not in PERSONAL_KINDS
    )
    if not subject.names and not ids:
        return None
    primary = _primary(subject.names)
    parts = _required(primary.parts) if primary is not None else []
    written = [best_form(p) for p in parts]
    given = _first(properties, "firstName") or (written[0] if written else None)
    surname = _first(properties, "lastName") or (written[-1] if len(written) > 1 else None)
    birth_date, birth_year = _dates(subject)
    block_year, block_pair = _blocking(subject.names, birth_year)
    return PreparedRecord(
        unique_id=unique_id,
        source_dataset=side,
        name=" ".join(written) or None,
        name_sorted=" ".join(sorted(written)) or None,
        given=given,
        surname=surname,
        name_keys=tuple(_name_keys(subject.names)),
        birth_date=birth_date,
        birth_year=birth_year,
        countries=tuple(sorted(subject.countries)),
        gender=subject.gender,
        ids=tuple(ids),
        contacts=tuple(contacts),
        block_year=tuple(block_year),
        block_pair=tuple(block_pair),
        fresh=fresh,
    )


def prepare_chunk(
    items: Sequence[tuple[int, str, Mapping[str, Iterable[str]], bool]],
) -> list[PreparedRecord]:
    """`prepare` over (unique id, side, properties, fresh) items, leaving out the records with
    nothing to link on (a unit of work for a process pool)."""
    out: list[PreparedRecord] = []
    for unique_id, side, properties, fresh in items:
        row = prepare(unique_id, side, properties, fresh=fresh)
        if row is not None:
            out.append(row)
    return out


def columns(rows: Iterable[PreparedRecord]) -> dict[str, list[Any]]:
    """The rows as columns (for a pyarrow table); array columns as lists, empty ones None
    (Splink's null levels then apply)."""
    out: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    for row in rows:
        for name in COLUMNS:
            value = getattr(row, name)
            if isinstance(value, tuple):
                value = list(value) if value else None
            out[name].append(value)
    return out
