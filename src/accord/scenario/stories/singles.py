"""Storylines about single people and documents: a missing teenager found abroad, a fugitive
travelling on someone else's stolen passport, and documents reported stolen, lost or revoked
by their issuing countries, one of them presented at a border afterwards."""

from __future__ import annotations

from datetime import timedelta

from accord.scenario.people import Document, Human
from accord.scenario.stories.cast import Story, pick_country

__all__ = [
    "documents",
    "fugitive",
    "missing",
]


def _report(story: Story, doc: Document, status: str, days_ago: int) -> None:
    doc.status = status
    doc.reported = story.ctx.epoch_date - timedelta(days=days_ago)
    story.thing(f"{status} document", doc.key)


def missing(story: Story) -> None:
    """Reported missing at home; found in a raid abroad, written down by ear."""
    origin = pick_country(story.ctx, ["ua"])
    found = pick_country(story.ctx, ["nl"], exclude=[origin])
    girl = story.person("missing person", origin, male=False, ages=(15, 17), passport=False)
    story.seen(
        girl,
        story.police(origin),
        "other",
        ("missing_persons",),
        tlp="GREEN",
        reliability="A",
        assessment="1",
    )
    story.seen(
        girl,
        story.police(found),
        "victim",
        ("thb", "missing_persons"),
        handling="H1",
        force=("dob_year_only", "transliteration"),
        documents=(),
    )


def fugitive(story: Story) -> None:
    """Wanted at home, seen under his own name in a second country, checked at a third
    country's border on a passport stolen from a look-alike national of the second."""
    ctx = story.ctx
    origin = pick_country(ctx, ["ua"])
    issuer = pick_country(ctx, ["de"], exclude=[origin])
    border = pick_country(ctx, ["nl"], exclude=[origin, issuer])
    runner = story.person("fugitive", origin, male=True, ages=(28, 45))
    holder = story.person("passport holder", issuer, male=True, ages=(28, 45))
    stolen = holder.passport()
    assert stolen is not None  # a cast member always holds a passport
    _report(story, stolen, "stolen", story.rng.randrange(90, 400))
    story.seen(
        runner,
        story.police(origin),
        "suspect",
        ("homicide", "robbery"),
        tlp="GREEN",
        reliability="A",
        assessment="1",
    )
    story.seen(
        runner,
        story.police(issuer),
        "suspect",
        ("robbery",),
        force=("transliteration", "dob_year_off"),
    )
    story.seen(holder, story.police(issuer), "victim", ("property_crime",))
    check = story.seen(
        runner,
        story.police(border),
        "other",
        ("document_forgery",),
        shown=holder,
        documents=[stolen],
    )
    if check is not None:
        story.hit(
            "impostor",
            identity=runner.key,
            document=stolen.key,
            record={"owner": check.agency.code, "id": check.person_id},
            presented_as=holder.key,
        )


def documents(story: Story) -> None:
    """One document stolen, one lost, one revoked, each reported by its issuing country; the
    revoked passport is presented at another country's border later."""
    ctx = story.ctx
    countries: list[str] = []
    for preferred in ("de", "nl", "ua"):
        countries.append(pick_country(ctx, [preferred], exclude=countries))
    holders: list[tuple[Human, Document | None, str]] = []
    for code, status in zip(countries, ("stolen", "lost", "revoked"), strict=True):
        h = story.person("document holder", code, ages=(20, 70))
        doc = next((d for d in h.documents if d.kind == "id_card"), None)
        if status != "lost" or doc is None:
            doc = h.passport()
        if doc is not None:
            _report(story, doc, status, story.rng.randrange(20, 500))
        holders.append((h, doc, code))
    for h, _doc, code in holders[:2]:
        story.seen(h, story.police(code), "victim" if _doc else "other", ("property_crime",))
    h, doc, code = holders[2]
    story.seen(h, story.police(code), "suspect", ("document_forgery",))
    elsewhere = pick_country(ctx, ["de", "nl"], exclude=[code])
    if doc is not None and elsewhere != code:
        story.seen(
            h,
            story.police(elsewhere),
            "other",
            ("document_forgery",),
            documents=[doc],
            force=("typo",),
        )
