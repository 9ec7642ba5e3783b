"""Travel-document storage: the registry's current reports, their append-only history, and the
hits of checks.

The registry is keyed by (country, number, type); a check probes `(country, number)`, the
key's prefix, so one index answers it. Reports are superseded, never updated in place without
their previous state going to `travel_document_history` first (`supersede`); nothing here
deletes. Functions take a Connection inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update

from accord.store.db import placeholder
from accord.store.tables import document_hits, travel_document_history, travel_documents

__all__ = [
    "Hit",
    "Key",
    "Report",
    "Superseded",
    "get_report",
    "history",
    "hits_of",
    "insert_hits",
    "insert_reports",
    "lookup",
    "lookup_many",
    "supersede",
]

#: (country, number, type): a document's key.
Key = tuple[str, str, str]
#: Numbers one lookup statement asks for (SQLite allows 32,766 parameters; the statement's
#: size and plan stay small).
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Report:
    """A document's report as stored (current, or one superseded)."""

    country: str
    number: str
    doc_type: str
    status: str
    action: str | None
    reported_on: date
    agency: str
    reference: str | None
    changed_at: datetime
    changed_by: str

    @property
    def key(self) -> Key:
        return (self.country, self.number, self.doc_type)

    def values(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "number": self.number,
            "doc_type": self.doc_type,
            "status": self.status,
            "action": self.action,
            "reported_on": self.reported_on,
            "agency": self.agency,
            "reference": self.reference,
            "changed_at": self.changed_at,
            "changed_by": self.changed_by,
        }


@dataclass(frozen=True, slots=True)
class Superseded:
    report: Report
    superseded_at: datetime
    superseded_by: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class Hit:
    """One check that found a reported document."""

    at: datetime
    country: str
    number: str
    doc_type: str
    status: str
    action: str
    issuer_agency: str
    checked_by: str
    checker_agency: str
    location: str | None


_C = travel_documents.c
_REPORT_COLUMNS = (
    _C.country,
    _C.number,
    _C.doc_type,
    _C.status,
    _C.action,
    _C.reported_on,
    _C.agency,
    _C.reference,
    _C.changed_at,
    _C.changed_by,
)


# Statements sent straight to the driver on the hot paths, written with `?` marks; only the
# driver's own mark is put in their place (`_driver`), and values travel as parameters.
_LOOKUP = (
    "SELECT doc_type, status, action, agency FROM travel_documents WHERE country = ? AND number = ?"
)
_LOOKUP_MANY = (
    "SELECT number, doc_type, status, action, agency FROM travel_documents "
    "WHERE country = ? AND number IN "
)
_INSERT = (
    "INSERT INTO travel_documents (country, number, doc_type, status, action, reported_on, "
    "agency, reference, changed_at, changed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _driver(conn: Connection, sql: str) -> str:
    mark = placeholder(conn)
    return sql if mark == "?" else sql.replace("?", mark)


def _report(row: Any) -> Report:
    return Report(
        row.country,
        row.number,
        row.doc_type,
        row.status,
        row.action,
        row.reported_on,
        row.agency,
        row.reference,
        row.changed_at,
        row.changed_by,
    )


def get_report(conn: Connection, key: Key, *, lock: bool = False) -> Report | None:
    """The current report of one document (withdrawn ones too). `lock`: held for the
    caller's change until its transaction ends, so that changes of one document run one after
    another (PostgreSQL: `FOR UPDATE`; SQLite: a no-op UPDATE takes the write lock first)."""
    country, number, doc_type = key
    where = and_(_C.country == country, _C.number == number, _C.doc_type == doc_type)
    stmt = select(*_REPORT_COLUMNS).where(where)
    if lock and conn.dialect.name == "sqlite":
        conn.execute(update(travel_documents).where(where).values(status=_C.status))
    elif lock:
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).first()
    return _report(row) if row is not None else None


def lookup(conn: Connection, country: str, number: str) -> list[tuple[str, str, str | None, str]]:
    """(type, status, action, agency) of every report under (country, number): one probe of
    the key's prefix, straight to the driver (the check's hot path)."""
    sql = _driver(conn, _LOOKUP)
    return [(r[0], r[1], r[2], r[3]) for r in conn.exec_driver_sql(sql, (country, number))]


