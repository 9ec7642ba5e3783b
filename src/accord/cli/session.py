"""`accord login`, `logout`, `whoami`: the command line acts as a known user.

`login` checks the password and a TOTP code (or a recovery code) through the same service as
`POST /api/v1/auth/login` and keeps the short-lived access token it gets in
`ACCORD_HOME/cli-session.json`, mode 0600. Commands that read or change record content, or
decide, act as that user; the token is renewed while it is used, and a session ends 12 hours
after its login at the latest. `logout` revokes it and removes the file."""

from __future__ import annotations

import contextlib
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from accord.errors import Unauthorized

from .common import node_from_env, say
from .sessionfile import current_user, read_session, session_path, write_session

if TYPE_CHECKING:
    pass

__all__ = ["login", "logout", "whoami"]


def login(
    username: Annotated[str | None, typer.Argument(help="Your user name.")] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help="Read the password from standard input's first line."
        ),
    ] = False,
    code: Annotated[
        str | None, typer.Option(help="The TOTP code (else you are asked for it).")
    ] = None,
    recovery_code: Annotated[
        str | None, typer.Option(help="One of your recovery codes, instead of a TOTP code.")
    ] = None,
) -> None:
    """Log in with your password and a TOTP code; later commands act as you.

    At your first login the code also confirms your authenticator (enrolled with `accord
    users add`), and your recovery codes are printed once."""
    from accord.services import sessions

    node = node_from_env()
    name = username or str(typer.prompt("User name"))
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = str(typer.prompt("Password", hide_input=True))
    if recovery_code is None and code is None:
        code = str(typer.prompt("TOTP code"))
    session = sessions.login(
        node, name, password, code=code, recovery_code=recovery_code, client="cli"
    )
    if session.stage is sessions.Stage.ENROLMENT:
        if code is None:
            sessions.logout(node, session.token)
            raise Unauthorized("your authenticator is not confirmed yet: log in with a TOTP code")
        try:
            codes, session = sessions.complete_enrolment(node, session.token, code)
        except Exception:
            sessions.logout(node, session.token)
            raise
        say("Authenticator confirmed. Your recovery codes (each works once; keep them safe):")
        for one in codes:
            typer.echo(f"  {one}")
    write_session(node, session)
    say(
        "Logged in as ",
        (session.username, "bold"),
        f" at {node.agency} until {session.expires_at:%H:%M} UTC "
        "(renewed while you work, 12 hours at most).",
    )


def logout() -> None:
    """End your command-line session at once (the token is revoked)."""
    from accord.services import sessions

    node = node_from_env()
    data = read_session(node)
    if data is None:
        say("Not logged in.")
        return
    with contextlib.suppress(Unauthorized):  # already expired or revoked: nothing to end
        sessions.logout(node, data["access_token"])
    session_path(node).unlink(missing_ok=True)
    say(f"Logged out {data.get('username', '')}.")


def whoami() -> None:
    """Who the command line acts as."""
    node = node_from_env()
    principal = current_user(node)
    say((principal.label, "bold"), f": {', '.join(sorted(principal.roles))}")
