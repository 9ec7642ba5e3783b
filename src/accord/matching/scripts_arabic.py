"""Romanisation of Arabic-script names and a vowel-blind consonant skeleton (pure).

Arabic writing leaves short vowels out, so no single Latin spelling of an unvowelled name
is right. Two tools answer that here:

* :func:`arabic_variants` gives a few conventional spellings: a simplified ALA-LC
  (the library and scholarly system, diacritics folded), common English usage
  (Mohammed, Hussein, Saeed) and French/Maghrebi usage (Mohamed, Youssef, Rachid),
  with the article written "al", "el", joined, or left off. A small table gives the
  vowelled forms of the most frequent name words; other words are read letter by letter,
  with long vowels from ا و ي and "a" for each unwritten short vowel.
* :func:`consonant_skeleton` reduces a Latin or an Arabic spelling to its consonants, so
  that Muhammad, Mohamed and محمد meet on "mhmd" whatever vowels a clerk wrote.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

__all__ = ["arabic_variants", "consonant_skeleton"]

# Consonants: (ALA-LC folded, English, French/Maghrebi, other common usage).
_LETTERS: dict[str, tuple[str, str, str, str]] = {
    "ب": ("b", "b", "b", "b"), "ت": ("t", "t", "t", "t"), "ث": ("th", "th", "th", "s"),
    "ج": ("j", "j", "dj", "g"), "ح": ("h", "h", "h", "h"), "خ": ("kh", "kh", "kh", "kh"),
    "د": ("d", "d", "d", "d"), "ذ": ("dh", "dh", "dh", "z"), "ر": ("r", "r", "r", "r"),
    "ز": ("z", "z", "z", "z"), "س": ("s", "s", "s", "s"), "ش": ("sh", "sh", "ch", "sh"),
    "ص": ("s", "s", "s", "s"), "ض": ("d", "d", "d", "d"), "ط": ("t", "t", "t", "t"),
    "ظ": ("z", "z", "z", "z"), "ع": ("", "", "", "a"), "غ": ("gh", "gh", "gh", "gh"),
    "ف": ("f", "f", "f", "f"), "ق": ("q", "q", "k", "k"), "ك": ("k", "k", "k", "k"),
    "ل": ("l", "l", "l", "l"), "م": ("m", "m", "m", "m"), "ن": ("n", "n", "n", "n"),
    "ه": ("h", "h", "h", "h"), "ء": ("", "", "", ""), "ئ": ("", "", "", ""),
    "ؤ": ("", "", "", ""), "پ": ("p", "p", "p", "p"), "چ": ("ch", "ch", "tch", "ch"),
    "ژ": ("zh", "zh", "j", "zh"), "گ": ("g", "g", "g", "g"), "ک": ("k", "k", "k", "k"),
    "ڤ": ("v", "v", "v", "v"),
}  # fmt: skip
# Long vowels after a consonant: (ALA-LC, English, French, other).
_LONG = {
    "ا": ("a", "a", "a", "a"), "آ": ("a", "a", "a", "a"), "ى": ("a", "a", "a", "a"),
    "و": ("u", "oo", "ou", "o"), "ي": ("i", "ee", "i", "i"), "ی": ("i", "ee", "i", "i"),
}  # fmt: skip
_INITIAL_VOWEL = {"ا": "a", "أ": "a", "إ": "i", "آ": "a", "ع": "a"}
_TA_MARBUTA = ("a", "ah", "a", "a")
_SHORT = {"\u064e": "a", "\u064f": "u", "\u0650": "i"}
_HARAKAT = re.compile("[\u064b-\u065f\u0670\u0640]")  # vowel marks, shadda, tatweel
_HAMZA_ALIF = str.maketrans({"أ": "ا", "إ": "ا", "ٱ": "ا", "ي": "ي", "ی": "ي", "ك": "ك"})

# Vowelled forms of frequent name words (without the article):
# (ALA-LC folded, English, French/Maghrebi, other common usage).
_NAMES: dict[str, tuple[str, str, str, str]] = {
    "محمد": ("muhammad", "mohammed", "mohamed", "mohammad"),
    "احمد": ("ahmad", "ahmed", "ahmed", "ahmad"),
    "علي": ("ali", "ali", "ali", "ali"),
    "حسن": ("hasan", "hassan", "hassan", "hasan"),
    "حسين": ("husayn", "hussein", "hussein", "husain"),
    "محمود": ("mahmud", "mahmoud", "mahmoud", "mahmood"),
    "مصطفى": ("mustafa", "mustafa", "moustafa", "mostafa"),
    "ابراهيم": ("ibrahim", "ibrahim", "brahim", "ebrahim"),
    "يوسف": ("yusuf", "yousef", "youssef", "yousuf"),
    "خالد": ("khalid", "khalid", "khaled", "khaled"),
    "عمر": ("umar", "omar", "omar", "omar"),
    "عثمان": ("uthman", "othman", "othmane", "osman"),
    "فاطمة": ("fatimah", "fatima", "fatima", "fatma"),
    "عائشة": ("aishah", "aisha", "aicha", "ayesha"),
    "سعيد": ("said", "saeed", "said", "saied"),
    "صالح": ("salih", "saleh", "saleh", "salih"),
    "كريم": ("karim", "kareem", "karim", "karim"),
    "ناصر": ("nasir", "nasser", "nacer", "naser"),
    "جمال": ("jamal", "jamal", "djamel", "gamal"),
    "طارق": ("tariq", "tariq", "tarek", "tarik"),
    "حميد": ("hamid", "hamid", "hamid", "hameed"),
    "مريم": ("maryam", "mariam", "meriem", "maryam"),
    "زينب": ("zaynab", "zainab", "zineb", "zeinab"),
    "يحيى": ("yahya", "yahya", "yahia", "yahya"),
    "موسى": ("musa", "musa", "moussa", "mousa"),
    "عيسى": ("isa", "issa", "aissa", "eisa"),
    "سليمان": ("sulayman", "suleiman", "slimane", "sulaiman"),
    "ابو": ("abu", "abu", "abou", "abu"),
    "بن": ("bin", "bin", "ben", "bin"),
    "ابن": ("ibn", "ibn", "ibn", "ibn"),
    "نور": ("nur", "noor", "nour", "nur"),
    "امين": ("amin", "amin", "amine", "ameen"),
    "رشيد": ("rashid", "rashid", "rachid", "rasheed"),
    "منصور": ("mansur", "mansour", "mansour", "mansoor"),
    "عبد": ("abd", "abd", "abd", "abd"),
    "رحمن": ("rahman", "rahman", "rahmane", "rehman"),
    "عزيز": ("aziz", "aziz", "aziz", "aziz"),
    "عباس": ("abbas", "abbas", "abbes", "abbas"),
    "جعفر": ("jafar", "jafar", "djafar", "jaafar"),
    "دين": ("din", "deen", "dine", "din"),
}

# Per system: (letter column, article, keep the article, join the article to the word)
_SYSTEMS: tuple[tuple[int, str, bool, bool], ...] = (
    (0, "al", True, False),  # ALA-LC: al-Hasan
    (1, "al", True, False),  # English: al Hassan
    (2, "el", True, False),  # French / Egyptian: el Hassan
    (0, "al", False, False),  # article left off: Hasan
    (1, "al", True, True),  # joined, as in many West African and Gulf records: Alhassan
    (3, "el", True, False),  # other common usage: el Hasan
)
# "Abd" before an article word, per letter column: Abd al-, Abdul, Abdel, Abdul.
_ABD = ("abd al", "abdul", "abdel", "abdul")
_ABD_ALLAH = ("abd allah", "abdullah", "abdallah", "abdulla")


def _clean(word: str) -> tuple[str, str]:
    """The word with hamza-alif unified and marks removed, and the marked original."""
    marked = unicodedata.normalize("NFC", word).translate(_HAMZA_ALIF)
    return _HARAKAT.sub("", marked), marked


def _letters(word: str, marked: str, col: int) -> str:
    """Read an unlisted word letter by letter in one system's column."""
    vowelled = marked != word
    if vowelled:
        return _letters_vowelled(marked, col)
    out: list[str] = []
    n = len(word)
    last_consonant = False
    for i, ch in enumerate(word):
        nxt = word[i + 1] if i + 1 < n else ""
        if i == 0 and ch in _INITIAL_VOWEL:
            out.append(_INITIAL_VOWEL[ch])
            last_consonant = False
            continue
        if ch == "ة":
            out.append(_TA_MARBUTA[col])
            last_consonant = False
            continue
        if ch in _LONG and i > 0 and (ch == "ا" or ch == "ى" or nxt not in _LONG):
            if ch in "وي" and (not last_consonant or nxt == "ا"):
                out.append("w" if ch == "و" else "y")
                last_consonant = True
                continue
            out.append(_LONG[ch][col])
            last_consonant = False
            continue
        if ch in "وي":
            if last_consonant:
                out.append("a")
            out.append("w" if ch == "و" else "y")
            last_consonant = True
            continue
        if ch in _LETTERS:
            if last_consonant:
                out.append("a")  # an unwritten short vowel, most often fatha
            out.append(_LETTERS[ch][col])
            last_consonant = bool(_LETTERS[ch][col]) or last_consonant
    return "".join(out)


