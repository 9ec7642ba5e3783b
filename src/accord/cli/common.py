"""Shared CLI plumbing: the consoles, opening the node, who is acting, errors as messages.

Start-up time matters here: a module of `accord.cli` imports only the standard library,
typer and light accord modules at its top level (`tests/cli/test_startup.py` checks it);
Rich, the services, SQLAlchemy, followthemoney and the crypto stack are imported inside the
command that needs them.

Nothing printed is ever read as Rich markup or emoji codes: the consoles are created here,
once, with markup, emoji and highlighting off, so an id, a name, a fingerprint (`…:CD:…`) or an
error message prints exactly as it is. Style comes from `styled()` pieces, never from markup
inside a string."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer
from typer._click import Context
from typer.core import TyperGroup, TyperOption

from accord.errors import AccordError, FieldError, Forbidden, Unauthorized, ValidationError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from accord.model import Principal
    from accord.node import Node
    from accord.services.heads import HeadSigner
    from accord.settings import Settings

__all__ = [
    "ROLE_NAMES",
    "Group",
    "OperatorOption",
    "acting",
    "close_nodes",
    "configure_logging",
    "console",
    "err_console",
    "fail",
    "home",
    "new_app",
    "node_from_env",
    "operator",
    "operator_name",
    "print_json",
    "print_table",
    "rich_console",
    "say",
    "settings",
    "styled",
    "table",
    "user",
]

#: The role names, for help texts (`accord.auth` imports followthemoney; a test keeps this
#: list equal to `accord.auth.Role`).
ROLE_NAMES = (
    "analyst",
    "investigator",
    "liaison_officer",
    "supervisor",
    "data_protection_officer",
    "auditor",
    "node_admin",
    "document_checker",
    "taxii_client",
)

OperatorOption = Annotated[
    str | None,
    typer.Option(
        "--operator",
        envvar="ACCORD_OPERATOR",
        help="Act as this named operator (recorded as operator:NAME in the ledger); "
        "default: the user logged in with `accord login`.",
        show_envvar=True,
    ),
]

_OPERATOR_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


class Group(TyperGroup):
    """A command group whose --help flag, when not given, reads as False rather than None:
    Typer coerces a None through pydantic, which would add a tenth of a second to every
    subcommand's start-up (`benchmarks/cli.py`) for a flag nobody typed."""

    def get_help_option(self, ctx: Context) -> TyperOption | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.default = False
        return option

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        if not ctx.find_root().meta.get("accord.help") or not any(a in self.commands for a in args):
            return super().parse_args(ctx, args)
        # Only a subcommand's --help follows. The group's own options are parsed, so that the
        # subcommand is found, but not coerced: Typer coerces through pydantic, which no help
        # needs, and a group's callback does nothing when a subcommand follows.
        own = [param for param in self.get_params(ctx) if not param.is_eager]
        for param in own:
            setattr(param, "process_value", _as_given)  # noqa: B010
        try:
            return super().parse_args(ctx, args)
        finally:
            for param in own:
                delattr(param, "process_value")


def _as_given(ctx: Context, value: Any) -> Any:
    return value


def new_app(help: str) -> typer.Typer:
    """A command group: plain help (no Rich markup read from help texts), no pretty tracebacks."""
    return typer.Typer(
        help=help,
        cls=Group,
        no_args_is_help=True,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
    )


def rich_console(stderr: bool = False) -> Console:
    """The one Rich console of each stream: markup, emoji and highlighting off. Rich fixes a
    console's width from `COLUMNS` when it is made, so there is one per value of `COLUMNS`
    (a command run in-process, as by an embedding program, prints at its own width)."""
    return _console(stderr, os.environ.get("COLUMNS"))


@cache
def _console(stderr: bool, _columns: str | None) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, markup=False, emoji=False, highlight=False)


