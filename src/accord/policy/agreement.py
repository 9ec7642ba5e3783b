"""The agreement model: a legal instrument turned into clauses, per direction between parties.

Values only; files are read by `accord.policy.load`, decisions made by `accord.policy.decide`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from accord.model import TLP, Handling, SubjectCategory, agency_country, is_agency_code
from accord.policy.codes import is_country, party_groups

__all__ = [
    "Agreement",
    "Clause",
    "ClauseKind",
    "Direction",
    "DisclosureMode",
    "OnwardTransfer",
    "Party",
    "PartyKind",
    "clause_ref",
    "parse_party",
]


class DisclosureMode(StrEnum):
    """What a clause lets flow: the record, a hit with an opaque reference only, or nothing."""

    NONE = "none"
    REFERENCE = "reference"
    FULL = "full"


#: Ascending permissiveness of disclosure modes; the most restrictive applicable clause wins.
DISCLOSURE_ORDER: tuple[DisclosureMode, ...] = (
    DisclosureMode.NONE,
    DisclosureMode.REFERENCE,
    DisclosureMode.FULL,
)


class ClauseKind(StrEnum):
    """`exchange`: applies to every request between the parties. `jit`: applies only to what
    is posted to a joint investigation team's case whose legal basis is this agreement
    (docs/messaging.md, "Joint investigation teams")."""

    EXCHANGE = "exchange"
    JIT = "jit"


class OnwardTransfer(StrEnum):
    """Whether the recipient may pass what it received on to a third party."""

    FORBIDDEN = "forbidden"
    WITH_CONSENT = "with_consent"  # only with the provider's prior consent
    ALLOWED = "allowed"


#: Ascending permissiveness of onward-transfer terms.
ONWARD_ORDER: tuple[OnwardTransfer, ...] = (
    OnwardTransfer.FORBIDDEN,
    OnwardTransfer.WITH_CONSENT,
    OnwardTransfer.ALLOWED,
)


class PartyKind(StrEnum):
    AGENCY = "agency"  # one agency, `DE-BKA`
    COUNTRY = "country"  # every agency of one country, `DE`
    GROUP = "group"  # every agency of every country of a named group, `EU`


@dataclass(frozen=True, slots=True)
class Party:
    """An agreement party: an agency, a country or a named group of countries."""

    code: str
    kind: PartyKind
    countries: frozenset[str]

    def includes(self, agency: str) -> bool:
        """Whether the agency (`CC-NAME`) is this party or belongs to it."""
        if self.kind is PartyKind.AGENCY:
            return agency == self.code
        return agency_country(agency) in self.countries


def parse_party(code: str) -> Party | None:
    """A party from its code: a named group, an agency code or a country; None if none of them."""
    group = party_groups().get(code)
    if group is not None:
        return Party(code=code, kind=PartyKind.GROUP, countries=group.countries)
    if is_agency_code(code):
        return Party(code=code, kind=PartyKind.AGENCY, countries=frozenset({code[:2]}))
    if is_country(code):
        return Party(code=code, kind=PartyKind.COUNTRY, countries=frozenset({code}))
    return None


@dataclass(frozen=True, slots=True)
class Clause:
    """One clause: which records may flow for which requests, in which mode, on which terms.

    A set-valued condition that is None means `any`. `schemata` is `record_kinds` expanded to
    concrete FtM schema names. `subject_categories` applies to records about people; a person
    record without a category matches only a clause that allows any category.
    """

    id: str
    mode: DisclosureMode
    crime_areas: frozenset[str] | None
    purposes: frozenset[str] | None
    record_kinds: frozenset[str] | None
    schemata: frozenset[str]
    subject_categories: frozenset[SubjectCategory] | None
    max_handling: Handling
    max_tlp: TLP
    onward: OnwardTransfer
    redact: frozenset[str] = frozenset()
    retention_days: int | None = None
    conditions: str = ""
    kind: ClauseKind = ClauseKind.EXCHANGE


@dataclass(frozen=True, slots=True)
class Direction:
    """Clauses for records held by `source` and requested by `target`."""

    source: Party
    target: Party
    clauses: tuple[Clause, ...]


@dataclass(frozen=True, slots=True)
class Agreement:
    """A versioned agreement; in force from `valid_from` to `valid_until` (inclusive, None: open).

    `source` and `line` say where it was loaded from (file name, line of `valid_from`) so that
    problems found across agreements can point at a file and line.
    """

    id: str
    version: int
    title: str
    instrument: str
    parties: tuple[Party, ...]
    valid_from: date
    valid_until: date | None
    directions: tuple[Direction, ...]
    source: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)

    def in_force(self, day: date) -> bool:
        """Whether the agreement applies on `day`."""
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def ref(self, clause: Clause) -> str:
        """The qualified id of one of its clauses, as decisions and the ledger cite it."""
        return clause_ref(self.id, self.version, clause.id)


def clause_ref(agreement_id: str, version: int, clause_id: str) -> str:
    """`<agreement id>@v<version>/<clause id>`: a clause id unique across agreements."""
    return f"{agreement_id}@v{version}/{clause_id}"
