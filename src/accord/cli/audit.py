"""`accord audit verify` and `accord audit show`: the tamper-evident ledger."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from accord.services import audit as service
from accord.services.heads import LedgerTampered

from .common import console, err_console, node_from_env, print_json

app = typer.Typer(help="The audit ledger: verify it, read it.", no_args_is_help=True)


@app.command()
def verify(
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Check the whole ledger: every entry and the columns beside it, every stored tree node,
    every signed tree head in the database and in the head log, consecutive heads by
    consistency proofs. Names the first bad entry; exits 1 if the ledger is not intact. Signs
    nothing."""
    node = node_from_env()
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
                "head_size": result.head_size,
            }
        )
    elif result.ok:
        console.print(
            f"[green]ledger intact[/]: {result.checked} entries, "
            f"{result.heads_checked} signed tree heads checked"
        )
    else:
        if result.first_bad_index is None and result.head_size is None:
            where = "the head log"
        elif result.first_bad_index is None:
            where = f"the signed tree head of size {result.head_size}"
        elif result.exact:
            where = f"entry {result.first_bad_index}"
        else:
            where = f"between entries {result.verified_size} and {result.first_bad_index}"
        err_console.print(
            f"[bold red]ledger NOT intact[/]: {result.problem.value if result.problem else ''} "
            f"at {where}: {result.reason}",
            highlight=False,
        )
    if not result.ok:
        raise typer.Exit(code=1)


@app.command()
def show(
    last: Annotated[int, typer.Option(help="Show the last N entries.")] = 20,
    start: Annotated[int | None, typer.Option(help="First index (instead of --last).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print entries as JSON.")] = False,
) -> None:
    """The ledger's entries: who did what, when, under which purpose or clause."""
    node = node_from_env()
    try:
        root = service.tree_head(node).head.root.hex()[:16] + "…"
    except LedgerTampered as exc:
        err_console.print(f"[bold red]warning:[/] {exc.message}", highlight=False)
        root = "unsigned"
    size = service.log_size(node)
    first = max(0, size - last) if start is None else start
    rows = service.entries(node, first, min(size, first + max(last, 1)))
    if json_out:
        print_json(rows)
        return
    table = Table(title=f"ledger of {node.agency}: {size} entries, root {root}")
    for col in ("#", "at", "event", "actor", "details"):
        table.add_column(col)
    for r in rows:
        if not r["intact"]:
            table.add_row(str(r["index"]), "", "[red]NOT INTACT[/]", "", r["payload"][:120])
            continue
        table.add_row(
            str(r["index"]),
            r["at"][:19],
            r["event"],
            r["actor"],
            json.dumps(r["details"], ensure_ascii=False, default=str)[:120],
        )
    console.print(table)


@app.command()
def witness(
    json_out: Annotated[bool, typer.Option("--json", help="Print the state as JSON.")] = False,
) -> None:
    """Partners' ledgers as this node witnessed them: per partner the largest signed tree head
    proven consistent (size, root, signed time), when it was witnessed, and the state. Exits 1
    if any partner's ledger forked or shrank."""
    from accord.services.witness import witness_state

    node = node_from_env()
    found = [p.to_dict() for p in witness_state(node)]
    if json_out:
        print_json(found)
    else:
        table = Table(title=f"partners' ledgers as witnessed by {node.agency}")
        for col in ("partner", "state", "size", "root hash", "signed at", "witnessed at", "note"):
            table.add_column(col, overflow="fold")
        for p in found:
            alarm = p["alarm"]
            note = alarm["reason"] if alarm else p["last_error"] or ""
            if p["pending"]:
                note = f"{p['pending']} head(s) awaiting proof; {note}".rstrip("; ")
            colour = {"consistent": "green", "forked": "bold red", "shrunk": "bold red"}
            state = p["state"]
            table.add_row(
                p["partner"],
                f"[{colour.get(state, 'yellow')}]{state}[/]",
                "" if p["tree_size"] is None else str(p["tree_size"]),
                p["root_hash"] or "",
                p["signed_at"] or "",
                p["witnessed_at"] or "",
                note,
            )
        console.print(table)
    if any(p["state"] in ("forked", "shrunk") for p in found):
        raise typer.Exit(code=1)