def _letters_vowelled(marked: str, col: int) -> str:
    """Read a word written with its short vowels (harakat)."""
    out: list[str] = []
    prev = ""
    for ch in marked:
        if ch in _SHORT:
            out.append(_SHORT[ch])
        elif ch == "\u0651" and prev:  # shadda doubles the consonant
            out.append(prev)
        elif ch == "ة":
            out.append(_TA_MARBUTA[col])
        elif ch in _LONG and out:
            out.append(_LONG[ch][col] if out[-1] not in "aiu" else "")
        elif ch in _INITIAL_VOWEL and not out:
            prev = ""
        elif ch in _LETTERS:
            prev = _LETTERS[ch][col]
            out.append(prev)
    return "".join(out)


def _render(word: str, marked: str, col: int) -> str:
    """One word (no article) in one column: the name table first, then the letters."""
    entry = _NAMES.get(word)
    return entry[col] if entry is not None else _letters(word, marked, col)


def _split_article(word: str) -> tuple[bool, str]:
    """Whether `word` begins with the article ال, and the rest."""
    if word.startswith("ال") and len(word) > 3:
        return True, word[2:]
    if word.startswith("لل") and word.endswith("له") and len(word) == 4:
        return True, "له"
    return False, word


def arabic_variants(words: Sequence[str]) -> list[list[str]]:
    """Whole-run romanisations of Arabic-script words, ALA-LC (simplified) first.

    The article is written "al" or "el" as a separate word, joined to its noun, or left
    off; "عبد" before an article word gives Abd al-, Abdul, Abdel (عبدالله: Abdullah,
    Abdallah). Sun-letter assimilation (ar-Rahman) is not written: ALA-LC writes al-.
    """
    tokens: list[tuple[str, str]] = []
    for raw in words:
        word, marked = _clean(raw)
        if word.startswith("عبد") and len(word) > 3:
            tokens.append(("عبد", "عبد"))
            word = word[3:]
            marked = word
        if word:
            tokens.append((word, marked))
    variants: list[list[str]] = []
    for col, article, keep, join in _SYSTEMS:
        out: list[str] = []
        i = 0
        while i < len(tokens):
            word, marked = tokens[i]
            nxt = tokens[i + 1][0] if i + 1 < len(tokens) else ""
            if word == "عبد" and nxt:
                has_article, rest = _split_article(nxt)
                if rest in ("له", "لله"):
                    out.append(_ABD_ALLAH[col])
                    i += 2
                    continue
                if has_article:
                    rest_text = _render(rest, rest, col)
                    head = _ABD[col]
                    out.append(f"{head}{rest_text}" if join else f"{head} {rest_text}")
                    i += 2
                    continue
            has_article, rest = _split_article(word)
            if has_article:
                text = _render(rest, marked[2:] if marked != word else rest, col)
                if not keep:
                    out.append(text)
                else:
                    out.append(f"{article}{text}" if join else f"{article} {text}")
            else:
                out.append(_render(word, marked, col))
            i += 1
        variants.append(out)
    return variants


