"""Name cultures: given and family names in their own script with every Latin spelling the
generator may use for them, computed once from the shipped lists and transliteration tables.

A `Token` is one name (Олександр, Παπαδόπουλος, محمد, 张, Müller) with `forms`, its Latin
spelling under each romanisation standard the culture knows; `forms["passport"]` (or, for
Arabic, the issuing country's convention) is the spelling in the holder's passport.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from accord.scenario.data import load_yaml
from accord.scenario.translit import fold_ascii, table

__all__ = ["CULTURES", "Culture", "Token", "culture", "pinyin_join"]

CULTURES = ("de", "nl", "uk", "el", "ar", "zh")

#: Romanisation standards per culture, beyond "passport" (see data/translit.yaml).
_CYRILLIC_STANDARDS = {
    "passport": "uk_national_2010",
    "uk_duden": "uk_duden",
    "uk_dutch": "uk_dutch",
    "uk_iso9": "uk_iso9",
}
_RUSSIAN_STANDARDS = {"ru_bgn_pcgn": "ru_bgn_pcgn", "ru_duden": "ru_duden"}
_GREEK_STANDARDS = {
    "passport": "el_elot743",
    "el_phonetic": "el_phonetic",
    "el_duden": "el_duden",
}
_UMLAUTS = {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}


@dataclass(frozen=True, slots=True)
class Token:
    """One name in its culture's script and all its Latin spellings."""

    native: str
    forms: Mapping[str, str]
    variants: tuple[str, ...] = ()
    intl: str | None = None
    nicks: tuple[str, ...] = ()
    homophones: tuple[str, ...] = ()
    #: Ukrainian: the patronymic this name gives its children, as (son's, daughter's) Tokens
    patronymic: tuple[Token, Token] | None = None

    def latin(self, standard: str) -> str:
        """The spelling under `standard`, or the passport spelling if the token has none."""
        return self.forms.get(standard) or self.forms["passport"]


@dataclass(frozen=True, slots=True)
class Culture:
    code: str
    script: str
    male: tuple[Token, ...]
    female: tuple[Token, ...]
    #: family names as (male form, female form); the same Token twice where it does not change
    surnames: tuple[tuple[Token, Token], ...]
    standards: tuple[str, ...] = field(default=("passport",))

    @property
    def latin_script(self) -> bool:
        return self.script == "Latn"


def _strs(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _unique(values: list[str], exclude: str) -> tuple[str, ...]:
    out: list[str] = []
    for v in values:
        if v and v != exclude and v not in out:
            out.append(v)
    return tuple(out)


def _cyrillic(entry: Mapping[str, Any], native: str, ru: str | None) -> Token:
    forms = {std: table(name)(native) for std, name in _CYRILLIC_STANDARDS.items()}
    for std, name in _RUSSIAN_STANDARDS.items():
        spelled = table(name)(ru or native)
        # A Ukrainian-only letter (і, ї, є, ґ) has no Russian reading: keep the passport form.
        if spelled.isascii():
            forms[std] = spelled
    patronymic = _strs(entry.get("patronymic"))
    return Token(
        native=native,
        forms=forms,
        variants=_unique(list(forms.values()), forms["passport"]),
        intl=entry.get("intl"),
        nicks=_strs(entry.get("nick")),
        patronymic=(
            (_cyrillic({}, patronymic[0], None), _cyrillic({}, patronymic[1], None))
            if len(patronymic) == 2
            else None
        ),
    )


def _greek(entry: Mapping[str, Any], native: str) -> Token:
    forms = {std: table(name)(native) for std, name in _GREEK_STANDARDS.items()}
    alt = list(_strs(entry.get("alt")))
    return Token(
        native=native,
        forms=forms,
        variants=_unique([forms["el_phonetic"], forms["el_duden"], *alt], forms["passport"]),
        intl=entry.get("intl"),
        nicks=_strs(entry.get("nick")),
    )


def _arabic(entry: Mapping[str, Any]) -> Token:
    forms = {"eg": str(entry["eg"]), "lev": str(entry["lev"]), "std": str(entry["std"])}
    forms["passport"] = forms["eg"]
    alt = [forms["eg"], forms["lev"], forms["std"], *_strs(entry.get("alt"))]
    return Token(
        native=str(entry["native"]),
        forms=forms,
        variants=tuple(dict.fromkeys(a for a in alt if a)),
        intl=entry.get("intl"),
    )


def _latin_variants(native: str, alt: tuple[str, ...], culture: str) -> tuple[str, ...]:
    out: list[str] = []
    if any(c in native for c in _UMLAUTS):
        out.append("".join(_UMLAUTS.get(c, c) for c in native))
        out.append(fold_ascii(native).replace("ß", "ss"))
    if culture == "nl":
        words = native.split(" ")
        if len(words) > 1:
            particle, name = " ".join(words[:-1]), words[-1]
            out.append(particle[:1].upper() + particle[1:] + " " + name)
            out.append(" ".join(w.capitalize() for w in words))
            out.append(name + " " + particle)
            out.append("".join(words).capitalize())
        if "ij" in native:
            out.append(native.replace("ij", "y"))
    out.extend(alt)
    return _unique(out, native)


def _latin(entry: Mapping[str, Any], native: str, culture: str) -> Token:
    alt = _strs(entry.get("alt"))
    return Token(
        native=native,
        forms={"passport": native},
        variants=_latin_variants(native, alt, culture),
        intl=entry.get("intl"),
        nicks=_strs(entry.get("nick")),
    )


def _han(entry: Mapping[str, Any]) -> Token:
    pinyin = str(entry["pinyin"])
    return Token(
        native=str(entry["native"]),
        forms={"passport": pinyin},
        variants=_strs(entry.get("alt")),
        homophones=_strs(entry.get("homophones")),
    )


def _token(code: str, entry: Mapping[str, Any], native_key: str = "native") -> Token:
    native = str(entry[native_key])
    if code == "uk":
        ru = entry.get("ru" if native_key == "native" else "ru_female")
        return _cyrillic(entry, native, str(ru) if ru else None)
    if code == "el":
        return _greek(entry, native)
    if code == "ar":
        return _arabic(entry)
    if code == "zh":
        return _han(entry)
    return _latin(entry, native, code)


@lru_cache(maxsize=len(CULTURES))
def culture(code: str) -> Culture:
    """The name culture `code` (one of CULTURES), built once."""
    data = load_yaml(f"names/{code}.yaml")
    male = tuple(_token(code, e) for e in data["given"]["male"])
    female = tuple(_token(code, e) for e in data["given"]["female"])
    surnames: list[tuple[Token, Token]] = []
    for e in data["surnames"]:
        m = _token(code, e)
        f = _token(code, e, "female") if "female" in e else m
        surnames.append((m, f))
    standards = {"passport"}
    for tok in (*male, *female, *(s for pair in surnames for s in pair)):
        standards.update(tok.forms)
    return Culture(
        code=code,
        script=str(data["script"]),
        male=male,
        female=female,
        surnames=tuple(surnames),
        standards=tuple(sorted(standards)),
    )


def pinyin_join(syllables: list[str]) -> str:
    """A Chinese given name as one Pinyin word: the apostrophe marks a syllable boundary before
    a, o or e (Xi'an); the first letter is capitalised."""
    out = ""
    for i, syl in enumerate(syllables):
        if i > 0 and syl[:1] in ("a", "o", "e"):
            out += "'"
        out += syl
    return out[:1].upper() + out[1:]