class _LazyConsole:
    """A Rich console made on first use (Rich costs start-up time `--help` does not need).
    The console writes to whatever sys.stdout / sys.stderr is at the time of printing."""

    def __init__(self, stderr: bool) -> None:
        self._stderr = stderr

    def __getattr__(self, name: str) -> Any:
        return getattr(rich_console(self._stderr), name)

    def print(self, *objects: Any, **kwargs: Any) -> None:
        rich_console(self._stderr).print(*objects, **kwargs)


console: Console = _LazyConsole(stderr=False)  # type: ignore[assignment]
err_console: Console = _LazyConsole(stderr=True)  # type: ignore[assignment]


def styled(*parts: str | tuple[str, str]) -> Text:
    """Text from plain pieces and (text, style) pairs; no piece is read as markup."""
    from rich.text import Text

    return Text.assemble(*parts)


def say(*parts: str | tuple[str, str], stderr: bool = False, **kwargs: Any) -> None:
    """Print one line of plain and styled pieces, verbatim and never wrapped (a long id or
    reference stays on one line, to be copied)."""
    kwargs.setdefault("soft_wrap", True)
    (err_console if stderr else console).print(styled(*parts), **kwargs)


def table(title: str | None, *columns: str, **kwargs: Any) -> Table:
    """A table whose cells print verbatim (the console reads no markup in them) and are never
    cut short: a long value folds onto the next line instead of ending in "…"."""
    from rich.table import Table

    out = Table(title=title, **kwargs)
    for column in columns:
        out.add_column(column, overflow="fold")
    return out


def print_table(shown: Table, *, whole: tuple[str, ...] = ()) -> None:
    """Print a table; the columns named in `whole` (ids) keep each value on one line, whole,
    to be copied, and the other columns give way."""
    for column in shown.columns:
        if column.header in whole:
            cells = [c for c in column.cells if isinstance(c, str)]
            column.no_wrap = True
            column.min_width = max((len(c) for c in cells), default=0) or None
    console.print(shown)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def settings() -> Settings:
    from accord.settings import Settings

    return Settings()


_logging = {"deferred": False}


