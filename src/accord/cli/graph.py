"""`accord graph neighbours / path / communities / centrality / trace / rings / export`:
link analysis and money flow over what the node holds (docs/graph.md). Every command states
its purpose like a search (`--case`, `--crime-area`, `--purpose`) and goes to the ledger;
`--json` prints the answer as the API gives it, record ids included."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .common import new_app, node_from_env, print_json, print_table, say, table, user

if TYPE_CHECKING:
    from accord.services.purpose import Purpose

__all__ = ["app"]

app = new_app("Link analysis and money flow: neighbours, paths, communities, rings, trails.")

Case = Annotated[
    str, typer.Option("--case", help="Case reference or free-text justification (required).")
]
CrimeArea = Annotated[str, typer.Option(help="Crime-area code, e.g. thb (required).")]
PurposeCode = Annotated[str, typer.Option("--purpose", help="Purpose code.")]
Json = Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")]


def _purpose(code: str, case: str, crime_area: str) -> Purpose:
    from accord.services.purpose import parse_purpose

    return parse_purpose(code, case, crime_area)


def _ref(item: dict[str, Any]) -> str:
    return f"{item['id']}"


def _vertices(title: str, rows: list[dict[str, Any]], *extra: str) -> None:
    shown = table(title, "id", "schema", "caption", "owner", "tlp", *extra)
    for row in rows:
        shown.add_row(
            row["id"],
            row["schema"],
            row["caption"],
            row["owner"],
            row["envelope"]["tlp"],
            *(str(row.get(x, "")) for x in extra),
        )
    print_table(shown, whole=("id",))


@app.command()
def neighbours(
    record_id: Annotated[str, typer.Argument(help="A record id (OWNER:ID if two owners hold it).")],
    case: Case,
    crime_area: CrimeArea,
    hops: Annotated[int, typer.Option(help="Links away (at most ACCORD_GRAPH_MAX_HOPS).")] = 2,
    schema: Annotated[
        list[str] | None, typer.Option(help="Only records of this schema; repeat.")
    ] = None,
    kind: Annotated[
        list[str] | None, typer.Option(help="Edge kind: relationship, property, shared, same_as.")
    ] = None,
    label: Annotated[
        list[str] | None, typer.Option(help="Relationship schema, property or identifier kind.")
    ] = None,
    owner: Annotated[
        list[str] | None, typer.Option(help="Only this agency's records; repeat.")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--from", help="Links dated from YYYY-MM-DD.")
    ] = None,
    until: Annotated[str | None, typer.Option("--to", help="Links dated up to YYYY-MM-DD.")] = None,
    purpose: PurposeCode = "investigation",
    json_out: Json = False,
) -> None:
    """The records within --hops links of a record, and the links among them."""
    from accord.services import graph as service

    node = node_from_env()
    stated = _purpose(purpose, case, crime_area)
    found = service.analyse_neighbourhood(
        node,
        user(node, "POST /api/v1/graph/neighbourhood"),
        stated,
        start=record_id,
        hops=hops,
        schemata=schema or [],
        kinds=kind or [],
        labels=label or [],
        owners=owner or [],
        since=since,
        until=until,
    ).to_dict()
    if json_out:
        print_json(found)
        return
    _vertices(
        f"{len(found['vertices'])} record(s) within {hops} hop(s) of {record_id}",
        found["vertices"],
        "distance",
    )
    say(f"{len(found['edges'])} link(s) among them.")
    if found["truncated"]:
        say((f"Cut at {found['limit']} records (ACCORD_GRAPH_NODE_LIMIT).", "bold"))


@app.command()
def path(
    source: Annotated[str, typer.Argument(help="One record id.")],
    target: Annotated[str, typer.Argument(help="The other record id.")],
    case: Case,
    crime_area: CrimeArea,
    max_hops: Annotated[int | None, typer.Option(help="Longest path looked for.")] = None,
    limit: Annotated[int, typer.Option(help="Most paths shown.")] = 10,
    purpose: PurposeCode = "investigation",
    json_out: Json = False,
) -> None:
    """Every shortest path between two records (none: they are not connected)."""
    from accord.services import graph as service

    node = node_from_env()
    found = service.analyse_paths(
        node,
        user(node, "POST /api/v1/graph/paths"),
        _purpose(purpose, case, crime_area),
        source=source,
        target=target,
        max_hops=max_hops,
        limit=limit,
    ).to_dict()
    if json_out:
        print_json(found)
        return
    if not found["connected"]:
        say(f"No path between {source} and {target} within reach.")
        return
    for n, p in enumerate(found["paths"], 1):
        say((f"Path {n}", "bold"), f" ({p['length']} link(s))")
        for i, v in enumerate(p["vertices"]):
            say(f"  {v['id']}  {v['schema']}  {v['caption']}")
            if i < len(p["edges"]):
                e = p["edges"][i]
                say(
                    f"    — {e['kind']} {e['label']}" + (f" {e['value']}" if e.get("value") else "")
                )


@app.command()
def communities(
    case: Case,
    crime_area: CrimeArea,
    resolution: Annotated[float, typer.Option(help="Leiden's resolution: higher, smaller.")] = 1.0,
    min_size: Annotated[int, typer.Option(help="Smallest community shown.")] = 3,
    limit: Annotated[int, typer.Option(help="Most communities shown.")] = 20,
    purpose: PurposeCode = "investigation",
    json_out: Json = False,
) -> None:
    """Communities of the node's graph (Leiden), largest first."""
    from accord.services import graph as service

    node = node_from_env()
    found = service.analyse_communities(
        node,
        user(node, "POST /api/v1/graph/communities"),
        _purpose(purpose, case, crime_area),
        resolution=resolution,
        min_size=min_size,
        limit=limit,
    ).to_dict()
    if json_out:
        print_json(found)
        return
    shown = table(
        f"{len(found['communities'])} of {found['total']} communities",
        "community",
        "size",
        "cohesion",
        "best connected",
    )
    for c in found["communities"]:
        top = ", ".join(f"{m['caption']} ({m['id']})" for m in c["members"][:3])
        shown.add_row(str(c["community"]), str(c["size"]), str(c["cohesion"]), top)
    print_table(shown)


