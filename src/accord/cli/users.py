"""`accord users add/list/disable/enable/roles/password/reset-mfa`: human users, managed by the
node's operator. Every change is in the audit ledger."""

from __future__ import annotations

import io
import sys
from typing import TYPE_CHECKING, Annotated

import typer

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

if TYPE_CHECKING:
    from accord.services.users import Enrolment

__all__ = ["app"]

app = new_app("Human users of this node: add, list, disable. Every change goes to the ledger.")

#: Managing users is the node administrator's: a logged-in node_admin, or the named operator
#: (who sets up the first administrator before any user exists).
_ADMIN = "node_admin"

_Name = Annotated[str, typer.Argument(metavar="NAME", help="The user name.")]
_Roles = Annotated[
    list[str],
    typer.Option("--role", help=f"A role; repeat for several. One of: {', '.join(ROLE_NAMES)}."),
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
    import qrcode

    code = qrcode.QRCode(border=2)
    code.add_data(data)
    code.make(fit=True)
    out = io.StringIO()
    code.print_ascii(out=out, invert=True)
    return out.getvalue()


def _show_enrolment(enrolment: Enrolment) -> None:
    say(
        "MFA enrolment for ",
        (enrolment.username, "bold"),
        ": scan this with an authenticator app",
    )
    typer.echo(qr_text(enrolment.uri))
    say("or type the secret: ", (enrolment.secret, "bold"))
    typer.echo(enrolment.uri)
    say(
        "The user confirms it at the first login: `accord login` (password and a code), or "
        "POST /api/v1/auth/login with the password, then POST /api/v1/auth/mfa/verify with a "
        "code (10 recovery codes are shown then)."
    )


@app.command()
def add(
    name: _Name,
    role: _Roles,
    password_stdin: _PasswordStdin = False,
    operator_name: OperatorOption = None,
) -> None:
    """Add a user of this node's agency and print the MFA enrolment (QR code and URI)."""
    from accord.services import users as service

    node = node_from_env()
    actor = acting(node, operator_name, role=_ADMIN)
    password = _password(password_stdin)
    enrolment = service.create_user(node, name, password, role, actor=actor)
    say("User ", (enrolment.username, "bold"), f" added: {', '.join(sorted(role))}")
    _show_enrolment(enrolment)


@app.command("list")
def list_users(
    json_out: Annotated[bool, typer.Option("--json", help="Print the users as JSON.")] = False,
) -> None:
    """The node's users, their roles and MFA state."""
    from accord.services import users as service

    users = service.list_users(node_from_env())
    if json_out:
        print_json([u.to_dict() for u in users])
        return
    listed = table(
        f"{len(users)} user(s)", *("user", "roles", "MFA", "status", "created", "last login")
    )
    for u in users:
        listed.add_row(
            u.username,
            ", ".join(u.roles),
            "enrolled" if u.mfa_enrolled else styled(("pending", "yellow")),
            styled(("disabled", "red")) if u.disabled else "active",
            u.created_at.strftime("%Y-%m-%d %H:%M"),
            u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "never",
        )
    print_table(listed, whole=("user",))


@app.command()
def disable(name: _Name, operator_name: OperatorOption = None) -> None:
    """Refuse the user's logins and end their sessions at once."""
    from accord.services import users as service

    node = node_from_env()
    service.disable_user(node, name, actor=acting(node, operator_name, role=_ADMIN))
    say("User ", (name, "bold"), " disabled; their sessions have ended.")


@app.command()
def enable(name: _Name, operator_name: OperatorOption = None) -> None:
    """Let a disabled user log in again."""
    from accord.services import users as service

    node = node_from_env()
    service.enable_user(node, name, actor=acting(node, operator_name, role=_ADMIN))
    say("User ", (name, "bold"), " enabled.")


@app.command()
def roles(name: _Name, role: _Roles, operator_name: OperatorOption = None) -> None:
    """Replace the user's roles."""
    from accord.services import users as service

    node = node_from_env()
    service.set_roles(node, name, role, actor=acting(node, operator_name, role=_ADMIN))
    say("User ", (name, "bold"), f" now has: {', '.join(sorted(role))}")


@app.command()
def password(
    name: _Name, password_stdin: _PasswordStdin = False, operator_name: OperatorOption = None
) -> None:
    """Set a new password; the user's sessions end."""
    from accord.services import users as service

    node = node_from_env()
    actor = acting(node, operator_name, role=_ADMIN)
    service.set_password(node, name, _password(password_stdin), actor=actor)
    say("Password of ", (name, "bold"), " changed; their sessions have ended.")


@app.command("reset-mfa")
def reset_mfa(name: _Name, operator_name: OperatorOption = None) -> None:
    """Forget a lost authenticator and its recovery codes; print a new enrolment."""
    from accord.services import users as service

    node = node_from_env()
    enrolment = service.reset_mfa(node, name, actor=acting(node, operator_name, role=_ADMIN))
    _show_enrolment(enrolment)