def configure_logging(*, deferred: bool = False) -> None:
    """Log to standard error as the settings say (`accord.logs`); bad settings are a usage
    error naming the variable. `deferred` (a command asked only for --help) leaves it to the
    first opening of the node, should the command run after all."""
    _logging["deferred"] = deferred
    if deferred:
        return
    from pydantic import ValidationError

    from accord.logs import configure_logging as configure
    from accord.settings import get_settings

    try:
        configure(get_settings())
    except ValidationError as exc:
        wrong = "; ".join(
            f"ACCORD_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        sys.stderr.write(f"error: {wrong}\n")
        raise SystemExit(2) from None


def home() -> Path:
    return settings().home


_opened: list[tuple[Node, HeadSigner]] = []


def node_from_env() -> Node:
    """Open the node; while the command runs, tree heads over what it appends are signed in the
    background, and once more when it ends (`close_nodes`, `accord.services.heads`)."""
    from accord.services.heads import HeadSigner
    from accord.services.node import open_node

    if _logging["deferred"]:
        configure_logging()
    node = open_node(settings())
    _opened.append((node, HeadSigner(node).start()))
    return node


def close_nodes() -> None:
    """At the end of a command: sign what it appended, then release the node's database."""
    while _opened:
        node, signer = _opened.pop()
        signer.stop()
        node.engine.dispose()


# --- who is acting ---------------------------------------------------------------------------


def operator_name(name: str | None) -> str:
    """The operator's name, checked; refused when missing (never anonymous)."""
    if not name:
        raise Unauthorized(
            "name the operator: --operator NAME or ACCORD_OPERATOR=NAME "
            "(recorded as operator:NAME in the ledger)"
        )
    if not _OPERATOR_NAME.match(name):
        raise ValidationError(
            FieldError("operator", f"{name!r}: letters, digits and . _ @ -, at most 64")
        )
    return name


def operator(node: Node, name: str | None) -> Principal:
    """The named operator: the person at the node's shell doing setup before (or besides) any
    user. Holds `node_admin` only: an operator reads no record content."""
    from accord.model import Principal, PrincipalKind

    return Principal(
        subject=operator_name(name),
        agency=node.agency,
        kind=PrincipalKind.OPERATOR,
        roles=frozenset({"node_admin"}),
    )


def user(node: Node, route: str | None = None, *, role: str | None = None) -> Principal:
    """The user logged in with `accord login`, if they may do what `route` (a key of the
    access matrix, e.g. `POST /api/v1/search`) does — the command line asks of a user exactly
    what the HTTP API would — or, for acts with no route, if they hold `role`."""
    from accord.cli.sessionfile import current_user

    principal = current_user(node)
    _require(principal, route, role)
    return principal


def acting(
    node: Node, operator_name: str | None, route: str | None = None, *, role: str | None = None
) -> Principal:
    """The named operator when `--operator` / ACCORD_OPERATOR is given, else the logged-in
    user (who needs what `route` or `role` needs)."""
    if operator_name:
        return operator(node, operator_name)
    from accord.cli.sessionfile import has_session

    if not has_session(node):
        raise Unauthorized(
            "log in with `accord login`, or name the operator: --operator NAME "
            "(or ACCORD_OPERATOR=NAME)"
        )
    return user(node, route, role=role)


def _require(principal: Principal, route: str | None, role: str | None) -> None:
    from accord.auth import ACCESS, decide

    if route is not None:
        decision = decide(ACCESS[route], principal)
        if not decision.allowed:
            raise Forbidden(f"{principal.label}: {decision.reason}")
    if role is not None and role not in principal.roles:
        raise Forbidden(f"{principal.label}: this needs the role {role}")


# --- errors ------------------------------------------------------------------------------------


def fail(exc: AccordError) -> typer.Exit:
    """Print a domain error as a message (never a traceback) and return the exit to raise."""
    if isinstance(exc, ValidationError):
        say(("error:", "bold red"), f" {len(exc.errors)} problem(s)", stderr=True)
        for e in exc.errors:
            say("  ", (e.field, "red"), f": {e.reason}", stderr=True)
    else:
        say(("error:", "bold red"), f" {exc.message}", stderr=True)
    return typer.Exit(code=2 if isinstance(exc, ValidationError) else 1)


def debug() -> bool:
    return bool(os.environ.get("ACCORD_DEBUG"))


@contextmanager
def reading_with_errors(
    verb: str, file: Path, errors_file: Path | None, *, quiet: bool
) -> Iterator[tuple[IO[bytes], Callable[[int], None], Callable[[Any], None] | None]]:
    """Read `file` for a bulk command (`ingest`, `documents import`): the stream, a callback
    for the bytes read so far (a progress bar on stderr, unless `quiet`), and the writer of
    `--errors FILE` (each error's `to_dict()` as a JSON line; None without the option).
    An errors file that cannot be written is refused before anything is read."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    try:
        sink = errors_file.open("w", encoding="utf-8") if errors_file else None
    except OSError as exc:
        raise ValidationError(
            FieldError("--errors", f"cannot be written: {exc.strerror}")
        ) from None

    def write_error(e: Any) -> None:
        assert sink is not None
        sink.write(json.dumps(e.to_dict(), ensure_ascii=False) + "\n")

    size = file.stat().st_size
    try:
        with (
            Progress(
                TextColumn(f"{verb} {{task.description}}", markup=False),
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                console=rich_console(stderr=True),
                transient=True,
                disable=quiet,
            ) as bar,
            file.open("rb") as stream,
        ):
            task = bar.add_task(file.name, total=size)
            yield (
                stream,
                lambda done: bar.update(task, completed=done),
                (write_error if sink else None),
            )
            bar.update(task, completed=size)
    finally:
        if sink:
            sink.close()
