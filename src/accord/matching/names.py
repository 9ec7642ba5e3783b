"""Person names made comparable across scripts, spellings and naming customs (pure).

A name is analysed once into its *parts*. Each part carries every spelling romanisation gives
it (`accord.matching.romanize`: the Ukrainian, Russian, German and French conventions for
Cyrillic, pinyin for Han, Revised Romanization and McCune–Reischauer for Hangul, …), its
phonetic codes (metaphone), its consonant skeleton (vowel-blind, for names written in Arabic
script, which omits short vowels), and the equivalence groups it belongs to, from our data
file of given names that are the same name in another language or a familiar form
(`accord/data/names/equivalents.yml`: Alexander, Oleksandr, Sasha).

rigour's own name symbols (Wikidata name items, through its tagger) are not used: the tagger
takes about 7 s to load in every process that first analyses a name, a command-line search
included, and it gives a common name dozens of ids (김민준 ~ Kim Min-jun shares 50), which
would make poor blocking keys. Our romanisations and groups cover what it added in tests.

Parts are compared without regard to order (surname first in Han, Hangul, Hungarian and on
many border forms), honorifics are dropped (Mr, Dr, Herr, Sheikh), and particles (al-, bin,
van der, von) and patronymics (Petrovych, Ivanovna) are *optional*: they count when both
sides have them and cost little when one side leaves them out, as do dropped middle names.

Everything here is bounded: a name is cut to `MAX_NAME_CHARS` characters and `MAX_PARTS`
parts before any work, so a hostile 10,000-character name costs no more than a long one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from importlib import resources

import yaml
from rigour.text.distance import levenshtein_similarity
from rigour.text.phonetics import metaphone

from accord.matching.romanize import consonant_skeleton, romanizations, scripts_of

__all__ = [
    "MAX_NAME_CHARS",
    "MAX_PARTS",
    "NameComparison",
    "NamePart",
    "PartMatch",
    "PersonName",
    "align",
    "analyze_person_name",
    "compare_names",
    "compare_parts",
    "equivalence_groups",
    "name_key_parts",
    "name_keys",
    "names_of",
]

#: Characters of one name considered; the rest is ignored.
MAX_NAME_CHARS = 300
#: Parts of one name considered (after honorifics are dropped).
MAX_PARTS = 8

#: Titles and honorifics that say nothing about who a person is (lower-case ASCII).
HONORIFICS = frozenset(
    {
        "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "lord", "lady", "rev",
        "herr", "frau", "fraulein", "monsieur", "madame", "mademoiselle", "mme", "mlle", "m",
        "senor", "senora", "sr", "sra", "srta", "don", "dona", "signor", "signora", "sig",
        "pan", "pani", "gospodin", "gospozha", "pane",
        "sheikh", "shaikh", "sheik", "haji", "hajji", "hadji", "sayyid", "sayed", "mullah",
        "imam", "ustad", "ustadh", "shri", "sri", "smt", "kumari", "ji",
        "jr", "snr", "jnr", "ii", "iii", "iv",
        "mag", "ing", "dipl", "phd", "md", "esq",
    }
)  # fmt: skip

#: Particles that join a name to a place, a father or a family: kept, but optional.
PARTICLES = frozenset(
    {
        "al", "el", "ul", "bin", "ibn", "bint", "ben", "bat", "abu", "umm", "ould", "ait",
        "van", "von", "der", "den", "de", "da", "di", "du", "des", "del", "della", "dei",
        "la", "le", "lo", "dos", "das", "do", "ter", "ten", "zu", "zum", "zur", "y", "e",
        "mac", "mc", "ap", "ni", "nic", "o", "oglu", "ogly", "kyzy", "uulu",
    }
)  # fmt: skip

#: East Slavic patronymics: a father's name with -ovych, -ovich, -ivna, … (optional parts).
_PATRONYMIC = re.compile(
    r"^[a-z]{3,}(?:ovych|evych|ovich|evich|yevich|ievich|ych|ich|ovna|evna|ivna|yivna|ichna|ovich)$"
)

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)


@dataclass(frozen=True, slots=True)
class NamePart:
    """One part of a name with every form it is compared by."""

    #: The part as written, lower-cased (in its own script).
    original: str
    #: Lower-case ASCII spellings (romanisations; one for a Latin part without diacritics).
    forms: frozenset[str]
    #: Equivalence groups of the data file (`EQ:n`).
    symbols: frozenset[str]
    #: Metaphone codes of the forms.
    phonetic: frozenset[str]
    #: Vowel-blind consonant skeletons of the forms and of the original.
    skeletons: frozenset[str]
    #: A particle or patronymic: counts when matched, costs little if not.
    optional: bool = False
    #: The part is a single letter (an initial).
    initial: bool = False
    #: Written in a syllabic script (Han, Hangul) whose romanisations are all in `forms`: a
    #: spelling one letter off is another syllable, so only exact forms and groups count.
    exact_only: bool = False
    #: The hash of the fields, computed once: parts are the keys of `compare_parts`'s cache,
    #: looked up for every pair of parts of every candidate.
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        fields = (self.original, self.forms, self.optional, self.initial, self.exact_only)
        object.__setattr__(self, "_hash", hash(fields))

    def __hash__(self) -> int:
        return self._hash


@dataclass(frozen=True, slots=True)
class PersonName:
    """A person's name, analysed. `tokenizations` holds the name's parts in each distinct
    split (a Han or Hangul given name is one part in one romanisation and two in another)."""

    original: str
    tokenizations: tuple[tuple[NamePart, ...], ...]

    @property
    def parts(self) -> tuple[NamePart, ...]:
        """The parts of the first (the most conventional) split."""
        return self.tokenizations[0]


@dataclass(frozen=True, slots=True)
class PartMatch:
    """How two parts were found to agree, for the explanation of a score."""

    left: str
    right: str
    similarity: float
    reason: str


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@cache
def equivalence_groups() -> dict[str, frozenset[str]]:
    """The data file's groups: for each spelling, the ids (`EQ:n`) of the groups it is in."""
    text = resources.files("accord.data").joinpath("names/equivalents.yml").read_text("utf-8")
    data = yaml.safe_load(text)
    out: dict[str, set[str]] = {}
    for number, group in enumerate(data["groups"]):
        gid = f"EQ:{number}"
        for spelling in group:
            for form in _spelling_forms(str(spelling)):
                out.setdefault(form, set()).add(gid)
    return {k: frozenset(v) for k, v in out.items()}


