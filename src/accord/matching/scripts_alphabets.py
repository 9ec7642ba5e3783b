"""Romanisation tables for Cyrillic, Greek and Georgian names (pure).

Each system is a table taken from its published standard plus the few positional rules the
standard states (a letter written differently at the start of a word or after a vowel). A
function here takes the words of one run of text in one script and returns whole-run
variants, one per system, most common first; :mod:`accord.matching.romanize` joins runs and
removes duplicates. Output is lower-case ASCII; letters a standard writes with diacritics
are given folded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["cyrillic_variants", "georgian_variants", "greek_variants"]

# --- Cyrillic --------------------------------------------------------------------------

_UK_ONLY = frozenset("іїєґ")
_RU_ONLY = frozenset("ыэёъ")
_CYR_VOWELS = frozenset("аеёиіїоуыэюяєй")  # й counts: "after a vowel or й" in BGN/PCGN
_SOFT = frozenset("ьъ")

_COMMON: dict[str, str] = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "ж": "zh",
    "з": "z", "и": "i", "і": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ъ": "", "ы": "y", "э": "e", "'": "",
    "ʼ": "", "’": "",
}  # fmt: skip

# Ukrainian, Cabinet of Ministers resolution no. 55 (2010), used in Ukrainian passports.
# Values are (word start, elsewhere).
_KMU: dict[str, str | tuple[str, str]] = {
    **_COMMON,
    "г": "h", "и": "y", "й": ("y", "i"), "є": ("ye", "ie"), "ї": ("yi", "i"),
    "ю": ("yu", "iu"), "я": ("ya", "ia"), "е": "e", "ё": ("yo", "io"),
}  # fmt: skip

# Russian passports: ICAO Doc 9303 part 3 table, used by the MVD since 2013.
_ICAO: dict[str, str | tuple[str, str]] = {
    **_COMMON,
    "ё": "e", "й": "i", "ъ": "ie", "ю": "iu", "я": "ia", "є": "ie", "ї": "i",
}  # fmt: skip

# BGN/PCGN (1947) for Russian, with ё as the "yo" of common English usage.
# (start or after a vowel, ь or ъ; elsewhere)
_BGN: dict[str, str | tuple[str, str]] = {
    **_COMMON,
    "е": ("ye", "e"), "ё": ("yo", "yo"), "й": "y", "ю": "yu", "я": "ya", "є": "ye",
    "ї": "yi",
}  # fmt: skip

# German (Duden) transcription.
_DUDEN: dict[str, str | tuple[str, str]] = {
    **_COMMON,
    "в": "w", "е": ("je", "e"), "ё": ("jo", "jo"), "ж": "sch", "з": "s", "й": "j",
    "х": "ch", "ц": "z", "ч": "tsch", "ш": "sch", "щ": "schtsch", "ю": "ju", "я": "ja",
    "є": "je", "ї": "ji", "s": "s",
}  # fmt: skip

# French transcription (as used by French authorities before ICAO; Iouri, Tchekhov).
_FRENCH: dict[str, str | tuple[str, str]] = {
    **_COMMON,
    "ж": "j", "у": "ou", "ч": "tch", "ш": "ch", "щ": "chtch", "й": "i", "ю": "iou",
    "я": "ia", "ё": "io", "е": ("ie", "e"), "є": "ie", "ї": "i",
}  # fmt: skip

# Ukrainian letters in the Duden and French tables follow Ukrainian sound values.
_UK_OVERRIDES_DUDEN = {"г": "h", "и": "y", "е": "e"}
_UK_OVERRIDES_FRENCH = {"г": "h", "и": "y", "е": "e"}


def _cyr_word(word: str, table: Mapping[str, str | tuple[str, str]], system: str) -> str:
    """Transliterate one lower-case Cyrillic word with `table` and `system`'s rules."""
    out: list[str] = []
    n = len(word)
    for i, ch in enumerate(word):
        prev = word[i - 1] if i else ""
        nxt = word[i + 1] if i + 1 < n else ""
        if system == "kmu" and ch == "г" and prev == "з":
            out.append("gh")  # KMU 2010: зг -> zgh
            continue
        if system == "duden":
            if ch == "с" and prev in _CYR_VOWELS and nxt in _CYR_VOWELS:
                out.append("ss")
                continue
            if ch == "й" and (prev in _CYR_VOWELS) and nxt not in _CYR_VOWELS:
                out.append("" if prev in ("и", "ы") and not nxt else "i")
                continue
        if system == "french":
            if ch == "с" and prev in _CYR_VOWELS and nxt in _CYR_VOWELS:
                out.append("ss")
                continue
            if ch == "й" and prev in ("и", "ы") and not nxt:
                continue  # Юрий -> Iouri
        if system in ("bgn", "duden") and ch == "ё" and prev and prev in "жчшщ":
            out.append("o")
            continue
        value = table.get(ch)
        if value is None:
            out.append(ch if ch.isascii() else "")
            continue
        if isinstance(value, tuple):
            if system == "bgn" or system == "duden" or system == "french":
                start = i == 0 or prev in _CYR_VOWELS or prev in _SOFT
            else:
                start = i == 0
            out.append(value[0] if start else value[1])
        else:
            out.append(value)
    return "".join(out)


