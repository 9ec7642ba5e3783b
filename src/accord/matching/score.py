"""Scoring a candidate against a query: explainable, versioned (pure).

An algorithm has a name and a version (`ALGORITHM`); its weights ship as data beside it
(`accord/data/matching/<algorithm>.yml`), so that a score stays comparable with every other
score of the same algorithm. Each feature is a small function with a docstring saying what it
means; a result lists every feature with its value, weight and contribution, so an analyst
(or a partner's liaison officer) sees why two records were taken for one person.

The score is a logistic combination: `1 / (1 + exp(-(bias + Σ weight·value)))`, in 0..1.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources

import yaml
from normality import normalize

from accord.matching.dates import DateAgreement, compare_dates
from accord.matching.identifiers import Identifier, IdKind, normalize_identifier
from accord.matching.names import PersonName, compare_names, names_of

__all__ = [
    "ALGORITHM",
    "FEATURES",
    "Feature",
    "MatchResult",
    "Prepared",
    "Subject",
    "Weights",
    "algorithms",
    "best_possible",
    "load_weights",
    "score",
    "screen",
    "subject_of",
    "upper_bound",
]

#: The default algorithm: its name is part of every result.
ALGORITHM = "accord-v3"

#: FtM properties of a person read as names, and as parts of one name.
_NAME_PROPS = ("name", "alias", "previousName", "weakAlias")
_PART_PROPS = ("firstName", "secondName", "middleName", "fatherName", "lastName")
_DATE_PROPS = ("birthDate",)
_COUNTRY_PROPS = ("nationality", "citizenship", "country", "birthCountry")
#: FtM identifier properties and the kind each is compared as.
_ID_PROPS: Mapping[str, IdKind] = {
    "passportNumber": IdKind.PASSPORT,
    "idNumber": IdKind.NATIONAL_ID,
    "taxNumber": IdKind.TAX_ID,
    "socialSecurityNumber": IdKind.NATIONAL_ID,
    "innCode": IdKind.TAX_ID,
    "vatCode": IdKind.TAX_ID,
    "registrationNumber": IdKind.REGISTRATION,
    "phone": IdKind.PHONE,
    "email": IdKind.EMAIL,
    "iban": IdKind.IBAN,
    "accountNumber": IdKind.OTHER,
    "imoNumber": IdKind.IMO,
}
#: Kinds that identify one person: sharing one is strong evidence (a phone or an email may be
#: shared by a household or a call centre, and weighs less).
_PERSONAL = frozenset({IdKind.PASSPORT, IdKind.NATIONAL_ID, IdKind.TAX_ID})


@dataclass(frozen=True, slots=True)
class Subject:
    """What matching reads of an entity: its names, birth dates, countries, gender and
    identifiers, each normalised once."""

    schema: str
    names: tuple[PersonName, ...]
    birth_dates: tuple[str, ...] = ()
    countries: frozenset[str] = frozenset()
    gender: str | None = None
    identifiers: frozenset[Identifier] = frozenset()
    #: The words of its addresses, folded (for `address_similarity`).
    address_words: frozenset[str] = frozenset()


def _words(text: str) -> list[str]:
    """Lower-case ASCII words of a text (case, diacritics and script folded)."""
    return (normalize(text, lowercase=True, ascii=True) or "").split()


def _values(properties: Mapping[str, Iterable[str]], props: Iterable[str]) -> list[str]:
    return [str(v) for p in props for v in properties.get(p, ()) if v]


def name_values(properties: Mapping[str, Iterable[str]]) -> list[str]:
    """An entity's names as matching reads them: its name properties, and a name given only
    in parts (firstName, lastName, …) assembled from them."""
    raw = _values(properties, _NAME_PROPS)
    parts = _values(properties, _PART_PROPS)
    if parts:
        raw.append(" ".join(parts))
    return raw


def birth_date_values(properties: Mapping[str, Iterable[str]]) -> list[str]:
    """An entity's birth dates as written."""
    return _values(properties, _DATE_PROPS)


