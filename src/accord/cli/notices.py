"""`accord notices new / publish / list / show / suspend / cancel` and `accord alerts list /
ack`: notices issued and received, and the watchlist alerts they raise."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .common import new_app, node_from_env, print_json, print_table, say, table, user

if TYPE_CHECKING:
    from accord.services.notices import Notice

__all__ = ["alerts_app", "app"]

app = new_app("Notices: issue, publish, suspend and cancel them; read those partners sent.")
alerts_app = new_app("Watchlist alerts: records that matched an active notice.")

_WRITE = "POST /api/v1/notices"
_READ = "GET /api/v1/notices"


def _show(found: Notice) -> None:
    data = found.to_dict()
    say(
        ("Notice ", "bold"), (data["notice_id"], "bold"), f"  {data['type']} — {data['type_label']}"
    )
    say("  status: ", (data["status"], "bold"))
    subject = data["subject"]
    say(f"  subject: {subject['schema']} {subject['caption']}")
    for name, values in sorted(subject["properties"].items()):
        say(f"    {name}: {'; '.join(values)}")
    for doc in data["documents"]:
        props = doc["properties"]
        say(f"  document: {doc['schema']} {'; '.join(props.get('number', []))}")
    for key in (
        "issuing_agency",
        "received_from",
        "requested_action",
        "purpose",
        "crime_area",
        "valid_until",
        "created_by",
    ):
        if data[key] is not None:
            say(f"  {key}: {data[key]}")
    for name, value in sorted(data["details"].items()):
        say(f"  {name}: {value}")
    distribution = data["distribution"]
    say(
        "  distribution: "
        + (
            "all partners"
            if distribution.get("all")
            else ", ".join(distribution.get("countries", []))
        )
    )
    for sent in data["sent_to"]:
        say(f"  sent to: {sent['node_id']} ({sent['agency']}, {sent['mode']})")
    say("  history (as it happened):")
    for step in data["history"]:
        reason = f"  {step['reason']}" if step.get("reason") else ""
        say(f"    {step['at']}  {step['status']}  {step['actor']}{reason}")


def _pairs(values: list[str], option: str) -> dict[str, Any]:
    from accord.errors import FieldError, ValidationError

    out: dict[str, Any] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValidationError(FieldError(option, f"{item!r}: write KEY=VALUE"))
        lowered = value.strip().lower()
        out[key.strip()] = {"true": True, "false": False}.get(lowered, value)
    return out


@app.command()
def new(
    type_: Annotated[
        str,
        typer.Option(
            "--type", help="red, yellow, blue, black, green, orange, purple or diffusion."
        ),
    ],
    crime_area: Annotated[str, typer.Option(help="Crime-area code, e.g. thb.")],
    name: Annotated[
        list[str] | None, typer.Option(help="The subject's name (repeat for aliases).")
    ] = None,
    birth_date: Annotated[str | None, typer.Option(help="The subject's birth date.")] = None,
    nationality: Annotated[list[str] | None, typer.Option(help="Nationality (ISO code).")] = None,
    passport: Annotated[
        list[str] | None, typer.Option(help="A passport number of the subject.")
    ] = None,
    detail: Annotated[
        list[str] | None, typer.Option(help="A field of the type, KEY=VALUE (docs/notices.md).")
    ] = None,
    country: Annotated[
        list[str] | None, typer.Option(help="Send only to partners of this country (repeat).")
    ] = None,
    valid_until: Annotated[str | None, typer.Option(help="Last day of validity.")] = None,
    action: Annotated[str | None, typer.Option(help="The action requested.")] = None,
    purpose: Annotated[str | None, typer.Option(help="Purpose code (the type's default).")] = None,
    tlp: Annotated[str | None, typer.Option(help="The subject's TLP label.")] = None,
    body: Annotated[
        Path | None, typer.Option(help="A JSON file with the whole notice (as the API takes).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Draft a notice in your agency's name (publish it with `accord notices publish`)."""
    from accord.services import notices as service

    node = node_from_env()
    principal = user(node, _WRITE)
    name, nationality, passport = name or [], nationality or [], passport or []
    detail, country = detail or [], country or []
    data: dict[str, Any] = json.loads(body.read_text(encoding="utf-8")) if body else {}
    properties: dict[str, list[str]] = dict(data.get("subject", {}).get("properties", {}))
    if name:
        properties["name"] = list(name)
    if birth_date:
        properties["birthDate"] = [birth_date]
    if nationality:
        properties["nationality"] = list(nationality)
    data.setdefault("subject", {"schema": "Person"})
    data["subject"] = {**data["subject"], "properties": properties}
    data["type"] = type_
    data["crime_area"] = crime_area
    if passport:
        docs = [{"schema": "Passport", "properties": {"number": [p]}} for p in passport]
        data["documents"] = [*data.get("documents", []), *docs]
    if detail:
        data["details"] = {**data.get("details", {}), **_pairs(detail, "--detail")}
    if country:
        data["distribution"] = {"countries": list(country)}
    for key, value in (
        ("valid_until", valid_until),
        ("requested_action", action),
        ("purpose", purpose),
    ):
        if value is not None:
            data[key] = value
    if tlp is not None:
        data["envelope"] = {**data.get("envelope", {}), "tlp": tlp}
    found = service.create_notice(node, principal, data)
    if json_out:
        print_json(found.to_dict())
        return
    say("Notice ", (found.row.notice_id, "bold"), f" drafted ({found.row.type}).")