@app.command()
def centrality(
    case: Case,
    crime_area: CrimeArea,
    measure: Annotated[str, typer.Option(help="betweenness or pagerank.")] = "betweenness",
    around: Annotated[
        str | None, typer.Option(help="Rank within this record's neighbourhood.")
    ] = None,
    hops: Annotated[int, typer.Option(help="The neighbourhood's hops, with --around.")] = 2,
    limit: Annotated[int, typer.Option(help="Most records shown.")] = 20,
    purpose: PurposeCode = "investigation",
    json_out: Json = False,
) -> None:
    """The brokers (betweenness) or the most central records (PageRank)."""
    from accord.services import graph as service

    node = node_from_env()
    found = service.analyse_centrality(
        node,
        user(node, "POST /api/v1/graph/centrality"),
        _purpose(purpose, case, crime_area),
        measure=measure,
        around=around,
        hops=hops,
        limit=limit,
    ).to_dict()
    if json_out:
        print_json(found)
        return
    _vertices(f"Top {len(found['ranked'])} by {measure}", found["ranked"], "score")


@app.command()
def trace(
    record_id: Annotated[str, typer.Argument(help="An account, person or company.")],
    case: Case,
    crime_area: CrimeArea,
    since: Annotated[str | None, typer.Option("--from", help="Payments from YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option("--to", help="Payments up to YYYY-MM-DD.")] = None,
    min_amount: Annotated[float | None, typer.Option(help="Leave out smaller payments.")] = None,
    currency: Annotated[list[str] | None, typer.Option(help="Only this currency; repeat.")] = None,
    direction: Annotated[str, typer.Option(help="forward or backward.")] = "forward",
    max_hops: Annotated[int, typer.Option(help="Most payments away from the start.")] = 6,
    limit: Annotated[int, typer.Option(help="Most payments shown.")] = 1000,
    purpose: PurposeCode = "investigation",
    json_out: Json = False,
) -> None:
    """Follow the money from an account, person or company, in order of time."""
    from accord.services import graph as service

    node = node_from_env()
    found = service.analyse_money_flow(
        node,
        user(node, "POST /api/v1/graph/money-flow"),
        _purpose(purpose, case, crime_area),
        start=record_id,
        direction=direction,
        since=since,
        until=until,
        min_amount=min_amount,
        currencies=currency or [],
        max_hops=max_hops,
        limit=limit,
    ).to_dict()
    if json_out:
        print_json(found)
        return
    shown = table(
        f"{len(found['payments'])} payment(s) {direction} from {record_id}",
        *("hop", "payment", "date", "amount", "from", "to", "note"),
    )
    for p in found["payments"]:
        note = "pooled in" if p["pooled"] else ("duplicate" if p["duplicate"] else "")
        shown.add_row(
            str(p["hop"]),
            p.get("record", {}).get("id", ""),
            p.get("start", ""),
            f"{p.get('amount', '')} {p.get('currency', '')}",
            p["source"]["id"],
            p["target"]["id"],
            note,
        )
    print_table(shown, whole=("payment",))
    flags = found["flags"]
    for c in flags["cycles"]:
        say(("cycle: ", "bold"), f"payment {c['payment']['id']} returns to {c['returns_to']['id']}")
    for f in flags["fan"]:
        say(
            (f"{f['pattern']}: ", "bold"),
            f"{f['account']['id']} ({f['payers']} payers, {f['beneficiaries']} beneficiaries)",
        )
    for lay in flags["layering"]:
        names = ", ".join(c["caption"] for c in lay["companies"])
        say(("layering: ", "bold"), f"{names} (shared: {', '.join(lay['shared'])})")
    if found["truncated"]:
        say((f"Cut at {limit} payments (--limit).", "bold"))


@app.command()
def rings(
    case: Case,
    crime_area: CrimeArea,
    kind: Annotated[
        list[str] | None, typer.Option(help="Identifier kind that ties a ring (phone, address, …).")
    ] = None,
    min_records: Annotated[int, typer.Option(help="Smallest ring shown.")] = 3,
    limit: Annotated[int, typer.Option(help="Most rings shown.")] = 20,
    purpose: PurposeCode = "investigation",
    json_out: Json = False,
) -> None:
    """Records tied by shared identifiers across unrelated records, most suspicious first."""
    from accord.services import graph as service

    node = node_from_env()
    found = service.analyse_rings(
        node,
        user(node, "POST /api/v1/graph/rings"),
        _purpose(purpose, case, crime_area),
        kinds=kind or [],
        min_records=min_records,
        limit=limit,
    ).to_dict()
    if json_out:
        print_json(found)
        return
    shown = table(f"{len(found['rings'])} ring(s)", "ring", "score", "records", "persons", "shared")
    for r in found["rings"]:
        shared = ", ".join(f"{s['kind']} {s['value']}" for s in r["shared"][:4])
        persons = ", ".join(p["caption"] for p in r["persons"][:4])
        shown.add_row(str(r["ring"]), str(r["score"]), str(r["size"]), persons, shared)
    print_table(shown)


@app.command("export")
def export_command(
    case: Case,
    crime_area: CrimeArea,
    format_: Annotated[str, typer.Option("--format", help="graphml, gexf, cytoscape or i2-csv.")],
    out: Annotated[Path | None, typer.Option(help="Write here (default: standard output).")] = None,
    around: Annotated[str | None, typer.Option(help="Only this record's neighbourhood.")] = None,
    hops: Annotated[int, typer.Option(help="The neighbourhood's hops, with --around.")] = 2,
    to: Annotated[
        str | None, typer.Option(help="For this agency: only what the agreements release.")
    ] = None,
    purpose: PurposeCode = "investigation",
) -> None:
    """Export the graph (or a neighbourhood) for Gephi, yEd, Cytoscape or i2 Analyst's
    Notebook."""
    from accord.errors import FieldError, ValidationError
    from accord.services import graph as service

    node = node_from_env()
    done = service.export_graph(
        node,
        user(node, "POST /api/v1/graph/export"),
        _purpose(purpose, case, crime_area),
        fmt=format_,
        around=around,
        hops=hops,
        to=to,
    )
    if out is None:
        typer.echo(done.text, nl=False)
        return
    try:
        out.write_text(done.text, encoding="utf-8")
    except OSError as exc:
        raise ValidationError(FieldError("out", f"cannot write {out}: {exc.strerror}")) from None
    withheld = f", {done.withheld} withheld by policy" if done.withheld else ""
    say(f"Wrote {done.vertices} record(s) and {done.edges} link(s) to {out}{withheld}.")