def home_country(properties: Mapping[str, Iterable[str]]) -> str | None:
    """The one country an entity is tied to, if only one (numbers are read in it)."""
    return _home(frozenset(c.lower() for c in _values(properties, _COUNTRY_PROPS)))


def _home(countries: frozenset[str]) -> str | None:
    return min(countries) if len(countries) == 1 else None


def identifier_values(properties: Mapping[str, Iterable[str]]) -> list[tuple[str, IdKind]]:
    """(value, kind) of every identifier property an entity has."""
    return [
        (str(v), _ID_PROPS[p]) for p, values in properties.items() if p in _ID_PROPS
        for v in values if v
    ]  # fmt: skip


def subject_of(
    schema: str,
    properties: Mapping[str, Iterable[str]],
    *,
    names: bool = True,
    identifiers: bool = True,
    addresses: bool = True,
) -> Subject:
    """The matching view of an FtM entity's (cleaned) properties. A name given only in parts
    (firstName, lastName, …) is assembled from them. `names`, `identifiers` and `addresses`
    False leave those out (`screen` reads a candidate's names only when they can decide)."""
    countries = frozenset(c.lower() for c in _values(properties, _COUNTRY_PROPS))
    home = _home(countries)
    idents: set[Identifier] = set()
    if identifiers:
        for value, kind in identifier_values(properties):
            ident = normalize_identifier(value, kind, home)
            if ident is not None:
                idents.add(ident)
    genders = {g.lower() for g in _values(properties, ("gender",))}
    return Subject(
        schema=schema,
        names=tuple(names_of(name_values(properties))) if names else (),
        birth_dates=tuple(_values(properties, _DATE_PROPS)),
        countries=countries,
        gender=min(genders) if len(genders) == 1 else None,
        identifiers=frozenset(idents),
        address_words=frozenset(
            w for a in _values(properties, ("address",)) for w in _words(a) if len(w) > 1
        )
        if addresses
        else frozenset(),
    )


@dataclass(frozen=True, slots=True)
class Feature:
    """One feature of a result: its value (-1..1), the weight it has in the algorithm, what it
    added to the logit, and a short account in words."""

    name: str
    value: float
    weight: float
    contribution: float
    detail: str


@dataclass(frozen=True, slots=True)
class MatchResult:
    score: float
    algorithm: str
    features: tuple[Feature, ...]

    def explain(self) -> dict[str, float]:
        """Feature name → contribution, the yente-shaped `features` object."""
        return {f.name: round(f.contribution, 4) for f in self.features if f.contribution}


@dataclass(frozen=True, slots=True)
class Weights:
    algorithm: str
    bias: float
    weights: Mapping[str, float] = field(default_factory=dict)


def algorithms() -> list[str]:
    """The names of the algorithms this version ships (`accord-v1`, `accord-v2`, …)."""
    folder = resources.files("accord.data").joinpath("matching")
    return sorted(
        p.name.removesuffix(".yml")
        for p in folder.iterdir()
        if p.name.startswith("accord-") and p.name.endswith(".yml")
    )


@cache
def load_weights(algorithm: str = ALGORITHM) -> Weights:
    """The shipped weights of `algorithm`; KeyError for an algorithm we do not have."""
    folder = resources.files("accord.data").joinpath("matching")
    path = folder.joinpath(f"{algorithm}.yml")
    if not path.is_file():
        raise KeyError(algorithm)
    data = yaml.safe_load(path.read_text("utf-8"))
    return Weights(
        algorithm=str(data["algorithm"]),
        bias=float(data["bias"]),
        weights={str(k): float(v) for k, v in data["weights"].items()},
    )


# --- features ------------------------------------------------------------------------------
# Each returns (value in -1..1, detail). 0 means "no evidence either way".


def name_similarity(q: Subject, c: Subject) -> tuple[float, str]:
    """How alike the best pair of the two sides' names is (0..1), across scripts, spellings,
    order, equivalent given names and dropped middle names (`accord.matching.names`)."""
    return _best_names(q, c)


#: The last pair `_best_names` compared and its answer: both name features read it, one
#: after the other (an identity check; hashing a Subject would hash every name part).
_last_names: tuple[Subject, Subject, tuple[float, str]] | None = None


