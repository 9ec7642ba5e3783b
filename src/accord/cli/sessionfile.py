"""The command line's session file: who is logged in at this node's shell (`accord login`).

Kept apart from the commands so that the shared CLI plumbing (`common`) can ask who is acting
without importing the commands that log in and out."""

from __future__ import annotations

import contextlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from accord.errors import Unauthorized

if TYPE_CHECKING:
    from accord.model import Principal
    from accord.services.node import Node
    from accord.services.sessions import Session

__all__ = [
    "SESSION_FILE",
    "current_user",
    "has_session",
    "read_session",
    "session_path",
    "write_session",
]


SESSION_FILE = "cli-session.json"


def session_path(node: Node) -> Path:
    """Where `accord login` keeps the session of this node's command line (mode 0600)."""
    return node.settings.home / SESSION_FILE


def write_session(node: Node, session: Session) -> None:
    path = session_path(node)
    data = {
        "agency": node.agency,
        "username": session.username,
        "access_token": session.token,
        "expires_at": session.expires_at.isoformat(),
    }
    tmp = path.with_name(path.name + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f)
    tmp.replace(path)


def read_session(node: Node) -> dict[str, str] | None:
    try:
        data = json.loads(session_path(node).read_text("utf-8"))
    except FileNotFoundError:
        return None
    except ValueError:
        raise Unauthorized(
            f"{session_path(node)} is not a session file: `accord logout`, then log in"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
        raise Unauthorized(f"{session_path(node)} holds no session: log in again")
    return data


def has_session(node: Node) -> bool:
    return session_path(node).exists()


def current_user(node: Node) -> Principal:
    """The logged-in user, their session renewed when half its lifetime has passed."""
    from accord.services import sessions

    data = read_session(node)
    if data is None:
        raise Unauthorized("not logged in: run `accord login`")
    token = data["access_token"]
    try:
        principal = sessions.authenticate_access_token(node, token)
    except Unauthorized as exc:
        raise Unauthorized(f"{exc.message}: run `accord login` again") from None
    expires = datetime.fromisoformat(data["expires_at"])
    lifetime = node.settings.access_token_minutes * 60
    if (expires - datetime.now(UTC)).total_seconds() < lifetime / 2:
        # Renew; past the 12-hour limit the old token stays until it expires.
        with contextlib.suppress(Unauthorized):
            write_session(node, sessions.refresh(node, token))
    return principal
