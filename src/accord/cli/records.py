"""`accord init`, `ingest`, `search`, `show`, `serve`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from .common import (
    OperatorOption,
    acting,
    console,
    node_from_env,
    operator,
    print_json,
    print_table,
    reading_with_errors,
    rich_console,
    say,
    settings,
    table,
    user,
)
from .common import (
    operator_name as checked_operator,
)

__all__ = ["FileFormat", "ingest", "init", "reindex", "search", "serve", "show"]


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


#: Batch option of each envelope key, so that a bad value is named as the user typed it.
_OPTION_OF = {
    "accord.owner": "--owner",
    "accord.handling": "--handling",
    "accord.handling_conditions": "--handling-conditions",
    "accord.tlp": "--tlp",
    "accord.reliability": "--reliability",
    "accord.assessment": "--assessment",
    "accord.subject_category": "--subject-category",
    "accord.crime_areas": "--crime-area",
    "accord.legal_basis": "--legal-basis",
    "accord.review_by": "--review-by",
}

#: Errors printed on the terminal; the rest are counted, and all go to --errors FILE.
_SHOWN_ERRORS = 50


def ingest(
    file: Annotated[
        Path,
        typer.Argument(help="FtM JSON lines, or CSV with --mapping.", exists=True, dir_okay=False),
    ],
    fmt: Annotated[
        FileFormat | None,
        typer.Option(
            "--format", help="ftm (JSON lines) or csv; default: csv with --mapping or a .csv file."
        ),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(help="FtM mapping file (YAML) for CSV.", exists=True, dir_okay=False),
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Owner agency (default: this node's).")] = None,
    handling: Annotated[str | None, typer.Option(help="Handling code H0-H3 (default H0).")] = None,
    handling_conditions: Annotated[
        str | None, typer.Option(help="Restrictions text for H3.")
    ] = None,
    tlp: Annotated[str | None, typer.Option(help="TLP 2.0 label (default AMBER).")] = None,
    reliability: Annotated[
        str | None, typer.Option(help="Source reliability A, B, C or X (default X).")
    ] = None,
    assessment: Annotated[
        str | None, typer.Option(help="Information assessment 1-4 (default 4).")
    ] = None,
    subject_category: Annotated[
        str | None,
        typer.Option("--subject-category", "--category", help="Data-subject category for people."),
    ] = None,
    crime_area: Annotated[
        list[str] | None, typer.Option(help="Crime-area code; repeat for several.")
    ] = None,
    legal_basis: Annotated[str | None, typer.Option(help="Legal basis of the processing.")] = None,
    review_by: Annotated[
        str | None, typer.Option(help="Review date, YYYY-MM-DD (default: three years on).")
    ] = None,
    override: Annotated[
        bool, typer.Option(help="The options above win over a line's own `accord` values.")
    ] = False,
    strict: Annotated[
        bool, typer.Option(help="Write nothing if any line is bad (all are still reported).")
    ] = False,
    errors_file: Annotated[
        Path | None,
        typer.Option(
            "--errors", help="Write every error to this file as JSON lines.", dir_okay=False
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Load records; bad lines are reported by number and the good ones still load.

    Exit status: 0 every line loaded, 1 some line was rejected (or, with --strict, nothing
    was written), 2 the command was refused before reading (bad option, mapping or header).
    Precedence, the CSV mapping format and the error file: docs/ingest.md."""

    from accord.errors import FieldError, ValidationError
    from accord.model import EnvelopeDefaults
    from accord.services.ingest import IngestFormat, check_batch, ingest_stream

    given = {
        "handling": handling,
        "handling_conditions": handling_conditions,
        "tlp": tlp,
        "reliability": reliability,
        "assessment": assessment,
        "subject_category": subject_category,
        "crime_areas": list(crime_area) if crime_area else None,
        "legal_basis": legal_basis,
        "review_by": review_by,
    }
    given = {k: v for k, v in given.items() if v is not None}
    try:
        check_batch(given)
    except ValidationError as exc:
        raise ValidationError(
            [FieldError(_OPTION_OF.get(e.field, e.field), e.reason) for e in exc.errors]
        ) from None
    if override and not given:
        raise ValidationError(
            FieldError("--override", "needs an envelope option (--tlp, --handling, …) to force")
        )
    if fmt is None:
        csv = mapping is not None or file.suffix.lower() == ".csv"
        fmt = FileFormat.CSV if csv else FileFormat.FTM
    if fmt is FileFormat.FTM and mapping is not None:
        raise ValidationError(FieldError("--mapping", "applies to CSV, not --format ftm"))
    mapping_text = mapping.read_text("utf-8") if mapping else None
    node = node_from_env()
    actor = user(node, "POST /api/v1/records")
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
        review_by=review_by,
    )
    with reading_with_errors("ingest", file, errors_file, quiet=json_out) as (
        stream,
        progress,
        on_error,
    ):
        report = ingest_stream(
            node,
            actor,
            stream,
            defaults=defaults,
            fmt=IngestFormat(fmt.value),
            mapping_text=mapping_text,
            strict=strict,
            override=override,
            on_error=on_error,
            progress=progress,
            source=file.name,
        )
    if json_out:
        out = report.to_dict()
        if errors_file:
            out["errors_file"] = str(errors_file)
        print_json(out)
    else:
        _print_report(file.name, report, errors_file)
    if not report.ok:
        raise typer.Exit(1)