def _best_names(q: Subject, c: Subject) -> tuple[float, str]:
    global _last_names
    last = _last_names
    if last is not None and last[0] is q and last[1] is c:
        return last[2]
    found = _compare_all(q, c)
    _last_names = (q, c, found)
    return found


def _compare_all(q: Subject, c: Subject) -> tuple[float, str]:
    best, why = 0.0, "no name to compare"
    for a in q.names:
        for b in c.names:
            found = compare_names(a, b)
            if found.score > best:
                best = found.score
                shown = "; ".join(f"{m.left}~{m.right} {m.reason}" for m in found.pairs)
                missing = f"; unmatched {', '.join(found.unmatched)}" if found.unmatched else ""
                why = f"{a.original} ~ {b.original}: {shown}{missing}"
    return best, why


def name_mismatch(q: Subject, c: Subject) -> tuple[float, str]:
    """Both sides have names and none of them is alike (-1); the evidence against a match
    that a shared identifier alone must outweigh."""
    if not q.names or not c.names:
        return 0.0, "a side has no name"
    best, _ = _best_names(q, c)
    return (-1.0, "no name alike") if best == 0.0 else (0.0, "")


def identifier_match(q: Subject, c: Subject) -> tuple[float, str]:
    """The two share a personal identifier (passport, national id or tax number, compared
    after normalisation): 1; only a phone, email or account: 0.5; nothing: 0."""
    shared = {(i.kind, i.value) for i in q.identifiers} & {(i.kind, i.value) for i in c.identifiers}
    if not shared:
        return 0.0, "no shared identifier"
    personal = sorted(v for k, v in shared if k in _PERSONAL)
    if personal:
        return 1.0, f"shared {', '.join(personal)}"
    return 0.5, f"shared {', '.join(sorted(v for _, v in shared))}"


_DATE_VALUES: Mapping[DateAgreement, float] = {
    DateAgreement.EXACT: 1.0,
    DateAgreement.YEAR_MONTH: 0.7,
    DateAgreement.YEAR_ONLY: 0.5,
    DateAgreement.DAY_MONTH_SWAP: 0.6,
    DateAgreement.ONE_YEAR_SLIP: 0.4,
    DateAgreement.ONE_DIGIT_TYPO: 0.4,
    DateAgreement.MISMATCH: -1.0,
    DateAgreement.UNKNOWN: 0.0,
}


def birth_date(q: Subject, c: Subject) -> tuple[float, str]:
    """Birth dates agree (1), agree as far as the vaguer one goes (a year-only date), agree
    but for a day/month swap or a one-year slip (less), or disagree (-1); 0 when either side
    has none."""
    agreement, left, right = compare_dates(q.birth_dates, c.birth_dates)
    detail = agreement.value if left is None else f"{agreement.value}: {left} ~ {right}"
    return _DATE_VALUES[agreement], detail


