"""Latin spellings of names written in other scripts, the way records in the field have them.

Border, police and passport systems each romanise a name by their own convention, so one
person's name reaches us as Олександр, Oleksandr and Aleksandr, or as 김민준, Kim Minjun and
Gim Minjun. :func:`romanizations` gives every plausible Latin spelling of a name under the
conventions that produce such records, so that matching can compare spellings instead of
guessing which one a partner used. Each script's tables live in their own module:

* Cyrillic, Greek, Georgian: :mod:`accord.matching.scripts_alphabets`
* Devanagari: :mod:`accord.matching.scripts_devanagari`
* Hangul and Han: :mod:`accord.matching.scripts_cjk`
* Arabic (and :func:`consonant_skeleton`): :mod:`accord.matching.scripts_arabic`

Other scripts (Armenian, Hebrew, Thai, Japanese kana, …) fall back to rigour's
transliteration. A name mixing scripts is cut into runs of one script each, and each run is
romanised by its own script's rules. Work is bounded: only the first
:data:`MAX_NAME_CHARS` characters of a name are read, and at most :data:`MAX_FORMS` forms
are returned. Variants are whole-name: the n-th form takes the n-th convention for every
run, never the cross product of per-word choices.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache

from rigour.text.scripts import codepoint_script
from rigour.text.translit import ascii_text

from accord.matching.scripts_alphabets import (
    cyrillic_variants,
    georgian_variants,
    greek_variants,
)
from accord.matching.scripts_arabic import arabic_variants, consonant_skeleton
from accord.matching.scripts_cjk import han_variants, hangul_variants
from accord.matching.scripts_devanagari import devanagari_variants

__all__ = [
    "MAX_FORMS",
    "MAX_NAME_CHARS",
    "consonant_skeleton",
    "romanizations",
    "scripts_of",
]

#: Characters of a name read before any work; the rest is ignored.
MAX_NAME_CHARS = 500
#: Most forms :func:`romanizations` returns for one name.
MAX_FORMS = 12

_Variants = Callable[[Sequence[str]], list[list[str]]]
_HANDLERS: dict[str, _Variants] = {
    "Cyrillic": cyrillic_variants,
    "Greek": greek_variants,
    "Georgian": georgian_variants,
    "Devanagari": devanagari_variants,
    "Hangul": hangul_variants,
    "Han": han_variants,
    "Arabic": arabic_variants,
}
_NOT_SCRIPTS = frozenset({"Common", "Inherited", "Unknown"})
_APOSTROPHES = frozenset("'’ʼ`ʻ")
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae",
                         "Ö": "Oe", "Ü": "Ue", "ẞ": "Ss"})  # fmt: skip
_NOT_WORD = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=8192)
def _script(ch: str) -> str | None:
    """The script of a letter, or None for anything else (digits, marks, symbols)."""
    if not unicodedata.category(ch).startswith("L"):
        return None
    script = codepoint_script(ord(ch))
    return None if script is None or script in _NOT_SCRIPTS else script


def scripts_of(text: str) -> frozenset[str]:
    """The Unicode scripts of the letters in `text` ("Latin", "Cyrillic", "Han", …).

    Digits, punctuation, spaces, symbols and combining marks do not count.
    """
    found: set[str] = set()
    for ch in set(text):
        script = _script(ch)
        if script is not None:
            found.add(script)
    return frozenset(found)


def _runs(text: str) -> list[tuple[str, list[str]]]:
    """Cut a name into runs of words of one script: [(script, [word, …]), …].

    Combining marks and apostrophes stay in their word; every other non-letter separates
    words and is dropped.
    """
    runs: list[tuple[str, list[str]]] = []
    word: list[str] = []
    word_script: str | None = None

    def close() -> None:
        if word and word_script is not None:
            if runs and runs[-1][0] == word_script:
                runs[-1][1].append("".join(word))
            else:
                runs.append((word_script, ["".join(word)]))
        word.clear()

    for ch in text:
        script = _script(ch)
        if script is None:
            joins = ch in _APOSTROPHES or unicodedata.category(ch).startswith("M")
            if word and joins:
                word.append(ch)
                continue
            close()
            word_script = None
            continue
        if script != word_script:
            close()
            word_script = script
        word.append(ch)
    close()
    return runs


def _latin_variants(words: Sequence[str]) -> list[list[str]]:
    """Latin words with diacritics folded; German umlauts also as ae, oe, ue, ss."""
    variants = [[ascii_text(w) for w in words]]
    joined = "".join(words)
    if joined.translate(_GERMAN) != joined:
        variants.append([ascii_text(w.translate(_GERMAN)) for w in words])
    return variants


def _fallback_variants(words: Sequence[str]) -> list[list[str]]:
    """Any other script: rigour's transliteration (ICU-based) of each word."""
    return [[ascii_text(w) for w in words]]


