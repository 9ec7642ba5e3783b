"""Storage of messages, their states and attachments, MLA requests and cases (docs/messaging.md).

Functions take a Connection inside the caller's transaction: a message, its first state, its
outbox entry and its ledger entries commit together or not at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, bindparam, func, insert, select

from accord.store.db import dialect_insert
from accord.store.tables import (
    case_members,
    cases,
    message_attachments,
    message_files,
    message_states,
    messages,
    mla_requests,
    mla_transitions,
)

__all__ = [
    "CaseRow",
    "MessageRow",
    "MlaRow",
    "StateRow",
    "add_member_change",
    "add_mla_transition",
    "add_state",
    "answered",
    "attachment",
    "get_case",
    "get_message",
    "get_messages",
    "get_mla",
    "insert_case",
    "insert_message",
    "insert_mla",
    "link_file",
    "list_cases",
    "list_messages",
    "list_mla",
    "members",
    "message_has_file",
    "mla_transitions_of",
    "put_attachment",
    "states",
]


# --- messages ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MessageRow:
    message_id: str
    direction: str  # "outgoing" or "incoming"
    kind: str
    thread_id: str
    in_reply_to: str | None
    case_reference: str | None
    case_id: str | None
    mla_id: str | None
    partner_node: str
    partner_agency: str
    priority: str
    deadline: datetime | None
    sealed: str
    digest: str
    sent_at: datetime
    created_at: datetime
    created_by: str
    pk: int = 0


_MESSAGE_COLUMNS = tuple(f for f in MessageRow.__dataclass_fields__ if f != "pk")


def _message(row: Row[Any]) -> MessageRow:
    return MessageRow(**{name: getattr(row, name) for name in _MESSAGE_COLUMNS}, pk=row.pk)


# Statements built once, their values bound at execution: the expression language would
# otherwise compute a cache key over the values of every insert (the hot path of messaging).
_INSERT_MESSAGE = insert(messages).returning(messages.c.pk)
_INSERT_STATE = insert(message_states)
_GET_MESSAGE = select(messages).where(messages.c.message_id == bindparam("message_id"))


def insert_message(conn: Connection, row: MessageRow) -> int:
    """Store a message; raises IntegrityError if its id is taken. Returns its pk."""
    values = {name: getattr(row, name) for name in _MESSAGE_COLUMNS}
    return int(conn.execute(_INSERT_MESSAGE, values).scalar_one())


def get_message(conn: Connection, message_id: str) -> MessageRow | None:
    row = conn.execute(_GET_MESSAGE, {"message_id": message_id}).first()
    return _message(row) if row is not None else None


def get_messages(conn: Connection, message_ids: Sequence[str]) -> dict[str, MessageRow]:
    """The messages held with these ids, by id."""
    if not message_ids:
        return {}
    rows = conn.execute(select(messages).where(messages.c.message_id.in_(list(message_ids))))
    return {r.message_id: _message(r) for r in rows}


def list_messages(
    conn: Connection,
    *,
    direction: str | None = None,
    thread_id: str | None = None,
    case_id: str | None = None,
    kinds: Sequence[str] = (),
    limit: int = 100,
    offset: int = 0,
) -> list[MessageRow]:
    m = messages.c
    stmt = select(messages).order_by(m.pk.desc()).limit(limit).offset(offset)
    if direction is not None:
        stmt = stmt.where(m.direction == direction)
    if thread_id is not None:
        stmt = stmt.where(m.thread_id == thread_id)
    if case_id is not None:
        stmt = stmt.where(m.case_id == case_id)
    if kinds:
        stmt = stmt.where(m.kind.in_(list(kinds)))
    return [_message(r) for r in conn.execute(stmt)]


def answered(conn: Connection, message_ids: Sequence[str]) -> set[str]:
    """Those of `message_ids` that a message of the same thread replies to."""
    if not message_ids:
        return set()
    m = messages.c
    rows = conn.execute(
        select(m.in_reply_to).where(m.in_reply_to.in_(list(message_ids))).distinct()
    )
    return {r[0] for r in rows}


@dataclass(frozen=True, slots=True)
class StateRow:
    state: str
    at: datetime
    actor: str
    details: dict[str, Any]


def add_state(
    conn: Connection, message_pk: int, state: str, at: datetime, actor: str, details: dict[str, Any]
) -> None:
    conn.execute(
        _INSERT_STATE,
        {"message_pk": message_pk, "state": state, "at": at, "actor": actor, "details": details},
    )


def states(conn: Connection, message_pks: Sequence[int]) -> dict[int, list[StateRow]]:
    """Every state of each message, oldest first."""
    found: dict[int, list[StateRow]] = {pk: [] for pk in message_pks}
    if not message_pks:
        return found
    s = message_states.c
    rows = conn.execute(
        select(message_states).where(s.message_pk.in_(list(message_pks))).order_by(s.pk)
    )
    for r in rows:
        found[r.message_pk].append(StateRow(r.state, r.at, r.actor, dict(r.details)))
    return found


# --- attachments ------------------------------------------------------------------------------


def put_attachment(conn: Connection, sha256: str, size: int, sealed: bytes, at: datetime) -> None:
    """Keep an attachment's encrypted content once per address (a second copy is a no-op)."""
    conn.execute(
        dialect_insert(conn, message_attachments)
        .values(sha256=sha256, size=size, sealed=sealed, created_at=at)
        .on_conflict_do_nothing(index_elements=["sha256"])
    )


