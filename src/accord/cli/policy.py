"""`accord agreements …`, `accord policy check|simulate` and `accord export`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .common import (
    console,
    new_app,
    node_from_env,
    print_json,
    print_table,
    say,
    styled,
    table,
    user,
)

agreements_app = new_app("Sharing agreements in force at this node.")
policy_app = new_app("Explain and simulate policy decisions.")

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
    """Load or replace agreements, all or nothing: a broken file changes nothing (as a
    logged-in node_admin)."""
    from accord.services import agreements as agreement_service

    node = node_from_env()
    actor = user(node, "PUT /api/v1/agreements/{file_name}")
    ids = agreement_service.put_agreements(node, actor, _yaml_files(paths))
    say(f"{len(ids)} agreement(s) in force: {', '.join(ids)}")


@agreements_app.command("list")
def list_(json_out: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Agreements in force."""
    from accord.services import agreements as agreement_service

    node = node_from_env()
    rows = agreement_service.list_agreements(node)
    if json_out:
        print_json(rows)
        return
    shown = table(
        f"agreements in force at {node.agency}",
        *("id", "version", "title", "parties", "valid", "file"),
    )
    for r in rows:
        valid = f"{r['valid_from']} – {r['valid_until'] or 'open'}"
        shown.add_row(
            r["id"], str(r["version"]), r["title"], ", ".join(r["parties"]), valid, r["file"]
        )
    print_table(shown, whole=("id", "file"))


@agreements_app.command("withdraw")
def withdraw(file_name: Annotated[str, typer.Argument(help="The agreement's file name.")]) -> None:
    """Take an agreement out of force (its text stays on record; as a logged-in node_admin)."""
    from accord.services import agreements as agreement_service

    node = node_from_env()
    actor = user(node, "DELETE /api/v1/agreements/{file_name}")
    agreement_service.withdraw_agreement(node, actor, file_name)
    say(f"{file_name} withdrawn")


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
    from accord.services import policy_tools
    from accord.services.purpose import parse_purpose

    node = node_from_env()
    result = policy_tools.check(
        node,
        user(node, "POST /api/v1/policy/check"),
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
    console.print(styled("decision: ", (decision.mode.value, f"bold {colour}")))
    if decision.clauses:
        say("clauses: " + ", ".join(decision.clauses))
    if decision.reasons:
        say("reasons: " + ", ".join(decision.reasons))
    if decision.redactions:
        say("redacted: " + ", ".join(decision.redactions))
    weighed = table("clauses weighed", "clause", "mode", "applies", "unmet conditions")
    clauses: list[dict[str, object]] = data.get("clauses", [])  # type: ignore[assignment]
    for clause in clauses:
        unmet: list[object] = clause.get("unmet") or []  # type: ignore[assignment]
        weighed.add_row(
            str(clause.get("ref")),
            str(clause.get("mode")),
            "yes" if not unmet else "no",
            "; ".join(str(u) for u in unmet),
        )
    console.print(weighed)


@policy_app.command("simulate")
def simulate(
    file: Annotated[
        Path,
        typer.Argument(
            help="An agreement file (YAML) not yet loaded.", exists=True, dir_okay=False
        ),
    ],
    on: Annotated[
        datetime | None,
        typer.Option(
            "--on",
            metavar="DATE",
            formats=["%Y-%m-%d"],
            help="Judge the agreement on this day (YYYY-MM-DD). Default: today, or its first "
            "day of validity if it starts later.",
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """How many of this node's records of each kind and category would flow to each party in
    each mode under this agreement, on one day (printed). Nothing is loaded or changed."""
    from accord.services import policy_tools

    day = on.date() if on is not None else None
    node = node_from_env()
    report = policy_tools.simulate_file(node, file.name, file.read_text("utf-8"), on=day)
    data = report.to_dict()
    if json_out:
        print_json(data)
        return
    if day is not None:
        why = "the day asked for"
    elif report.day > datetime.now(UTC).date():
        why = "its first day of validity: it starts in the future"
    else:
        why = "today"
    say(f"judged on {report.day.isoformat()} ({why})")
    if not report.in_force:
        say(f"the agreement is not in force on {report.day.isoformat()}: nothing flows")
    flow_table = table(
        f"simulation of {report.agreement_id} v{report.version} on {node.agency}",
        *("from", "to", "kind", "category", "mode", "records"),
    )
    flows: list[dict[str, object]] = data.get("flows", [])  # type: ignore[assignment]
    for flow in flows:
        flow_table.add_row(
            str(flow["from"]),
            str(flow["to"]),
            str(flow["kind"]),
            str(flow.get("category") or "–"),
            str(flow["mode"]),
            str(flow["count"]),
        )
    console.print(flow_table)


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
    from accord.services import policy_tools
    from accord.services.purpose import parse_purpose

    node = node_from_env()
    result = policy_tools.export_records(
        node,
        user(node, "POST /api/v1/exports"),
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
    say(
        f"{len(rows)} of {len(dict.fromkeys(ids))} record(s) written{where} ({fmt.value})",
        stderr=True,
    )
    for record_id in references:
        say(
            f"  {record_id}: released as a reference only, not an entity "
            "(--format disclosure writes it)",
            stderr=True,
        )
    for refused in result.refused:
        say(f"  {refused['id']}: {refused['message']}", stderr=True)