def _clean(form: str) -> str:
    """Lower-case ASCII words separated by single spaces; apostrophes are dropped."""
    text = "".join(c for c in form.lower() if c not in _APOSTROPHES)
    return " ".join(_NOT_WORD.sub(" ", text).split())


_NOT_ASCII_LETTER = re.compile(r"[^A-Za-z'`]+")


def _ascii_form(text: str) -> tuple[str, ...]:
    """`_romanizations` of ASCII text, the common case, without walking it letter by letter:
    its letters are Latin and need no folding, and everything else separates words."""
    form = _clean(_NOT_ASCII_LETTER.sub(" ", text))
    return (form,) if form else ()


@lru_cache(maxsize=16384)
def _romanizations(text: str) -> tuple[str, ...]:
    if text.isascii():
        return _ascii_form(text)
    runs = _runs(unicodedata.normalize("NFC", text))
    if not runs:
        return ()
    per_run: list[list[list[str]]] = []
    for script, words in runs:
        if script == "Latin":
            handler: _Variants = _latin_variants
        else:
            handler = _HANDLERS.get(script, _fallback_variants)
        variants = handler(words)[:MAX_FORMS] or [list(words)]
        per_run.append(variants)
    count = max(len(v) for v in per_run)
    forms: dict[str, None] = {}
    for k in range(count):
        parts = [" ".join(v[min(k, len(v) - 1)]) for v in per_run]
        form = _clean(" ".join(parts))
        if form:
            forms.setdefault(form, None)
        if len(forms) >= MAX_FORMS:
            break
    return tuple(forms)


def romanizations(text: str) -> tuple[str, ...]:
    """Every plausible Latin spelling of the name `text`, most common convention first.

    Forms are lower-case ASCII words separated by single spaces, without duplicates, at
    most :data:`MAX_FORMS` of them; an empty or letterless name gives (). A Latin name
    gives its folded form ("muller"), and with German umlauts also "mueller". Conventions
    per script:

    * Cyrillic: Ukrainian KMU 2010, ICAO Doc 9303 (Russian passports), BGN/PCGN, German
      Duden, French; Ukrainian and Russian told apart by their own letters.
    * Greek: ELOT 743 / ICAO, ELOT 743 as pronounced, classical (eu/au), English phonetic.
    * Georgian: national system 2002 (= ICAO), Russian-mediated Soviet spellings.
    * Devanagari: Indian English (final schwa deleted), ISO 15919 / IAST folded.
    * Hangul: Revised Romanization, McCune–Reischauer folded, passport surnames.
    * Han: Hanyu Pinyin (joined given name, apart, tone numbers), Wade–Giles, Cantonese
      and Wade–Giles spellings of frequent surnames.
    * Arabic: simplified ALA-LC, English and French usage, article as al / el / joined / off.

    Only the first :data:`MAX_NAME_CHARS` characters are read. Word order is kept as
    written; swapping surname and given name is the caller's job.
    """
    return _romanizations(text[:MAX_NAME_CHARS])
