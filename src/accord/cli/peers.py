"""`accord peers add / import / list / remove / self`: this node's partners."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import (
    OperatorOption,
    acting,
    console,
    new_app,
    node_from_env,
    print_json,
    print_table,
    say,
    styled,
    table,
)

if TYPE_CHECKING:
    from accord.model import Principal
    from accord.services.federation import FederatedResult
    from accord.services.node import Node
    from accord.services.purpose import Purpose

__all__ = ["app", "federated_search_command"]

app = new_app("Partner nodes: add by URL and fingerprint, import the signed directory, list.")


@app.command()
def add(
    url: Annotated[str, typer.Argument(help="The partner's federation URL (https://host:port).")],
    fingerprint: Annotated[
        str,
        typer.Option(
            help="SHA-256 fingerprint of the partner's TLS certificate, read out of band."
        ),
    ],
    operator_name: OperatorOption = None,
) -> None:
    """Add the partner at URL after checking its certificate against FINGERPRINT."""
    from accord.services import peers as service

    node = node_from_env()
    actor = acting(node, operator_name, role="node_admin")
    peer = service.add_peer(node, actor, url, fingerprint)
    say("Partner ", (peer.node_id, "bold"), f" ({peer.agency_code}) at {peer.url} added.")


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
    operator_name: OperatorOption = None,
) -> None:
    """Verify the signed partner directory and take its nodes as partners."""
    from accord.federation.identity import node_id
    from accord.services import peers as service

    node = node_from_env()
    actor = acting(node, operator_name, role="node_admin")
    key = directory_key.read_bytes() if directory_key else None
    directory = service.import_directory(node, actor, file.read_text("ascii"), key)
    others = [e for e in directory.entries if e.node_id != node_id(node)]
    say(
        f"Directory {directory.federation} serial {directory.serial}: "
        f"{len(others)} partner(s) in force."
    )


@app.command("list")
def list_(
    json_out: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """This node's partners."""
    from accord.services import peers as service

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
        say("No partners: `accord peers import` or `accord peers add`.")
        return
    listed = table(
        f"Partners of {node.agency}", *("node", "agency", "url", "source", "valid until")
    )
    for r in rows:
        until = str(r["valid_until"] or "—")
        listed.add_row(
            str(r["node_id"]),
            str(r["agency"]),
            str(r["url"]),
            str(r["source"]),
            until if r["valid"] else styled((f"{until} (expired)", "red")),
        )
    console.print(listed)
    # Fingerprints are compared character by character out of band: whole, one per line.
    say("TLS certificate fingerprints (SHA-256):")
    for r in rows:
        say(f"  {r['node_id']}: {r['tls_fingerprint']}")


@app.command()
def remove(
    node_name: Annotated[str, typer.Argument(metavar="NODE")],
    operator_name: OperatorOption = None,
) -> None:
    """Stop trusting a partner (its messages are refused as from an unknown sender)."""
    from accord.services import peers as service

    node = node_from_env()
    service.remove_peer(node, acting(node, operator_name, role="node_admin"), node_name)
    say(f"Partner {node_name} removed.")


@app.command("self")
def self_(
    url: Annotated[str, typer.Option(help="The URL partners reach this node at.")],
    out: Annotated[Path | None, typer.Option(help="Write the entry to this file.")] = None,
) -> None:
    """This node's directory entry (keys, URL, TLS fingerprint), for the federation operator."""
    from accord.federation.identity import node_id, self_entry

    node = node_from_env()
    text = json.dumps(self_entry(node, url).to_dict(), indent=2)
    if out is None:
        typer.echo(text)
        return
    out.write_text(text + "\n", "utf-8")
    say(f"Entry of {node_id(node)} written to {out}")


def _score(match: str, score: float) -> str:
    return f"{match} {score:.2f}"


def federated_search_command(
    node: Node,
    actor: Principal,
    query: str,
    purpose: Purpose,
    partners: list[str] | None,
    limit: int,
    json_out: bool,
) -> None:
    """`accord search QUERY --federated`: this node's hits, then per partner hits, no hit or
    unavailable. References are printed whole, one per line, to paste into `followup request`."""
    from accord.services.federation import PartnerQuery, federated_search

    result = federated_search(
        node, actor, PartnerQuery(query), purpose, partners=partners, limit=limit
    )
    if json_out:
        print_json(result.to_dict())
        return
    print_federated(node, result, f"Federated search for {query!r}", partners)


def print_federated(
    node: Node,
    result: FederatedResult,
    title: str,
    partners: list[str] | None,
    *,
    local: bool = True,
) -> None:
    """A federated search's table: this node's hits (with `local`), then per partner hits
    with their scores, no hit or unavailable; references whole, one per line below."""
    if not result.partners:
        say(
            ("No partner was asked:", "yellow"),
            " this node has no valid partners"
            + (f" named {', '.join(partners)}" if partners else "")
            + " (`accord peers import` or `accord peers add`). Local results only.",
            stderr=True,
        )
    found = table(
        f"{title} ({result.request_id})",
        *("where", "answer", "score", "mode", "schema", "owner", "id", "name"),
    )
    references: list[tuple[str, str, str]] = []
    for hit in result.local:
        found.add_row(
            node.agency,
            "hit",
            _score(hit.match, hit.score),
            "local",
            hit.record.schema,
            hit.record.owner,
            hit.record.id,
            hit.record.caption,
        )
    if local and not result.local:
        found.add_row(node.agency, "no hit", "", "", "", "", "", "")
    for partner in result.partners:
        label = f"{partner.agency} ({partner.node_id})"
        if partner.status != "hits":
            style = "red" if partner.status == "unavailable" else "dim"
            answer = styled((partner.status.replace("_", " "), style))
            found.add_row(label, answer, "", "", "", "", "", "")
            continue
        for item in partner.items:
            ref = item["reference"]
            record = item.get("record")
            if record:
                shown = (record["id"], "; ".join(record["properties"].get("name", [])))
            else:
                shown = ("", f"reference {len(references) + 1}, below")
                references.append((partner.node_id, ref["schema"], ref["reference"]))
            scored = item.get("match") or {}
            score = _score(scored["match"], scored["score"]) if scored else ""
            found.add_row(label, "hit", score, item["mode"], ref["schema"], ref["owner"], *shown)
    print_table(found, whole=("id",))
    if references:
        say("References (ask for the content with `accord followup request REF --partner NODE`):")
        for number, (partner_id, schema, reference) in enumerate(references, 1):
            say(f"  {number}. {schema} at {partner_id}:")
            say(f"     {reference}")
    for partner in result.partners:
        if partner.ledger_alarm:
            say(
                ("warning:", "bold red"),
                f" the ledger of {partner.agency} ({partner.node_id}) was found "
                f"{partner.ledger_alarm}; see `accord audit witness`",
            )
