"""A loaded set of agreements, compiled for the decision's hot path.

`decide` asks, for one holder and one requester, which clauses could apply to a record of one
schema requested for one crime area. The set answers from an index built the first time a
(holder, requester) pair is seen: schema -> crime area -> the clause entries naming both.
Everything that depends on the day (validity) or the record (handling, TLP, category) is
checked per decision; everything else is settled when the pair is compiled.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from accord.model import HANDLING_ORDER, TLP_ORDER, SubjectCategory, crime_areas
from accord.policy.agreement import Agreement, Clause, ClauseKind
from accord.policy.decision import Decision
from accord.policy.problems import AgreementError, overlap_problems

__all__ = ["AgreementSet", "ClauseEntry"]

#: How many (holder, requester) pairs keep a compiled index; beyond it the cache starts afresh.
_MAX_PAIRS = 4096

HANDLING_RANK = {h: i for i, h in enumerate(HANDLING_ORDER)}
TLP_RANK = {t: i for i, t in enumerate(TLP_ORDER)}


class ClauseEntry:
    """One clause of one agreement version, flattened for fast checks.

    `decisions[cap][schema]` memoises the Decision this clause alone yields for a record of
    `schema` whose envelope caps onward transfer at level `cap` (0 none, 1 H2, 2 AMBER+STRICT).
    """

    __slots__ = (
        "agreement",
        "areas",
        "categories",
        "clause",
        "decisions",
        "jit",
        "max_handling",
        "max_tlp",
        "purposes",
        "ref",
        "valid_from",
        "valid_until",
    )

    def __init__(self, agreement: Agreement, clause: Clause) -> None:
        self.agreement = agreement
        self.clause = clause
        self.ref = agreement.ref(clause)
        self.valid_from: date = agreement.valid_from
        self.valid_until: date = agreement.valid_until or date.max
        self.purposes: frozenset[str] | None = clause.purposes
        self.areas: frozenset[str] | None = clause.crime_areas
        self.categories: frozenset[SubjectCategory] | None = clause.subject_categories
        self.max_handling = HANDLING_RANK[clause.max_handling]
        self.max_tlp = TLP_RANK[clause.max_tlp]
        self.decisions: tuple[dict[str, Decision], ...] = ({}, {}, {})
        #: A `jit` clause's agreement id (None for every other kind): such a clause applies
        #: only to postings to a case on that basis, and nothing else applies to those.
        self.jit: str | None = agreement.id if clause.kind is ClauseKind.JIT else None


#: schema -> crime area -> entries whose clause names both.
PairIndex = dict[str, dict[str, tuple[ClauseEntry, ...]]]


class AgreementSet:
    """An immutable set of agreements (every version), with its decision index.

    Build it from files with `accord.policy.load_directory`; the constructor rejects two versions
    of one agreement id whose validity overlaps. Swap a new set in only once it is built: a set
    is never changed after construction, so a failed load leaves the current one in force.
    """

    __slots__ = ("_agreements", "_combined", "_pairs")

    def __init__(self, agreements: Iterable[Agreement] = ()) -> None:
        items = tuple(sorted(agreements, key=lambda a: (a.id, a.version)))
        problems = overlap_problems(items)
        if problems:
            raise AgreementError(problems)
        self._agreements = items
        self._pairs: dict[tuple[str, str], PairIndex] = {}
        self._combined: dict[tuple[object, ...], Decision] = {}

    def __len__(self) -> int:
        return len(self._agreements)

    def __iter__(self) -> Iterator[Agreement]:
        return iter(self._agreements)

    def __repr__(self) -> str:
        return f"AgreementSet({len(self._agreements)} agreements)"

    @property
    def agreements(self) -> tuple[Agreement, ...]:
        """Every agreement version, sorted by id and version."""
        return self._agreements

    def versions(self, agreement_id: str) -> tuple[Agreement, ...]:
        """Every version of one agreement, oldest first."""
        return tuple(a for a in self._agreements if a.id == agreement_id)

    def get(self, agreement_id: str, version: int | None = None) -> Agreement | None:
        """One version of an agreement; the highest version when `version` is None."""
        found = [
            a
            for a in self._agreements
            if a.id == agreement_id and (version is None or a.version == version)
        ]
        return found[-1] if found else None

    def in_force(self, day: date) -> tuple[Agreement, ...]:
        """The agreements that apply on `day`."""
        return tuple(a for a in self._agreements if a.in_force(day))

    def entries(self, holder: str, requester: str) -> tuple[ClauseEntry, ...]:
        """Every clause of every version governing records `holder` gives to `requester`.

        Flows inside one agency are not governed by agreements: holder == requester has none.
        """
        if holder == requester:
            return ()
        found: dict[str, ClauseEntry] = {}
        for agreement in self._agreements:
            for direction in agreement.directions:
                if direction.source.includes(holder) and direction.target.includes(requester):
                    for clause in direction.clauses:
                        ref = agreement.ref(clause)
                        if ref not in found:
                            found[ref] = ClauseEntry(agreement, clause)
        return tuple(found.values())

    def pair(self, holder: str, requester: str) -> PairIndex:
        """The compiled index for one (holder, requester) pair, built on first use."""
        index = self._pairs.get((holder, requester))
        if index is None:
            index = self._compile(holder, requester)
            if len(self._pairs) >= _MAX_PAIRS:
                self._pairs.clear()
            self._pairs[(holder, requester)] = index
        return index

    def combined(self, key: tuple[object, ...]) -> Decision | None:
        """A memoised decision for several applicable clauses (see `decide`)."""
        return self._combined.get(key)

    def remember(self, key: tuple[object, ...], decision: Decision) -> Decision:
        if len(self._combined) >= _MAX_PAIRS:
            self._combined.clear()
        self._combined[key] = decision
        return decision

    def _compile(self, holder: str, requester: str) -> PairIndex:
        all_areas = tuple(crime_areas())
        lists: dict[str, dict[str, list[ClauseEntry]]] = {}
        for entry in self.entries(holder, requester):
            areas = entry.clause.crime_areas
            for schema in entry.clause.schemata:
                by_area = lists.setdefault(schema, {})
                for area in all_areas if areas is None else areas:
                    by_area.setdefault(area, []).append(entry)
        return {
            schema: {area: tuple(entries) for area, entries in by_area.items()}
            for schema, by_area in lists.items()
        }