def cyrillic_variants(words: Sequence[str]) -> list[list[str]]:
    """Whole-run romanisations of Cyrillic words, most common convention first.

    Ukrainian is told from Russian by the letters only one alphabet has (і ї є ґ against
    ы э ё ъ); when neither appears both readings are given, Russian first. Systems:
    Ukrainian KMU 2010 (passports), ICAO Doc 9303 (Russian passports since 2013),
    BGN/PCGN (older English usage), German Duden and French transcription.
    """
    lowered = [w.lower() for w in words]
    letters = set("".join(lowered))
    ukrainian = bool(letters & _UK_ONLY)
    russian = bool(letters & _RU_ONLY) and not ukrainian
    duden = {**_DUDEN, **(_UK_OVERRIDES_DUDEN if ukrainian else {})}
    french = {**_FRENCH, **(_UK_OVERRIDES_FRENCH if ukrainian else {})}
    systems: list[tuple[Mapping[str, str | tuple[str, str]], str]] = []
    if ukrainian:
        systems.append((_KMU, "kmu"))
    systems.append((_ICAO, "icao"))
    if not ukrainian and not russian:
        systems.append((_KMU, "kmu"))
    systems.append((_BGN, "bgn"))
    systems.append((duden, "duden"))
    systems.append((french, "french"))
    return [[_cyr_word(w, table, name) for w in lowered] for table, name in systems]


# --- Greek -----------------------------------------------------------------------------

_GREEK_BASE: dict[str, str] = {
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th",
    "ι": "i", "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p",
    "ρ": "r", "σ": "s", "ς": "s", "τ": "t", "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps",
    "ω": "o", "ϊ": "i", "ϋ": "y", "ΐ": "i", "ΰ": "y",
}  # fmt: skip
_GREEK_ACCENTS = str.maketrans("άέήίόύώ", "αεηιουω")
_GREEK_VOWELS = frozenset("αεηιουωϊϋΐΰ")
_VOICELESS = frozenset("θκξπσςτφχψ")

# System flags: (mp/nt/gk at word start as b/d/g, eu/au instead of ev/av,
#                phonetic: γι->yi, αι->e, οι/ει/υ->i, χ as h)
_GREEK_SYSTEMS: tuple[tuple[bool, bool, bool, str], ...] = (
    (False, False, False, "ch"),  # ELOT 743 type 1 / ICAO passports: Papadopoulos
    (True, False, False, "ch"),  # ELOT 743 type 2 (as spoken): Bambis, Dora
    (True, True, False, "ch"),  # classical / scholarly: Euangelos
    (True, False, True, "ch"),  # English phonetic: Yiorgos, Christos
    (True, False, True, "h"),  # English phonetic: Yiorgos, Hristos
)