def _spelling_forms(spelling: str) -> set[str]:
    joined = "".join(_WORD.findall(_fold(spelling)))
    forms = {joined} if joined.isascii() else set()
    for roman in romanizations(spelling):
        forms.add(roman.replace(" ", ""))
    return {f for f in forms if f}


def _is_optional(form: str) -> bool:
    return form in PARTICLES or bool(_PATRONYMIC.match(form))


_SYLLABIC = frozenset({"Han", "Hangul"})


@lru_cache(maxsize=65536)
def _part(original: str, forms: frozenset[str], syllabic: bool = False) -> NamePart:
    groups = equivalence_groups()
    eq = {g for f in forms for g in groups.get(f, ())}
    phonetic = {metaphone(f) for f in forms if len(f) > 1}
    skeletons = {consonant_skeleton(f) for f in forms} | {consonant_skeleton(original)}
    initial = all(len(f) == 1 for f in forms)
    return NamePart(
        original=original,
        forms=forms,
        symbols=frozenset(eq),
        phonetic=frozenset(p for p in phonetic if p),
        skeletons=frozenset(s for s in skeletons if len(s) >= 2),
        optional=not initial and any(_is_optional(f) for f in forms),
        initial=initial,
        exact_only=syllabic or bool(scripts_of(original) & _SYLLABIC),
    )


#: Particles that are also given names or surnames (Ben, Lo, Ni, Do, Da, Le, La, E, O).
NAME_PARTICLES = frozenset({"ben", "lo", "ni", "do", "da", "le", "la", "e", "o"})
_HYPHENATED = re.compile(r"([^\W_]+)-(?=([^\W_]+))", re.UNICODE)


def _joined(
    base: Sequence[NamePart], hyphenated: Sequence[tuple[str, str]]
) -> tuple[NamePart, ...] | None:
    """The split with each particle written onto the part after it (de Boer ~ Deboer, van de
    Ven ~ Vandeven) and each hyphenated pair as one part (Karl-Heinz ~ Karlheinz); None when
    the name has neither."""
    pairs = {(a.lower(), b.lower()) for a, b in hyphenated}
    out: list[NamePart] = []
    changed = attach = False
    for part in base:
        if out and (attach or (out[-1].original, part.original) in pairs):
            prev = out.pop()
            forms = frozenset(a + b for a in prev.forms for b in part.forms)
            out.append(_part(prev.original + part.original, forms))
            changed = True
        else:
            out.append(part)
        # A particle (or a run of them: van de) attaches to what follows.
        attach = part.optional
    return tuple(out) if changed and out else None


