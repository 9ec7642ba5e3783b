"""What link analysis reads: every live record's schema, caption, properties and envelope
summary in key order, the matcher's links with their latest judgement, and a fingerprint
that changes whenever any of them does."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from accord.store.tables import records, xref_judgements, xref_links

__all__ = ["GraphRow", "fingerprint", "graph_rows", "graph_rows_of", "live_versions", "match_links"]

#: (owner, entity id, schema, caption, properties, handling, tlp, reliability, assessment,
#: subject category, crime areas)
GraphRow = tuple[
    str, str, str, str, dict[str, list[str]], str, str, str, str, str | None, list[str]
]

_C = records.c
_COLUMNS = (
    _C.owner,
    _C.entity_id,
    _C.schema,
    _C.caption,
    _C.properties,
    _C.handling,
    _C.tlp,
    _C.reliability,
    _C.assessment,
    _C.subject_category,
    _C.crime_areas,
)


def fingerprint(conn: Connection) -> tuple[Any, ...]:
    """Changes with every record written, changed or deleted (each bumps a version) and with
    every link proposed or judged."""
    rec = conn.execute(select(func.count(), func.max(_C.pk), func.sum(_C.version))).one()
    links = conn.execute(select(func.count(), func.max(xref_links.c.updated_at))).one()
    judged = conn.execute(select(func.max(xref_judgements.c.id))).scalar()
    return (*rec, links[0], str(links[1]), judged)


def graph_rows(conn: Connection, batch: int = 20_000) -> Iterator[GraphRow]:
    """Every live record, in key order, read in batches."""
    for _pk, _version, row in _rows(conn, None, batch):
        yield row


def graph_rows_of(
    conn: Connection, pks: Sequence[int], batch: int = 500
) -> Iterator[tuple[int, int, GraphRow]]:
    """(key, version, row) of the live records among `pks`, in key order."""
    ordered = sorted(pks)
    for i in range(0, len(ordered), batch):
        yield from _rows(conn, ordered[i : i + batch], batch)


def live_versions(conn: Connection) -> dict[int, int]:
    """Key → version of every live record: what a held graph compares with what it read."""
    rows = conn.execute(select(_C.pk, _C.version).where(_C.deleted.is_(False)))
    return {row[0]: row[1] for row in rows}


def _rows(
    conn: Connection, pks: Sequence[int] | None, batch: int
) -> Iterator[tuple[int, int, GraphRow]]:
    last = 0
    while True:
        stmt = select(_C.pk, _C.version, *_COLUMNS).where(_C.deleted.is_(False))
        if pks is not None:
            stmt = stmt.where(_C.pk.in_(pks))
        rows = conn.execute(stmt.where(_C.pk > last).order_by(_C.pk).limit(batch)).all()
        if not rows:
            return
        for r in rows:
            yield r[0], r[1], (r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12])
        last = rows[-1][0]
        if pks is not None and len(rows) < batch:
            return


def match_links(conn: Connection) -> list[tuple[str, str, str, str, float, str | None]]:
    """(left owner, left id, right owner, right id, score, latest judgement or None) of every
    link the matcher proposed."""
    j = xref_judgements.c
    latest = select(j.link_id, func.max(j.id).label("jid")).group_by(j.link_id).subquery()
    lk = xref_links.c
    stmt = (
        select(lk.left_owner, lk.left_id, lk.right_owner, lk.right_id, lk.score, j.judgement)
        .select_from(xref_links)
        .outerjoin(latest, latest.c.link_id == lk.id)
        .outerjoin(xref_judgements, j.id == latest.c.jid)
    )
    return [(r[0], r[1], r[2], r[3], float(r[4]), r[5]) for r in conn.execute(stmt)]