def link_file(conn: Connection, message_pk: int, sha256: str) -> None:
    conn.execute(
        dialect_insert(conn, message_files)
        .values(message_pk=message_pk, sha256=sha256)
        .on_conflict_do_nothing(index_elements=["message_pk", "sha256"])
    )


def message_has_file(conn: Connection, message_pk: int, sha256: str) -> bool:
    f = message_files.c
    found = conn.execute(
        select(f.sha256).where(and_(f.message_pk == message_pk, f.sha256 == sha256))
    ).first()
    return found is not None


def attachment(conn: Connection, sha256: str) -> bytes | None:
    a = message_attachments.c
    row = conn.execute(select(a.sealed).where(a.sha256 == sha256)).first()
    return bytes(row[0]) if row is not None else None


# --- MLA requests -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MlaRow:
    mla_id: str
    direction: str
    partner_node: str | None
    requesting_agency: str
    requested_agency: str
    legal_basis: str
    crime_area: str
    urgency: str
    deadline: datetime
    form: dict[str, Any]
    created_at: datetime
    created_by: str
    pk: int = 0
    state: str = ""


_MLA_COLUMNS = tuple(f for f in MlaRow.__dataclass_fields__ if f not in ("pk", "state"))


def insert_mla(conn: Connection, row: MlaRow) -> int:
    values = {name: getattr(row, name) for name in _MLA_COLUMNS}
    result = conn.execute(insert(mla_requests).values(**values).returning(mla_requests.c.pk))
    return int(result.scalar_one())


def add_mla_transition(
    conn: Connection, mla_pk: int, state: str, at: datetime, actor: str, details: dict[str, Any]
) -> None:
    conn.execute(
        insert(mla_transitions).values(
            mla_pk=mla_pk, state=state, at=at, actor=actor, details=details
        )
    )


def _mla_with_state() -> Any:
    t = mla_transitions.c
    latest = select(t.mla_pk, func.max(t.pk).label("last")).group_by(t.mla_pk).subquery("latest")
    return (
        select(mla_requests, mla_transitions.c.state)
        .join(latest, latest.c.mla_pk == mla_requests.c.pk)
        .join(mla_transitions, mla_transitions.c.pk == latest.c.last)
    )


def _mla(row: Row[Any]) -> MlaRow:
    values = {name: getattr(row, name) for name in _MLA_COLUMNS}
    values["form"] = dict(values["form"])
    return MlaRow(**values, pk=row.pk, state=row.state)


def get_mla(conn: Connection, mla_id: str) -> MlaRow | None:
    row = conn.execute(_mla_with_state().where(mla_requests.c.mla_id == mla_id)).first()
    return _mla(row) if row is not None else None


def list_mla(
    conn: Connection, *, direction: str | None = None, states_in: Sequence[str] = ()
) -> list[MlaRow]:
    stmt = _mla_with_state().order_by(mla_requests.c.pk.desc())
    if direction is not None:
        stmt = stmt.where(mla_requests.c.direction == direction)
    if states_in:
        stmt = stmt.where(mla_transitions.c.state.in_(list(states_in)))
    return [_mla(r) for r in conn.execute(stmt)]


def mla_transitions_of(conn: Connection, mla_pks: Sequence[int]) -> dict[int, list[StateRow]]:
    found: dict[int, list[StateRow]] = {pk: [] for pk in mla_pks}
    if not mla_pks:
        return found
    t = mla_transitions.c
    rows = conn.execute(select(mla_transitions).where(t.mla_pk.in_(list(mla_pks))).order_by(t.pk))
    for r in rows:
        found[r.mla_pk].append(StateRow(r.state, r.at, r.actor, dict(r.details)))
    return found


# --- cases ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseRow:
    case_id: str
    reference: str
    title: str
    lead_agency: str
    legal_basis: str | None
    crime_area: str
    valid_from: date
    valid_until: date | None
    created_at: datetime
    created_by: str
    pk: int = 0


_CASE_COLUMNS = tuple(f for f in CaseRow.__dataclass_fields__ if f != "pk")


def _case(row: Row[Any]) -> CaseRow:
    return CaseRow(**{name: getattr(row, name) for name in _CASE_COLUMNS}, pk=row.pk)


def insert_case(conn: Connection, row: CaseRow) -> int:
    values = {name: getattr(row, name) for name in _CASE_COLUMNS}
    return int(conn.execute(insert(cases).values(**values).returning(cases.c.pk)).scalar_one())


def get_case(conn: Connection, case_id: str) -> CaseRow | None:
    row = conn.execute(select(cases).where(cases.c.case_id == case_id)).first()
    return _case(row) if row is not None else None


def list_cases(conn: Connection) -> list[CaseRow]:
    return [_case(r) for r in conn.execute(select(cases).order_by(cases.c.pk.desc()))]


def add_member_change(
    conn: Connection, case_pk: int, agency: str, action: str, at: datetime, actor: str
) -> None:
    conn.execute(
        insert(case_members).values(
            case_pk=case_pk, agency=agency, action=action, at=at, actor=actor
        )
    )


def members(conn: Connection, case_pk: int) -> tuple[list[str], list[StateRow]]:
    """The current members (in the order they joined) and every membership change."""
    c = case_members.c
    rows = conn.execute(select(case_members).where(c.case_pk == case_pk).order_by(c.pk)).all()
    current: dict[str, None] = {}
    history: list[StateRow] = []
    for r in rows:
        if r.action == "joined":
            current[r.agency] = None
        else:
            current.pop(r.agency, None)
        history.append(StateRow(r.action, r.at, r.actor, {"agency": r.agency}))
    return list(current), history
