"""`accord agreements …`, `accord policy check|simulate` and `accord export`."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from accord.services import agreements as agreement_service
from accord.services import policy_tools
from accord.services.purpose import parse_purpose

from .common import console, err_console, node_from_env, print_json

agreements_app = typer.Typer(help="Sharing agreements in force at this node.", no_args_is_help=True)
policy_app = typer.Typer(help="Explain and simulate policy decisions.", no_args_is_help=True)

__all__ = ["agreements_app", "export", "policy_app"]


def _yaml_files(paths: list[Path]) -> list[tuple[str, str]]:
    files: list[tuple[str, str]] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                (p.name, p.read_text("utf-8"))
                for p in sorted(path.iterdir())
                if p.suffix in (".yaml", ".yml")
            )
        else:
            files.append((path.name, path.read_text("utf-8")))
    return files


@agreements_app.command("load")
def load(
    paths: Annotated[
        list[Path], typer.Argument(help="Agreement files or directories.", exists=True)
    ],
) -> None:
    """Load or replace agreements, all or nothing: a broken file changes nothing."""
    node = node_from_env()
    ids = agreement_service.put_agreements(node, node.operator(), _yaml_files(paths))
    console.print(f"{len(ids)} agreement(s) in force: {', '.join(ids)}")


@agreements_app.command("list")
def list_(json_out: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Agreements in force."""
    node = node_from_env()
    rows = agreement_service.list_agreements(node)
    if json_out:
        print_json(rows)
        return
    table = Table(title=f"agreements in force at {node.agency}")
    for col in ("id", "version", "title", "parties", "valid", "file"):
        table.add_column(col)
    for r in rows:
        valid = f"{r['valid_from']} – {r['valid_until'] or 'open'}"
        table.add_row(
            r["id"], str(r["version"]), r["title"], ", ".join(r["parties"]), valid, r["file"]
        )
    console.print(table)


@agreements_app.command("withdraw")
def withdraw(file_name: Annotated[str, typer.Argument(help="The agreement's file name.")]) -> None:
    """Take an agreement out of force (its text stays on record)."""
    node = node_from_env()
    agreement_service.withdraw_agreement(node, node.operator(), file_name)
    console.print(f"{file_name} withdrawn")


@policy_app.command("check")
def check(
    to: Annotated[str, typer.Option(help="The receiving agency, CC-NAME.")],
    record: Annotated[str, typer.Option(help="The record's id.")],
    purpose: Annotated[str, typer.Option(help="Purpose code.")],
    crime_area: Annotated[str, typer.Option(help="Crime-area code.")],
    case: Annotated[
        str, typer.Option("--case", help="Case reference or justification.")
    ] = "policy check",
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The decision for sending one record to an agency, with the clauses that made it."""
    node = node_from_env()
    result = policy_tools.check(
        node,
        node.operator(),
        to=to,
        record_id=record,
        purpose=parse_purpose(purpose, case, crime_area),
    )
    data = result.to_dict()
    if json_out:
        print_json(data)
        return
    decision = result.decision
    colour = {"deny": "red", "reference": "yellow"}.get(decision.mode.value, "green")
    console.print(f"decision: [bold {colour}]{decision.mode.value}[/]")
    if decision.clauses:
        console.print("clauses: " + ", ".join(decision.clauses))
    if decision.reasons:
        console.print("reasons: " + ", ".join(decision.reasons))
    if decision.redactions:
        console.print("redacted: " + ", ".join(decision.redactions))
    table = Table(title="clauses weighed")
    for col in ("clause", "mode", "applies", "unmet conditions"):
        table.add_column(col)
    clauses: list[dict[str, object]] = data.get("clauses", [])  # type: ignore[assignment]
    for clause in clauses:
        unmet: list[object] = clause.get("unmet") or []  # type: ignore[assignment]
        table.add_row(
            str(clause.get("ref")),
            str(clause.get("mode")),
            "yes" if not unmet else "no",
            "; ".join(str(u) for u in unmet),
        )
    console.print(table)


@policy_app.command("simulate")
def simulate(
    file: Annotated[
        Path,
        typer.Argument(
            help="An agreement file (YAML) not yet loaded.", exists=True, dir_okay=False
        ),
    ],
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """How many of this node's records of each kind and category would flow to each party in
    each mode under this agreement. Nothing is loaded or changed."""
    node = node_from_env()
    report = policy_tools.simulate_file(node, file.name, file.read_text("utf-8"))
    data = report.to_dict()
    if json_out:
        print_json(data)
        return
    table = Table(title=f"simulation of {report.agreement_id} v{report.version} on {node.agency}")
    for col in ("from", "to", "kind", "category", "mode", "records"):
        table.add_column(col)
    flows: list[dict[str, object]] = data.get("flows", [])  # type: ignore[assignment]
    for flow in flows:
        table.add_row(
            str(flow["from"]),
            str(flow["to"]),
            str(flow["kind"]),
            str(flow.get("category") or "–"),
            str(flow["mode"]),
            str(flow["count"]),
        )
    console.print(table)


class ExportFormat(StrEnum):
    ftm = "ftm"
    disclosure = "disclosure"


def export(
    to: Annotated[str, typer.Option(help="The receiving agency, CC-NAME.")],
    ids: Annotated[list[str], typer.Argument(help="Record ids to export.")],
    case: Annotated[str, typer.Option("--case", help="Case reference or justification.")],
    crime_area: Annotated[str, typer.Option(help="Crime-area code.")],
    purpose: Annotated[str, typer.Option(help="Purpose code.")] = "investigation",
    out: Annotated[
        Path | None, typer.Option(help="Write the JSON lines here (default: stdout).")
    ] = None,
    fmt: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            help="ftm: one FtM entity per line (id, schema, properties, and the envelope "
            "under `accord`), for records whose content may go; disclosure: one line per "
            "released record as the recipient's node receives it (mode, reference, record, "
            "terms), references included.",
        ),
    ] = ExportFormat.ftm,
) -> None:
    """Prepare records for another agency as the agreements allow. A summary on stderr says
    how many were written and names every record left out and why."""
    node = node_from_env()
    result = policy_tools.export_records(
        node,
        node.operator(),
        to=to,
        record_ids=ids,
        purpose=parse_purpose(purpose, case, crime_area),
    )
    if fmt is ExportFormat.ftm:
        rows = [item["record"] for item in result.items if item.get("record")]
        references = result.reference_only
    else:
        rows, references = list(result.items), []
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, "utf-8")
    where = f" to {out}" if out is not None else ""
    err_console.print(
        f"{len(rows)} of {len(dict.fromkeys(ids))} record(s) written{where} ({fmt.value})",
        highlight=False,
    )
    for record_id in references:
        err_console.print(
            f"  {record_id}: released as a reference only, not an entity "
            "(--format disclosure writes it)",
            highlight=False,
        )
    for refused in result.refused:
        err_console.print(f"  {refused['id']}: {refused['message']}", highlight=False)
