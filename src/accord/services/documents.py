"""Travel documents: the lost-and-stolen registry (like INTERPOL's SLTD) and document checks
(like I-Checkit).

An agency reports a document its own country issued — stolen, lost, revoked, invalidated or
stolen blank — and may later change the status or withdraw the report; every superseded
report stays in the history. A check names a document (issuing state, number, optionally its
type) or gives its MRZ, and is answered `hit` or not and, on a hit, the action to take:
nothing else about the document or its holder.

Checks are many (a border post, an airline's passenger list), so they reach the ledger in
batches: one entry per request or per group of concurrent requests (`CheckJournal`), naming
the number of checks and hits and a SHA-256 digest of what was checked. Each hit is stored
with who checked and where (`on_document_hit`), in the transaction of that entry."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from accord.documents import WITHDRAWN, Action, country, issuer_code, normalise_number, rules
from accord.documents.mrz import parse_mrz
from accord.errors import Conflict, FieldError, Forbidden, NotFound, ValidationError
from accord.model import Principal
from accord.services import document_exchange as exchange
from accord.services.audit import Event, record_event
from accord.services.document_journal import (
    CheckAnswer,
    CheckItem,
    Checks,
    NotChecked,
    journal,
    on_document_hit,
)
from accord.services.node import Node
from accord.store import documents as store
from accord.store.documents import Key, Report

__all__ = [
    "MAX_BATCH",
    "MAX_NUMBER",
    "CheckAnswer",
    "CheckItem",
    "DocumentState",
    "NotChecked",
    "ask_partners",
    "asks_partners",
    "change_status",
    "check_documents",
    "check_issuer",
    "check_purpose",
    "check_status",
    "check_text",
    "journal",
    "on_document_hit",
    "parse_check",
    "parse_country",
    "parse_items",
    "parse_key",
    "parse_number",
    "parse_type",
    "report_document",
    "show_document",
    "submit_checks",
]

#: Items one batch check may carry.
MAX_BATCH = 10_000
#: Longest document number accepted, normalised (Doc 9303 numbers have at most 9 characters,
#: long TD1 numbers some more; national registers' numbers a few more still).
MAX_NUMBER = 40
MAX_REFERENCE = 200
MAX_REASON = 2000
MAX_LOCATION = 200


# --- parsing -------------------------------------------------------------------------------


def parse_country(value: Any, where: str, errors: list[FieldError]) -> str:
    if not isinstance(value, str) or not value.strip():
        errors.append(FieldError(where, "give the issuing state: ICAO code (D, UKR), DEU or DE"))
        return ""
    code = _issuer(value)
    if code is None:
        errors.append(FieldError(where, f"{value!r} is not an issuing state or organisation"))
        return ""
    return code


@lru_cache(maxsize=4096)
def _issuer(value: str) -> str | None:
    """`issuer_code`, once per spelling: a batch names the same few states again and again."""
    return issuer_code(value)


def parse_number(value: Any, where: str, errors: list[FieldError]) -> str:
    if not isinstance(value, str):
        errors.append(FieldError(where, "give the document number"))
        return ""
    number = normalise_number(value)
    if number.isascii() and number.isalnum() and len(number) <= MAX_NUMBER:
        return number  # upper case already: A-Z and 0-9 only
    if not number:
        errors.append(FieldError(where, "give the document number"))
    elif len(number) > MAX_NUMBER:
        errors.append(FieldError(where, f"at most {MAX_NUMBER} letters and digits"))
    else:
        errors.append(FieldError(where, "letters A-Z and digits only (spaces and - . / ignored)"))
    return number


def parse_type(value: Any, where: str, errors: list[FieldError]) -> str:
    types = rules().types
    if value not in types:
        errors.append(FieldError(where, f"one of {', '.join(types)}"))
        return ""
    return str(value)


def parse_key(country_code: Any, doc_type: Any, number: Any) -> Key:
    """A document's key from what a caller typed, or ValidationError naming each field."""
    errors: list[FieldError] = []
    key = (
        parse_country(country_code, "country", errors),
        parse_number(number, "number", errors),
        parse_type(doc_type, "type", errors),
    )
    if errors:
        raise ValidationError(errors)
    return key


