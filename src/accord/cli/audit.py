"""`accord audit verify` and `accord audit show`: the tamper-evident ledger."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from accord.services import audit as service

from .common import console, err_console, node_from_env, print_json

app = typer.Typer(help="The audit ledger: verify it, read it.", no_args_is_help=True)


@app.command()
def verify(
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Recompute the Merkle tree from every entry, check every signed tree head, and name the
    first altered, removed or reordered entry. Exits 1 if the ledger is not intact."""
    node = node_from_env()
    service.sign_tree_head(node)
    result = service.verify(node)
    if json_out:
        print_json(
            {
                "ok": result.ok,
                "checked": result.checked,
                "heads_checked": result.heads_checked,
                "verified_size": result.verified_size,
                "first_bad_index": result.first_bad_index,
                "exact": result.exact,
                "problem": result.problem.value if result.problem else None,
                "reason": result.reason,
            }
        )
    elif result.ok:
        console.print(
            f"[green]ledger intact[/]: {result.checked} entries, "
            f"{result.heads_checked} signed tree heads checked"
        )
    else:
        where = (
            f"entry {result.first_bad_index}"
            if result.exact
            else f"between entries {result.verified_size} and {result.first_bad_index}"
        )
        err_console.print(
            f"[bold red]ledger NOT intact[/]: {result.problem.value if result.problem else ''} "
            f"at {where}: {result.reason}",
            highlight=False,
        )
    if not result.ok:
        raise typer.Exit(code=1)


@app.command()
def show(
    last: Annotated[
        int, typer.Option(min=1, max=1000, help="Show the last N entries (at most 1000).")
    ] = 20,
    start: Annotated[
        int | None, typer.Option(min=0, help="First index (instead of --last).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print entries as JSON.")] = False,
) -> None:
    """The ledger's entries: who did what, when, under which purpose or clause."""
    node = node_from_env()
    head = service.tree_head(node)
    size = head.head.size
    first = max(0, size - last) if start is None else start
    rows = service.entries(node, first, min(size, first + max(last, 1)))
    if json_out:
        print_json(rows)
        return
    table = Table(
        title=f"ledger of {node.agency}: {size} entries, root {head.head.root.hex()[:16]}…"
    )
    for col in ("#", "at", "event", "actor", "details"):
        table.add_column(col)
    for r in rows:
        details = json.loads(r["payload"])["details"]
        table.add_row(
            str(r["index"]),
            r["at"][:19],
            r["event"],
            r["actor"],
            json.dumps(details, ensure_ascii=False)[:120],
        )
    console.print(table)
