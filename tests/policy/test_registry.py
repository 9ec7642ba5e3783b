"""The agreements in force: replaced only by a set that loaded completely."""

from __future__ import annotations

import pytest

from accord.policy import AgreementError, AgreementRegistry, AgreementSet, Mode, decide

from .factories import NOW, record
from .test_load import GOOD


def test_broken_file_leaves_the_agreements_in_force_unchanged():
    registry = AgreementRegistry()
    loaded = registry.reload([("good.yaml", GOOD)])
    suspect = record(category="suspect", handling="H1", tlp="AMBER", areas=("thb",))

    def current_mode():
        return decide(
            "NL-POLITIE",
            "investigation",
            "thb",
            suspect,
            agreements=registry.current,
            holder="DE-BKA",
            now=NOW,
        ).mode

    assert current_mode() is Mode.REDACTED
    permissive = GOOD.replace("redact: [birthDate]", "redact: []")
    broken = "id: [unclosed\n"
    with pytest.raises(AgreementError) as caught:
        registry.reload([("good.yaml", permissive), ("broken.yaml", broken)])
    assert [p.file for p in caught.value.problems] == ["broken.yaml"]
    assert registry.current is loaded
    assert current_mode() is Mode.REDACTED
    registry.reload([("good.yaml", permissive)])
    assert current_mode() is Mode.FULL


def test_registry_starts_empty_and_denies_everything():
    registry = AgreementRegistry()
    assert len(registry.current) == 0
    decision = decide(
        "NL-POLITIE",
        "investigation",
        "thb",
        record(),
        agreements=registry.current,
        holder="DE-BKA",
        now=NOW,
    )
    assert decision.mode is Mode.DENY


def test_registry_keeps_an_initial_set_when_the_first_reload_fails():
    initial = AgreementSet()
    registry = AgreementRegistry(initial)
    with pytest.raises(AgreementError):
        registry.reload([("bad.yaml", "id: 1\n")])
    assert registry.current is initial
