"""Tiny factories for policy tests: records through `parse_record`, clauses and agreements
as values with permissive defaults that each test narrows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from accord.model import TLP, Handling, Record, SubjectCategory, parse_record
from accord.policy import (
    Agreement,
    AgreementSet,
    Clause,
    ClauseKind,
    Direction,
    DisclosureMode,
    OnwardTransfer,
    parse_party,
)
from accord.policy.codes import all_schemata, expand_schema

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
CREATED = "2026-01-10T09:00:00+00:00"


def record(
    schema: str = "Person",
    rid: str = "r1",
    *,
    owner: str = "DE-BKA",
    handling: str = "H0",
    tlp: str = "GREEN",
    category: str | None = "suspect",
    areas: tuple[str, ...] = ("thb",),
    review_by: str | None = None,
    **props: Any,
) -> Record:
    """`record("Person", name="Anna Schmidt", address="Berlin")` — a record parsed for real."""
    if not props:
        props = {"name": "Anna Schmidt"} if schema == "Person" else {}
    accord: dict[str, Any] = {
        "owner": owner,
        "handling": handling,
        "tlp": tlp,
        "crime_areas": list(areas),
        "created_at": CREATED,
    }
    if handling == "H3":
        accord["handling_conditions"] = "only for the named operation"
    if schema == "Person" and category is not None:
        accord["subject_category"] = category
    if review_by is not None:
        accord["review_by"] = review_by
    properties = {k: v if isinstance(v, list) else [v] for k, v in props.items()}
    data = {"id": rid, "schema": schema, "properties": properties, "accord": accord}
    return parse_record(data, {"owner": owner}, now=NOW)


def clause(
    cid: str = "c1",
    *,
    mode: str = "full",
    areas: tuple[str, ...] | None = None,
    purposes: tuple[str, ...] | None = None,
    kinds: tuple[str, ...] | None = None,
    categories: tuple[str, ...] | None = None,
    max_handling: str = "H3",
    max_tlp: str = "AMBER+STRICT",
    onward: str = "allowed",
    redact: tuple[str, ...] = (),
    retention_days: int | None = None,
    conditions: str = "",
    clause_kind: str = "exchange",
) -> Clause:
    """A clause allowing everything (None = any) unless narrowed."""
    schemata: frozenset[str] = all_schemata()
    if kinds is not None:
        expanded: set[str] = set()
        for kind in kinds:
            found = expand_schema(kind)
            assert found is not None, kind
            expanded |= found
        schemata = frozenset(expanded)
    return Clause(
        id=cid,
        mode=DisclosureMode(mode),
        crime_areas=None if areas is None else frozenset(areas),
        purposes=None if purposes is None else frozenset(purposes),
        record_kinds=None if kinds is None else frozenset(kinds),
        schemata=schemata,
        subject_categories=(
            None if categories is None else frozenset(SubjectCategory(c) for c in categories)
        ),
        max_handling=Handling(max_handling),
        max_tlp=TLP(max_tlp),
        onward=OnwardTransfer(onward),
        redact=frozenset(redact),
        retention_days=retention_days,
        conditions=conditions,
        kind=ClauseKind(clause_kind),
    )


def agreement(
    *clauses: Clause,
    aid: str = "a1",
    version: int = 1,
    source: str = "DE-BKA",
    target: str = "NL-POLITIE",
    both: bool = True,
    valid_from: date = date(2025, 1, 1),
    valid_until: date | None = None,
) -> Agreement:
    """An agreement between two parties (both ways unless `both=False`)."""
    src = parse_party(source)
    dst = parse_party(target)
    assert src is not None and dst is not None
    directions = [Direction(src, dst, tuple(clauses))]
    if both:
        directions.append(Direction(dst, src, tuple(clauses)))
    return Agreement(
        id=aid,
        version=version,
        title=f"Agreement {aid}",
        instrument="Test instrument",
        parties=(src, dst),
        valid_from=valid_from,
        valid_until=valid_until,
        directions=tuple(directions),
        source=f"{aid}.yaml",
        line=1,
    )


def agreements(*items: Agreement) -> AgreementSet:
    return AgreementSet(items)
