"""Driving the command line as its users do: a named operator sets the node up, a user logs
in with password and TOTP code, and later commands act as that user."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from accord.auth import code_at, time_step
from accord.cli import app

PASSWORD = "correct horse battery staple"
CASE = ("--case", "BKA-2026-0042", "--crime-area", "thb")


def node_env(home: Path) -> dict[str, str]:
    """The environment of a node's shell: its home and the named operator setting it up."""
    return {"ACCORD_HOME": str(home), "ACCORD_OPERATOR": "root", "COLUMNS": "200"}


def invoke(env: dict[str, str], *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env, input=stdin)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def ok(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    code, out = invoke(env, *args, stdin=stdin)
    assert code == 0, out
    return out


def init(env: dict[str, str], agency: str = "DE-BKA") -> None:
    ok(env, "init", "--agency", agency, "--name", agency)


def add_user(env: dict[str, str], name: str, *roles: str) -> str:
    """Add a user as the operator; returns the TOTP secret of the enrolment."""
    args = [a for r in roles for a in ("--role", r)]
    out = ok(env, "users", "add", name, *args, "--password-stdin", stdin=PASSWORD + "\n")
    found = re.search(r"or type the secret: (\w+)", out)
    assert found, out
    return found.group(1)


def code(secret: str) -> str:
    return code_at(secret, time_step(datetime.now(UTC)))


def login(env: dict[str, str], name: str, secret: str) -> str:
    return ok(env, "login", name, "--password-stdin", "--code", code(secret), stdin=PASSWORD + "\n")


def user_session(env: dict[str, str], name: str, *roles: str) -> str:
    """Add `name` with `roles` and log in as them; returns their TOTP secret."""
    secret = add_user(env, name, *roles)
    login(env, name, secret)
    return secret
