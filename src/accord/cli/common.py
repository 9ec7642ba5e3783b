"""Shared CLI plumbing: the console, opening the node, turning errors into messages."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console

from accord.errors import AccordError, ValidationError
from accord.services.heads import HeadSigner
from accord.services.node import Node, open_node
from accord.settings import Settings

__all__ = ["close_nodes", "console", "err_console", "fail", "node_from_env", "print_json"]

console = Console()
err_console = Console(stderr=True)


_opened: list[tuple[Node, HeadSigner]] = []


def node_from_env() -> Node:
    """Open the node; while the command runs, tree heads over what it appends are signed in the
    background, and once more when it ends (`close_nodes`, `accord.services.heads`)."""
    node = open_node(Settings())
    _opened.append((node, HeadSigner(node).start()))
    return node


def close_nodes() -> None:
    """At the end of a command: sign what it appended, then release the node's database."""
    while _opened:
        node, signer = _opened.pop()
        signer.stop()
        node.engine.dispose()


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def fail(exc: AccordError) -> typer.Exit:
    """Print a domain error as a message (never a traceback) and return the exit to raise."""
    if isinstance(exc, ValidationError):
        err_console.print(f"[bold red]error:[/] {len(exc.errors)} problem(s)")
        for e in exc.errors:
            err_console.print(f"  [red]{e.field}[/]: {e.reason}", highlight=False)
    else:
        err_console.print(f"[bold red]error:[/] {exc.message}", highlight=False)
    return typer.Exit(code=2 if isinstance(exc, ValidationError) else 1)
