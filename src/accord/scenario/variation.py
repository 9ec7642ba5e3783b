"""The variation model: how one true identity comes out differently at each agency.

Every function here draws from the record's own random stream, applies each kind of variation
at its configured rate (see `Variation`) where the record is eligible for it, and returns the
labels of the kinds it applied, which go to truth.jsonl with the record.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Collection
from datetime import date

from accord.scenario.names import Token
from accord.scenario.options import Variation
from accord.scenario.translit import spell

__all__ = ["NameParts", "render_dob", "typo", "upper_name"]

_QWERTY = (
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
)
_NEIGHBOURS: dict[str, str] = {}
for _r, _row in enumerate(_QWERTY):
    for _c, _ch in enumerate(_row):
        near = _row[max(0, _c - 1) : _c] + _row[_c + 1 : _c + 2]
        for _other in (_r - 1, _r + 1):
            if 0 <= _other < len(_QWERTY):
                near += _QWERTY[_other][max(0, _c - 1) : _c + 1]
        _NEIGHBOURS[_ch] = near

#: Letters people confuse within a script (by sound, by shape, or by keyboard layout).
_CONFUSABLE: dict[str, str] = {
    "Cyrl": "иі іи еє єе оа ао гґ ґг ий йи шщ щш ьъ",
    "Grek": "ιη ηι υι οω ωο εη",
    "Arab": "ةه هة ىي يى أا إا اأ آا ذز زذ ثس",
}
_PAIRS = {
    script: {pair[0]: pair[1] for pair in spec.split()} for script, spec in _CONFUSABLE.items()
}


def typo(rng: random.Random, text: str, script: str, homophones: tuple[str, ...] = ()) -> str:
    """`text` with one slip: a homophone character (Han), a confusable letter, a neighbouring
    key, a dropped, doubled or transposed letter. Always differs from `text`."""
    if script == "Hani" and homophones:
        return rng.choice(homophones)
    pairs = _PAIRS.get(script, {})
    for _ in range(8):
        chars = list(text)
        letters = [i for i, c in enumerate(chars) if c.isalpha()]
        if not letters:
            return text + text[-1:]
        i = rng.choice(letters)
        op = rng.randrange(4)
        low = chars[i].lower()
        if op == 0 and (low in pairs or low in _NEIGHBOURS):
            repl = pairs.get(low) or rng.choice(_NEIGHBOURS[low])
            chars[i] = repl.upper() if chars[i].isupper() else repl
        elif op == 1 and len(letters) > 3:
            del chars[i]
        elif op == 2 and i + 1 < len(chars) and chars[i + 1].isalpha():
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        else:
            chars.insert(i, chars[i].lower() if i > 0 else chars[i])
        out = "".join(chars)
        if out != text:
            return out
    return text + text[-1:]


def _shift_year(d: date, delta: int) -> date:
    try:
        return d.replace(year=d.year + delta)
    except ValueError:
        return d.replace(year=d.year + delta, day=28)


def render_dob(
    rng: random.Random, birth: date, var: Variation, force: Collection[str] = ()
) -> tuple[str | None, list[str]]:
    """The birth date as a record has it: missing, the year only, day and month swapped (when
    the day can be a month and differs from it), the year off by one, or right."""
    labels: list[str] = []
    if "dob_missing" in force or rng.random() < var.dob_missing:
        return None, ["dob_missing"]
    off = "dob_year_off" in force or rng.random() < var.dob_year_off
    year_only = "dob_year_only" in force or rng.random() < var.dob_year_only
    swap = "dob_day_month_swap" in force or rng.random() < var.dob_day_month_swap
    shown = birth
    if off:
        shown = _shift_year(shown, rng.choice((-1, 1)))
        labels.append("dob_year_off")
    if year_only:
        labels.append("dob_year_only")
        return f"{shown.year:04d}", labels
    if swap and birth.day <= 12 and birth.day != birth.month:
        shown = shown.replace(month=birth.day, day=birth.month)
        labels.append("dob_day_month_swap")
    return shown.isoformat(), labels


class NameParts:
    """A name being written down: the pieces in the script the record uses."""

    __slots__ = ("chain", "father", "first", "last", "middle")

    def __init__(
        self, first: str, last: str, middle: list[str], father: str | None, chain: list[str]
    ) -> None:
        self.first = first
        self.last = last
        self.middle = middle  # further given names
        self.father = father  # patronymic or father's name (fatherName)
        self.chain = chain  # Arabic: father's and grandfather's names, part of the full name

    def full(self, fmt: str, *, patronymic_in_name: bool, upper_surname: bool) -> str:
        last = upper_name(self.last) if upper_surname else self.last
        given = [self.first, *self.middle, *self.chain]
        if patronymic_in_name and self.father:
            given.append(self.father)
        if fmt == "han":
            return last + "".join(given)
        if fmt == "surname_first":
            return " ".join([last, *given])
        return " ".join([*given, last])


def upper_name(text: str) -> str:
    """Capitals as registers write them: Greek capitals carry no accents (ΒΛΑΧΟΥ)."""
    decomposed = unicodedata.normalize("NFD", text.upper())
    return unicodedata.normalize("NFC", decomposed.replace("\u0301", ""))


def nick_latin(token: Token, nick: str, script: str) -> str:
    """A native-script nickname written in Latin with the culture's passport table."""
    if script == "Cyrl":
        return spell("uk_national_2010", nick)
    if script == "Grek":
        return spell("el_phonetic", nick)
    return nick
