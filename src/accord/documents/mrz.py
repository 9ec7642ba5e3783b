"""Reading and validating a machine-readable zone (ICAO Doc 9303, 8th edition).

Five formats, told apart by the number and length of lines and the first letter:

| format | lines | Doc 9303 | document code |
|---|---|---|---|
| TD1 | 3 × 30 | Part 5, section 4.2 | A, C or I |
| TD2 | 2 × 36 | Part 6, section 4.2 | A, C or I |
| TD3 | 2 × 44 | Part 4, section 4.2 | P |
| MRV-A | 2 × 44 | Part 7, section 4.2 | V |
| MRV-B | 2 × 36 | Part 7, section 4.2 | V |

`parse_mrz` checks every rule it can and reports every failure at once, each naming its line
and field (`mrz.line2.birth_date_check_digit`): the line count and lengths, the character set
(Part 3, section 4.3), the check digits (Part 3, section 4.9: document number, birth date,
expiry date, TD3's personal number, and the composite of TD1, TD2 and TD3 — visas have none),
the dates (YYMMDD; a birth date may leave unknown parts as fillers), the sex (`M`, `F`, `<`,
and `X`, which states write since ICAO allowed it), and the issuing state and nationality
against the codes of Part 3 (`accord.documents.codes`).

A TD1 or TD2 document number longer than nine characters (Part 5, note j to section 4.2.2;
Part 6, note j): its first nine stand in the number field, a filler `<` stands in the check
digit's place (position 15 of TD1's first line, 10 of TD2's second), and the rest opens the
optional data, followed by the check digit of the whole number and a filler."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from accord.documents.codes import MRZ_ALPHABET, check_digit, country
from accord.errors import FieldError, ValidationError

__all__ = ["FORMATS", "MrzFormat", "ReadMrz", "parse_mrz"]


@dataclass(frozen=True, slots=True)
class MrzFormat:
    name: str
    lines: int
    length: int
    codes: str  # the letters a document code may start with


FORMATS = {
    "TD1": MrzFormat("TD1", 3, 30, "ACI"),
    "TD2": MrzFormat("TD2", 2, 36, "ACI"),
    "TD3": MrzFormat("TD3", 2, 44, "P"),
    "MRV-A": MrzFormat("MRV-A", 2, 44, "V"),
    "MRV-B": MrzFormat("MRV-B", 2, 36, "V"),
}

#: Where each field of a format stands: field name → (line index, start, end), 0-based,
#: end exclusive. TD2, TD3 and the visas share their first line's layout.
_TWO_LINE_TOP = {
    "document_code": (0, 0, 2),
    "issuing_state": (0, 2, 5),
    "name": (0, 5, None),
}
_TWO_LINE_BOTTOM = {
    "document_number": (1, 0, 9),
    "document_number_check_digit": (1, 9, 10),
    "nationality": (1, 10, 13),
    "birth_date": (1, 13, 19),
    "birth_date_check_digit": (1, 19, 20),
    "sex": (1, 20, 21),
    "expiry_date": (1, 21, 27),
    "expiry_date_check_digit": (1, 27, 28),
}
_LAYOUT: dict[str, dict[str, tuple[int, int, int | None]]] = {
    "TD1": {
        "document_code": (0, 0, 2),
        "issuing_state": (0, 2, 5),
        "document_number": (0, 5, 14),
        "document_number_check_digit": (0, 14, 15),
        "optional_data": (0, 15, 30),
        "birth_date": (1, 0, 6),
        "birth_date_check_digit": (1, 6, 7),
        "sex": (1, 7, 8),
        "expiry_date": (1, 8, 14),
        "expiry_date_check_digit": (1, 14, 15),
        "nationality": (1, 15, 18),
        "optional_data_2": (1, 18, 29),
        "composite_check_digit": (1, 29, 30),
        "name": (2, 0, 30),
    },
    "TD2": {
        **_TWO_LINE_TOP,
        **_TWO_LINE_BOTTOM,
        "optional_data": (1, 28, 35),
        "composite_check_digit": (1, 35, 36),
    },
    "TD3": {
        **_TWO_LINE_TOP,
        **_TWO_LINE_BOTTOM,
        "personal_number": (1, 28, 42),
        "personal_number_check_digit": (1, 42, 43),
        "composite_check_digit": (1, 43, 44),
    },
    "MRV-A": {**_TWO_LINE_TOP, **_TWO_LINE_BOTTOM, "optional_data": (1, 28, 44)},
    "MRV-B": {**_TWO_LINE_TOP, **_TWO_LINE_BOTTOM, "optional_data": (1, 28, 36)},
}
#: The spans of the composite check digit (line index, start, end).
_COMPOSITE: dict[str, tuple[tuple[int, int, int], ...]] = {
    "TD1": ((0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29)),
    "TD2": ((1, 0, 10), (1, 13, 20), (1, 21, 35)),
    "TD3": ((1, 0, 10), (1, 13, 20), (1, 21, 43)),
}
_SEXES = frozenset("MFX<")


@dataclass(frozen=True, slots=True)
class ReadMrz:
    """A valid MRZ, read. Text fields have their fillers trimmed; `issuing_state` and
    `nationality` are ICAO codes (`D` for Germany)."""

    format: str
    document_code: str
    issuing_state: str
    document_number: str
    primary_name: str
    secondary_name: str
    nationality: str
    birth_date: str  # YYMMDD, unknown parts as `<`
    sex: str  # M, F, X or "" (unspecified)
    expiry_date: str  # YYMMDD
    optional_data: tuple[str, ...]

    @property
    def kind(self) -> str:
        """The kind of document the code names: passport, visa or id_card (TD1/TD2 cards and
        other official travel documents)."""
        if self.document_code.startswith("P"):
            return "passport"
        if self.document_code.startswith("V"):
            return "visa"
        return "id_card"


def _format_of(lines: Sequence[str]) -> str | None:
    shape = (len(lines), len(lines[0]) if lines else 0)
    if shape == (3, 30):
        return "TD1"
    first = lines[0][:1] if lines else ""
    if shape == (2, 36):
        return "MRV-B" if first == "V" else "TD2"
    if shape == (2, 44):
        return "MRV-A" if first == "V" else "TD3"
    return None


def _split(mrz: Sequence[str] | str) -> list[str]:
    if isinstance(mrz, str):
        mrz = mrz.strip("\r\n").splitlines()
    return [line.strip("\r\n") for line in mrz]


def _shape_errors(lines: list[str]) -> list[FieldError]:
    """Line count, lengths and characters; empty when the MRZ has one of the five shapes."""
    if len(lines) not in (2, 3):
        return [FieldError("mrz.lines", f"an MRZ has 2 or 3 lines, not {len(lines)}")]
    errors: list[FieldError] = []
    wanted = {3: (30,), 2: (36, 44)}[len(lines)]
    width = len(lines[0])
    for n, line in enumerate(lines, 1):
        if len(line) not in wanted or len(line) != width:
            shapes = " or ".join(str(w) for w in wanted)
            errors.append(
                FieldError(
                    f"mrz.line{n}",
                    f"{len(lines)}-line MRZs have lines of {shapes} characters, all alike; "
                    f"this one has {len(line)}",
                )
            )
        bad = sorted({c for c in line if c not in MRZ_ALPHABET})
        if bad:
            shown = " ".join(repr(c) for c in bad)
            errors.append(
                FieldError(
                    f"mrz.line{n}",
                    f"characters outside A-Z, 0-9 and <: {shown} (at position "
                    f"{min(i for i, c in enumerate(line, 1) if c not in MRZ_ALPHABET)})",
                )
            )
    return errors


def _valid_date(value: str, *, unknown_allowed: bool) -> date | str | None:
    """The date of a YYMMDD field (century left open: year 2000 + YY for the check), None
    when valid with unknown parts, or the reason it is wrong."""
    if unknown_allowed and "<" in value:
        # Unknown parts are left as fillers, from the day leftwards (Part 3, section 4.8).
        known = value.rstrip("<")
        if len(known) not in (0, 2, 4) or (known and not known.isdigit()):
            return "unknown parts of a birth date are fillers from the right: YY<<<< or YYMM<<"
        if len(known) == 4 and not 1 <= int(known[2:]) <= 12:
            return f"month {known[2:]} is not 01-12"
        return None
    if not value.isdigit():
        return "a date is six digits, YYMMDD"
    try:
        # 2000 is a leap year, so 29 February is accepted for every YY (1900 would refuse it
        # for 00, which 2000 allows).
        return date(2000 + int(value[:2]), int(value[2:4]), int(value[4:]))
    except ValueError:
        return f"{value} is not a date (YYMMDD)"


def parse_mrz(mrz: Sequence[str] | str) -> ReadMrz:
    """The MRZ read, or ValidationError naming every failing field (see the module's
    docstring). `mrz` is its lines, or one text with a line per row."""
    lines = _split(mrz)
    errors = _shape_errors(lines)
    kind = _format_of(lines) if not errors else None
    if kind is None:
        raise ValidationError(errors or [FieldError("mrz.lines", "not an MRZ shape")])
    layout = _LAYOUT[kind]

    def field(name: str) -> str:
        line, start, end = layout[name]
        return lines[line][start:end]

    def fail(name: str, reason: str) -> None:
        errors.append(FieldError(f"mrz.line{layout[name][0] + 1}.{name}", reason))

    def digit(name: str, covered: str, *, empty_filler: bool = False) -> None:
        """The check digit `name` over `covered`; `empty_filler`: `<` for an empty field."""
        given, wanted = field(name), check_digit(covered)
        if empty_filler and given == "<" and not covered.strip("<"):
            return
        if given != wanted:
            fail(name, f"is {given!r}, the check digit of {covered!r} is {wanted}")

    code = field("document_code")
    if code[0] not in FORMATS[kind].codes:
        starts = " or ".join(FORMATS[kind].codes)
        fail("document_code", f"a {kind} document code starts with {starts}")
    elif not all(c.isalpha() or c == "<" for c in code):
        fail("document_code", "letters and fillers only")
    issuer = country(field("issuing_state"))
    if issuer is None or not issuer.issuer:
        fail("issuing_state", f"{field('issuing_state')!r} is not an ICAO issuing state code")
    nationality = country(field("nationality"))
    if nationality is None:
        fail("nationality", f"{field('nationality')!r} is not an ICAO nationality code")

    number = field("document_number")
    optional = [field("optional_data")] if "optional_data" in layout else []
    long_number = kind in ("TD1", "TD2") and field("document_number_check_digit") == "<"
    if long_number:
        # Part 5 note j / Part 6 note j: the number goes on in the optional data, up to its
        # check digit, which a filler follows.
        rest = optional[0]
        end = rest.find("<")
        if end < 2:
            fail(
                "document_number_check_digit",
                "a filler in place of the check digit announces a longer number, "
                "but the optional data does not continue it with a check digit",
            )
        else:
            full = number + rest[: end - 1]
            given = rest[end - 1]
            if given != check_digit(full):
                errors.append(
                    FieldError(
                        f"mrz.line{layout['optional_data'][0] + 1}.document_number_check_digit",
                        f"is {given!r}, the check digit of {full!r} is {check_digit(full)}",
                    )
                )
            number, optional = full, [rest[end + 1 :]]
    else:
        digit("document_number_check_digit", number)
    if not number.strip("<"):
        fail("document_number", "is empty")

    birth = field("birth_date")
    birth_ok = _valid_date(birth, unknown_allowed=True)
    if isinstance(birth_ok, str):
        fail("birth_date", birth_ok)
    digit("birth_date_check_digit", birth)
    expiry = _valid_date(field("expiry_date"), unknown_allowed=False)
    if isinstance(expiry, str):
        fail("expiry_date", expiry)
    digit("expiry_date_check_digit", field("expiry_date"))
    sex = field("sex")
    if sex not in _SEXES:
        fail("sex", f"is {sex!r}: M, F, X or < (unspecified)")
    if kind == "TD1":
        optional.append(field("optional_data_2"))
    if kind == "TD3":
        optional = [field("personal_number")]
        digit("personal_number_check_digit", field("personal_number"), empty_filler=True)
    if kind in _COMPOSITE:
        covered = "".join(lines[n][a:b] for n, a, b in _COMPOSITE[kind])
        digit("composite_check_digit", covered)

    name = field("name")
    if any(c.isdigit() for c in name):
        fail("name", "a name holds letters and fillers only")
    elif not name[:1].isalpha():
        fail("name", "starts with the primary identifier's first letter")
    if errors:
        raise ValidationError(errors)
    primary, _, secondary = name.partition("<<")
    assert issuer is not None and nationality is not None
    return ReadMrz(
        format=kind,
        document_code=code.rstrip("<"),
        issuing_state=issuer.code,
        document_number=number.strip("<"),
        primary_name=primary.replace("<", " ").strip(),
        secondary_name=secondary.replace("<", " ").strip(),
        nationality=nationality.code,
        birth_date=birth,
        sex="" if sex == "<" else sex,
        expiry_date=field("expiry_date"),
        optional_data=tuple(o.strip("<") for o in optional),
    )
