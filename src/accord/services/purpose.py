"""The stated purpose of a search or request: why, for which case, in which crime area.

Every search states one (a search without it is refused), the ledger keeps it, and partners'
policy engines decide on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accord.errors import FieldError, ValidationError
from accord.model import crime_areas
from accord.policy.codes import purposes

__all__ = ["Purpose", "parse_purpose"]

MAX_REFERENCE = 500


@dataclass(frozen=True, slots=True)
class Purpose:
    code: str  # from the purpose code list (investigation, prosecution, border_control, …)
    reference: str  # case reference or free-text justification
    crime_area: str  # crime-area code

    def to_dict(self) -> dict[str, Any]:
        return {"purpose": self.code, "reference": self.reference, "crime_area": self.crime_area}


def parse_purpose(code: str | None, reference: str | None, crime_area: str | None) -> Purpose:
    """Validate a stated purpose; every missing or unknown part is named."""
    errors: list[FieldError] = []
    known = purposes()
    if not code:
        errors.append(FieldError("purpose", "is required"))
    elif code not in known:
        errors.append(
            FieldError("purpose", f"{code!r} is not a purpose code ({', '.join(sorted(known))})")
        )
    text = (reference or "").strip()
    if not text:
        errors.append(
            FieldError("reference", "state the case reference or a free-text justification")
        )
    elif len(text) > MAX_REFERENCE:
        errors.append(FieldError("reference", f"at most {MAX_REFERENCE} characters"))
    if not crime_area:
        errors.append(FieldError("crime_area", "is required"))
    elif crime_area not in crime_areas():
        errors.append(FieldError("crime_area", f"unknown crime-area code {crime_area!r}"))
    if errors:
        raise ValidationError(errors)
    assert code is not None and crime_area is not None
    return Purpose(code=code, reference=text, crime_area=crime_area)
