"""Writing an MRZ from its fields, with every check digit computed: the inverse of
`parse_mrz`, for specimens, tests and synthetic data (ICAO Doc 9303 Parts 4-7, section 4.2)."""

from __future__ import annotations

from accord.documents.codes import check_digit
from accord.documents.mrz import _COMPOSITE, _LAYOUT, FORMATS

__all__ = ["compose_mrz"]


def _pad(text: str, width: int) -> str:
    if len(text) > width:
        raise ValueError(f"{text!r} is longer than its field ({width} characters)")
    return text + "<" * (width - len(text))


def compose_mrz(
    kind: str,
    *,
    document_code: str,
    issuing_state: str,
    document_number: str,
    primary_name: str,
    secondary_name: str = "",
    nationality: str,
    birth_date: str,
    sex: str,
    expiry_date: str,
    optional_data: str = "",
    optional_data_2: str = "",
) -> list[str]:
    """The lines of a `kind` MRZ (TD1, TD2, TD3, MRV-A, MRV-B). Fields are in MRZ characters
    already (names with `<` between words); `optional_data` is TD3's personal number. A TD1
    or TD2 number longer than nine characters goes on in the optional data (Part 5, note j)."""
    spec = FORMATS[kind]
    layout = _LAYOUT[kind]
    lines = [["<"] * spec.length for _ in range(spec.lines)]

    def put(name: str, text: str) -> None:
        line, start, end = layout[name]
        width = (end if end is not None else spec.length) - start
        lines[line][start : start + width] = _pad(text, width)

    def get(line: int, start: int, end: int) -> str:
        return "".join(lines[line][start:end])

    name = primary_name.replace(" ", "<")
    if secondary_name:
        name += "<<" + secondary_name.replace(" ", "<")
    name_span = layout["name"]
    put("name", name[: (name_span[2] or spec.length) - name_span[1]])
    put("document_code", document_code)
    put("issuing_state", issuing_state)
    put("nationality", nationality)
    put("birth_date", birth_date)
    put("birth_date_check_digit", check_digit(birth_date))
    put("sex", sex)
    put("expiry_date", expiry_date)
    put("expiry_date_check_digit", check_digit(expiry_date))
    if len(document_number) > 9 and kind in ("TD1", "TD2"):
        put("document_number", document_number[:9])
        put("document_number_check_digit", "<")
        rest = document_number[9:] + check_digit(document_number)
        optional_data = rest + ("<" + optional_data if optional_data else "")
    else:
        put("document_number", document_number)
        put("document_number_check_digit", check_digit(_pad(document_number, 9)))
    if kind == "TD3":
        put("personal_number", optional_data)
        filled = check_digit(_pad(optional_data, 14)) if optional_data else "<"
        put("personal_number_check_digit", filled)
    else:
        put("optional_data", optional_data)
    if kind == "TD1":
        put("optional_data_2", optional_data_2)
    if kind in _COMPOSITE:
        covered = "".join(get(*span) for span in _COMPOSITE[kind])
        put("composite_check_digit", check_digit(covered))
    return ["".join(line) for line in lines]
