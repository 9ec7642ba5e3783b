"""Shared CLI plumbing: the console, opening the node, turning errors into messages."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console

from accord.errors import AccordError, ValidationError
from accord.services.node import Node, open_node
from accord.settings import Settings

__all__ = ["console", "err_console", "fail", "node_from_env", "print_json"]

console = Console()
err_console = Console(stderr=True)


def node_from_env() -> Node:
    return open_node(Settings())


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