def lookup_many(
    conn: Connection, pairs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], list[tuple[str, str, str | None, str]]]:
    """`lookup` for many (country, number) pairs: per country, chunks of numbers by `IN`."""
    by_country: dict[str, set[str]] = {}
    for country, number in pairs:
        by_country.setdefault(country, set()).add(number)
    found: dict[tuple[str, str], list[tuple[str, str, str | None, str]]] = {}
    for country, numbers in by_country.items():
        ordered = sorted(numbers)
        for start in range(0, len(ordered), _CHUNK):
            chunk = ordered[start : start + _CHUNK]
            sql = _driver(conn, _LOOKUP_MANY + "(" + ", ".join("?" * len(chunk)) + ")")
            for number, doc_type, status, action, agency in conn.exec_driver_sql(
                sql, (country, *chunk)
            ):
                found.setdefault((country, number), []).append((doc_type, status, action, agency))
    return found


def insert_reports(conn: Connection, reports: Sequence[Report]) -> None:
    """New reports (keys not yet in the registry), in one statement per call."""
    if not reports:
        return
    sql = _driver(conn, _INSERT)
    # SQLAlchemy's per-row parameter processing would cost more than the insert itself.
    sqlite = conn.dialect.name == "sqlite"
    memo: dict[Any, Any] = {}  # a file's reports share their dates: each converted once
    conn.exec_driver_sql(sql, [_row(r, sqlite, memo) for r in reports])


def _row(report: Report, sqlite: bool, memo: dict[Any, Any]) -> tuple[Any, ...]:
    reported, changed = report.reported_on, report.changed_at
    if reported not in memo:
        # As SQLAlchemy's SQLite types store them (its Date and naive UTC DateTime).
        memo[reported] = reported.isoformat() if sqlite else reported
    if changed not in memo:
        utc = changed.astimezone(UTC)
        memo[changed] = utc.replace(tzinfo=None).isoformat(" ", "microseconds") if sqlite else utc
    reported, changed = memo[reported], memo[changed]
    return (
        report.country,
        report.number,
        report.doc_type,
        report.status,
        report.action,
        reported,
        report.agency,
        report.reference,
        changed,
        report.changed_by,
    )


def supersede(
    conn: Connection, old: Report, new: Report, *, at: datetime, by: str, reason: str | None
) -> None:
    """Replace a document's current report: the old one goes to the history first."""
    conn.execute(
        insert(travel_document_history).values(
            **old.values(), superseded_at=at, superseded_by=by, reason=reason
        )
    )
    values = new.values()
    for key in ("country", "number", "doc_type"):
        values.pop(key)
    conn.execute(
        update(travel_documents)
        .where(
            and_(_C.country == old.country, _C.number == old.number, _C.doc_type == old.doc_type)
        )
        .values(**values)
    )


def history(conn: Connection, key: Key) -> list[Superseded]:
    """Every superseded report of a document, oldest first."""
    h = travel_document_history.c
    country, number, doc_type = key
    stmt = (
        select(travel_document_history)
        .where(h.country == country, h.number == number, h.doc_type == doc_type)
        .order_by(h.id)
    )
    return [
        Superseded(_report(row), row.superseded_at, row.superseded_by, row.reason)
        for row in conn.execute(stmt)
    ]


def insert_hits(conn: Connection, hits: Sequence[Hit], ledger_index: int) -> None:
    """The hits of checks recorded in the ledger entry `ledger_index`."""
    if not hits:
        return
    conn.execute(
        insert(document_hits),
        [
            {
                "at": h.at,
                "country": h.country,
                "number": h.number,
                "doc_type": h.doc_type,
                "status": h.status,
                "action": h.action,
                "issuer_agency": h.issuer_agency,
                "checked_by": h.checked_by,
                "checker_agency": h.checker_agency,
                "location": h.location,
                "ledger_index": ledger_index,
            }
            for h in hits
        ],
    )


def hits_of(conn: Connection, key: Key) -> list[dict[str, Any]]:
    """The hits on one document, oldest first (for its issuing agency)."""
    d = document_hits.c
    country, number, doc_type = key
    stmt = (
        select(d.at, d.checked_by, d.checker_agency, d.location, d.action, d.ledger_index)
        .where(d.country == country, d.number == number, d.doc_type == doc_type)
        .order_by(d.id)
    )
    return [dict(row._mapping) for row in conn.execute(stmt)]
