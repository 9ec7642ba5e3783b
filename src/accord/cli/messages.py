"""`accord messages send / list / read`, `accord cases new / add-member / remove-member / post /
list / show` and `accord mla new / list / show / send / advance / metrics`: end-to-end messages,
joint investigation teams and mutual legal assistance (docs/messaging.md)."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .common import new_app, node_from_env, print_json, print_table, say, table, user

if TYPE_CHECKING:
    from accord.model.messages import Attachment

__all__ = ["cases_app", "messages_app", "mla_app"]

messages_app = new_app("Messages to and from partner agencies, sealed end to end.")
cases_app = new_app("Cases and joint investigation teams.")
mla_app = new_app("Mutual legal assistance requests and their execution.")

_JSON = Annotated[bool, typer.Option("--json", help="Print as JSON.")]


def _files(paths: list[Path] | None, option: str = "--attach") -> list[Attachment]:
    from accord.errors import FieldError, ValidationError
    from accord.model.messages import Attachment

    found: list[Attachment] = []
    for i, path in enumerate(paths or []):
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise ValidationError(FieldError(f"{option}.{i}", f"{path}: {exc.strerror}")) from None
        media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        found.append(Attachment(path.name, media, content))
    return found


def _show_message(data: dict[str, Any]) -> None:
    arrow = "to" if data["direction"] == "outgoing" else "from"
    say(
        ("Message ", "bold"),
        (data["message_id"], "bold"),
        f"  {data['kind']}  {arrow} {data['partner_agency']}",
    )
    say("  subject: ", (data.get("subject") or "", "bold"))
    for key in (
        "priority",
        "deadline",
        "state",
        "case_reference",
        "thread_id",
        "in_reply_to",
        "language",
        "handling",
        "tlp",
        "sent_by",
        "sent_at",
    ):
        if data.get(key):
            say(f"  {key}: {data[key]}")
    if data.get("overdue"):
        say(("  OVERDUE", "bold red"), " — no answer by the deadline")
    if data.get("verified"):
        say(f"  signature: verified ({data['sender_agency']})")
    if data.get("body"):
        say("")
        say(data["body"])
        say("")
    for item in data.get("records") or []:
        record = item.get("record") or {}
        say(
            f"  record: {item['mode']}  {record.get('schema', item['reference']['schema'])} "
            f"{record.get('id', item['reference']['reference'][:24])}"
        )
    for outcome in data.get("record_outcome") or []:
        went = (
            "sent " + outcome["mode"]
            if outcome["sent"]
            else "WITHHELD (the policy does not allow it)"
        )
        say(f"  record {outcome['owner']}/{outcome['id']}: {went}")
    for item in data.get("attachments") or []:
        say(f"  attachment: {item['name']}  {item['size']} bytes  sha256 {item['sha256']}")


@messages_app.command()
def send(
    to: Annotated[str, typer.Option("--to", help="The recipient agency, e.g. NL-POLITIE.")],
    subject: Annotated[str, typer.Option(help="Subject line.")],
    body: Annotated[str, typer.Option(help="The text ('-' reads it from standard input).")],
    kind: Annotated[str, typer.Option(help="rfi, reply or spontaneous.")] = "rfi",
    priority: Annotated[str, typer.Option(help="routine, urgent or immediate.")] = "routine",
    language: Annotated[str, typer.Option(help="BCP 47 tag of the text.")] = "en",
    case: Annotated[str | None, typer.Option(help="Case reference.")] = None,
    reply_to: Annotated[str | None, typer.Option(help="The message this answers.")] = None,
    record: Annotated[
        list[str] | None, typer.Option(help="Attach a record by id (repeat).")
    ] = None,
    crime_area: Annotated[str | None, typer.Option(help="Crime area (with records).")] = None,
    purpose: Annotated[str | None, typer.Option(help="Purpose code (with records).")] = None,
    attach: Annotated[list[Path] | None, typer.Option(help="Attach a file (repeat).")] = None,
    tlp: Annotated[str, typer.Option(help="TLP label of the message.")] = "AMBER",
    handling: Annotated[str, typer.Option(help="Handling code H0-H3.")] = "H0",
    via: Annotated[
        str | None,
        typer.Option(help="A partner agency to relay it (a hub); it holds only the sealed token."),
    ] = None,
    json_out: _JSON = False,
) -> None:
    """Send a message, sealed to the recipient and signed; records go only as the policy
    allows (each one's outcome is shown); delivered through the outbox (directly, or relayed
    by the hub named with --via)."""
    import sys

    from accord.services import messaging as service

    node = node_from_env()
    principal = user(node, "POST /api/v1/messages")
    text = sys.stdin.read() if body == "-" else body
    data = {
        "kind": "reply" if reply_to and kind == "rfi" else kind,
        "recipient": to,
        "subject": subject,
        "body": text,
        "priority": priority,
        "language": language,
        "case_reference": case,
        "in_reply_to": reply_to,
        "records": record or [],
        "crime_area": crime_area,
        "purpose": purpose,
        "tlp": tlp,
        "handling": handling,
        "via": via,
    }
    sent = service.send_message(node, principal, data, _files(attach)).to_dict()
    if json_out:
        print_json(sent)
        return
    say("Message ", (sent["message_id"], "bold"), f" queued for {sent['partner_agency']}.")
    _show_message(sent)


@messages_app.command("list")
def list_(
    direction: Annotated[str | None, typer.Option(help="incoming or outgoing.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only requests past due.")] = False,
    case_id: Annotated[
        str | None, typer.Option("--case-id", help="Only postings of a case.")
    ] = None,
    thread: Annotated[str | None, typer.Option(help="Only one thread.")] = None,
    json_out: _JSON = False,
) -> None:
    """Messages sent and received, newest first."""
    from accord.services import messaging as service

    node = node_from_env()
    found = service.list_messages(
        node,
        user(node, "GET /api/v1/messages"),
        direction=direction,
        thread_id=thread,
        case_id=case_id,
        overdue=True if overdue else None,
    )
    if json_out:
        print_json([m.to_dict() for m in found])
        return
    if not found:
        say("No messages.")
        return
    listed = table(
        "Messages", "id", "dir", "kind", "partner", "priority", "state", "subject", "due"
    )
    for m in found:
        d = m.to_dict()
        due = "OVERDUE" if d["overdue"] else (d["deadline"] or "")[:16]
        listed.add_row(
            d["message_id"],
            "in" if d["direction"] == "incoming" else "out",
            d["kind"],
            d["partner_agency"],
            d["priority"],
            d["state"],
            d.get("subject") or "",
            due,
        )
    print_table(listed, whole=("id",))


@messages_app.command()
def read(
    message_id: Annotated[str, typer.Argument(metavar="ID")],
    save: Annotated[
        Path | None, typer.Option(help="Save the attachments into this directory.")
    ] = None,
    json_out: _JSON = False,
) -> None:
    """Read one message (the first read of a received one sends a read receipt)."""
    from accord.services import messaging as service

    node = node_from_env()
    principal = user(node, "GET /api/v1/messages/{message_id}")
    data = service.read_message(node, principal, message_id).to_dict()
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        for item in data.get("attachments") or []:
            _, content = service.get_attachment(node, principal, message_id, item["sha256"])
            (save / Path(item["name"]).name).write_bytes(content)
    if json_out:
        print_json(data)
        return
    _show_message(data)


# --- cases ------------------------------------------------------------------------------------


def _show_case(data: dict[str, Any]) -> None:
    say(("Case ", "bold"), (data["case_id"], "bold"), f"  {data['reference']}  {data['title']}")
    say(f"  lead: {data['lead_agency']}  legal basis: {data['legal_basis'] or '-'}")
    say(f"  valid: {data['valid_from']} to {data['valid_until'] or 'open'}")
    say(f"  members: {', '.join(data['members'])}")


@cases_app.command()
def new(
    reference: Annotated[str, typer.Option(help="The case reference.")],
    crime_area: Annotated[str, typer.Option(help="Crime-area code.")],
    legal_basis: Annotated[
        str | None, typer.Option(help="The JIT agreement's id (its jit clauses apply).")
    ] = None,
    title: Annotated[str | None, typer.Option(help="A title.")] = None,
    valid_until: Annotated[str | None, typer.Option(help="Last day of validity.")] = None,
    json_out: _JSON = False,
) -> None:
    """Open a case led by your agency (a joint team once partners are members)."""
    from accord.services import cases as service

    node = node_from_env()
    found = service.create_case(
        node,
        user(node, "POST /api/v1/cases"),
        {
            "reference": reference,
            "crime_area": crime_area,
            "legal_basis": legal_basis,
            "title": title,
            "valid_until": valid_until,
        },
    ).to_dict()
    if json_out:
        print_json(found)
        return
    _show_case(found)


@cases_app.command("add-member")
def add_member(
    case_id: Annotated[str, typer.Argument(metavar="CASE")],
    agency: Annotated[str, typer.Argument(help="A partner agency, e.g. UA-NPU.")],
) -> None:
    """Add a partner agency to the team."""
    from accord.services import cases as service

    node = node_from_env()
    _show_case(
        service.add_member(
            node, user(node, "POST /api/v1/cases/{case_id}/members"), case_id, agency
        ).to_dict()
    )


@cases_app.command("remove-member")
def remove_member(
    case_id: Annotated[str, typer.Argument(metavar="CASE")],
    agency: Annotated[str, typer.Argument(help="The member agency to remove.")],
) -> None:
    """Remove an agency from the team: it is sent nothing further."""
    from accord.services import cases as service

    node = node_from_env()
    principal = user(node, "DELETE /api/v1/cases/{case_id}/members/{agency}")
    _show_case(service.remove_member(node, principal, case_id, agency).to_dict())


@cases_app.command()
def post(
    case_id: Annotated[str, typer.Argument(metavar="CASE")],
    subject: Annotated[str, typer.Option(help="Subject line.")],
    body: Annotated[str, typer.Option(help="The text.")],
    record: Annotated[
        list[str] | None, typer.Option(help="Attach a record by id (repeat).")
    ] = None,
    attach: Annotated[list[Path] | None, typer.Option(help="Attach a file (repeat).")] = None,
    json_out: _JSON = False,
) -> None:
    """Post to every current member; records go as the team's agreement allows."""
    from accord.services import cases as service

    node = node_from_env()
    done = service.post(
        node,
        user(node, "POST /api/v1/cases/{case_id}/posts"),
        case_id,
        {"subject": subject, "body": body, "records": record or []},
        _files(attach),
    )
    if json_out:
        print_json(done)
        return
    for sent in done["sent"]:
        say(f"Sent to {sent['agency']}: ", (sent["message_id"], "bold"))
        for outcome in sent["records"]:
            went = outcome["mode"] if outcome["sent"] else "WITHHELD"
            say(f"  record {outcome['owner']}/{outcome['id']}: {went}")


