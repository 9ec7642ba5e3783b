"""`accord users add/list/disable/enable/roles/password/reset-mfa`: human users, managed by the
node's operator. Every change is in the audit ledger."""

from __future__ import annotations

import io
import sys
from typing import Annotated

import qrcode
import typer
from rich.table import Table

from accord.auth import Role
from accord.services import users as service
from accord.services.users import Enrolment

from .common import console, node_from_env, print_json

__all__ = ["app"]

app = typer.Typer(
    help="Human users of this node: add, list, disable. Every change goes to the ledger.",
    no_args_is_help=True,
)

_Name = Annotated[str, typer.Argument(metavar="NAME", help="The user name.")]
_Roles = Annotated[
    list[str],
    typer.Option("--role", help=f"A role; repeat for several. One of: {', '.join(Role)}."),
]
_PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from standard input's first line."),
]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


def qr_text(data: str) -> str:
    """`data` as a QR code drawn with Unicode half blocks, for a terminal."""
    code = qrcode.QRCode(border=2)
    code.add_data(data)
    code.make(fit=True)
    out = io.StringIO()
    code.print_ascii(out=out, invert=True)
    return out.getvalue()


def _show_enrolment(enrolment: Enrolment) -> None:
    console.print(
        f"MFA enrolment for [bold]{enrolment.username}[/]: scan this with an authenticator app"
    )
    typer.echo(qr_text(enrolment.uri))
    console.print(f"or type the secret: [bold]{enrolment.secret}[/]", highlight=False)
    typer.echo(enrolment.uri)
    console.print(
        "The user confirms it at the first login: POST /api/v1/auth/login with the password, "
        "then POST /api/v1/auth/mfa/verify with a code (10 recovery codes are shown then).",
        highlight=False,
    )


@app.command()
def add(name: _Name, role: _Roles, password_stdin: _PasswordStdin = False) -> None:
    """Add a user of this node's agency and print the MFA enrolment (QR code and URI)."""
    node = node_from_env()
    password = _password(password_stdin)
    enrolment = service.create_user(node, name, password, role, actor=node.operator())
    console.print(f"User [bold]{enrolment.username}[/] added: {', '.join(sorted(role))}")
    _show_enrolment(enrolment)


@app.command("list")
def list_users(
    json_out: Annotated[bool, typer.Option("--json", help="Print the users as JSON.")] = False,
) -> None:
    """The node's users, their roles and MFA state."""
    users = service.list_users(node_from_env())
    if json_out:
        print_json([u.to_dict() for u in users])
        return
    table = Table(title=f"{len(users)} user(s)")
    for col in ("user", "roles", "MFA", "status", "created", "last login"):
        table.add_column(col)
    for u in users:
        table.add_row(
            u.username,
            ", ".join(u.roles),
            "enrolled" if u.mfa_enrolled else "[yellow]pending[/]",
            "[red]disabled[/]" if u.disabled else "active",
            u.created_at.strftime("%Y-%m-%d %H:%M"),
            u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "never",
        )
    console.print(table)


@app.command()
def disable(name: _Name) -> None:
    """Refuse the user's logins and end their sessions at once."""
    node = node_from_env()
    service.disable_user(node, name, actor=node.operator())
    console.print(f"User [bold]{name}[/] disabled; their sessions have ended.")


@app.command()
def enable(name: _Name) -> None:
    """Let a disabled user log in again."""
    node = node_from_env()
    service.enable_user(node, name, actor=node.operator())
    console.print(f"User [bold]{name}[/] enabled.")


@app.command()
def roles(name: _Name, role: _Roles) -> None:
    """Replace the user's roles."""
    node = node_from_env()
    service.set_roles(node, name, role, actor=node.operator())
    console.print(f"User [bold]{name}[/] now has: {', '.join(sorted(role))}")


@app.command()
def password(name: _Name, password_stdin: _PasswordStdin = False) -> None:
    """Set a new password; the user's sessions end."""
    node = node_from_env()
    service.set_password(node, name, _password(password_stdin), actor=node.operator())
    console.print(f"Password of [bold]{name}[/] changed; their sessions have ended.")


@app.command("reset-mfa")
def reset_mfa(name: _Name) -> None:
    """Forget a lost authenticator and its recovery codes; print a new enrolment."""
    node = node_from_env()
    enrolment = service.reset_mfa(node, name, actor=node.operator())
    _show_enrolment(enrolment)
