"""Agreements in force at this node: stored as YAML texts, compiled once per revision.

A change is validated by compiling the whole new set; only a set that loads completely
replaces the one in force, and every change goes to the ledger (id, version, text hash)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from accord.errors import FieldError, Forbidden, NotFound, ValidationError
from accord.model import Principal
from accord.policy import AgreementSet, load_directory, parse_agreement
from accord.policy.load import file_name_problem, size_problem
from accord.services.audit import Event, record_event
from accord.services.node import Node
from accord.store.tables import agreement_files, agreement_state

__all__ = [
    "agreement_set",
    "list_agreements",
    "put_agreement",
    "put_agreements",
    "withdraw_agreement",
]

#: How long a worker trusts its compiled set before checking the revision counter again.
RECHECK_SECONDS = 2.0
ADMIN_ROLE = "node_admin"


def _revision(conn: Connection) -> int:
    return int(
        conn.execute(
            select(agreement_state.c.revision).where(agreement_state.c.id == 1)
        ).scalar_one()
    )


def _active_files(conn: Connection) -> list[tuple[str, str]]:
    a = agreement_files.c
    rows = conn.execute(
        select(a.file_name, a.text).where(a.withdrawn_at.is_(None)).order_by(a.file_name)
    )
    return [(r.file_name, r.text) for r in rows]


def agreement_set(node: Node) -> AgreementSet:
    """The compiled agreements in force (cached per process, reloaded when they change)."""
    cached = node.cache.get("agreements")
    now = time.monotonic()
    if cached is not None and now - cached[2] < RECHECK_SECONDS:
        return cached[1]  # type: ignore[no-any-return]
    with node.engine.connect() as conn:
        revision = _revision(conn)
        if cached is not None and cached[0] == revision:
            node.cache["agreements"] = (revision, cached[1], now)
            return cached[1]  # type: ignore[no-any-return]
        compiled = load_directory(_active_files(conn))
    node.cache["agreements"] = (revision, compiled, now)
    return compiled


def _require_admin(principal: Principal) -> None:
    if ADMIN_ROLE not in principal.roles:
        raise Forbidden("only a node_admin may change agreements")


def put_agreements(node: Node, principal: Principal, files: Iterable[tuple[str, str]]) -> list[str]:
    """Load or replace agreement files (name, YAML text) all-or-nothing; returns their ids."""
    _require_admin(principal)
    incoming = list(files)
    if not incoming:
        raise ValidationError(FieldError("files", "no agreement files given"))
    errors = []
    for name, text in incoming:
        bad = file_name_problem(name)
        if bad is not None:
            errors.append(FieldError("file_name", f"{name!a}: {bad}"))
        elif (big := size_problem(text, node.settings.agreement_max_bytes)) is not None:
            errors.append(FieldError("text", f"{name}: {big}"))
    if errors:
        raise ValidationError(errors)
    now = datetime.now(UTC)
    a = agreement_files.c
    with node.engine.begin() as conn:
        current = dict(_active_files(conn))
        proposed = {**current, **dict(incoming)}
        load_directory(sorted(proposed.items()))  # raises AgreementError; nothing is written
        ids: list[str] = []
        for name, text in incoming:
            agreement = parse_agreement(name, text)
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            if current.get(name) == text:
                ids.append(agreement.id)
                continue
            conn.execute(
                update(agreement_files)
                .where(a.file_name == name, a.withdrawn_at.is_(None))
                .values(withdrawn_at=now)
            )
            conn.execute(
                insert(agreement_files).values(
                    file_name=name,
                    text=text,
                    sha256=digest,
                    loaded_at=now,
                    loaded_by=principal.label,
                )
            )
            record_event(
                conn,
                Event.AGREEMENT_CHANGE,
                principal,
                {
                    "change": "replace" if name in current else "add",
                    "file": name,
                    "agreement": agreement.id,
                    "version": agreement.version,
                    "sha256": digest,
                },
            )
            ids.append(agreement.id)
        _bump(conn)
    node.cache.pop("agreements", None)
    return ids


def put_agreement(node: Node, principal: Principal, file_name: str, text: str) -> str:
    return put_agreements(node, principal, [(file_name, text)])[0]


def withdraw_agreement(node: Node, principal: Principal, file_name: str) -> None:
    """Take an agreement file out of force (it stays in the table for auditors)."""
    _require_admin(principal)
    bad = file_name_problem(file_name)
    if bad is not None:
        raise ValidationError(FieldError("file_name", f"{file_name!a}: {bad}"))
    a = agreement_files.c
    now = datetime.now(UTC)
    with node.engine.begin() as conn:
        done = conn.execute(
            update(agreement_files)
            .where(a.file_name == file_name, a.withdrawn_at.is_(None))
            .values(withdrawn_at=now)
        )
        if done.rowcount == 0:
            raise NotFound(f"no agreement file {file_name!r} in force")
        record_event(
            conn, Event.AGREEMENT_CHANGE, principal, {"change": "withdraw", "file": file_name}
        )
        _bump(conn)
    node.cache.pop("agreements", None)


def _bump(conn: Connection) -> None:
    s = agreement_state.c
    conn.execute(update(agreement_state).where(s.id == 1).values(revision=s.revision + 1))


def list_agreements(node: Node) -> list[dict[str, Any]]:
    """Agreements in force: id, version, title, parties, validity and their file."""
    with node.engine.connect() as conn:
        a = agreement_files.c
        files = {
            r.file_name: r
            for r in conn.execute(select(agreement_files).where(a.withdrawn_at.is_(None)))
        }
    out = []
    for name, row in sorted(files.items()):
        agreement = parse_agreement(name, row.text)
        out.append(
            {
                "file": name,
                "id": agreement.id,
                "version": agreement.version,
                "title": agreement.title,
                "parties": [p.code for p in agreement.parties],
                "valid_from": str(agreement.valid_from),
                "valid_until": str(agreement.valid_until) if agreement.valid_until else None,
                "sha256": row.sha256,
                "loaded_at": row.loaded_at.isoformat() if row.loaded_at else None,
            }
        )
    return out
