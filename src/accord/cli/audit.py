"""`accord audit verify` and `accord audit show`: the tamper-evident ledger."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from .common import new_app, node_from_env, print_json, print_table, say, table

app = new_app("The audit ledger: verify it, read it, and see partners' ledgers as witnessed.")


@app.command()
def verify(
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Check the whole ledger: every entry and the columns beside it, every stored tree node,
    every signed tree head in the database and in the head log, consecutive heads by
    consistency proofs. Names the first bad entry; exits 1 if the ledger is not intact. Signs
    nothing."""
    from accord.services import audit as service

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
        say(
            ("ledger intact", "green"),
            f": {result.checked} entries, {result.heads_checked} signed tree heads checked",
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
        say(
            ("ledger NOT intact", "bold red"),
            f": {result.problem.value if result.problem else ''} at {where}: {result.reason}",
            stderr=True,
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
    from accord.services import audit as service
    from accord.services.heads import LedgerTampered

    node = node_from_env()
    try:
        root = service.tree_head(node).head.root.hex()[:16] + "…"
    except LedgerTampered as exc:
        say(("warning:", "bold red"), f" {exc.message}", stderr=True)
        root = "unsigned"
    size = service.log_size(node)
    first = max(0, size - last) if start is None else start
    rows = service.entries(node, first, min(size, first + max(last, 1)))
    if json_out:
        print_json(rows)
        return
    shown = table(
        f"ledger of {node.agency}: {size} entries, root {root}",
        *("#", "at", "event", "actor", "details"),
    )
    for r in rows:
        if not r["intact"]:
            shown.add_row(str(r["index"]), "", "NOT INTACT", "", r["payload"][:120])
            continue
        shown.add_row(
            str(r["index"]),
            r["at"][:19],
            r["event"],
            r["actor"],
            json.dumps(r["details"], ensure_ascii=False, default=str)[:120],
        )
    print_table(shown, whole=("#",))


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
        shown = table(
            f"partners' ledgers as witnessed by {node.agency}",
            *("partner", "state", "size", "root hash", "signed at", "witnessed at", "note"),
        )
        for p in found:
            alarm = p["alarm"]
            note = alarm["reason"] if alarm else p["last_error"] or ""
            if p["pending"]:
                note = f"{p['pending']} head(s) awaiting proof; {note}".rstrip("; ")
            shown.add_row(
                p["partner"],
                p["state"],
                "" if p["tree_size"] is None else str(p["tree_size"]),
                p["root_hash"] or "",
                p["signed_at"] or "",
                p["witnessed_at"] or "",
                note,
            )
        print_table(shown, whole=("partner", "root hash"))
    if any(p["state"] in ("forked", "shrunk") for p in found):
        raise typer.Exit(code=1)
