"""A person's matching view, stored (pure): what `score` reads of a record — its names
analysed, birth dates, countries, gender, identifiers normalised, address words — encoded
once when the record is written, so that a match reads it back instead of analysing the
candidate's names again (romanising a name costs a hundred times more than reading it).

The encoding is compact JSON with a version (`VIEW_VERSION`): a view written by another
version of the analysis is not read (`decode_view` answers None) and the candidate is read
from its properties, as before the view existed; `accord reindex` rewrites every view.
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
    """The view of `subject` as text."""
    rest = {
        "d": list(subject.birth_dates),
        "c": sorted(subject.countries),
        "g": subject.gender,
        "i": sorted([i.kind.value, i.value, i.country, i.valid] for i in subject.identifiers),
        "a": sorted(subject.address_words),
    }
    names = ",".join(_name_text(n) for n in subject.names)
    tail = json.dumps(rest, ensure_ascii=False, separators=(",", ":"))
    return f'{{"v":{VIEW_VERSION},"n":[{names}],{tail[1:]}'


def _name(original: str, parts: list[list[Any]], splits: list[list[int]]) -> PersonName:
    read = [
        NamePart(
            original=part_original,
            forms=frozenset(forms),
            symbols=frozenset(symbols),
            phonetic=frozenset(phonetic),
            skeletons=frozenset(skeletons),
            optional=bool(flags & _OPTIONAL),
            initial=bool(flags & _INITIAL),
            exact_only=bool(flags & _EXACT_ONLY),
        )
        for part_original, forms, symbols, phonetic, skeletons, flags in parts
    ]
    return PersonName(original, tuple(tuple(read[i] for i in split) for split in splits))


#: Names read back, by their text in a view: a common name is read once per process.
_read_names: dict[str, PersonName] = {}
_READ_NAMES_MAX = 65536


@dataclass(frozen=True, slots=True)
class StoredView:
    """A view read back: everything but the names at once (`light`), the names when asked
    (`subject`): a candidate the other features turn away never has its names read."""

    light: Subject
    raw_names: list[Any]

    def subject(self) -> Subject:
        """The whole Subject, names included."""
        names: list[PersonName] = []
        for original, parts, splits in self.raw_names:
            name = _read_names.get(original)
            if name is None:
                name = _name(original, parts, splits)
                if len(_read_names) >= _READ_NAMES_MAX:
                    _read_names.clear()
                _read_names[original] = name
            names.append(name)
        return replace(self.light, names=tuple(names))


def read_view(schema: str, text: str) -> StoredView | None:
    """A stored view, or None when it was written by another version."""
    body = json.loads(text)
    if not isinstance(body, dict) or body.get("v") != VIEW_VERSION:
        return None
    light = Subject(
        schema=schema,
        names=(),
        birth_dates=tuple(body["d"]),
        countries=frozenset(body["c"]),
        gender=body["g"],
        identifiers=frozenset(
            Identifier(IdKind(kind), value, country, valid)
            for kind, value, country, valid in body["i"]
        ),
        address_words=frozenset(body["a"]),
    )
    return StoredView(light, body["n"])


def decode_view(schema: str, text: str) -> Subject | None:
    """The Subject a view holds, or None when it was written by another version."""
    view = read_view(schema, text)
    return view.subject() if view is not None else None


def view_of(schema: str, properties: Mapping[str, Iterable[str]]) -> str | None:
    """The view to store beside a record; None for schemata the matcher does not score."""
    if schema not in VIEWED_SCHEMATA:
        return None
    return encode_view(subject_of(schema, properties))
