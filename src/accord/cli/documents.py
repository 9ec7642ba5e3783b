"""`accord documents`: report a travel document lost or stolen, check one, load many
(docs/documents.md)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from .common import new_app, node_from_env, print_json, reading_with_errors, say, user

__all__ = ["app"]

app = new_app("The lost-and-stolen travel-document registry: report, check, import.")


class DocType(StrEnum):
    """The types of `accord/documents/data/registry.yaml` (a test keeps them equal)."""

    PASSPORT = "passport"
    ID_CARD = "id_card"
    VISA = "visa"
    RESIDENCE_PERMIT = "residence_permit"
    TRAVEL_DOCUMENT = "travel_document"
    CREW_MEMBER_CERTIFICATE = "crew_member_certificate"
    OTHER = "other"


class Status(StrEnum):
    STOLEN = "stolen"
    STOLEN_BLANK = "stolen_blank"
    LOST = "lost"
    REVOKED = "revoked"
    INVALIDATED = "invalidated"


class Change(StrEnum):
    STOLEN = "stolen"
    STOLEN_BLANK = "stolen_blank"
    LOST = "lost"
    REVOKED = "revoked"
    INVALIDATED = "invalidated"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    SEIZE = "seize"
    VERIFY_HOLDER = "verify_holder"
    REFUSE = "refuse"
    CONTACT_ISSUER = "contact_issuer"


class Format(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


_Number = Annotated[str, typer.Option("--number", help="The document number.")]
_Country = Annotated[
    str, typer.Option("--country", help="Issuing state: ICAO code (D, UKR), DEU or DE.")
]


def _options(exc: Any) -> Any:
    """A service's errors named as the options typed (`--number`)."""
    from accord.errors import FieldError, ValidationError

    return ValidationError([FieldError(f"--{e.field}", e.reason) for e in exc.errors])


