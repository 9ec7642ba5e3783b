"""`accord init`, `ingest`, `search`, `show`, `serve`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .common import (
    OperatorOption,
    console,
    node_from_env,
    operator,
    print_json,
    print_table,
    rich_console,
    say,
    settings,
    table,
    user,
)
from .common import (
    operator_name as checked_operator,
)

__all__ = ["FileFormat", "ingest", "init", "search", "serve", "show"]


class FileFormat(StrEnum):
    """The formats `ingest` reads (those of `accord.services.ingest.IngestFormat`)."""

    FTM = "ftm"
    CSV = "csv"


def init(
    agency: Annotated[str, typer.Option(help="This node's agency code, CC-NAME (e.g. DE-BKA).")],
    name: Annotated[str, typer.Option(help="The agency's name.")],
    operator_name: OperatorOption = None,
) -> None:
    """Create the node: data directory, database and identity (as a named operator)."""
    from accord.services.node import init_node

    current = settings()
    who = checked_operator(operator_name)
    node = init_node(current, agency, name)
    say(
        "Node ",
        (node.agency, "bold"),
        f" ({node.name}) ready in {current.home}, set up by {operator(node, who).label}.",
    )
    say("Next: `accord users add NAME --role node_admin --operator NAME`, then `accord login`.")


def ingest(
    file: Annotated[
        Path,
        typer.Argument(help="FtM JSON lines, or CSV with --mapping.", exists=True, dir_okay=False),
    ],
    fmt_name: Annotated[
        FileFormat, typer.Option("--format", help="ftm (JSON lines) or csv.")
    ] = FileFormat.FTM,
    mapping: Annotated[
        Path | None,
        typer.Option(help="FtM mapping file (YAML) for CSV.", exists=True, dir_okay=False),
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Owner agency (default: this node's).")] = None,
    handling: Annotated[str, typer.Option(help="Handling code H0-H3.")] = "H0",
    handling_conditions: Annotated[
        str | None, typer.Option(help="Restrictions text for H3.")
    ] = None,
    tlp: Annotated[str, typer.Option(help="TLP 2.0 label.")] = "AMBER",
    reliability: Annotated[str, typer.Option(help="Source reliability A, B, C or X.")] = "X",
    assessment: Annotated[str, typer.Option(help="Information assessment 1-4.")] = "4",
    subject_category: Annotated[
        str | None, typer.Option(help="Data-subject category for people.")
    ] = None,
    crime_area: Annotated[
        list[str] | None, typer.Option(help="Crime-area code; repeat for several.")
    ] = None,
    legal_basis: Annotated[str | None, typer.Option(help="Legal basis of the processing.")] = None,
    strict: Annotated[
        bool, typer.Option(help="Abort the whole file on the first bad line.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Load records; bad lines are reported by number and the good ones still load."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from accord.model import EnvelopeDefaults
    from accord.services.ingest import IngestFormat, ingest_stream

    node = node_from_env()
    actor = user(node, "POST /api/v1/records")
    fmt = IngestFormat(fmt_name.value)
    if fmt is IngestFormat.FTM and file.suffix.lower() == ".csv":
        fmt = IngestFormat.CSV
    defaults = EnvelopeDefaults(
        owner=owner or node.agency,
        handling=handling,
        handling_conditions=handling_conditions,
        tlp=tlp,
        reliability=reliability,
        assessment=assessment,
        subject_category=subject_category,
        crime_areas=tuple(crime_area or ()),
        legal_basis=legal_basis,
    )
    mapping_text = mapping.read_text("utf-8") if mapping else None
    size = file.stat().st_size
    with (
        Progress(
            TextColumn("ingest {task.description}", markup=False),
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=rich_console(stderr=True),
            transient=True,
            disable=json_out,
        ) as bar,
        file.open("rb") as stream,
    ):
        task = bar.add_task(file.name, total=size)
        report = ingest_stream(
            node,
            actor,
            stream,
            defaults=defaults,
            fmt=fmt,
            mapping_text=mapping_text,
            strict=strict,
            progress=lambda done: bar.update(task, completed=done),
            source=file.name,
        )
        bar.update(task, completed=size)
    if json_out:
        print_json(report.to_dict())
        return
    say(
        f"{file.name}: {report.lines} lines, ",
        (f"{report.created} created", "green"),
        f", {report.updated} updated, {report.unchanged} unchanged, ",
        (f"{report.rejected} rejected", "red"),
    )
    for e in report.errors[:50]:
        say(f"  line {e.line}: ", (e.field, "red"), f": {e.reason}", stderr=True)
    if len(report.errors) > 50:
        say(f"  … and {len(report.errors) - 50} more (use --json for all)", stderr=True)


def search(
    query: Annotated[str, typer.Argument(help="A name, document number, phone, email or IBAN.")],
    case: Annotated[
        str, typer.Option("--case", help="Case reference or free-text justification (required).")
    ],
    crime_area: Annotated[str, typer.Option(help="Crime-area code, e.g. thb (required).")],
    purpose: Annotated[str, typer.Option(help="Purpose code.")] = "investigation",
    limit: Annotated[int, typer.Option(help="At most this many results.")] = 20,
    json_out: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
    federated: Annotated[bool, typer.Option(help="Ask the partners too.")] = False,
    partner: Annotated[
        list[str] | None, typer.Option(help="With --federated: only this partner; repeat.")
    ] = None,
) -> None:
    """Search this node's records (and, with --federated, every partner's)."""
    from accord.services.purpose import parse_purpose
    from accord.services.search import search_local

    from .peers import federated_search_command

    node = node_from_env()
    stated = parse_purpose(purpose, case, crime_area)
    if federated:
        actor = user(node, "POST /api/v1/federated-search")
        return federated_search_command(node, actor, query, stated, partner, limit, json_out)
    hits = search_local(node, user(node, "POST /api/v1/search"), query, stated, limit=limit)
    if json_out:
        print_json([h.to_dict() for h in hits])
        return
    if not hits:
        say("No hit.")
        return
    found = table(
        f"{len(hits)} result(s) for {query!r}",
        *("id", "schema", "caption", "owner", "match", "handling", "tlp", "crime areas"),
    )
    for h in hits:
        env = h.record.envelope
        found.add_row(
            h.record.id,
            h.record.schema,
            h.record.caption,
            env.owner,
            f"{h.match} {h.score:.2f}",
            env.handling.value,
            env.tlp.value,
            ", ".join(env.crime_areas),
        )
    print_table(found, whole=("id",))


def show(
    record_id: Annotated[str, typer.Argument(metavar="ID", help="The record's entity id.")],
    owner: Annotated[str | None, typer.Option(help="Owner agency, if several hold the id.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the record as JSON.")] = False,
) -> None:
    """Show one record with its envelope."""
    from accord.services import records as record_service

    node = node_from_env()
    actor = user(node, "GET /api/v1/records/{record_id}")
    record = record_service.get_record(node, actor, record_id, owner)
    if json_out:
        print_json(record.to_dict())
        return
    shown = table(f"{record.schema} {record.id}: {record.caption}", show_header=False)
    shown.add_column("field", style="bold")
    shown.add_column("value")
    for name, values in sorted(record.properties.items()):
        shown.add_row(name, "; ".join(values))
    for key, value in record.envelope.to_dict().items():
        if value not in (None, [], ""):
            shown.add_row(
                f"accord.{key}", ", ".join(value) if isinstance(value, list) else str(value)
            )
    console.print(shown)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8400,
    tls: Annotated[
        bool, typer.Option(help="Mutual TLS for partners (and the outbox worker) on --port.")
    ] = False,
    api_port: Annotated[
        int | None, typer.Option(help="With --tls: also plain HTTP for local users here.")
    ] = None,
) -> None:
    """Run the HTTP API (OpenAPI at /docs); with --tls, the federation node. Every request
    carries its caller's own identity (a user's session, an API token, a partner's TLS)."""
    import uvicorn

    from accord.api import create_app

    node = node_from_env()
    if tls:
        from accord.federation.server import run_node

        return run_node(node, host, port, api_port=api_port)
    uvicorn.run(create_app(node), host=host, port=port, log_level="info")