def parse_check(raw: Mapping[str, Any], where: str = "") -> CheckItem:
    """A check from `{"number", "country", "type"?}` or `{"mrz": [lines], "type"?}`; errors
    are named under `where` (`items.3.mrz.line2.birth_date_check_digit`)."""
    prefix = f"{where}." if where else ""
    errors: list[FieldError] = []
    doc_type = raw.get("type")
    if doc_type is not None:
        doc_type = parse_type(doc_type, f"{prefix}type", errors)
    mrz = raw.get("mrz")
    if mrz is not None:
        if raw.get("number") is not None or raw.get("country") is not None:
            errors.append(
                FieldError(f"{prefix}mrz", "give the MRZ or number and country, not both")
            )
            raise ValidationError(errors)
        try:
            read = parse_mrz(mrz)
        except ValidationError as exc:
            errors.extend(FieldError(f"{prefix}{e.field}", e.reason) for e in exc.errors)
            raise ValidationError(errors) from None
        if errors:
            raise ValidationError(errors)
        return CheckItem(read.issuing_state, normalise_number(read.document_number), doc_type)
    item = CheckItem(
        parse_country(raw.get("country"), f"{prefix}country", errors),
        parse_number(raw.get("number"), f"{prefix}number", errors),
        doc_type,
    )
    if errors:
        raise ValidationError(errors)
    return item


# --- the registry --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocumentState:
    """A document's current report, as its issuing agency sees it."""

    report: Report
    history: tuple[store.Superseded, ...] = ()
    hits: tuple[dict[str, Any], ...] = ()

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        """The report; `full`: with its history and hits too."""
        out = _report_dict(self.report)
        if full:
            out["history"] = [
                {
                    **_report_dict(h.report),
                    "superseded_at": h.superseded_at.isoformat(),
                    "superseded_by": h.superseded_by,
                    "reason": h.reason,
                }
                for h in self.history
            ]
            out["hits"] = [{**h, "at": h["at"].isoformat()} for h in self.hits]
        return out


def _report_dict(r: Report) -> dict[str, Any]:
    active = r.status != WITHDRAWN
    return {
        "country": r.country,
        "number": r.number,
        "type": r.doc_type,
        "status": r.status,
        "action": _action(r.status, r.action).to_dict() if active else None,
        "action_chosen": r.action is not None,
        "reported_on": r.reported_on.isoformat(),
        "agency": r.agency,
        "reference": r.reference,
        "changed_at": r.changed_at.isoformat(),
        "changed_by": r.changed_by,
    }


def _action(status: str, chosen: str | None) -> Action:
    return rules().action_for(status, chosen)


def check_issuer(principal: Principal, code: str, verb: str) -> None:
    """Only an agency of the issuing state reports or changes its documents."""
    found = country(code)
    own = principal.agency[:2].upper()
    if found is None or not found.alpha2 or found.alpha2 != own:
        raise Forbidden(
            f"only an agency of the issuing state may {verb} its documents; "
            f"{principal.agency} is not one for {code}"
        )


def check_text(value: str | None, name: str, limit: int, errors: list[FieldError]) -> None:
    if value is not None and (not value.strip() or len(value) > limit):
        errors.append(FieldError(name, f"1 to {limit} characters when given"))


def check_status(
    status: str, action: str | None, errors: list[FieldError], *, withdrawal: bool
) -> None:
    r = rules()
    allowed = [*r.statuses, WITHDRAWN] if withdrawal else list(r.statuses)
    if status not in allowed:
        errors.append(FieldError("status", f"one of {', '.join(allowed)}"))
    if action is not None and action not in r.actions:
        errors.append(FieldError("action", f"one of {', '.join(r.actions)}"))
    if action is not None and status == WITHDRAWN:
        errors.append(FieldError("action", "a withdrawn report has no action"))


