"""`accord followup request / list / show / approve / decline`: follow-ups after a reference
hit, sent and received."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from .common import (
    new_app,
    node_from_env,
    print_json,
    print_table,
    say,
    styled,
    table,
    user,
)

if TYPE_CHECKING:
    from accord.services.followup import FollowUp

__all__ = ["app"]

app = new_app("Follow-ups: ask a partner for the content behind a reference; answer partners.")

_READ = "GET /api/v1/follow-ups/{follow_up_id}"
_DECIDE = "POST /api/v1/follow-ups/{follow_up_id}/decision"


def _show(found: FollowUp) -> None:
    """One follow-up as `field: value` lines: nothing cut or folded, every value can be
    copied whole."""
    data = found.to_dict()
    say(("Follow-up ", "bold"), (str(data["follow_up_id"]), "bold"))
    status = str(data["status"])
    say("  status: ", (status, "red") if status == "overdue" else status)
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
        say(f"  {key}: {data[key]}")
    say("  history (as it happened):")
    for step in data["history"]:
        say(f"    {step['at']}  {step['state']}  {step['actor']}")
    outcome: dict[str, Any] | None = data["outcome"]
    if outcome:
        for key in ("conditions", "reason", "code"):
            if outcome.get(key):
                say(f"  {key}: {outcome[key]}")
        for item in outcome.get("items", []):
            record = item.get("record") or {}
            names = "; ".join(record.get("properties", {}).get("name", []))
            say(f"  disclosed: {item['mode']} {record.get('schema')} {record.get('id')} {names}")


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
    from accord.services import followup as service
    from accord.services.purpose import parse_purpose

    node = node_from_env()
    found = service.request_follow_up(
        node,
        user(node, "POST /api/v1/follow-ups"),
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
    say(
        "Follow-up ",
        (found.row.follow_up_id, "bold"),
        f" to {partner} queued; deadline {found.row.deadline:%Y-%m-%d %H:%M} UTC.",
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
    from accord.services import followup as service

    node = node_from_env()
    reader = user(node, "GET /api/v1/follow-ups")
    found = service.list_follow_ups(node, direction=direction, status=status, reader=reader)
    if json_out:
        print_json([f.to_dict() for f in found])
        return
    if not found:
        say("No follow-ups.")
        return
    listed = table(
        "Follow-ups", *("id", "direction", "partner", "status", "deadline", "purpose", "crime area")
    )
    for f in found:
        d = f.to_dict()
        status_text = styled((d["status"], "red")) if d["status"] == "overdue" else d["status"]
        listed.add_row(
            d["follow_up_id"],
            d["direction"],
            d["partner"],
            status_text,
            d["deadline"],
            d["purpose"],
            d["crime_area"],
        )
    print_table(listed, whole=("id",))


@app.command()
def show(
    follow_up_id: Annotated[str, typer.Argument(metavar="ID")],
    json_out: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """One follow-up with its history and outcome."""
    from accord.services import followup as service

    node = node_from_env()
    reader = user(node, _READ)
    found = service.get_follow_up(node, follow_up_id, reader=reader)
    if json_out:
        print_json(found.to_dict())
        return
    _show(found)


@app.command()
def approve(
    follow_up_id: Annotated[str, typer.Argument(metavar="ID")],
    conditions: Annotated[
        str | None, typer.Option(help="Terms of use, e.g. H3 restrictions.")
    ] = None,
) -> None:
    """Approve a partner's follow-up as the logged-in liaison officer; the policy engine is
    asked again before anything is disclosed."""
    from accord.services.followup_owner import decide_follow_up

    node = node_from_env()
    officer = user(node, _DECIDE)
    found = decide_follow_up(node, officer, follow_up_id, approve=True, conditions=conditions)
    _show(found)


@app.command()
def decline(
    follow_up_id: Annotated[str, typer.Argument(metavar="ID")],
    reason: Annotated[str | None, typer.Option(help="Why (sent to the requester).")] = None,
) -> None:
    """Decline a partner's follow-up as the logged-in liaison officer."""
    from accord.services.followup_owner import decide_follow_up

    node = node_from_env()
    officer = user(node, _DECIDE)
    found = decide_follow_up(node, officer, follow_up_id, approve=False, reason=reason)
    _show(found)