@app.command()
def publish(
    notice_id: Annotated[str, typer.Argument(metavar="ID")],
    json_out: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Publish a draft (or a suspended notice again): on the watchlist at once, and sent to
    the partners of its distribution as the agreements allow."""
    from accord.services import notices as service

    node = node_from_env()
    found = service.publish_notice(
        node, user(node, "POST /api/v1/notices/{notice_id}/publish"), notice_id
    )
    if json_out:
        print_json(found.to_dict())
        return
    _show(found)


@app.command()
def suspend(
    notice_id: Annotated[str, typer.Argument(metavar="ID")],
    reason: Annotated[str | None, typer.Option(help="Why (sent to the recipients).")] = None,
) -> None:
    """Suspend a published notice: it stops alerting at once, here and at its recipients."""
    from accord.services import notices as service

    node = node_from_env()
    principal = user(node, "POST /api/v1/notices/{notice_id}/suspend")
    _show(service.suspend_notice(node, principal, notice_id, reason))


@app.command()
def cancel(
    notice_id: Annotated[str, typer.Argument(metavar="ID")],
    reason: Annotated[str | None, typer.Option(help="Why (sent to the recipients).")] = None,
) -> None:
    """Cancel a notice for good: it stops alerting at once, here and at its recipients."""
    from accord.services import notices as service

    node = node_from_env()
    principal = user(node, "POST /api/v1/notices/{notice_id}/cancel")
    _show(service.cancel_notice(node, principal, notice_id, reason))


@app.command("list")
def list_(
    status: Annotated[str | None, typer.Option(help="Only notices in this status.")] = None,
    type_: Annotated[str | None, typer.Option("--type", help="Only notices of this type.")] = None,
    received: Annotated[
        bool | None, typer.Option("--received/--issued", help="From partners, or issued here.")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Notices issued here and received from partners, newest first."""
    from accord.services import notices as service

    node = node_from_env()
    found = service.list_notices(
        node, user(node, _READ), status=status, kind=type_, received=received
    )
    if json_out:
        print_json([n.to_dict() for n in found])
        return
    if not found:
        say("No notices.")
        return
    listed = table("Notices", "id", "type", "status", "issuer", "subject", "valid until")
    for n in found:
        d = n.to_dict()
        listed.add_row(
            d["notice_id"],
            d["type"],
            d["status"],
            d["issuing_agency"],
            d["subject"]["caption"],
            d["valid_until"][:10],
        )
    print_table(listed, whole=("id",))


@app.command()
def show(
    notice_id: Annotated[str, typer.Argument(metavar="ID")],
    json_out: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """One notice with its history."""
    from accord.services import notices as service

    node = node_from_env()
    found = service.get_notice(node, user(node, "GET /api/v1/notices/{notice_id}"), notice_id)
    if json_out:
        print_json(found.to_dict())
        return
    _show(found)


@alerts_app.command("list")
def alerts_list(
    open_only: Annotated[
        bool, typer.Option("--open", help="Only alerts not acknowledged.")
    ] = False,
    notice: Annotated[str | None, typer.Option(help="Only alerts of this notice.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Your agency's watchlist alerts, newest first."""
    from accord.services import alerts as service

    node = node_from_env()
    found = service.list_alerts(
        node, user(node, "GET /api/v1/alerts"), acked=False if open_only else None, notice_id=notice
    )
    if json_out:
        print_json([service.alert_to_dict(a) for a in found])
        return
    if not found:
        say("No alerts.")
        return
    listed = table("Alerts", "id", "notice", "record", "holder", "score", "acked", "action")
    for a in found:
        record = f"{a.record_owner}/{a.record_id}" if a.record_id else f"{a.record_owner} (ref)"
        listed.add_row(
            str(a.id),
            a.notice_id,
            record,
            a.holder_agency,
            f"{a.score:.3f}",
            "yes" if a.acked_at else "no",
            a.action,
        )
    print_table(listed, whole=("id", "notice"))


@alerts_app.command("ack")
def alerts_ack(
    alert_id: Annotated[int, typer.Argument(metavar="ID")],
    note: Annotated[str | None, typer.Option(help="What was done.")] = None,
) -> None:
    """Acknowledge one of your agency's alerts."""
    from accord.services import alerts as service

    node = node_from_env()
    acked = service.ack_alert(
        node, user(node, "POST /api/v1/alerts/{alert_id}/ack"), alert_id, note
    )
    say("Alert ", (str(acked.id), "bold"), f" acknowledged by {acked.acked_by}.")
