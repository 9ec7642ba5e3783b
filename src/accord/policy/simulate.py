"""What an agreement would let flow, before it is signed: counts per party, kind, category, mode.

Each record is judged by `decide` under the agreement alone, at its owner's node, for the most
favourable request the recipient could make (any shipped purpose, and any crime area of the
record, or any crime area at all when the record names none). The figure is therefore the
most that could flow, which is what a data-protection officer needs to know before signing.

A draft is judged on one day (`simulation_day`): the day asked for, or else today — unless the
agreement starts later, then its first day of validity, since judged today a draft that is not
yet in force would deny everything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time

from accord.model import Record, crime_areas
from accord.policy.agreement import Agreement, Direction, Party, PartyKind
from accord.policy.codes import kind_of, purposes
from accord.policy.decide import MODE_ORDER, Mode, decide
from accord.policy.index import AgreementSet

__all__ = ["Flow", "SimulationReport", "simulate", "simulation_day"]

#: Name of the stand-in agency for a country or group recipient; every agency of the
#: country or group gets the same clauses, so one stands for all.
_STAND_IN = "ANY_AGENCY"


@dataclass(frozen=True, slots=True)
class Flow:
    """How many records of one kind and subject category go from `source` to `target` in
    `mode`. `category` is None for records that are not about a person or carry none."""

    source: str
    target: str
    kind: str
    category: str | None
    mode: Mode
    count: int

    def to_dict(self) -> dict[str, object]:
        return {
            "from": self.source,
            "to": self.target,
            "kind": self.kind,
            "category": self.category,
            "mode": self.mode.value,
            "count": self.count,
        }


@dataclass(frozen=True, slots=True)
class SimulationReport:
    agreement_id: str
    version: int
    day: date
    records: int
    flows: tuple[Flow, ...]
    #: Whether the agreement is in force on `day`; if not, every record is denied.
    in_force: bool = True

    def count(
        self,
        *,
        target: str | None = None,
        mode: Mode | None = None,
        kind: str | None = None,
        category: str | None = None,
    ) -> int:
        """Records matching every given filter (None: any)."""
        return sum(
            f.count
            for f in self.flows
            if (target is None or f.target == target)
            and (mode is None or f.mode is mode)
            and (kind is None or f.kind == kind)
            and (category is None or f.category == category)
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "agreement": self.agreement_id,
            "version": self.version,
            "day": self.day.isoformat(),
            "in_force": self.in_force,
            "records": self.records,
            "flows": [f.to_dict() for f in self.flows],
        }


def simulation_day(agreement: Agreement, today: date, on: date | None = None) -> date:
    """The day to judge `agreement` on: `on` when given; else today, or the agreement's first
    day of validity when that is later (a draft that starts in the future)."""
    if on is not None:
        return on
    return max(today, agreement.valid_from)


def _stand_in(party: Party) -> str:
    if party.kind is PartyKind.AGENCY:
        return party.code
    return f"{min(party.countries)}-{_STAND_IN}"


def _best(
    record: Record,
    agreements: AgreementSet,
    requester: str,
    now: datetime,
    purpose_codes: Sequence[str],
    all_areas: Sequence[str],
) -> Mode:
    best = Mode.DENY
    areas = record.envelope.crime_areas or all_areas
    for purpose in purpose_codes:
        for area in areas:
            mode = decide(
                requester,
                purpose,
                area,
                record,
                agreements=agreements,
                holder=record.owner,
                now=now,
            ).mode
            if MODE_ORDER.index(mode) > MODE_ORDER.index(best):
                best = mode
                if best is Mode.FULL:
                    return best
    return best


def simulate(
    agreement: Agreement,
    records: Iterable[Record],
    *,
    now: datetime | None = None,
    purpose_codes: Sequence[str] | None = None,
) -> SimulationReport:
    """Count, for each direction of `agreement`, the records held by its source party that
    would flow to its target in each mode, by record kind and subject category.

    `now` defaults to the first day of the agreement's validity; `purpose_codes` to every
    shipped purpose. A record counts for a direction when its owner belongs to the source party.
    """
    when = now or datetime.combine(agreement.valid_from, time(), tzinfo=UTC)
    items = list(records)
    chosen = tuple(purpose_codes) if purpose_codes is not None else tuple(purposes())
    all_areas = tuple(crime_areas())
    grouped: dict[tuple[str, str], list[Direction]] = {}
    for direction in agreement.directions:
        grouped.setdefault((direction.source.code, direction.target.code), []).append(direction)
    flows: list[Flow] = []
    for (source_code, target_code), directions in grouped.items():
        alone = AgreementSet([replace(agreement, directions=tuple(directions))])
        source = directions[0].source
        requester = _stand_in(directions[0].target)
        counts: Counter[tuple[str, str | None, Mode]] = Counter()
        for record in items:
            if not source.includes(record.owner):
                continue
            mode = _best(record, alone, requester, when, chosen, all_areas)
            category = record.envelope.subject_category
            counts[(kind_of(record.schema), category.value if category else None, mode)] += 1
        for (kind, category_code, mode), n in counts.items():
            flows.append(Flow(source_code, target_code, kind, category_code, mode, n))
    flows.sort(
        key=lambda f: (f.source, f.target, f.kind, f.category or "", MODE_ORDER.index(f.mode))
    )
    return SimulationReport(
        agreement_id=agreement.id,
        version=agreement.version,
        day=when.date(),
        records=len(items),
        flows=tuple(flows),
        in_force=agreement.in_force(when.date()),
    )