@app.command()
def report(
    number: _Number,
    country: _Country,
    doc_type: Annotated[DocType, typer.Option("--type", help="What the document is.")],
    status: Annotated[Status, typer.Option(help="What happened to it.")],
    reference: Annotated[str | None, typer.Option(help="Your reference for the report.")] = None,
    action: Annotated[
        Action | None, typer.Option(help="What checkers are told (default: the status's).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Report a document of your own country (POST /api/v1/documents)."""
    from accord.errors import ValidationError
    from accord.services.documents import report_document

    node = node_from_env()
    actor = user(node, "POST /api/v1/documents")
    try:
        state = report_document(
            node,
            actor,
            number=number,
            country_code=country,
            doc_type=doc_type.value,
            status=status.value,
            reference=reference,
            action=action.value if action else None,
        )
    except ValidationError as exc:
        raise _options(exc) from None
    _print_state(state.to_dict(), json_out, "reported")


@app.command()
def status(
    number: _Number,
    country: _Country,
    doc_type: Annotated[DocType, typer.Option("--type", help="What the document is.")],
    new: Annotated[Change, typer.Option("--status", help="The new status, or withdrawn.")],
    reason: Annotated[str | None, typer.Option(help="Why (kept in the history).")] = None,
    action: Annotated[Action | None, typer.Option(help="What checkers are told.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Change a report's status, or withdraw it (--status withdrawn); the old one stays in
    the history (POST /api/v1/documents/{country}/{type}/{number}/status)."""
    from accord.errors import ValidationError
    from accord.services.documents import change_status, parse_key

    node = node_from_env()
    actor = user(node, "POST /api/v1/documents/{country}/{doc_type}/{number}/status")
    try:
        key = parse_key(country, doc_type.value, number)
        state = change_status(
            node,
            actor,
            key,
            status=new.value,
            action=action.value if action else None,
            reason=reason,
        )
    except ValidationError as exc:
        raise _options(exc) from None
    _print_state(state.to_dict(), json_out, "changed")


@app.command()
def check(
    lines: Annotated[
        list[str] | None,
        typer.Argument(help="With --mrz: the MRZ's 2 or 3 lines, each quoted ('P<D<<...')."),
    ] = None,
    number: Annotated[str | None, typer.Option("--number", help="The document number.")] = None,
    country: Annotated[
        str | None, typer.Option("--country", help="Issuing state: ICAO code, DEU or DE.")
    ] = None,
    mrz: Annotated[bool, typer.Option("--mrz", help="Check the MRZ given as arguments.")] = False,
    doc_type: Annotated[
        DocType | None, typer.Option("--type", help="Only a report of this type hits.")
    ] = None,
    location: Annotated[str | None, typer.Option(help="Where the check is made.")] = None,
    purpose: Annotated[
        str | None,
        typer.Option(
            help="border_control or identity_verification (default): why it is checked; a "
            "partner's document is checked by that partner under the agreements for it."
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
) -> None:
    """Check a document: HIT with the action to take, or NO HIT (POST /api/v1/documents/check).

    Give --number and --country, or --mrz and the MRZ's lines. A document of a partner's
    state is checked against that partner's registry; if the partner cannot answer, the
    document is NOT CHECKED (exit status 3), never a no-hit."""
    from accord.errors import FieldError, ValidationError
    from accord.services.documents import CheckAnswer, check_documents, parse_check

    raw: dict[str, Any] = {}
    if mrz:
        if number or country:
            raise ValidationError(FieldError("--mrz", "give the MRZ or --number and --country"))
        raw["mrz"] = list(lines or [])
    else:
        if lines:
            raise ValidationError(FieldError("lines", "MRZ lines need --mrz"))
        raw.update(number=number, country=country)
    if doc_type is not None:
        raw["type"] = doc_type.value
    try:
        item = parse_check(raw)
    except ValidationError as exc:
        raise ValidationError(
            [FieldError(e.field if mrz else f"--{e.field}", e.reason) for e in exc.errors]
        ) from None
    node = node_from_env()
    actor = user(node, "POST /api/v1/documents/check")
    (answer,) = check_documents(node, actor, [item], location=location, purpose=purpose)
    if not isinstance(answer, CheckAnswer):
        if json_out:
            print_json({"hit": None, "errors": [e.to_dict() for e in answer.errors]})
        else:
            say(("NOT CHECKED", "bold black on yellow"), "  ", answer.errors[0].reason)
        raise typer.Exit(3)
    if json_out:
        print_json(answer.to_dict())
        return
    if answer.hit and answer.action is not None:
        say(("HIT", "bold white on red"), "  ", (answer.action.code, "bold red"))
        say(answer.action.instruction)
    else:
        say(("NO HIT", "bold green"), "  the document is not reported lost or stolen here")


@app.command(name="import")
def import_(
    file: Annotated[
        Path, typer.Argument(help="CSV with a header, or JSON lines.", exists=True, dir_okay=False)
    ],
    fmt: Annotated[
        Format | None, typer.Option("--format", help="csv or jsonl; default: from the suffix.")
    ] = None,
    errors_file: Annotated[
        Path | None,
        typer.Option(
            "--errors", help="Write every error to this file as JSON lines.", dir_okay=False
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Load many reports: columns number, country, type, status (and optionally reference,
    action, reported_on). Bad lines are reported by number; the good ones still load.

    Exit status: 0 every line loaded, 1 some line was rejected, 2 the command was refused
    before reading (bad option or header)."""

    from accord.services.document_import import import_documents, read_lines

    chosen = fmt or (Format.CSV if file.suffix.lower() == ".csv" else Format.JSONL)
    node = node_from_env()
    actor = user(node, "POST /api/v1/documents")
    with reading_with_errors("import", file, errors_file, quiet=json_out) as (
        stream,
        progress,
        on_error,
    ):
        result = import_documents(
            node,
            actor,
            read_lines(stream, chosen.value),
            source=file.name,
            progress=progress,
            on_error=on_error,
        )
    if json_out:
        print_json(result.to_dict())
    else:
        say(
            f"{file.name}: {result.lines} lines, ",
            (f"{result.loaded} loaded", "green"),
            f" ({result.reported_again} reported again), " if result.reported_again else ", ",
            (f"{len(result.errors)} rejected", "red" if result.errors else "green"),
        )
        for e in result.errors[:20]:
            for f in e.errors:
                say(f"  line {e.line}: ", (f.field, "red"), f": {f.reason}", stderr=True)
        if len(result.errors) > 20:
            more = f"--errors {errors_file}" if errors_file else "--errors FILE to keep them all"
            say(f"  … and {len(result.errors) - 20} more ({more})", stderr=True)
    if not result.ok:
        raise typer.Exit(1)


def _print_state(state: dict[str, Any], json_out: bool, verb: str) -> None:
    if json_out:
        print_json(state)
        return
    action = state["action"]["code"] if state["action"] else "none"
    say(
        f"{state['type']} {state['number']} of {state['country']} {verb}: ",
        (state["status"], "bold"),
        f" (checkers are told: {action})",
    )
