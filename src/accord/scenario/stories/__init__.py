"""Labelled storylines: small, fixed casts whose members, roles and expected hits go to the
truth file. Each storyline adapts to the agencies of the scenario (see `pick_country`)."""

from __future__ import annotations

from collections.abc import Callable

from accord.scenario.casts import STORY_PERSONS
from accord.scenario.stories.cast import Story
from accord.scenario.stories.cyber import cyber
from accord.scenario.stories.singles import (
    documents,
    fugitive,
    missing,
)
from accord.scenario.stories.trafficking import trafficking
from accord.scenario.stories.visa import visa

__all__ = ["STORIES", "STORY_PERSONS", "Story"]

STORIES: tuple[tuple[str, str, str, Callable[[Story], None]], ...] = (
    (
        "thb-1",
        "trafficking",
        "Trafficking network: recruitment, transport, forged documents, "
        "laundering through a shell company",
        trafficking,
    ),
    (
        "cyber-1",
        "cyber_fraud",
        "Phishing ring: look-alike domains, hosting addresses, mule accounts, crypto wallets",
        cyber,
    ),
    (
        "visa-1",
        "immigration_fraud",
        "Visa-fraud ring: applications sharing addresses, phones, a sponsor and photographs",
        visa,
    ),
    ("missing-1", "missing_person", "Teenager reported missing at home, found abroad", missing),
    ("fugitive-1", "fugitive", "Fugitive travelling on a stolen passport", fugitive),
    (
        "documents-1",
        "reported_documents",
        "Documents reported stolen, lost and revoked by their issuing countries",
        documents,
    ),
)