@lru_cache(maxsize=65536)
def analyze_person_name(text: str) -> PersonName | None:
    """Analyse one person's name; None when nothing name-like is left (empty, only
    honorifics, punctuation or emoji)."""
    text = text[:MAX_NAME_CHARS]
    words = [w.lower() for w in _WORD.findall(text)]
    words = [w for w in words if _fold(w).replace("'", "") not in HONORIFICS][:MAX_PARTS]
    if not words:
        return None
    cleaned = " ".join(words)
    # Romanise word by word and then whole: a word's spellings line up with the word, and
    # the whole string's spellings give the splits of unspaced Han and Hangul names.
    per_word = [romanizations(w) for w in words]
    splits: dict[int, list[set[str]]] = {}
    base = [
        _part(w, frozenset(r.replace(" ", "") for r in forms) or frozenset({_fold(w)}))
        for w, forms in zip(words, per_word, strict=True)
    ]  # fmt: skip
    if base and base[0].optional and base[0].forms <= NAME_PARTICLES and len(base) <= 2:
        # "Ben White", "Le Van": a particle that is also a given name or surname, first in
        # a name of two parts, is the name's part, not a particle.
        base[0] = replace(base[0], optional=False)
    tokenizations: list[tuple[NamePart, ...]] = [tuple(base)]
    joined = _joined(base, _HYPHENATED.findall(text.lower()))
    if joined is not None:
        tokenizations.append(joined)
    for roman in romanizations(cleaned):
        tokens = roman.split()
        if len(tokens) != len(words) and 0 < len(tokens) <= MAX_PARTS:
            slots = splits.setdefault(len(tokens), [set() for _ in tokens])
            for slot, token in zip(slots, tokens, strict=True):
                slot.add(token)
    syllabic = bool(scripts_of(cleaned) & _SYLLABIC)
    for slots in splits.values():
        tokenizations.append(
            tuple(_part(" ".join(sorted(s)), frozenset(s), syllabic) for s in slots)
        )
    return PersonName(original=text, tokenizations=tuple(tokenizations))


# --- comparing parts ---------------------------------------------------------------------------


@lru_cache(maxsize=262144)
def compare_parts(a: NamePart, b: NamePart) -> PartMatch:
    """How alike two name parts are, from 1.0 (the same spelling in some convention) down:
    equivalent names 0.9 (Oleksandr ~ Alexander ~ Sasha), the same consonants 0.85 (Muhammad
    ~ محمد), the same sound 0.8 (metaphone), an initial 0.6 (J ~ John), otherwise the best
    Levenshtein similarity of their spellings within rigour's edit budget (a fifth of the
    shorter spelling: Kowalenko ~ Kovalenko, not Olena ~ Oleksandr), discounted. Cached: a
    query's parts meet the same common given names and surnames in candidate after candidate."""
    left, right = min(a.forms), min(b.forms)
    shared = a.forms & b.forms
    if shared:
        return PartMatch(left, right, 1.0, f"same spelling ({min(shared)})")
    if a.symbols & b.symbols:
        return PartMatch(left, right, 0.9, "equivalent names")
    if a.initial or b.initial:
        short, long_ = (a, b) if a.initial else (b, a)
        letter = min(short.forms)
        if any(f.startswith(letter) for f in long_.forms):
            return PartMatch(left, right, 0.6, "initial")
        return PartMatch(left, right, 0.0, "different initial")
    if a.exact_only or b.exact_only:
        return PartMatch(left, right, 0.0, "different syllables")
    if a.skeletons & b.skeletons and min(len(s) for s in a.skeletons & b.skeletons) >= 3:
        return PartMatch(left, right, 0.85, "same consonants")
    if a.phonetic & b.phonetic:
        return PartMatch(left, right, 0.8, "same sound")
    best = max(levenshtein_similarity(x, y) for x in a.forms for y in b.forms)
    return PartMatch(left, right, round(best * 0.95, 4), "similar spelling")


def align(a: Sequence[NamePart], b: Sequence[NamePart]) -> list[tuple[int, int, PartMatch]]:
    """Pair the parts of two names, best pairs first, each part at most once, in any order."""
    # (-similarity, i, j) orders the pairs; (i, j) is unique, so the match is never compared.
    scored = [
        (-(m := compare_parts(x, y)).similarity, i, j, m)
        for i, x in enumerate(a)
        for j, y in enumerate(b)
    ]
    scored.sort()
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs: list[tuple[int, int, PartMatch]] = []
    for _, i, j, match in scored:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        pairs.append((i, j, match))
    return pairs


#: Parts less alike than this are not the same part (a different surname, another given name).
PART_MATCH = 0.7
#: An initial and a name it could stand for (J ~ John) pair at this similarity.
INITIAL_MATCH = 0.6
#: What a required part one side has and the other lacks costs, when the other side's
#: required parts are all matched (a dropped middle name), and otherwise.
DROPPED_PART = 0.3
MISSING_PART = 1.0


@dataclass(frozen=True, slots=True)
class NameComparison:
    """The agreement of two names, 0..1, with the part pairs that made it."""

    score: float
    pairs: tuple[PartMatch, ...]
    #: Required parts of either side that found no counterpart.
    unmatched: tuple[str, ...]


_NO_MATCH = NameComparison(0.0, (), ())