def _greek_word(word: str, start_bdg: bool, eu: bool, phonetic: bool, chi: str) -> str:
    """Transliterate one lower-case, accent-free Greek word under one system's flags."""
    out: list[str] = []
    i, n = 0, len(word)
    while i < n:
        ch = word[i]
        pair = word[i : i + 2]
        after = word[i + 2] if i + 2 < n else ""
        if pair in ("αυ", "ευ", "ηυ"):
            head = {"α": "a", "ε": "e", "η": "i"}[ch]
            if eu:
                out.append(head + ("u" if ch != "η" else "y"))
            else:
                out.append(head + ("f" if (not after or after in _VOICELESS) else "v"))
            i += 2
            continue
        if pair == "ου":
            out.append("ou")
            i += 2
            continue
        if phonetic and pair in ("αι", "οι", "ει"):
            out.append("e" if ch == "α" else "i")
            i += 2
            continue
        if pair in ("μπ", "ντ", "γκ"):
            soft = {"μπ": ("b", "mb", "mp"), "ντ": ("d", "nd", "nt"), "γκ": ("g", "ng", "gk")}
            b, mid, literal = soft[pair]
            if start_bdg:
                out.append(b if i == 0 else mid)
            else:
                out.append(literal)
            i += 2
            continue
        if ch == "γ" and i + 1 < n and word[i + 1] in "γξχ":
            out.append("n")
            i += 1
            continue
        if phonetic and ch == "γ" and i + 1 < n and word[i + 1] in "ιε":
            nxt2 = word[i + 2] if i + 2 < n else ""
            if word[i + 1] == "ι" and nxt2 in _GREEK_VOWELS:
                out.append("y")  # Γιώργος -> Yiorgos
                out.append("i")
                i += 2
                continue
        if ch == "χ":
            out.append(chi)
        elif phonetic and ch in "υϋ":
            out.append("i")
        else:
            out.append(_GREEK_BASE.get(ch, ch if ch.isascii() else ""))
        i += 1
    return "".join(out)


def greek_variants(words: Sequence[str]) -> list[list[str]]:
    """Whole-run romanisations of Greek words, ELOT 743 / ICAO first.

    Then ELOT 743 as pronounced (μπ, ντ, γκ as b, d, g at word start and mb, nd, ng
    inside), the classical eu/au spelling, and the English phonetic spellings (Yiorgos,
    Hristos) common in older records.
    """
    lowered = [w.lower().translate(_GREEK_ACCENTS) for w in words]
    return [[_greek_word(w, *flags) for w in lowered] for flags in _GREEK_SYSTEMS]


# --- Georgian --------------------------------------------------------------------------

# Georgian national system (2002), which Georgian passports (ICAO) also use; the
# apostrophes of the older system are not written.
_GEORGIAN: dict[str, str] = {
    "ა": "a", "ბ": "b", "გ": "g", "დ": "d", "ე": "e", "ვ": "v", "ზ": "z", "თ": "t",
    "ი": "i", "კ": "k", "ლ": "l", "მ": "m", "ნ": "n", "ო": "o", "პ": "p", "ჟ": "zh",
    "რ": "r", "ს": "s", "ტ": "t", "უ": "u", "ფ": "p", "ქ": "k", "ღ": "gh", "ყ": "q",
    "შ": "sh", "ჩ": "ch", "ც": "ts", "ძ": "dz", "წ": "ts", "ჭ": "ch", "ხ": "kh",
    "ჯ": "j", "ჰ": "h", "ჱ": "ey", "ჲ": "y", "ჳ": "w", "ჴ": "q", "ჵ": "o",
}  # fmt: skip
# Russian-mediated spellings of Soviet-era documents: ყ as k, ღ as g, ფ/თ/ქ as p/t/k.
_GEORGIAN_SOVIET: dict[str, str] = {**_GEORGIAN, "ყ": "k", "ღ": "g"}


def georgian_variants(words: Sequence[str]) -> list[list[str]]:
    """Whole-run romanisations of Mkhedruli Georgian: the 2002 national system first.

    Georgian has no case; Mtavruli capitals (U+1C90…) are mapped to Mkhedruli first.
    """
    folded = ["".join(_mkhedruli(c) for c in w) for w in words]
    return [
        ["".join(table.get(c, "") for c in w) for w in folded]
        for table in (_GEORGIAN, _GEORGIAN_SOVIET)
    ]


def _mkhedruli(ch: str) -> str:
    """Map a Mtavruli or Asomtavruli capital to its Mkhedruli letter."""
    cp = ord(ch)
    if 0x1C90 <= cp <= 0x1CBF:
        return chr(cp - 0x1C90 + 0x10D0)
    return ch.lower() if 0x10A0 <= cp <= 0x10C5 else ch
