"""`accord followup request / list / show / approve / decline`: follow-ups after a reference
hit, sent and received."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from accord.model import Principal, PrincipalKind
from accord.services import followup as service
from accord.services.followup_owner import decide_follow_up
from accord.services.node import Node
from accord.services.purpose import parse_purpose

from .common import console, node_from_env, print_json

__all__ = ["app"]

app = typer.Typer(
    help="Follow-ups: ask a partner for the content behind a reference; answer partners.",
    no_args_is_help=True,
)


def _officer(node: Node, name: str) -> Principal:
    """The node's operator acting as liaison officer `name` (recorded in both ledgers)."""
    return Principal(
        subject=name,
        agency=node.agency,
        kind=PrincipalKind.OPERATOR,
        roles=frozenset({"liaison_officer"}),
    )


def _show(found: service.FollowUp) -> None:
    data = found.to_dict()
    table = Table(title=f"Follow-up {data['follow_up_id']}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    status = data["status"]
    table.add_row("status", f"[red]{status}[/]" if status == "overdue" else status)
    for key in (
        "direction",
        "partner",
        "partner_agency",
        "reference",
        "purpose",
        "case_reference",
        "crime_area",
        "legal_basis",
        "justification",
        "deadline",
        "created_by",
    ):
        table.add_row(key, str(data[key]))
    for step in data["history"]:
        table.add_row("history", f"{step['at']}  {step['state']}  {step['actor']}")
    outcome: dict[str, Any] | None = data["outcome"]
    if outcome:
        for key in ("conditions", "reason", "code"):
            if outcome.get(key):
                table.add_row(key, str(outcome[key]))
        for item in outcome.get("items", []):
            record = item.get("record") or {}
            names = "; ".join(record.get("properties", {}).get("name", []))
            table.add_row(
                "disclosed", f"{item['mode']} {record.get('schema')} {record.get('id')} {names}"
            )
    console.print(table)


@app.command()
def request(
    reference: Annotated[str, typer.Argument(help="The reference (ref_…) the partner gave.")],
    partner: Annotated[str, typer.Option(help="Node id of the partner that gave it.")],
    case: Annotated[str, typer.Option("--case", help="Case reference or justification.")],
    crime_area: Annotated[str, typer.Option(help="Crime-area code, e.g. thb.")],
    legal_basis: Annotated[str, typer.Option(help="The legal basis of the request.")],
    justification: Annotated[str, typer.Option(help="Why the content is needed.")],
    purpose: Annotated[str, typer.Option(help="Purpose code.")] = "investigation",
    days: Annotated[int | None, typer.Option(help="Deadline in days (default 5).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Ask PARTNER for the record behind REFERENCE (queued in the outbox)."""
    node = node_from_env()
    found = service.request_follow_up(
        node,
        node.operator(),
        partner=partner,
        reference=reference,
        purpose=parse_purpose(purpose, case, crime_area),
        legal_basis=legal_basis,
        justification=justification,
        days=days,
    )
    if json_out:
        print_json(found.to_dict())
        return
    console.print(
        f"Follow-up [bold]{found.row.follow_up_id}[/] to {partner} queued; "
        f"deadline {found.row.deadline:%Y-%m-%d %H:%M} UTC."
    )


@app.command("list")
def list_(
    direction: Annotated[
        str | None, typer.Option(help="incoming (partners ask us) or outgoing.")
    ] = None,
    status: Annotated[str | None, typer.Option(help="A state, or overdue.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Follow-ups, newest first."""
    node = node_from_env()
    found = service.list_follow_ups(
        node, direction=direction, status=status, reader=node.operator()
    )
    if json_out:
        print_json([f.to_dict() for f in found])
        return
    if not found:
        console.print("No follow-ups.")
        return
    table = Table(title="Follow-ups")
    for col in ("id", "direction", "partner", "status", "deadline", "purpose", "crime area"):
        table.add_column(col)
    for f in found:
        d = f.to_dict()
        status_text = f"[red]{d['status']}[/]" if d["status"] == "overdue" else d["status"]
        table.add_row(
            d["follow_up_id"],
            d["direction"],
            d["partner"],
            status_text,
            d["deadline"],
            d["purpose"],
            d["crime_area"],
        )
    console.print(table)


@app.command()
def show(
    follow_up_id: Annotated[str, typer.Argument(metavar="ID")],
    json_out: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """One follow-up with its history and outcome."""
    node = node_from_env()
    found = service.get_follow_up(node, follow_up_id, reader=node.operator())
    if json_out:
        print_json(found.to_dict())
        return
    _show(found)


@app.command()
def approve(
    follow_up_id: Annotated[str, typer.Argument(metavar="ID")],
    officer: Annotated[str, typer.Option(help="The liaison officer deciding.")],
    conditions: Annotated[
        str | None, typer.Option(help="Terms of use, e.g. H3 restrictions.")
    ] = None,
) -> None:
    """Approve a partner's follow-up; the policy engine is asked again before disclosure."""
    node = node_from_env()
    found = decide_follow_up(
        node, _officer(node, officer), follow_up_id, approve=True, conditions=conditions
    )
    _show(found)


@app.command()
def decline(
    follow_up_id: Annotated[str, typer.Argument(metavar="ID")],
    officer: Annotated[str, typer.Option(help="The liaison officer deciding.")],
    reason: Annotated[str | None, typer.Option(help="Why (sent to the requester).")] = None,
) -> None:
    """Decline a partner's follow-up."""
    node = node_from_env()
    found = decide_follow_up(
        node, _officer(node, officer), follow_up_id, approve=False, reason=reason
    )
    _show(found)