def _one_edit(a: str, b: str) -> bool:
    """Whether two numbers differ by one substituted, inserted or dropped character, or two
    neighbours swapped (a clerk's slip)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and (a[diff[1]] == b[diff[0]])
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _by_kind(s: Subject, kinds: frozenset[IdKind]) -> dict[IdKind, set[str]]:
    found: dict[IdKind, set[str]] = {}
    for i in s.identifiers:
        if i.kind in kinds:
            found.setdefault(i.kind, set()).add(i.value)
    return found


def identifier_near(q: Subject, c: Subject) -> tuple[float, str]:
    """A passport, national-id or tax number of one side is one slip away from the other's
    number of the same kind (one character wrong, missing or extra, or two swapped): 1. Only
    numbers of six characters or more, where a slip is likelier than a coincidence."""
    theirs = _by_kind(c, _PERSONAL)
    for kind, values in _by_kind(q, _PERSONAL).items():
        for a in values:
            for b in theirs.get(kind, ()):
                if min(len(a), len(b)) >= 6 and _one_edit(a, b):
                    return 1.0, f"{kind.value} {a} ~ {b}"
    return 0.0, ""


_ONE_PER_COUNTRY = frozenset({IdKind.NATIONAL_ID, IdKind.TAX_ID})


def identifier_conflict(q: Subject, c: Subject) -> tuple[float, str]:
    """Both sides hold a national-id or tax number of the same kind, read for the same country
    (or neither says which), and none is the other's or a slip from it (-1): a country gives
    a person one such number. Passports are left out (a person holds several over the
    years)."""

    def held(s: Subject) -> dict[tuple[IdKind, str | None], set[str]]:
        found: dict[tuple[IdKind, str | None], set[str]] = {}
        for i in s.identifiers:
            if i.kind in _ONE_PER_COUNTRY:
                found.setdefault((i.kind, i.country), set()).add(i.value)
        return found

    mine, theirs = held(q), held(c)
    common = sorted(set(mine) & set(theirs), key=lambda k: (k[0].value, k[1] or ""))
    if not common:
        return 0.0, ""
    for key in common:
        left, right = mine[key], theirs[key]
        if left & right or any(_one_edit(a, b) for a in left for b in right):
            return 0.0, ""
    kind, country = common[0]
    return -1.0, f"different {kind.value} numbers" + (f" for {country}" if country else "")


def address_similarity(q: Subject, c: Subject) -> tuple[float, str]:
    """The share of address words the two sides have in common (Jaccard, 0..1); 0 when a side
    has no address. People move: a different address is no evidence against."""
    if not q.address_words or not c.address_words:
        return 0.0, ""
    shared = q.address_words & c.address_words
    value = len(shared) / len(q.address_words | c.address_words)
    return round(value, 4), f"{len(shared)} address words in common"


def birth_date_unconfirmed(q: Subject, c: Subject) -> tuple[float, str]:
    """The query states a birth date and the candidate none (-1): the name cannot be told
    from a namesake's. A query without one asks for no such confirmation (0)."""
    if q.birth_dates and not c.birth_dates:
        return -1.0, "the candidate has no birth date"
    return 0.0, ""


def country_mismatch(q: Subject, c: Subject) -> tuple[float, str]:
    """Both sides name nationalities or countries and share none: -1."""
    if q.countries and c.countries and not q.countries & c.countries:
        return -1.0, f"{', '.join(sorted(q.countries))} vs {', '.join(sorted(c.countries))}"
    return 0.0, ""


def gender_mismatch(q: Subject, c: Subject) -> tuple[float, str]:
    """Both sides state a gender and they differ: -1."""
    if q.gender and c.gender and q.gender != c.gender:
        return -1.0, f"{q.gender} vs {c.gender}"
    return 0.0, ""


#: The features of the algorithm, in the order results list them.
FEATURES: Mapping[str, Callable[[Subject, Subject], tuple[float, str]]] = {
    "name_similarity": name_similarity,
    "name_mismatch": name_mismatch,
    "identifier_match": identifier_match,
    "birth_date": birth_date,
    "birth_date_unconfirmed": birth_date_unconfirmed,
    "identifier_near": identifier_near,
    "identifier_conflict": identifier_conflict,
    "address_similarity": address_similarity,
    "country_mismatch": country_mismatch,
    "gender_mismatch": gender_mismatch,
}


#: The features that read names, with the least and greatest value each can take: `screen`
#: bounds a candidate's score by the others before comparing names.
NAME_FEATURES: Mapping[str, tuple[float, float]] = {
    "name_similarity": (0.0, 1.0),
    "name_mismatch": (-1.0, 0.0),
}


def screen(
    query: Subject,
    schema: str,
    properties: Mapping[str, Iterable[str]],
    weights: Weights,
    threshold: float,
) -> MatchResult | None:
    """The candidate's result if it reaches `threshold`, else None; the same result `score`
    gives. The candidate is read only as far as the query can use (its identifiers only when
    the query has some, its addresses likewise), and its names, the costly part, only when
    the other features leave the threshold within reach: a namesake born on another day is
    turned away without comparing a name."""
    light = subject_of(
        schema,
        properties,
        names=False,
        identifiers=bool(query.identifiers),
        addresses=bool(query.address_words),
    )
    if best_possible(query, light, weights) < threshold:
        return None
    full = replace(light, names=tuple(names_of(name_values(properties))))
    result = score(query, full, weights)
    return result if result.score >= threshold else None