def report_document(
    node: Node,
    principal: Principal,
    *,
    number: str,
    country_code: str,
    doc_type: str,
    status: str,
    reference: str | None = None,
    action: str | None = None,
    reported_on: date | None = None,
) -> DocumentState:
    """Report a document of the caller's own country; 403 for another country's (nothing
    written), 409 if it is already reported (change its status instead). A withdrawn report
    may be made again. The report goes to the ledger."""
    errors: list[FieldError] = []
    key = (
        parse_country(country_code, "country", errors),
        parse_number(number, "number", errors),
        parse_type(doc_type, "type", errors),
    )
    check_status(status, action, errors, withdrawal=False)
    check_text(reference, "reference", MAX_REFERENCE, errors)
    if errors:
        raise ValidationError(errors)
    check_issuer(principal, key[0], "report")
    now = datetime.now(UTC)
    new = Report(
        *key,
        status=status,
        action=action,
        reported_on=reported_on or now.date(),
        agency=principal.agency,
        reference=reference,
        changed_at=now,
        changed_by=principal.label,
    )
    with node.engine.begin() as conn:
        old = store.get_report(conn, key, lock=True)
        if old is not None and old.status != WITHDRAWN:
            raise Conflict(
                f"{key[2]} {key[1]} of {key[0]} is already reported {old.status}; "
                "change its status instead"
            )
        if old is None:
            store.insert_reports(conn, [new])
        else:
            store.supersede(conn, old, new, at=now, by=principal.label, reason="reported again")
        record_event(conn, Event.DOCUMENT_REPORT, principal, _ledger_report(new))
    return DocumentState(new)


def _ledger_report(r: Report, reason: str | None = None) -> dict[str, Any]:
    out = {
        "country": r.country,
        "number": r.number,
        "type": r.doc_type,
        "status": r.status,
        "action": r.action,
        "reference": r.reference,
        "reported_on": r.reported_on.isoformat(),
    }
    if reason is not None:
        out["reason"] = reason
    return out


def change_status(
    node: Node,
    principal: Principal,
    key: Key,
    *,
    status: str,
    action: str | None = None,
    reason: str | None = None,
    reference: str | None = None,
) -> DocumentState:
    """A new status for a reported document (`withdrawn` withdraws the report: checks no
    longer hit it), by the agency that reported it; the report it replaces goes to the
    history, the change to the ledger."""
    errors: list[FieldError] = []
    check_status(status, action, errors, withdrawal=True)
    check_text(reason, "reason", MAX_REASON, errors)
    check_text(reference, "reference", MAX_REFERENCE, errors)
    if errors:
        raise ValidationError(errors)
    check_issuer(principal, key[0], "change")
    now = datetime.now(UTC)
    with node.engine.begin() as conn:
        old = store.get_report(conn, key, lock=True)
        if old is None:
            raise NotFound(f"no report of {key[2]} {key[1]} of {key[0]}")
        if old.agency != principal.agency:
            raise Forbidden(f"only {old.agency}, which reported it, may change this report")
        chosen = action if status != WITHDRAWN else None
        if old.status == status and old.action == chosen and reference in (None, old.reference):
            raise Conflict(f"the report is {status} already")
        new = Report(
            *key,
            status=status,
            action=chosen,
            reported_on=old.reported_on,
            agency=old.agency,
            reference=reference if reference is not None else old.reference,
            changed_at=now,
            changed_by=principal.label,
        )
        store.supersede(conn, old, new, at=now, by=principal.label, reason=reason)
        record_event(conn, Event.DOCUMENT_CHANGE, principal, _ledger_report(new, reason))
    return DocumentState(new)


def show_document(node: Node, principal: Principal, key: Key) -> DocumentState:
    """A document's report with its history and hits, for an agency of its issuing state;
    the read goes to the ledger."""
    check_issuer(principal, key[0], "read")
    with node.engine.begin() as conn:
        current = store.get_report(conn, key)
        if current is None:
            raise NotFound(f"no report of {key[2]} {key[1]} of {key[0]}")
        past = store.history(conn, key)
        hits = store.hits_of(conn, key)
        record_event(
            conn,
            Event.DOCUMENT_READ,
            principal,
            {"country": key[0], "number": key[1], "type": key[2]},
        )
    return DocumentState(current, tuple(past), tuple(hits))


