"""Table-driven transliteration and the ICAO 9303 MRZ character rules.

The tables live in `data/translit.yaml`. A table is applied word by word: at each position the
engine tries, in order, the table's word-initial sequences (only at the start of a word), its
positional letters (after a vowel, a soft sign or an apostrophe), its multi-letter rules, then
its letter map; anything not in the table is kept. The case of each source word is carried to
the output (Title, UPPER or lower). Output is a pure function of the input: no locale, no
global state.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from accord.scenario.data import load_yaml

__all__ = ["Transliterator", "fold_ascii", "mrz_name", "spell", "table", "table_names"]

_SEPARATORS = re.compile(r"([\s\-,.;:/()«»\"“”]+)")
_ACUTE = "\u0301"
#: MRZ forms remembered: callers convert single names, a bounded set, so this holds them all.
_CACHE_SIZE = 8192


@dataclass(frozen=True, slots=True)
class _Rule:
    output: str
    before: str
    then: str


class Transliterator:
    """One transliteration table, callable on text."""

    __slots__ = ("_after_chars", "_after_map", "_initial", "_map", "_rules", "name", "title")

    def __init__(self, name: str, spec: Mapping[str, Any]) -> None:
        self.name = name
        self.title = str(spec.get("title", name))
        self._map: dict[str, str] = {str(k): str(v) for k, v in (spec.get("map") or {}).items()}
        self._initial: dict[str, str] = {
            str(k): str(v) for k, v in (spec.get("initial") or {}).items()
        }
        after = spec.get("after") or {}
        self._after_chars = str(after.get("chars", ""))
        self._after_map: dict[str, str] = {
            str(k): str(v) for k, v in (after.get("map") or {}).items()
        }
        rules: dict[str, _Rule] = {}
        for pattern, out in (spec.get("rules") or {}).items():
            if isinstance(out, Mapping):
                rules[str(pattern)] = _Rule(
                    str(out["default"]), str(out.get("before", "")), str(out.get("then", ""))
                )
            else:
                rules[str(pattern)] = _Rule(str(out), "", "")
        # Longest sequences first, so that a three-letter rule wins over a two-letter one.
        self._rules = sorted(rules.items(), key=lambda kv: (-len(kv[0]), kv[0]))

    def __call__(self, text: str) -> str:
        parts = _SEPARATORS.split(_prepare(text))
        out: list[str] = []
        for i, part in enumerate(parts):
            if i % 2 == 1 or not part:
                out.append(part)
                continue
            out.append(_recase(part, self._word(part.lower())))
        return "".join(out)

    def _word(self, word: str) -> str:
        out: list[str] = []
        i = 0
        n = len(word)
        while i < n:
            if i == 0:
                hit = _match_prefix(self._initial, word, 0)
                if hit is not None:
                    out.append(self._initial[hit])
                    i += len(hit)
                    continue
            ch = word[i]
            if i > 0 and ch in self._after_map and word[i - 1] in self._after_chars:
                out.append(self._after_map[ch])
                i += 1
                continue
            matched = False
            for pattern, rule in self._rules:
                if word.startswith(pattern, i):
                    nxt = i + len(pattern)
                    at_end = nxt >= n or not word[nxt].isalpha()
                    if rule.before and (at_end or word[nxt] in rule.before):
                        out.append(rule.then)
                    else:
                        out.append(rule.output)
                    i = nxt
                    matched = True
                    break
            if matched:
                continue
            out.append(self._map.get(ch, ch))
            i += 1
        return "".join(out)


def _match_prefix(table: Mapping[str, str], word: str, start: int) -> str | None:
    best: str | None = None
    for key in table:
        if word.startswith(key, start) and (best is None or len(key) > len(best)):
            best = key
    return best


def _prepare(text: str) -> str:
    """NFC with stress and tonos accents removed (the diaeresis, which changes letters, stays)."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", decomposed.replace(_ACUTE, ""))


def _recase(source: str, out: str) -> str:
    letters = [c for c in source if c.isalpha()]
    if not letters or not out:
        return out
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return out.upper()
    if letters[0].isupper():
        return out[:1].upper() + out[1:]
    return out


@lru_cache(maxsize=1)
def _tables() -> dict[str, Transliterator]:
    data = load_yaml("translit.yaml")
    return {name: Transliterator(name, spec) for name, spec in data["tables"].items()}


def table(name: str) -> Transliterator:
    """The shipped table `name` (see `table_names()`)."""
    return _tables()[name]


@lru_cache(maxsize=4096)
def spell(name: str, word: str) -> str:
    """`word` under table `name`, remembered (for the small vocabularies used at run time:
    company-name words, nicknames)."""
    return table(name)(word)


def table_names() -> list[str]:
    return sorted(_tables())


def fold_ascii(text: str) -> str:
    """Drop diacritics: Müller -> Muller, Ševčenko -> Sevcenko."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c) and c not in "ʹ")


@lru_cache(maxsize=_CACHE_SIZE)
def mrz_name(text: str) -> str:
    """A Latin name as the MRZ writes it (ICAO 9303 Part 3, section 6): upper case A-Z,
    national letters transliterated (Ä -> AE, ß -> SS), other diacritics dropped, apostrophes
    omitted, spaces and hyphens as the filler `<`."""
    icao = table("icao_latin")
    upper = fold_ascii(icao(text.lower())).upper()
    out: list[str] = []
    for ch in upper:
        if "A" <= ch <= "Z":
            out.append(ch)
        elif ch in " -<":
            out.append("<")
    return re.sub("<+", "<", "".join(out)).strip("<")
