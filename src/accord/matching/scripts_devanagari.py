"""Romanisation of Devanagari names (pure): ISO 15919 / IAST and Indian English usage.

A consonant letter carries an inherent vowel "a" unless a vowel sign (matra) or the virama
follows it. ISO 15919 writes every inherent vowel; Hindi does not pronounce the last one of
a word, and the English spellings of Indian names follow the speech (राहुल is "Rahul", not
"Rahula"), so the common forms delete it, except after a consonant cluster (मिश्र "Mishra").
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["devanagari_variants"]

_VIRAMA = "\u094d"
_NUKTA = "\u093c"
_ANUSVARA = "\u0902"
_CANDRABINDU = "\u0901"
_VISARGA = "\u0903"
_LABIALS = frozenset("पफबभम")

# ISO 15919 consonants folded to ASCII; the second value is Indian English usage.
_CONSONANTS: dict[str, tuple[str, str]] = {
    "क": ("k", "k"), "ख": ("kh", "kh"), "ग": ("g", "g"), "घ": ("gh", "gh"),
    "ङ": ("n", "n"), "च": ("c", "ch"), "छ": ("ch", "chh"), "ज": ("j", "j"),
    "झ": ("jh", "jh"), "ञ": ("n", "n"), "ट": ("t", "t"), "ठ": ("th", "th"),
    "ड": ("d", "d"), "ढ": ("dh", "dh"), "ण": ("n", "n"), "त": ("t", "t"),
    "थ": ("th", "th"), "द": ("d", "d"), "ध": ("dh", "dh"), "न": ("n", "n"),
    "प": ("p", "p"), "फ": ("ph", "ph"), "ब": ("b", "b"), "भ": ("bh", "bh"),
    "म": ("m", "m"), "य": ("y", "y"), "र": ("r", "r"), "ल": ("l", "l"),
    "ळ": ("l", "l"), "व": ("v", "v"), "श": ("s", "sh"), "ष": ("s", "sh"),
    "स": ("s", "s"), "ह": ("h", "h"),
}  # fmt: skip
# Consonants with nukta (Perso-Arabic sounds), precomposed or base + U+093C.
_NUKTA_FORMS: dict[str, tuple[str, str]] = {
    "क": ("q", "q"), "ख": ("kh", "kh"), "ग": ("g", "gh"), "ज": ("z", "z"),
    "ड": ("r", "r"), "ढ": ("rh", "rh"), "फ": ("f", "f"), "य": ("y", "y"),
}  # fmt: skip
_PRECOMPOSED_NUKTA = {
    "\u0958": "क", "\u0959": "ख", "\u095a": "ग", "\u095b": "ज",
    "\u095c": "ड", "\u095d": "ढ", "\u095e": "फ", "\u095f": "य",
}  # fmt: skip
# Independent vowels and vowel signs: (ISO 15919 folded, English, English long).
_VOWELS: dict[str, tuple[str, str, str]] = {
    "अ": ("a", "a", "a"), "आ": ("a", "a", "a"), "इ": ("i", "i", "i"),
    "ई": ("i", "i", "ee"), "उ": ("u", "u", "u"), "ऊ": ("u", "u", "oo"),
    "ऋ": ("r", "ri", "ri"), "ए": ("e", "e", "e"), "ऐ": ("ai", "ai", "ai"),
    "ओ": ("o", "o", "o"), "औ": ("au", "au", "au"), "ऑ": ("o", "o", "o"),
    "ा": ("a", "a", "a"), "ि": ("i", "i", "i"), "ी": ("i", "i", "ee"),
    "ु": ("u", "u", "u"), "ू": ("u", "u", "oo"), "ृ": ("r", "ri", "ri"),
    "े": ("e", "e", "e"), "ै": ("ai", "ai", "ai"), "ो": ("o", "o", "o"),
    "ौ": ("au", "au", "au"), "ॉ": ("o", "o", "o"),
}  # fmt: skip

# Systems: (column of the consonant table, column of the vowel table, delete final schwa)
_SYSTEMS: tuple[tuple[int, int, bool], ...] = (
    (1, 1, True),  # Indian English: Rahul Sharma
    (1, 2, True),  # Indian English with ee/oo for long i/u: Sanjeev, Poonam
    (0, 0, True),  # ISO 15919 folded, final schwa dropped: Rahul Sarma
    (0, 0, False),  # ISO 15919 / IAST folded, letter for letter: Rahula Sarma
)


def _word(word: str, ccol: int, vcol: int, drop_schwa: bool) -> str:
    """Romanise one Devanagari word under one system."""
    out: list[str] = []
    pending = False  # an inherent vowel is owed after the last consonant
    cluster = False  # the last consonant closed a conjunct (virama before it)
    last_was_conjunct = False
    chars = [_PRECOMPOSED_NUKTA.get(c, c) + (_NUKTA if c in _PRECOMPOSED_NUKTA else "")
             for c in word]  # fmt: skip
    text = "".join(chars)
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if ch in _CONSONANTS:
            if pending:
                out.append("a")
            nukta = i + 1 < n and text[i + 1] == _NUKTA
            table = _NUKTA_FORMS if nukta and ch in _NUKTA_FORMS else _CONSONANTS
            out.append(table[ch][ccol])
            last_was_conjunct = cluster
            cluster = False
            pending = True
            i += 2 if nukta else 1
            continue
        if ch == _VIRAMA:
            pending = False
            cluster = True
        elif ch in _VOWELS:
            if pending and ch in "अआइईउऊऋएऐओऔऑ":
                out.append("a")
            out.append(_VOWELS[ch][vcol])
            pending = False
            cluster = False
        elif ch in (_ANUSVARA, _CANDRABINDU):
            if pending:
                out.append("a")
                pending = False
            nxt = text[i + 1] if i + 1 < n else ""
            if ch == _ANUSVARA and nxt in _LABIALS:
                out.append("m")
            elif ch == _ANUSVARA and nxt == "ह" and ccol == 1:
                out.append("ng")  # सिंह -> Singh
            else:
                out.append("n")
        elif ch == _VISARGA:
            if pending:
                out.append("a")
                pending = False
            out.append("h")
        i += 1
    if pending:
        single = len(out) == 1
        if not drop_schwa or single or last_was_conjunct:
            out.append("a")
    return "".join(out)


def devanagari_variants(words: Sequence[str]) -> list[list[str]]:
    """Whole-run romanisations of Devanagari words, Indian English usage first.

    Forms: English usage (च ch, श/ष sh, ऋ ri, final schwa deleted), the same with ई/ऊ
    as ee/oo, ISO 15919 folded with the final schwa deleted, and ISO 15919 / IAST
    folded letter for letter.
    """
    return [[_word(w, *system) for w in words] for system in _SYSTEMS]