def _print_report(name: str, report: Any, errors_file: Path | None) -> None:
    say(
        f"{name}: {report.lines} lines, ",
        (f"{report.created} created", "green"),
        f", {report.updated} updated, {report.unchanged} unchanged, ",
        (f"{report.rejected} rejected", "red"),
        f" ({report.error_count} errors)" if report.error_count != report.rejected else "",
    )
    if not report.written:
        say(
            ("nothing written", "bold red"),
            f" (--strict): {report.rejected} of {report.lines} lines rejected",
            stderr=True,
        )
    for e in report.errors[:_SHOWN_ERRORS]:
        where = f"{e.entity}: " if e.entity else ""
        say(f"  line {e.line}: {where}", (e.field, "red"), f": {e.reason}", stderr=True)
    more = report.error_count - min(len(report.errors), _SHOWN_ERRORS)
    if more > 0:
        where = (
            f"all {report.error_count} are in {errors_file}"
            if errors_file
            else "write them all with --errors FILE"
        )
        say(f"  … and {more} more errors; {where}", stderr=True)


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
            h.caption,
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
    record, caption = record_service.read_record(node, actor, record_id, owner)
    if json_out:
        print_json(record.to_dict())
        return
    shown = table(f"{record.schema} {record.id}: {caption}", show_header=False)
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
    from accord.logs import configure_logging

    node = node_from_env()
    configure_logging(node.settings)
    if tls:
        from accord.api.server import run_node

        return run_node(node, host, port, api_port=api_port)
    # log_config=None: uvicorn's loggers keep the configuration of accord.logs. Open event
    # streams do not hold a shutdown up for longer than the grace (clients reconnect).
    level = node.settings.log_level.lower()
    app = create_app(node)
    from accord.api.server import settle_process

    settle_process()
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=level,
        log_config=None,
        timeout_graceful_shutdown=2,
    )


def reindex(operator: OperatorOption = None) -> None:
    """Recompute every record's search keys, e.g. after an upgrade that added the matcher's
    candidate keys (records written before it are found by `match` only after this). The
    records do not change; the ledger records the reindex."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from accord.services.records import reindex_keys

    node = node_from_env()
    actor = acting(node, operator, role="node_admin")
    with Progress(
        TextColumn("reindex", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        console=rich_console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("records", total=None)
        done = reindex_keys(node, actor, progress=lambda n: bar.advance(task, n))
    say(f"{done} record(s) reindexed.")
