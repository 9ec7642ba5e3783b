"""`accord tokens issue/revoke/list`: API tokens for machine clients. The secret is printed
once, on the last line, and only its hash is kept."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from accord.errors import FieldError, ValidationError

from .common import (
    ROLE_NAMES,
    OperatorOption,
    acting,
    new_app,
    node_from_env,
    print_json,
    print_table,
    say,
    styled,
    table,
)

__all__ = ["app", "parse_expiry"]

app = new_app("API tokens for machine clients: roles, scopes, expiry; revocable.")

_DURATION = re.compile(r"^(\d{1,5})([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_expiry(text: str, now: datetime) -> datetime | None:
    """`90d`, `12h`, `30m`, `2w`, an ISO date or date-time (UTC unless it says otherwise),
    or `never`."""
    text = text.strip().lower()
    if text == "never":
        return None
    match = _DURATION.match(text)
    if match:
        return now + timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        when = datetime.fromisoformat(text.upper())
    except ValueError:
        raise ValidationError(
            FieldError("expires", f"{text!r}: use 90d, 12h, 30m, 2w, an ISO date, or never")
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@app.command()
def issue(
    name: Annotated[str, typer.Option(help="A unique name for the client.")],
    role: Annotated[
        list[str],
        typer.Option(
            "--role", help=f"A role; repeat for several. One of: {', '.join(ROLE_NAMES)}."
        ),
    ],
    scopes: Annotated[
        list[str] | None,
        typer.Option(
            "--scopes",
            help="Scopes, comma-separated or repeated (default: every scope of the roles).",
        ),
    ] = None,
    expires: Annotated[
        str, typer.Option(help="Lifetime (90d, 12h, 2w), an ISO date, or `never`.")
    ] = "90d",
    acts_for: Annotated[
        str | None,
        typer.Option(
            "--acts-for",
            help="The partner agency (or CERT) a taxii_client token acts for, CC-NAME.",
        ),
    ] = None,
    operator_name: OperatorOption = None,
) -> None:
    """Issue a token; its secret is printed once, on the last line."""
    from accord.services import tokens as service

    node = node_from_env()
    actor = acting(node, operator_name, role="node_admin")
    wanted = None if scopes is None else [s for item in scopes for s in item.split(",") if s]
    token = service.issue_token(
        node,
        name,
        role,
        wanted,
        parse_expiry(expires, datetime.now(UTC)),
        acts_for=acts_for,
        actor=actor,
    )
    say(
        "Token ",
        (token.name, "bold"),
        f": roles {', '.join(token.roles)}; scopes {', '.join(token.scopes) or 'none'}; "
        f"expires {token.expires_at.isoformat() if token.expires_at else 'never'}.",
    )
    say("Keep the secret below now: it is not shown again.")
    typer.echo(token.secret)


@app.command()
def revoke(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The token's name.")],
    operator_name: OperatorOption = None,
) -> None:
    """Refuse the token from now on."""
    from accord.services import tokens as service

    node = node_from_env()
    service.revoke_token(node, name, actor=acting(node, operator_name, role="node_admin"))
    say("Token ", (name, "bold"), " revoked.")


@app.command("list")
def list_tokens(
    json_out: Annotated[bool, typer.Option("--json", help="Print the tokens as JSON.")] = False,
) -> None:
    """Every token, with its roles, scopes and state (never its secret)."""
    from accord.services import tokens as service

    tokens = service.list_tokens(node_from_env())
    if json_out:
        print_json([t.to_dict() for t in tokens])
        return
    listed = table(f"{len(tokens)} token(s)", *("name", "roles", "scopes", "expires", "state"))
    for t in tokens:
        listed.add_row(
            t.name,
            ", ".join(t.roles),
            ", ".join(t.scopes),
            t.expires_at.strftime("%Y-%m-%d %H:%M") if t.expires_at else "never",
            styled(("revoked", "red")) if t.revoked else "active",
        )
    print_table(listed, whole=("name",))
