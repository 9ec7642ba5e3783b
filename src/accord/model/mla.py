"""Mutual legal assistance requests: the form, the instruments and measures (data), and the
state machine (pure; docs/messaging.md, "MLA requests").

    draft → sent → acknowledged → in_execution → partially_executed → executed
    sent | acknowledged | in_execution | partially_executed → refused (with grounds)

`partially_executed` may follow itself (more evidence returned). Executed and refused are
final. The requesting authority sends; every later step is the requested authority's.
Transitions are appended, never changed; the state is the latest one."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

import yaml

from accord.errors import Conflict, FieldError, ValidationError
from accord.model.codes import crime_areas
from accord.model.messages import Priority

__all__ = [
    "CLOSED",
    "IllegalTransition",
    "LegalBasis",
    "MeasureSpec",
    "MlaState",
    "check_assets",
    "check_form",
    "check_transition",
    "legal_bases",
    "measures",
    "quantile",
    "requested_side",
]


class MlaState(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    IN_EXECUTION = "in_execution"
    PARTIALLY_EXECUTED = "partially_executed"
    EXECUTED = "executed"
    REFUSED = "refused"


CLOSED = frozenset({MlaState.EXECUTED, MlaState.REFUSED})

_NEXT: Mapping[MlaState, frozenset[MlaState]] = {
    MlaState.DRAFT: frozenset({MlaState.SENT}),
    MlaState.SENT: frozenset({MlaState.ACKNOWLEDGED, MlaState.REFUSED}),
    MlaState.ACKNOWLEDGED: frozenset({MlaState.IN_EXECUTION, MlaState.REFUSED}),
    MlaState.IN_EXECUTION: frozenset(
        {MlaState.PARTIALLY_EXECUTED, MlaState.EXECUTED, MlaState.REFUSED}
    ),
    MlaState.PARTIALLY_EXECUTED: frozenset(
        {MlaState.PARTIALLY_EXECUTED, MlaState.EXECUTED, MlaState.REFUSED}
    ),
    MlaState.EXECUTED: frozenset(),
    MlaState.REFUSED: frozenset(),
}


class IllegalTransition(Conflict):
    """A step the MLA state machine does not allow (409)."""

    code = "illegal_transition"


def requested_side(target: MlaState) -> bool:
    """Whether the requested authority (not the requesting one) takes this step."""
    return target is not MlaState.SENT


def check_transition(current: MlaState, target: MlaState) -> None:
    if target not in _NEXT[current]:
        allowed = ", ".join(sorted(s.value for s in _NEXT[current])) or "none (final)"
        raise IllegalTransition(
            f"an MLA request {current.value} cannot become {target.value} (next: {allowed})"
        )


@dataclass(frozen=True, slots=True)
class LegalBasis:
    code: str
    kind: str  # convention | bilateral
    title: str


@dataclass(frozen=True, slots=True)
class MeasureSpec:
    code: str
    label: str
    amount: bool  # needs an amount and a currency
    assets: str | None  # "frozen" or "recovered": counted in the metrics once executed


@cache
def _data() -> dict[str, Any]:
    text = resources.files("accord.data").joinpath("mla.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


@cache
def legal_bases() -> dict[str, LegalBasis]:
    return {
        code: LegalBasis(code, str(v["kind"]), str(v["title"]))
        for code, v in _data()["legal_bases"].items()
    }


@cache
def measures() -> dict[str, MeasureSpec]:
    return {
        code: MeasureSpec(code, str(v["label"]), bool(v.get("amount")), v.get("assets"))
        for code, v in _data()["measures"].items()
    }


def _currency(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 3 and value.isalpha() and value.isupper()


def _measures(errors: list[FieldError], raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        errors.append(FieldError("measures", "name at least one measure requested"))
        return []
    known = measures()
    out: list[dict[str, Any]] = []
    for i, item in enumerate(raw[:50]):
        where = f"measures.{i}"
        if not isinstance(item, Mapping):
            errors.append(FieldError(where, "an object with a type"))
            continue
        spec = known.get(str(item.get("type")))
        if spec is None:
            errors.append(FieldError(f"{where}.type", f"one of {', '.join(sorted(known))}"))
            continue
        measure: dict[str, Any] = {"type": spec.code}
        detail = item.get("description")
        if detail is not None:
            if not isinstance(detail, str) or len(detail) > 2000:
                errors.append(FieldError(f"{where}.description", "text of at most 2000 characters"))
            else:
                measure["description"] = detail.strip()
        if spec.amount:
            try:
                amount = Decimal(str(item.get("amount")))
                if not amount.is_finite() or amount <= 0:
                    raise InvalidOperation
                measure["amount"] = str(amount)
            except InvalidOperation:
                errors.append(FieldError(f"{where}.amount", "a positive amount"))
            if not _currency(item.get("currency")):
                errors.append(FieldError(f"{where}.currency", "an ISO 4217 code, e.g. EUR"))
            else:
                measure["currency"] = item["currency"]
        out.append(measure)
    return out


def _deadline(errors: list[FieldError], raw: Any, now: datetime) -> datetime | None:
    if raw is None:
        return None
    try:
        if isinstance(raw, datetime):
            value = raw
        elif isinstance(raw, date):
            value = datetime.combine(raw, time(23, 59, 59), UTC)
        elif isinstance(raw, str) and len(raw) == 10:
            value = datetime.combine(date.fromisoformat(raw), time(23, 59, 59), UTC)
        else:
            value = datetime.fromisoformat(str(raw))
    except ValueError:
        errors.append(FieldError("deadline", "a date (2027-03-01) or a time with its zone"))
        return None
    if value.tzinfo is None:
        errors.append(FieldError("deadline", "a time must carry its zone"))
        return None
    if value <= now:
        errors.append(FieldError("deadline", "is in the past"))
    return value


def check_form(data: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The MLA form's values, checked; raises ValidationError naming every bad field. The
    requested authority (`requested_agency`) is checked against the partners by the caller."""
    errors: list[FieldError] = []
    requested = data.get("requested_agency")
    if not isinstance(requested, str) or not requested.strip():
        errors.append(FieldError("requested_agency", "is required (an agency code)"))
        requested = ""
    names: dict[str, str] = {}
    for name in ("requesting_authority", "requested_authority"):
        value = data.get(name)
        if not isinstance(value, str) or not value.strip() or len(value) > 300:
            errors.append(FieldError(name, "name the authority (at most 300 characters)"))
        else:
            names[name] = value.strip()
    basis = data.get("legal_basis")
    if not basis:
        errors.append(FieldError("legal_basis", "is required: the convention or treaty"))
    elif basis not in legal_bases():
        errors.append(FieldError("legal_basis", f"one of {', '.join(sorted(legal_bases()))}"))
    offence = data.get("offence")
    offence_out: dict[str, str] = {}
    if not isinstance(offence, Mapping):
        errors.append(FieldError("offence", "describe the offence, with its crime-area code"))
    else:
        text = offence.get("description")
        if not isinstance(text, str) or not text.strip() or len(text) > 4000:
            errors.append(FieldError("offence.description", "is required (at most 4000)"))
        else:
            offence_out["description"] = text.strip()
        area = offence.get("crime_area")
        if area not in crime_areas():
            errors.append(FieldError("offence.crime_area", f"unknown crime-area code {area!r}"))
        else:
            offence_out["crime_area"] = str(area)
    found = _measures(errors, data.get("measures"))
    urgency = data.get("urgency") or Priority.ROUTINE.value
    if urgency not in {p.value for p in Priority}:
        errors.append(FieldError("urgency", "routine, urgent or immediate"))
    deadline = _deadline(errors, data.get("deadline"), now)
    if deadline is None and not any(e.field == "deadline" for e in errors):
        errors.append(FieldError("deadline", "is required"))
    facts = data.get("facts") or ""
    if not isinstance(facts, str) or len(facts) > 20_000:
        errors.append(FieldError("facts", "text of at most 20000 characters"))
    case = data.get("case_reference") or None
    if case is not None and (not isinstance(case, str) or len(case) > 200):
        errors.append(FieldError("case_reference", "at most 200 characters"))
    if errors:
        raise ValidationError(errors)
    assert deadline is not None
    return {
        "requested_agency": requested.strip().upper(),
        **names,
        "legal_basis": basis,
        "offence": offence_out,
        "measures": found,
        "urgency": urgency,
        "deadline": deadline,
        "facts": facts.strip(),
        "case_reference": case,
    }


def check_assets(raw: Any) -> list[dict[str, str]]:
    """Assets frozen or recovered that an execution step reports: `[{kind, amount, currency}]`."""
    if raw is None:
        return []
    errors: list[FieldError] = []
    out: list[dict[str, str]] = []
    if not isinstance(raw, list):
        raise ValidationError(FieldError("assets", "a list of {kind, amount, currency}"))
    for i, item in enumerate(raw[:50]):
        where = f"assets.{i}"
        if not isinstance(item, Mapping) or item.get("kind") not in ("frozen", "recovered"):
            errors.append(FieldError(f"{where}.kind", "frozen or recovered"))
            continue
        try:
            amount = Decimal(str(item.get("amount")))
            if not amount.is_finite() or amount <= 0:
                raise InvalidOperation
        except InvalidOperation:
            errors.append(FieldError(f"{where}.amount", "a positive amount"))
            continue
        if not _currency(item.get("currency")):
            errors.append(FieldError(f"{where}.currency", "an ISO 4217 code, e.g. EUR"))
            continue
        out.append({"kind": item["kind"], "amount": str(amount), "currency": item["currency"]})
    if errors:
        raise ValidationError(errors)
    return out


def quantile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile (0 < q <= 1) by the nearest-rank method; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]
