"""Small helpers for the identity tests: users with MFA, codes at a given time, the ledger."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher, Type

from accord.auth import SESSION_PREFIX, code_at, new_bearer_secret, secret_digest, time_step
from accord.auth import passwords as password_rules
from accord.services.audit import Event
from accord.services.node import Node
from accord.services.sessions import Session, complete_enrolment, login
from accord.services.users import Enrolment, create_user
from accord.store import ledger as ledger_store
from accord.store import users as user_store

PASSWORD = "correct horse battery"
T0 = datetime(2026, 3, 1, 9, 0, 5, tzinfo=UTC)

#: argon2id at its cheapest, so that tests log in by the hundred in seconds.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)


def use_cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(password_rules, "HASHER", CHEAP_HASHER)


def add_user(node: Node, name: str, *roles: str, now: datetime = T0) -> Enrolment:
    return create_user(
        node, name, PASSWORD, list(roles) or ["analyst"], actor=node.operator(), now=now
    )


def code(enrolment: Enrolment, now: datetime, steps: int = 0) -> str:
    """The authenticator's code at `now`, or `steps` time steps later."""
    return code_at(enrolment.secret, time_step(now) + steps)


def enrolled_user(
    node: Node, name: str, *roles: str, now: datetime = T0
) -> tuple[Enrolment, list[str], Session]:
    """A user who has logged in once and confirmed MFA: enrolment, recovery codes, session."""
    enrolment = add_user(node, name, *roles, now=now)
    first = login(node, name, PASSWORD, now=now)
    codes, session = complete_enrolment(node, first.token, code(enrolment, now), now=now)
    return enrolment, codes, session


def open_session(node: Node, username: str, stage: str = "full") -> str:
    """A session token for `username` without logging in (for walking the access matrix)."""
    now = datetime.now(UTC)
    secret = new_bearer_secret(SESSION_PREFIX)
    with node.engine.begin() as conn:
        user = user_store.get_user(conn, username)
        assert user is not None
        user_store.insert_session(
            conn,
            token_hash=secret_digest(secret),
            user_id=user.id,
            stage=stage,
            authenticated_at=now,
            created_at=now,
            expires_at=now + timedelta(minutes=15),
        )
    return secret


def ledger(node: Node, event: Event | None = None) -> list[dict[str, Any]]:
    """Ledger entries read back from the ledger tables: event, actor and details."""
    with node.engine.connect() as conn:
        rows = list(ledger_store.iter_entries(conn))
    entries = [json.loads(r.payload) for r in rows]
    return [e for e in entries if event is None or e["event"] == event.value]