def best_possible(query: Subject, candidate: Subject, weights: Weights) -> float:
    """The highest score the candidate could have, its names aside (they are taken to agree
    as well as names can): the test that turns a candidate away before its names are read
    or compared (`candidate.names` is not read)."""
    return upper_bound(query, weights)(candidate)


#: Features that are 0 for every candidate when the query lacks what they read (a query
#: without identifiers shares none, one without a birth date asks for no confirmation of
#: it): `upper_bound` leaves them out for such a query.
NEEDS: Mapping[str, Callable[[Subject], object]] = {
    "identifier_match": lambda q: q.identifiers,
    "identifier_near": lambda q: q.identifiers,
    "identifier_conflict": lambda q: q.identifiers,
    "birth_date": lambda q: q.birth_dates,
    "birth_date_unconfirmed": lambda q: q.birth_dates,
    "address_similarity": lambda q: q.address_words,
    "country_mismatch": lambda q: q.countries,
    "gender_mismatch": lambda q: q.gender,
}


class Prepared:
    """One query's scoring, prepared once for its candidates (a query meets hundreds): the
    bias and the features' weights looked up, and the features the query gives nothing to
    read (`NEEDS`) left out, for a bound (`bound`) and a score without its explanation
    (`value`). Each sums in the order `score` adds, and a feature left out adds exactly 0,
    so both are the very numbers `best_possible` and `score(...).score` give."""

    __slots__ = ("_all", "_base", "_read", "query", "weights")

    def __init__(self, query: Subject, weights: Weights) -> None:
        self.query = query
        self.weights = weights
        #: The bias plus what the names can add at best (`bound`).
        self._base = weights.bias
        #: The features read without the names (`bound`), and with them (`value`), in order.
        self._read: list[tuple[float, Callable[[Subject, Subject], tuple[float, str]]]] = []
        self._all: list[tuple[float, Callable[[Subject, Subject], tuple[float, str]]]] = []
        for name, feature in FEATURES.items():
            weight = weights.weights.get(name, 0.0)
            if name in NAME_FEATURES:
                low, high = NAME_FEATURES[name]
                self._base += max(weight * low, weight * high)
                if weight:
                    self._all.append((weight, feature))
            elif weight and (name not in NEEDS or NEEDS[name](query)):
                self._read.append((weight, feature))
                self._all.append((weight, feature))

    def bound(self, candidate: Subject) -> float:
        """`best_possible(query, candidate, weights)`: names are not read."""
        query, logit = self.query, self._base
        for weight, feature in self._read:
            logit += weight * feature(query, candidate)[0]
        return _probability(logit + 1e-9)

    def value(self, candidate: Subject) -> float:
        """`score(query, candidate, weights).score`, without building the explanation."""
        query, logit = self.query, self.weights.bias
        for weight, feature in self._all:
            logit += weight * feature(query, candidate)[0]
        return _probability(logit)


def upper_bound(query: Subject, weights: Weights) -> Callable[[Subject], float]:
    """`best_possible` for one query, prepared once (`Prepared.bound`)."""
    return Prepared(query, weights).bound


def _probability(logit: float) -> float:
    return round(1.0 / (1.0 + math.exp(-logit)), 4)


def score(query: Subject, candidate: Subject, weights: Weights | None = None) -> MatchResult:
    """Score `candidate` against `query` with the algorithm's weights."""
    w = weights if weights is not None else load_weights()
    logit = w.bias
    features: list[Feature] = []
    for name, feature in FEATURES.items():
        weight = w.weights.get(name, 0.0)
        value, detail = feature(query, candidate)
        contribution = weight * value
        logit += contribution
        features.append(Feature(name, round(value, 4), weight, round(contribution, 4), detail))
    return MatchResult(_probability(logit), w.algorithm, tuple(features))
