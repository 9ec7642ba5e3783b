"""A person's matching view, stored (pure): what `score` reads of a record — its names
analysed, birth dates, countries, gender, identifiers normalised, address words — encoded
once when the record is written, so that a match reads it back instead of analysing the
candidate's names again (romanising a name costs a hundred times more than reading it).

The encoding is two lines of compact JSON: first what every candidate is screened on (birth
dates, countries, gender, identifiers, address words) with a version (`VIEW_VERSION`), then
the analysed names, read only for a candidate the screen lets through (most of a view's
bytes are its names' spellings, sounds and skeletons). A view written by another version of
the analysis is not read (`decode_view` answers None) and the candidate is read from its
properties, as before the view existed; `accord reindex` rewrites every view. A view in
the earlier one-line layout (the same content, names inside) is read as well.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from accord.matching.identifiers import Identifier, IdKind
from accord.matching.names import NamePart, PersonName
from accord.matching.score import Subject, subject_of

__all__ = ["VIEWED_SCHEMATA", "VIEW_VERSION", "decode_view", "encode_view", "view_of"]

#: Bumped whenever what a view holds, or how a name is analysed, changes.
VIEW_VERSION = 1
#: Schemata whose records carry a view (those the matcher scores).
VIEWED_SCHEMATA = frozenset({"Person"})

_OPTIONAL, _INITIAL, _EXACT_ONLY = 1, 2, 4


def _flags(part: NamePart) -> int:
    return (
        (_OPTIONAL if part.optional else 0)
        | (_INITIAL if part.initial else 0)
        | (_EXACT_ONLY if part.exact_only else 0)
    )


@lru_cache(maxsize=65536)
def _name_text(name: PersonName) -> str:
    """One analysed name as JSON `[original, parts, splits]`: its distinct parts, and each
    split as indexes into them. Cached: names recur from record to record."""
    parts: list[list[Any]] = []
    index: dict[NamePart, int] = {}

    def ref(part: NamePart) -> int:
        at = index.get(part)
        if at is None:
            at = index[part] = len(parts)
            parts.append(
                [
                    part.original,
                    sorted(part.forms),
                    sorted(part.symbols),
                    sorted(part.phonetic),
                    sorted(part.skeletons),
                    _flags(part),
                ]
            )
        return at

    splits = [[ref(p) for p in split] for split in name.tokenizations]
    return json.dumps([name.original, parts, splits], ensure_ascii=False, separators=(",", ":"))


def encode_view(subject: Subject) -> str:
    """The view of `subject` as text: the screened fields, a newline, the names (JSON
    escapes every newline inside a string, so the first one splits the two)."""
    head = {
        "v": VIEW_VERSION,
        "d": list(subject.birth_dates),
        "c": sorted(subject.countries),
        "g": subject.gender,
        "i": sorted([i.kind.value, i.value, i.country, i.valid] for i in subject.identifiers),
        "a": sorted(subject.address_words),
    }
    names = ",".join(_name_text(n) for n in subject.names)
    return f"{json.dumps(head, ensure_ascii=False, separators=(',', ':'))}\n[{names}]"


#: Name parts read back, one object per distinct part: a given name or surname recurs in
#: thousands of records, and the comparison cache (`compare_parts`) finds a part it holds
#: by identity before comparing every field of an equal one.
_read_parts: dict[tuple[str, tuple[str, ...], int], NamePart] = {}
_READ_PARTS_MAX = 262144


def _read_part(part: list[Any]) -> NamePart:
    part_original, forms, symbols, phonetic, skeletons, flags = part
    # A part's other fields follow from its spelling, its forms and its flags.
    key = (part_original, tuple(forms), flags)
    found = _read_parts.get(key)
    if found is None:
        found = NamePart(
            original=part_original,
            forms=frozenset(forms),
            symbols=frozenset(symbols),
            phonetic=frozenset(phonetic),
            skeletons=frozenset(skeletons),
            optional=bool(flags & _OPTIONAL),
            initial=bool(flags & _INITIAL),
            exact_only=bool(flags & _EXACT_ONLY),
        )
        if len(_read_parts) >= _READ_PARTS_MAX:
            _read_parts.clear()
        _read_parts[key] = found
    return found


def _name(original: str, parts: list[list[Any]], splits: list[list[int]]) -> PersonName:
    read = [_read_part(part) for part in parts]
    return PersonName(original, tuple(tuple(read[i] for i in split) for split in splits))


#: Names read back, by their text in a view: the names a record shares with others (a
#: common name, or the same person in several records) are read once per process.
_read_names: dict[str, tuple[PersonName, ...]] = {}
_READ_NAMES_MAX = 65536


@dataclass(frozen=True, slots=True)
class StoredView:
    """A view read back: everything but the names at once (`light`), the names when asked
    (`subject`): a candidate the other features turn away never has its names read."""

    light: Subject
    #: The names as stored: their JSON text, or (a view of the one-line layout) read already.
    raw_names: str | list[Any]

    def subject(self) -> Subject:
        """The whole Subject, names included."""
        raw = self.raw_names
        if not isinstance(raw, str):
            return replace(self.light, names=tuple(_name(*n) for n in raw))
        names = _read_names.get(raw)
        if names is None:
            names = tuple(_name(*n) for n in json.loads(raw))
            if len(_read_names) >= _READ_NAMES_MAX:
                _read_names.clear()
            _read_names[raw] = names
        return replace(self.light, names=names)


def read_view(schema: str, text: str) -> StoredView | None:
    """A stored view, or None when it was written by another version."""
    head, split, names = text.partition("\n")
    body = json.loads(head)
    if not isinstance(body, dict) or body.get("v") != VIEW_VERSION:
        return None
    found = body["i"]
    light = Subject(
        schema=schema,
        names=(),
        birth_dates=tuple(body["d"]),
        countries=frozenset(body["c"]),
        gender=body["g"],
        identifiers=frozenset(
            Identifier(IdKind(kind), value, country, valid) for kind, value, country, valid in found
        )
        if found
        else frozenset(),
        address_words=frozenset(body["a"]),
    )
    return StoredView(light, names if split else body["n"])


def decode_view(schema: str, text: str) -> Subject | None:
    """The Subject a view holds, or None when it was written by another version."""
    view = read_view(schema, text)
    return view.subject() if view is not None else None


def view_of(schema: str, properties: Mapping[str, Iterable[str]]) -> str | None:
    """The view to store beside a record; None for schemata the matcher does not score."""
    if schema not in VIEWED_SCHEMATA:
        return None
    return encode_view(subject_of(schema, properties))