# --- consonant skeleton ----------------------------------------------------------------

# Arabic letters to skeleton symbols; "" means dropped (vowel carriers, ayn, hamza).
_SKEL_AR: dict[str, str] = {
    "ب": "b", "ت": "t", "ث": "t", "ج": "j", "ح": "h", "خ": "x", "د": "d", "ذ": "d",
    "ر": "r", "ز": "z", "س": "s", "ش": "c", "ص": "s", "ض": "d", "ط": "t", "ظ": "z",
    "ع": "", "غ": "g", "ف": "f", "ق": "k", "ك": "k", "ک": "k", "ل": "l", "م": "m",
    "ن": "n", "ه": "h", "ة": "", "ء": "", "ئ": "", "ؤ": "", "ا": "", "أ": "", "إ": "",
    "آ": "", "ٱ": "", "ى": "", "پ": "b", "چ": "c", "ژ": "z", "گ": "j", "ڤ": "f",
}  # fmt: skip
# Latin to the same symbols: x first, then digraphs (to upper-case placeholders, so
# that the single-letter rules after them leave them alone), then single letters.
_SKEL_LATIN = (
    ("x", "ks"), ("kh", "X"), ("gh", "G"), ("sh", "C"), ("ch", "C"), ("th", "T"),
    ("dh", "D"), ("dj", "J"), ("ph", "F"), ("ck", "k"), ("q", "k"), ("c", "k"),
    ("g", "j"), ("v", "f"), ("p", "b"),
)  # fmt: skip
_LATIN_VOWELS = frozenset("aeiou")
_NON_LETTER = re.compile(r"[^a-z]+")
_LATIN_ARTICLES = frozenset({"al", "el", "ul", "il"})


