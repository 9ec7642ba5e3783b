"""`accord stix`: import a STIX 2.1 bundle, export one, show an object and its correlations
(docs/stix.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from .common import new_app, node_from_env, print_json, rich_console, say, table, user

__all__ = ["app"]

app = new_app("STIX 2.1 objects as records: import, export, show, correlations.")


@app.command(name="import")
def import_(
    file: Annotated[
        Path, typer.Argument(help="A STIX 2.1 bundle (JSON).", exists=True, dir_okay=False)
    ],
    handling: Annotated[str | None, typer.Option(help="Handling code H0-H3 (default H0).")] = None,
    handling_conditions: Annotated[
        str | None, typer.Option(help="Restrictions text for H3.")
    ] = None,
    tlp: Annotated[
        str | None,
        typer.Option(help="TLP 2.0 label of objects without a TLP marking (default AMBER)."),
    ] = None,
    reliability: Annotated[
        str | None, typer.Option(help="Source reliability A, B, C or X (default X).")
    ] = None,
    assessment: Annotated[
        str | None, typer.Option(help="Information assessment 1-4 (default 4).")
    ] = None,
    subject_category: Annotated[
        str | None,
        typer.Option("--subject-category", help="Data-subject category of persons."),
    ] = None,
    crime_area: Annotated[
        list[str] | None, typer.Option(help="Crime-area code; repeat for several.")
    ] = None,
    legal_basis: Annotated[str | None, typer.Option(help="Legal basis of the processing.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Store every object of a bundle with its own envelope: TLP from its markings (else
    --tlp), the rest from the options. Each bad object is refused, named by id and field;
    the others load.

    Exit status: 0 every object loaded (or was stored already), 1 some object was refused,
    2 the bundle was refused whole (not JSON, not a bundle, a bad option)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from accord.model import EnvelopeDefaults
    from accord.services.stix import import_objects

    node = node_from_env()
    actor = user(node, "POST /api/v1/stix/bundles")
    defaults = EnvelopeDefaults(
        owner=actor.agency,
        handling=handling,
        handling_conditions=handling_conditions,
        tlp=tlp,
        reliability=reliability,
        assessment=assessment,
        subject_category=subject_category,
        crime_areas=tuple(crime_area or ()),
        legal_basis=legal_basis,
    )
    with Progress(
        TextColumn(f"import {file.name}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        console=rich_console(stderr=True),
        transient=True,
        disable=json_out,
    ) as bar:
        task = bar.add_task(file.name, total=None)
        report = import_objects(
            node,
            actor,
            file.read_bytes(),
            defaults=defaults,
            source=file.name,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    if json_out:
        print_json(report.to_dict())
    else:
        shown = table(f"{file.name}: {report.objects} objects", "object", "version", "outcome")
        for o in report.outcomes:
            style = {"created": "green", "exists": "dim", "refused": "red"}[o.status]
            what = o.status + (f" · FtM {o.linked}" if o.linked else "")
            shown.add_row(o.id or f"objects[{o.index}]", o.version or "—", f"[{style}]{what}[/]")
        if report.objects <= 200:
            rich_console().print(shown)
        say(
            (f"{report.created} created", "green"),
            f", {report.existing} stored already, ",
            (f"{report.refused} refused", "red" if report.refused else "green"),
            f"; {report.linked} FtM record(s) linked, {report.correlated} correlation(s) alerted",
        )
        if report.capped:
            say(
                f"  {report.capped} value(s) held by more than {report.cap} records: "
                f"only {report.cap} alerted each",
                stderr=True,
            )
        for o in report.outcomes:
            for e in o.errors:
                say("  ", (e.field, "red"), f": {e.reason}", stderr=True)
            if o.note:
                say(f"  {o.id}: {o.note}", stderr=True)
    if report.refused:
        raise typer.Exit(1)


@app.command()
def export(
    to: Annotated[
        str | None,
        typer.Option(help="The receiving agency, CC-NAME: only what the agreements allow."),
    ] = None,
    types: Annotated[
        list[str] | None, typer.Option("--type", help="A STIX type; repeat for several.")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Only objects added after this time (ISO 8601).")
    ] = None,
    case: Annotated[
        str | None, typer.Option("--case", help="Case reference or justification (with --to).")
    ] = None,
    crime_area: Annotated[str | None, typer.Option(help="Crime-area code (with --to).")] = None,
    purpose: Annotated[str, typer.Option(help="Purpose code (with --to).")] = "investigation",
    latest: Annotated[
        bool, typer.Option("--latest", help="Only each object's latest version.")
    ] = False,
    out: Annotated[
        Path | None, typer.Option(help="Write the bundle here (default: stdout).")
    ] = None,
) -> None:
    """Write a STIX 2.1 bundle of the stored objects, every version. With --to, every object
    passes the agreements (TLP:RED never leaves; what is denied is left out) and the
    disclosure goes to the ledger; a summary on stderr says how many were left out."""
    from datetime import UTC, datetime

    from accord.errors import FieldError, ValidationError
    from accord.services.purpose import parse_purpose
    from accord.services.stix import export_bundle

    node = node_from_env()
    actor = user(node, "POST /api/v1/stix/exports")
    after = None
    if since is not None:
        try:
            after = datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(FieldError("--since", f"{since!r} is not ISO 8601")) from None
        after = after if after.tzinfo else after.replace(tzinfo=UTC)
    stated = parse_purpose(purpose, case, crime_area) if to is not None else None
    result = export_bundle(
        node,
        actor,
        to=to,
        purpose=stated,
        types=tuple(types or ()),
        since=after,
        all_versions=not latest,
    )
    text = json.dumps(result.bundle, ensure_ascii=False, indent=1) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, "utf-8")
    where = f" to {out}" if out is not None else ""
    withheld = f", {result.withheld} left out by the agreements" if to is not None else ""
    say(f"{result.included} object version(s) written{where}{withheld}", stderr=True)


@app.command()
def show(
    stix_id: Annotated[str, typer.Argument(help="The object's STIX id.")],
    versions: Annotated[bool, typer.Option(help="Every version, oldest first.")] = False,
) -> None:
    """Print one stored object (its latest version, or every version) as JSON."""
    from accord.services.stix import get_object

    node = node_from_env()
    found = get_object(
        node, user(node, "GET /api/v1/stix/objects/{stix_id}"), stix_id, all_versions=versions
    )
    print_json(found if versions else found[0])


@app.command()
def correlations(
    stix_id: Annotated[str, typer.Argument(help="The object's STIX id.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The values the object holds and the other objects and records holding them (capped)."""
    from accord.services.stix import correlations as find

    node = node_from_env()
    found = find(node, user(node, "GET /api/v1/stix/objects/{stix_id}/correlations"), stix_id)
    if json_out:
        print_json(found.to_dict())
        return
    shown = table(f"{stix_id} (cap {found.cap} per value)", "value", "held by", "what")
    for v in found.values:
        value = f"{v['kind']}:{v['value']}"
        for o in v["objects"]:
            shown.add_row(value, o["id"], f"STIX {o['type']}")
        for r in v["records"]:
            what = (
                f"{r['schema']} disclosed by {r['disclosed_by']}"
                if r.get("disclosed_by")
                else f"{r['schema']} {r['caption']}"
            )
            shown.add_row(value, f"{r['owner']}/{r['id']}", what)
        if v["objects_capped"] or v["records_capped"]:
            shown.add_row(value, f"… more than {found.cap}", "capped")
        if not v["objects"] and not v["records"]:
            shown.add_row(value, "—", "no correlation")
    rich_console().print(shown)
