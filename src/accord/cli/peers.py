"""`accord peers add / import / list / remove / self`: this node's partners."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from accord.federation.identity import node_id, self_entry
from accord.services import peers as service
from accord.services.federation import PartnerQuery, federated_search
from accord.services.node import Node
from accord.services.purpose import Purpose

from .common import console, node_from_env, print_json

__all__ = ["app", "federated_search_command"]

app = typer.Typer(
    help="Partner nodes: add by URL and fingerprint, import the signed directory, list.",
    no_args_is_help=True,
)


@app.command()
def add(
    url: Annotated[str, typer.Argument(help="The partner's federation URL (https://host:port).")],
    fingerprint: Annotated[
        str,
        typer.Option(
            help="SHA-256 fingerprint of the partner's TLS certificate, read out of band."
        ),
    ],
) -> None:
    """Add the partner at URL after checking its certificate against FINGERPRINT."""
    node = node_from_env()
    peer = service.add_peer(node, node.operator(), url, fingerprint)
    console.print(f"Partner [bold]{peer.node_id}[/] ({peer.agency_code}) at {peer.url} added.")


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="The signed directory (JWS).", exists=True)],
    directory_key: Annotated[
        Path | None,
        typer.Option(
            help="The federation's directory public key (PEM); needed for the first import.",
            exists=True,
        ),
    ] = None,
) -> None:
    """Verify the signed partner directory and take its nodes as partners."""
    node = node_from_env()
    key = directory_key.read_bytes() if directory_key else None
    directory = service.import_directory(node, node.operator(), file.read_text("ascii"), key)
    others = [e for e in directory.entries if e.node_id != node_id(node)]
    console.print(
        f"Directory {directory.federation} serial {directory.serial}: "
        f"{len(others)} partner(s) in force."
    )


@app.command("list")
def list_(
    json_out: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """This node's partners."""
    node = node_from_env()
    now = datetime.now(UTC)
    peers = service.list_peers(node)
    rows = [
        {
            "node_id": p.node_id,
            "agency": p.agency_code,
            "url": p.url,
            "tls_fingerprint": p.tls_fingerprint,
            "source": p.source,
            "valid_until": p.valid_until.isoformat() if p.valid_until else None,
            "valid": p.is_valid(now),
        }
        for p in peers
    ]
    if json_out:
        print_json(rows)
        return
    if not rows:
        console.print("No partners: `accord peers import` or `accord peers add`.")
        return
    table = Table(title=f"Partners of {node.agency}")
    for col in ("node", "agency", "url", "TLS fingerprint", "source", "valid until"):
        table.add_column(col)
    for r in rows:
        fp = str(r["tls_fingerprint"])
        until = str(r["valid_until"] or "—")
        table.add_row(
            str(r["node_id"]),
            str(r["agency"]),
            str(r["url"]),
            f"{fp[:23]}…{fp[-11:]}",
            str(r["source"]),
            until if r["valid"] else f"[red]{until} (expired)[/]",
        )
    console.print(table)


@app.command()
def remove(node_name: Annotated[str, typer.Argument(metavar="NODE")]) -> None:
    """Stop trusting a partner (its messages are refused as from an unknown sender)."""
    node = node_from_env()
    service.remove_peer(node, node.operator(), node_name)
    console.print(f"Partner {node_name} removed.")


@app.command("self")
def self_(
    url: Annotated[str, typer.Option(help="The URL partners reach this node at.")],
    out: Annotated[Path | None, typer.Option(help="Write the entry to this file.")] = None,
) -> None:
    """This node's directory entry (keys, URL, TLS fingerprint), for the federation operator."""
    node = node_from_env()
    text = json.dumps(self_entry(node, url).to_dict(), indent=2)
    if out is None:
        typer.echo(text)
        return
    out.write_text(text + "\n", "utf-8")
    console.print(f"Entry of {node_id(node)} written to {out}")


def federated_search_command(
    node: Node,
    query: str,
    purpose: Purpose,
    partners: list[str] | None,
    limit: int,
    json_out: bool,
) -> None:
    """`accord search QUERY --federated`: this node's hits, then per partner hits, no hit or
    unavailable."""
    result = federated_search(
        node, node.operator(), PartnerQuery(query), purpose, partners=partners, limit=limit
    )
    if json_out:
        print_json(result.to_dict())
        return
    table = Table(title=f"Federated search for {query!r} ({result.request_id})")
    for col in ("where", "answer", "mode", "schema", "owner", "record / reference"):
        table.add_column(col)
    for hit in result.local:
        table.add_row(
            node.agency,
            "hit",
            "local",
            hit.record.schema,
            hit.record.owner,
            f"{hit.record.id}: {hit.record.caption}",
        )
    if not result.local:
        table.add_row(node.agency, "no hit", "", "", "", "")
    for partner in result.partners:
        label = f"{partner.agency} ({partner.node_id})"
        if partner.status != "hits":
            style = "red" if partner.status == "unavailable" else "dim"
            table.add_row(label, f"[{style}]{partner.status.replace('_', ' ')}[/]", "", "", "", "")
            continue
        for item in partner.items:
            ref = item["reference"]
            record = item.get("record")
            shown = (
                f"{record['id']}: {'; '.join(record['properties'].get('name', []))}"
                if record
                else ref["reference"]
            )
            table.add_row(label, "hit", item["mode"], ref["schema"], ref["owner"], shown)
    console.print(table)
    for partner in result.partners:
        if partner.ledger_alarm:
            console.print(
                f"[bold red]warning:[/] the ledger of {partner.agency} ({partner.node_id}) was "
                f"found {partner.ledger_alarm}; see `accord audit witness`",
                highlight=False,
            )