@lru_cache(maxsize=131072)
def compare_names(a: PersonName, b: PersonName) -> NameComparison:
    """Compare two names in the splits that agree best. Cached: a common name is held by
    many records, and a query meets it in candidate after candidate.

    Parts are paired in any order (`align`); a pair less alike than `PART_MATCH` is no pair
    (`INITIAL_MATCH` for an initial).
    The score is the weighted mean of the pairs' similarities (pairs of optional parts weigh
    half), where each required part without a counterpart adds `DROPPED_PART` to the
    denominator when the other side is fully matched (a middle name one record leaves out) and
    `MISSING_PART` otherwise (a different given name). No matched required part: 0."""
    best = _NO_MATCH
    for ta in a.tokenizations:
        for tb in b.tokenizations:
            found = _compare_split(ta, tb)
            if found.score > best.score:
                best = found
                if best.score >= 1.0:  # no split can do better
                    return best
    return best


def _compare_split(a: Sequence[NamePart], b: Sequence[NamePart]) -> NameComparison:
    pairs = [
        (i, j, m)
        for i, j, m in align(a, b)
        if m.similarity >= (INITIAL_MATCH if a[i].initial or b[j].initial else PART_MATCH)
    ]
    if not any(not (a[i].optional and b[j].optional) for i, j, _ in pairs):
        return _NO_MATCH
    num = den = 0.0
    for i, j, match in pairs:
        weight = 0.5 if a[i].optional and b[j].optional else 1.0
        num += weight * match.similarity
        den += weight
    paired_a = {i for i, _, _ in pairs}
    paired_b = {j for _, j, _ in pairs}
    left = [p for k, p in enumerate(a) if k not in paired_a and not p.optional]
    right = [p for k, p in enumerate(b) if k not in paired_b and not p.optional]
    den += len(left) * (DROPPED_PART if not right else MISSING_PART)
    den += len(right) * (DROPPED_PART if not left else MISSING_PART)
    unmatched = tuple(min(p.forms) for p in (*left, *right))
    return NameComparison(round(num / den, 4), tuple(m for _, _, m in pairs), unmatched)


# --- blocking keys -----------------------------------------------------------------------------


def name_keys(name: PersonName) -> set[str]:
    """Candidate-index keys of a name: each required part's spellings (`n:`), equivalence
    groups (`s:`), phonetic codes (`p:`) and consonant skeletons (`k:`). A record and a query
    share a key when any one required part agrees in any of these ways; initials, particles
    and patronymics give no keys (a shared "al" or "Petrovych" makes no candidate)."""
    keys: set[str] = set()
    for part_keys in name_key_parts(name):
        keys.update(part_keys)
    return keys


def name_key_parts(name: PersonName) -> list[frozenset[str]]:
    """`name_keys`, part by part: the keys each required part gives, in every tokenization
    (a part's keys are one piece of evidence, however many spellings and sounds it has)."""
    out: list[frozenset[str]] = []
    for parts in name.tokenizations:
        for part in parts:
            if part.initial or part.optional:
                continue
            keys = {f"n:{f}" for f in part.forms if len(f) > 1}
            keys.update(f"s:{s}" for s in part.symbols)
            keys.update(f"p:{p}" for p in part.phonetic if len(p) > 1)
            keys.update(f"k:{k}" for k in part.skeletons if len(k) >= 3)
            if keys:
                out.append(frozenset(k[:200] for k in keys))
    return out


def names_of(values: Iterable[str]) -> list[PersonName]:
    """The analysed names among `values`, duplicates and empty ones left out."""
    out: list[PersonName] = []
    seen: set[str] = set()
    for value in values:
        name = analyze_person_name(value)
        if name is not None and name.original not in seen:
            seen.add(name.original)
            out.append(name)
    return out


#: A name in each script the analysis romanises, and Latin ones with particles, patronymics
#: and equivalents: analysing and comparing them loads every table names need.
_WARM_UP = (
    ("Oleksandr Petrovych Kovalenko", "Олександр Коваленко"),
    ("Γεώργιος Παπαδόπουλος", "Georgios Papadopoulos"),
    ("محمد بن علي العبادي", "Muhammad ibn Ali al-Abbadi"),
    ("王小明", "Wang Xiaoming"),
    ("김민준", "Kim Min-jun"),
    ("राहुल शर्मा", "Rahul Sharma"),
    ("გიორგი ბერიძე", "Giorgi Beridze"),
    ("Johann van der Berg", "Ivan Berg"),
)


def warm_up() -> None:
    """Load what analysing and comparing names reads lazily (the equivalents' data file,
    each script's romanisation tables, the edit-distance code), so that a server's first
    query in a script does not pay for it (about a tenth of a second for the equivalents
    alone)."""
    for left, right in _WARM_UP:
        a, b = analyze_person_name(left), analyze_person_name(right)
        if a is not None and b is not None:
            compare_names(a, b)
            name_keys(a)