# --- checks --------------------------------------------------------------------------------


def _checks(
    principal: Principal, items: Sequence[CheckItem | ValidationError], location: str | None
) -> Checks:
    if location is not None and (not location.strip() or len(location) > MAX_LOCATION):
        raise ValidationError(FieldError("location", f"1 to {MAX_LOCATION} characters"))
    return Checks(principal.label, principal.agency, location, items)


def submit_checks(
    node: Node,
    principal: Principal,
    items: Sequence[CheckItem | ValidationError],
    *,
    location: str | None = None,
    answered: Mapping[int, tuple[str, CheckAnswer] | NotChecked] | None = None,
) -> Future[list[CheckAnswer | ValidationError]]:
    """`check_documents` without waiting, once the partners were asked (`answered`, from
    `ask_partners`): the future of its answers (for the API's event loop, which awaits it
    without holding a thread)."""
    checks = _checks(principal, items, location)
    if answered:
        checks.items = [
            found if isinstance(found := answered.get(n), NotChecked) else item
            for n, item in enumerate(items)
        ]
        checks.answered = {n: a for n, a in answered.items() if not isinstance(a, NotChecked)}
    return journal(node).submit(checks)


asks_partners = exchange.asks_partners
check_purpose = exchange.check_purpose


def ask_partners(
    node: Node,
    principal: Principal,
    items: Sequence[CheckItem | ValidationError],
    *,
    location: str | None = None,
    purpose: str | None = None,
    batch: bool = False,
) -> dict[int, tuple[str, CheckAnswer] | NotChecked]:
    """Ask the partner of each item's issuing state (`accord.services.document_exchange`):
    what they answered, by index. Blocks for up to the federation timeout."""
    stated = exchange.check_purpose(purpose, location)
    if not exchange.asks_partners(node, items):
        return {}
    return exchange.ask_issuers(
        node, principal, items, location=location, purpose=stated, batch=batch
    )


def check_documents(
    node: Node,
    principal: Principal,
    items: Sequence[CheckItem | ValidationError],
    *,
    location: str | None = None,
    purpose: str | None = None,
) -> list[CheckAnswer | ValidationError]:
    """Answer each check (an item that failed to parse is answered with its error) with one
    indexed lookup per document — a document of a partner's state by that partner, through
    the federation; the checks reach the ledger, summarised, before the answer
    (`accord.services.document_journal`), and each hit is stored (`on_document_hit`). An item
    whose partner could not answer is answered `NotChecked`, never as a no-hit."""
    answered = ask_partners(
        node, principal, items, location=location, purpose=purpose, batch=len(items) > 1
    )
    return submit_checks(node, principal, items, location=location, answered=answered).result()


def parse_items(raw: Iterable[Mapping[str, Any]]) -> list[CheckItem | ValidationError]:
    """Each raw item of a batch parsed, or its error (named `items.N.…`).

    An item of number, country and perhaps type that is good as it is (nearly all of a batch)
    is read straight: the same rules as `parse_check`, without naming fields nobody will
    see. Anything else — an MRZ, a bad value — goes through `parse_check`, which names
    them."""
    out: list[CheckItem | ValidationError] = []
    types = rules().types
    for n, item in enumerate(raw):
        number = item.get("number")
        code = item.get("country")
        doc_type = item.get("type")
        if (
            "mrz" not in item
            and isinstance(number, str)
            and isinstance(code, str)
            and (doc_type is None or doc_type in types)
            and (issuer := _issuer(code)) is not None
        ):
            normal = normalise_number(number)
            if normal and normal.isascii() and normal.isalnum() and len(normal) <= MAX_NUMBER:
                out.append(CheckItem(issuer, normal, doc_type))
                continue
        try:
            out.append(parse_check(item, f"items.{n}"))
        except ValidationError as exc:
            out.append(exc)
    return out
