"""How an agency writes a person's name: script, romanisation standard, order, middle names,
slips, aliases. The result is the FtM name properties and the variation labels applied."""

from __future__ import annotations

import random
from collections.abc import Callable, Collection

from accord.scenario.context import Context
from accord.scenario.names import Token
from accord.scenario.options import AgencySpec
from accord.scenario.people import Human
from accord.scenario.variation import NameParts, nick_latin, typo, upper_name

__all__ = ["name_properties", "writes_latin"]


def writes_latin(ctx: Context, h: Human, agency: AgencySpec) -> bool:
    """Whether the agency writes this person's name in Latin rather than in their own script."""
    return ctx.agency_script(agency) != h.country.script


def _speller(
    ctx: Context, rng: random.Random, h: Human, agency: AgencySpec, force: Collection[str]
) -> tuple[Callable[[Token], str], list[str]]:
    """How each name token is spelled in this record, and the labels that choice earns."""
    latin_person = h.country.script == "Latn"
    if not writes_latin(ctx, h, agency) and (not latin_person or agency.country == h.country.code):
        return (lambda t: t.native), []
    passport = h.country.passport_std
    tokens = [*h.given, h.surname]
    others = {id(t): [v for v in t.variants if v != t.latin(passport)] for t in tokens}
    wanted = "transliteration" in force or rng.random() < ctx.variation.transliteration
    if not wanted or not any(others.values()):
        return (lambda t: t.latin(passport)), []
    pref = agency.translit.get(h.culture)
    if (
        not latin_person
        and pref
        and pref != "passport"
        and any(t.latin(pref) != t.latin(passport) for t in tokens)
    ):
        return (lambda t: t.latin(pref)), ["transliteration"]
    # Another spelling met in the wild, or, for a Latin name, the MRZ or ASCII form.
    chosen = {key: rng.choice(vs) for key, vs in others.items() if vs}
    return (lambda t: chosen.get(id(t)) or t.latin(passport)), ["transliteration"]


def _alias(rng: random.Random, h: Human, spell: Callable[[Token], str], latin: bool) -> str:
    first = h.given[0]
    surname = spell(h.surname)
    if first.nicks:
        nick = rng.choice(first.nicks)
        return (nick_latin(first, nick, h.country.script) if latin else nick) + " " + surname
    if h.culture == "ar" and h.male:
        son = rng.choice(h.country.culture.male)
        return ("Abu " + son.latin(h.country.passport_std)) if latin else ("أبو " + son.native)
    if h.culture == "zh" and latin:
        return (
            rng.choice(("Kevin", "Jack", "Tony", "Lily", "Coco", "Jason", "Vivian")) + " " + surname
        )
    others = [p for p in h.country.culture.surnames if p[0].native != h.family[0].native]
    other = rng.choice(others)[0 if h.male else 1]
    if h.culture == "zh":
        return other.native + first.native
    return spell(first) + " " + spell(other)


def name_properties(
    ctx: Context,
    rng: random.Random,
    h: Human,
    agency: AgencySpec,
    force: Collection[str] = (),
) -> tuple[dict[str, list[str]], list[str]]:
    """The name properties of `h`'s Person record at `agency`, and the variations applied."""
    var = ctx.variation
    latin = writes_latin(ctx, h, agency)
    spell, labels = _speller(ctx, rng, h, agency, force)
    first = spell(h.given[0])
    if (
        latin
        and h.given[0].intl
        and ("equivalent_name" in force or rng.random() < var.equivalent_name)
    ):
        first = h.given[0].intl
        labels.append("equivalent_name")
    middle = [spell(t) for t in h.given[1:]]
    chain = [spell(t) for t in (h.father, h.grandfather) if t is not None and h.culture == "ar"]
    father_tok = h.patronymic if h.culture == "uk" else h.father
    father = spell(father_tok) if father_tok is not None else None
    has_middle = bool(middle or chain or father)
    if has_middle and ("drop_middle" in force or rng.random() < var.drop_middle):
        middle, chain, father = [], [], None
        labels.append("drop_middle")
    last = spell(h.surname)
    if "typo" in force or rng.random() < var.typo:
        script = "Latn" if latin else h.country.script
        if script == "Hani" or rng.random() < 0.5:
            homophones = h.given[0].homophones if not latin else ()
            first = typo(rng, first, script, homophones)
        else:
            last = typo(rng, last, script)
        labels.append("typo")
    if "name_order" in force or rng.random() < var.name_order:
        first, last = last, first
        labels.append("name_order")
    parts = NameParts(first, last, middle, father, chain)
    fmt = agency.name_format
    upper = agency.upper_surname
    if fmt == "han" and (latin or h.culture != "zh"):
        fmt, upper = "surname_first", True
    props: dict[str, list[str]] = {
        "name": [
            parts.full(fmt, patronymic_in_name=h.culture == "uk" and not latin, upper_surname=upper)
        ],
        "firstName": [first],
        "lastName": [upper_name(last) if upper else last],
    }
    if middle:
        props["middleName"] = [" ".join(middle)]
    if chain[1:]:
        props["middleName"] = chain[1:]
    if father:
        props["fatherName"] = [father]
    aliases: list[str] = []
    if "alias" in force or rng.random() < var.alias:
        alias = _alias(rng, h, spell, latin)
        if alias != props["name"][0]:
            aliases.append(alias)
            labels.append("alias")
    if (
        latin
        and h.country.script != "Latn"
        and ("native_script" in force or rng.random() < var.native_script)
    ):
        aliases.append(h.native_name())
        labels.append("native_script")
    if aliases:
        props["alias"] = list(dict.fromkeys(aliases))
    return props, labels