@cases_app.command("list")
def cases_list(json_out: _JSON = False) -> None:
    """Cases held here, newest first."""
    from accord.services import cases as service

    node = node_from_env()
    user(node, "GET /api/v1/cases")
    found = [c.to_dict() for c in service.list_cases(node)]
    if json_out:
        print_json(found)
        return
    if not found:
        say("No cases.")
        return
    listed = table("Cases", "id", "reference", "lead", "legal basis", "members")
    for c in found:
        listed.add_row(
            c["case_id"],
            c["reference"],
            c["lead_agency"],
            c["legal_basis"] or "",
            ", ".join(c["members"]),
        )
    print_table(listed, whole=("id",))


# --- MLA --------------------------------------------------------------------------------------


def _show_mla(data: dict[str, Any]) -> None:
    say(("MLA request ", "bold"), (data["mla_id"], "bold"), "  ", (data["state"], "bold"))
    say(f"  {data['requesting_agency']} → {data['requested_agency']}  ({data['direction']})")
    say(f"  legal basis: {data['legal_basis_title']}")
    form = data["form"]
    say(f"  offence: {form['offence']['description']} ({data['crime_area']})")
    for m in form["measures"]:
        amount = f"  {m['amount']} {m['currency']}" if m.get("amount") else ""
        say(f"  measure: {m['type']}{amount}  {m.get('description', '')}")
    say(
        f"  urgency: {data['urgency']}  deadline: {data['deadline'][:10]}"
        + ("  OVERDUE" if data["overdue"] else "")
    )
    if data["turnaround_days"] is not None:
        say(f"  turnaround: {data['turnaround_days']} days")
    say("  history:")
    for step in data["history"]:
        grounds = f"  grounds: {step['grounds']}" if step.get("grounds") else ""
        say(f"    {step['at']}  {step['state']}  {step['actor']}{grounds}")
    for item in data["evidence"]:
        chain = " → ".join(f"{c['action']} {c['at'][:19]}" for c in item["custody"])
        say(f"  evidence: {item['name']}  sha256 {item['sha256'][:16]}…  {chain}")


