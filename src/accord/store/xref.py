"""Cross-referencing storage: the person records a run reads, the candidate index restricted to
one side, runs, links and the append-only judgements.

Judgements are only ever inserted (`add_judgement`); nothing here updates or deletes one, and
a link's state is its latest judgement. Functions take a Connection inside the caller's
transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Float,
    Integer,
    Select,
    String,
    and_,
    column,
    exists,
    func,
    insert,
    or_,
    select,
    update,
    values,
)
from sqlalchemy.orm import aliased

from accord.store.db import dialect_insert
from accord.store.records import plan_candidate_keys
from accord.store.tables import record_keys, records, xref_judgements, xref_links, xref_runs

__all__ = [
    "MATCH_KINDS",
    "Judgement",
    "LinkRow",
    "Pair",
    "PersonRow",
    "Side",
    "add_judgement",
    "captions",
    "different_pairs",
    "find_side_candidates",
    "get_link",
    "held_owners",
    "insert_run",
    "judgements_of",
    "list_links",
    "person_batch",
    "same_pairs",
    "set_run_counts",
    "upsert_links",
]

#: The candidate-index kinds of the matcher (`accord.matching.keys`).
MATCH_KINDS = ("mname", "mid")
_PERSON = "Person"
_CHUNK = 500

#: (owner, entity id) of a record.
Ref = tuple[str, str]
#: A pair of records in canonical order: left < right.
Pair = tuple[str, str, str, str]


@dataclass(frozen=True, slots=True)
class Side:
    """The records on one side of a run: those of `owners`, or (when `owners` is None) those of
    every owner but `exclude`."""

    owners: tuple[str, ...] | None = None
    exclude: str | None = None

    def admits(self, owner: str) -> bool:
        return owner in self.owners if self.owners is not None else owner != self.exclude

    def where(self) -> Any:
        c = records.c
        if self.owners is not None:
            return c.owner.in_(self.owners)
        return c.owner != self.exclude


@dataclass(frozen=True, slots=True)
class PersonRow:
    pk: int
    owner: str
    entity_id: str
    properties: dict[str, list[str]]
    updated_at: datetime


def _live_persons() -> Any:
    c = records.c
    return and_(c.schema == _PERSON, c.deleted.is_(False))


def held_owners(conn: Connection) -> dict[str, int]:
    """Owner agency → how many current person records of it the node holds."""
    c = records.c
    stmt = select(c.owner, func.count()).where(_live_persons()).group_by(c.owner)
    return {r[0]: r[1] for r in conn.execute(stmt)}


def person_batch(conn: Connection, side: Side, after_pk: int, size: int) -> list[PersonRow]:
    """Up to `size` current person records of `side` with a primary key above `after_pk`."""
    c = records.c
    stmt = (
        select(c.pk, c.owner, c.entity_id, c.properties, c.updated_at)
        .where(_live_persons(), side.where(), c.pk > after_pk)
        .order_by(c.pk)
        .limit(size)
    )
    return [
        PersonRow(r.pk, r.owner, r.entity_id, r.properties, r.updated_at)
        for r in conn.execute(stmt)
    ]


def find_side_candidates(
    conn: Connection,
    keys: Sequence[tuple[str, str]],
    side: Side,
    cap: int,
    groups: Mapping[tuple[str, str], int] | None = None,
) -> list[int]:
    """The person records of `side` whose shared matching keys weigh most, at most `cap`
    (ties by primary key): `records.find_candidates` restricted to one side of a run, with
    the same keys read, the same weights and the same evidence groups (`groups`), so that a
    run ranks a record's candidates as `/match` ranks a query's."""
    plan = plan_candidate_keys(conn, keys, cap, groups)
    if not plan.keys:
        return []
    k = record_keys.c
    shape = (column("kind", String), column("value", String), column("w", Float))
    # A common table expression: SQLite has no column list on a VALUES table in FROM.
    q = (
        values(*shape, column("g", Integer), name="q")
        .data([(kind, value, weight, group) for (kind, value), weight, group in plan.keys])
        .cte("q")
    )
    held = (
        select(k.record_pk.label("record_pk"), func.max(q.c.w).label("w"))
        .select_from(q)
        .join(record_keys, and_(k.kind == q.c.kind, k.value == q.c.value))
        .join(records, records.c.pk == k.record_pk)
        .where(_live_persons(), side.where())
        .group_by(k.record_pk, q.c.g)
        .subquery()
    )
    weight = func.sum(held.c.w).label("weight")
    stmt = (
        select(held.c.record_pk, weight)
        .group_by(held.c.record_pk)
        .order_by(weight.desc(), held.c.record_pk)
        .limit(cap)
    )
    return [r[0] for r in conn.execute(stmt)]


# --- runs and links ----------------------------------------------------------------------------


def insert_run(
    conn: Connection,
    *,
    started_at: datetime,
    finished_at: datetime,
    actor: str,
    engine: str,
    against: str,
    since: datetime | None,
    parameters: dict[str, Any],
) -> int:
    result = conn.execute(
        insert(xref_runs)
        .values(
            started_at=started_at,
            finished_at=finished_at,
            actor=actor,
            engine=engine,
            against=against,
            since=since,
            parameters=parameters,
            counts={},
        )
        .returning(xref_runs.c.id)
    )
    return int(result.scalar_one())


def set_run_counts(conn: Connection, run_id: int, counts: dict[str, Any]) -> None:
    conn.execute(update(xref_runs).where(xref_runs.c.id == run_id).values(counts=counts))


def upsert_links(conn: Connection, rows: Sequence[dict[str, Any]], at: datetime) -> int:
    """Store proposed links (each with left/right owner and id, run_id, engine, score,
    algorithm, features, splink_probability): a new pair gets a new link, a known one gets
    the new evidence and keeps its id and judgements. Returns how many pairs were new."""
    if not rows:
        return 0
    values = [{**r, "created_at": at, "updated_at": at} for r in rows]
    base = dialect_insert(conn, xref_links)
    fresh = {
        col: getattr(base.excluded, col)
        for col in ("run_id", "engine", "score", "algorithm", "features", "splink_probability",
                    "updated_at")
    }  # fmt: skip
    stmt = base.on_conflict_do_update(
        index_elements=["left_owner", "left_id", "right_owner", "right_id"], set_=fresh
    ).returning(xref_links.c.created_at, sort_by_parameter_order=True)
    created = 0
    for start in range(0, len(values), _CHUNK):
        result = conn.execute(stmt, values[start : start + _CHUNK])
        created += sum(1 for r in result if r.created_at == at)
    return created


@dataclass(frozen=True, slots=True)
class Judgement:
    id: int
    link_id: int
    judgement: str
    note: str | None
    judged_by: str
    judged_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "judgement": self.judgement,
            "note": self.note,
            "by": self.judged_by,
            "at": self.judged_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class LinkRow:
    id: int
    left: Ref
    right: Ref
    run_id: int
    engine: str
    score: float
    algorithm: str
    features: dict[str, Any]
    splink_probability: float | None
    created_at: datetime
    updated_at: datetime
    #: The latest judgement's value (None: not judged yet).
    state: str | None

    @property
    def pair(self) -> Pair:
        return (*self.left, *self.right)


def _latest() -> Any:
    """link id → id of its latest judgement."""
    j = xref_judgements.c
    return select(j.link_id, func.max(j.id).label("jid")).group_by(j.link_id).subquery("latest")


def _links_with_state() -> Select[Any]:
    latest = _latest()
    state = aliased(xref_judgements, name="state")
    return (
        select(xref_links, state.c.judgement.label("state"))
        .select_from(xref_links)
        .outerjoin(latest, latest.c.link_id == xref_links.c.id)
        .outerjoin(state, state.c.id == latest.c.jid)
    )


def _link(row: Any) -> LinkRow:
    return LinkRow(
        id=row.id,
        left=(row.left_owner, row.left_id),
        right=(row.right_owner, row.right_id),
        run_id=row.run_id,
        engine=row.engine,
        score=row.score,
        algorithm=row.algorithm,
        features=row.features,
        splink_probability=row.splink_probability,
        created_at=row.created_at,
        updated_at=row.updated_at,
        state=row.state,
    )


def get_link(conn: Connection, link_id: int, *, lock: bool = False) -> LinkRow | None:
    """One link with its state. `lock`: held for the caller's judgement until its transaction
    ends (PostgreSQL `FOR UPDATE`; SQLite's writer lock is taken by the caller's first write)."""
    if lock and conn.dialect.name == "postgresql":
        conn.execute(
            select(xref_links.c.id).where(xref_links.c.id == link_id).with_for_update()
        ).first()
    row = conn.execute(_links_with_state().where(xref_links.c.id == link_id)).first()
    return None if row is None else _link(row)


def list_links(
    conn: Connection,
    *,
    state: str | None,
    agency: str | None,
    limit: int,
    offset: int,
) -> list[LinkRow]:
    """Links between two current records, best score first; `state` `new` (not judged) or a
    judgement value; `agency` on either side."""
    stmt = _links_with_state()
    for prefix in ("left", "right"):
        r = records.c
        owner, rid = xref_links.c[f"{prefix}_owner"], xref_links.c[f"{prefix}_id"]
        stmt = stmt.where(
            exists().where(r.owner == owner, r.entity_id == rid, r.deleted.is_(False))
        )
    if state == "new":
        stmt = stmt.where(stmt.selected_columns.state.is_(None))
    elif state is not None:
        stmt = stmt.where(stmt.selected_columns.state == state)
    if agency is not None:
        stmt = stmt.where(
            or_(xref_links.c.left_owner == agency, xref_links.c.right_owner == agency)
        )
    stmt = stmt.order_by(xref_links.c.score.desc(), xref_links.c.id).limit(limit).offset(offset)
    return [_link(r) for r in conn.execute(stmt)]


def _pairs_in_state(conn: Connection, value: str) -> list[tuple[int, Pair]]:
    latest = _latest()
    j = xref_judgements.c
    lk = xref_links.c
    stmt = (
        select(lk.id, lk.left_owner, lk.left_id, lk.right_owner, lk.right_id)
        .join(latest, latest.c.link_id == lk.id)
        .join(xref_judgements, j.id == latest.c.jid)
        .where(j.judgement == value)
    )
    return [(r[0], (r[1], r[2], r[3], r[4])) for r in conn.execute(stmt)]


def different_pairs(conn: Connection) -> set[Pair]:
    """Pairs whose latest judgement is `different`: never proposed again."""
    return {pair for _, pair in _pairs_in_state(conn, "different")}


def same_pairs(conn: Connection) -> list[tuple[int, Pair]]:
    """(link id, pair) of every link whose latest judgement is `same`."""
    return _pairs_in_state(conn, "same")


def add_judgement(
    conn: Connection, link_id: int, judgement: str, note: str | None, by: str, at: datetime
) -> Judgement:
    """Append one judgement (the only write judgements ever get)."""
    result = conn.execute(
        insert(xref_judgements)
        .values(link_id=link_id, judgement=judgement, note=note, judged_by=by, judged_at=at)
        .returning(xref_judgements.c.id)
    )
    return Judgement(int(result.scalar_one()), link_id, judgement, note, by, at)


def judgements_of(conn: Connection, link_id: int) -> list[Judgement]:
    """A link's judgements, oldest first."""
    j = xref_judgements.c
    stmt = select(xref_judgements).where(j.link_id == link_id).order_by(j.id)
    return [
        Judgement(r.id, r.link_id, r.judgement, r.note, r.judged_by, r.judged_at)
        for r in conn.execute(stmt)
    ]


def captions(conn: Connection, refs: Iterable[Ref]) -> dict[Ref, tuple[int, str, int]]:
    """(owner, entity id) → (pk, caption, version) of these current records."""
    wanted = sorted(set(refs))
    out: dict[Ref, tuple[int, str, int]] = {}
    c = records.c
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        cond = or_(*(and_(c.owner == o, c.entity_id == e) for o, e in chunk))
        stmt = select(c.pk, c.owner, c.entity_id, c.caption, c.version).where(
            cond, c.deleted.is_(False)
        )
        for r in conn.execute(stmt):
            out[(r.owner, r.entity_id)] = (r.pk, r.caption, r.version)
    return out