def _skeleton_latin(word: str) -> str:
    """Consonant skeleton of one Latin spelling."""
    from normality import ascii_text

    text = _NON_LETTER.sub("", ascii_text(word).lower())
    for digraph, symbol in _SKEL_LATIN:
        text = text.replace(digraph, symbol)
    text = text.lower()
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch in _LATIN_VOWELS:
            continue
        if ch in "wy" and i > 0:
            continue
        out.append(ch)
    if text.endswith("h") and len(text) > 1 and text[-2] in _LATIN_VOWELS and out:
        out.pop()
    return _collapse(out)


def _skeleton_arabic(word: str) -> str:
    """Consonant skeleton of one Arabic-script word."""
    text, _ = _clean(word)
    has_article, rest = _split_article(text)
    if has_article and rest not in ("له", "لله"):
        text = rest
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch in "وي":
            if i == 0:
                out.append("w" if ch == "و" else "y")
            continue
        out.append(_SKEL_AR.get(ch, ""))
    if text.endswith(("ه", "ة")) and out and out[-1] == "h":
        out.pop()
    return _collapse(out)


def _collapse(symbols: list[str]) -> str:
    """Join symbols, collapsing runs of the same symbol."""
    out: list[str] = []
    for sym in "".join(symbols):
        if not out or out[-1] != sym:
            out.append(sym)
    return "".join(out)


def consonant_skeleton(latin_or_arabic_word: str) -> str:
    """The vowel-blind consonant skeleton of a name word in Latin or Arabic script.

    Both sides map to one alphabet of symbols: kh and خ to "x", gh and غ to "g", sh, ch
    and ش to "c", th/ث to "t", dh/ذ to "d", q/ق and k to "k", j, g, dj and ج to "j";
    emphatic letters to their plain ones. Vowels are dropped (a e i o u, and y, w except
    at the start of a word; ا و ي except word-initial و ي), as are ayn, hamza and a
    word-final h after a vowel (ة, the h of Fatimah). The article (ال, Latin al / el as
    its own word or with a hyphen) is dropped, and doubled symbols collapse, so
    "Mohammed", "Muhamad" and "محمد" all give "mhmd". Several words give their skeletons
    joined by single spaces, articles left out.
    """
    parts: list[str] = []
    for raw in re.split(r"[\s_]+", latin_or_arabic_word.strip()):
        if not raw:
            continue
        if any("\u0600" <= c <= "\u06ff" or "\u0750" <= c <= "\u077f" for c in raw):
            skel = _skeleton_arabic(raw)
        else:
            lowered = raw.lower()
            if lowered in _LATIN_ARTICLES:
                continue
            for prefix in ("al-", "el-", "ul-", "al'", "el'"):
                if lowered.startswith(prefix) and len(lowered) > len(prefix):
                    raw = raw[len(prefix) :]
                    break
            skel = _skeleton_latin(raw)
        if skel:
            parts.append(skel)
    return " ".join(parts)