@mla_app.command("new")
def mla_new(
    form: Annotated[Path, typer.Argument(help="A JSON or YAML file with the request's form.")],
    json_out: _JSON = False,
) -> None:
    """Draft an MLA request from a form file (docs/messaging.md shows one)."""
    import yaml

    from accord.services import mla as service

    node = node_from_env()
    data = yaml.safe_load(form.read_text(encoding="utf-8")) or {}
    found = service.create_mla(node, user(node, "POST /api/v1/mla"), data).to_dict()
    if json_out:
        print_json(found)
        return
    say(
        "Drafted ",
        (found["mla_id"], "bold"),
        f" to {found['requested_agency']}; send it with `accord mla send`.",
    )


@mla_app.command("send")
def mla_send(mla_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Send a draft to the requested authority."""
    from accord.services import mla as service

    node = node_from_env()
    _show_mla(
        service.send_mla(node, user(node, "POST /api/v1/mla/{mla_id}/send"), mla_id).to_dict()
    )


@mla_app.command("advance")
def mla_advance(
    mla_id: Annotated[str, typer.Argument(metavar="ID")],
    state: Annotated[
        str,
        typer.Argument(help="acknowledged, in_execution, partially_executed, executed, refused"),
    ],
    grounds: Annotated[str | None, typer.Option(help="Grounds of a refusal.")] = None,
    note: Annotated[str | None, typer.Option(help="A note to the requesting authority.")] = None,
    evidence: Annotated[list[Path] | None, typer.Option(help="Evidence file (repeat).")] = None,
    frozen: Annotated[list[str] | None, typer.Option(help="Assets frozen, AMOUNT:CUR.")] = None,
    recovered: Annotated[
        list[str] | None, typer.Option(help="Assets recovered, AMOUNT:CUR.")
    ] = None,
) -> None:
    """The requested authority's next step on a request it received."""
    from accord.services import mla as service

    node = node_from_env()
    assets = [
        {"kind": kind, "amount": v.partition(":")[0], "currency": v.partition(":")[2]}
        for kind, values in (("frozen", frozen or []), ("recovered", recovered or []))
        for v in values
    ]
    found = service.advance_mla(
        node,
        user(node, "POST /api/v1/mla/{mla_id}/advance"),
        mla_id,
        state,
        grounds=grounds,
        note=note,
        evidence=_files(evidence, "--evidence"),
        assets=assets or None,
    )
    _show_mla(found.to_dict())


@mla_app.command("list")
def mla_list(
    direction: Annotated[str | None, typer.Option(help="incoming or outgoing.")] = None,
    state: Annotated[str | None, typer.Option(help="A state, or overdue.")] = None,
    json_out: _JSON = False,
) -> None:
    """MLA requests sent and received, newest first."""
    from accord.services import mla as service

    node = node_from_env()
    found = [
        m.to_dict()
        for m in service.list_mla(
            node, user(node, "GET /api/v1/mla"), direction=direction, state=state
        )
    ]
    if json_out:
        print_json(found)
        return
    if not found:
        say("No MLA requests.")
        return
    listed = table(
        "MLA requests", "id", "dir", "state", "partner", "legal basis", "deadline", "days"
    )
    for m in found:
        partner = m["requested_agency"] if m["direction"] == "outgoing" else m["requesting_agency"]
        days = "" if m["turnaround_days"] is None else f"{m['turnaround_days']:.2f}"
        listed.add_row(
            m["mla_id"],
            "out" if m["direction"] == "outgoing" else "in",
            m["state"] + (" (overdue)" if m["overdue"] else ""),
            partner,
            m["legal_basis"],
            m["deadline"][:10],
            days,
        )
    print_table(listed, whole=("id",))


@mla_app.command("show")
def mla_show(mla_id: Annotated[str, typer.Argument(metavar="ID")], json_out: _JSON = False) -> None:
    """One request with every step, its evidence and their custody."""
    from accord.services import mla as service

    node = node_from_env()
    found = service.get_mla(node, user(node, "GET /api/v1/mla/{mla_id}"), mla_id).to_dict()
    if json_out:
        print_json(found)
        return
    _show_mla(found)


@mla_app.command("metrics")
def mla_metrics(
    direction: Annotated[str, typer.Option(help="outgoing (ours) or incoming.")] = "outgoing",
    json_out: _JSON = False,
) -> None:
    """Turnaround per partner and per measure (median, p90), open, overdue, assets."""
    from accord.services import mla as service

    node = node_from_env()
    figures = service.metrics(node, user(node, "GET /api/v1/mla/metrics"), direction=direction)
    if json_out:
        print_json(figures)
        return
    say(
        f"MLA requests ({direction}): {figures['total']}, "
        f"open {figures['open']}, overdue {figures['overdue']}"
    )
    for title, key in (
        ("Turnaround by partner", "turnaround_by_partner"),
        ("Turnaround by measure", "turnaround_by_measure"),
    ):
        shown = table(title, "name", "closed", "median days", "p90 days")
        for name, stats in figures[key].items():
            shown.add_row(
                name, str(stats["count"]), f"{stats['median_days']:.2f}", f"{stats['p90_days']:.2f}"
            )
        print_table(shown)
    for kind, sums in figures["assets"].items():
        for currency, amount in sums.items():
            say(f"  assets {kind}: {amount} {currency}")
