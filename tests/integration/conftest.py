"""A three-node federation (DE-BKA, NL-POLITIE, UA-NPU) on loopback with real mutual TLS,
shared by the federation integration tests of a session. Agreements as in
`examples/agreements/`: DE<->NL full for EU crime areas, DE<->UA persons by reference only,
NL<->UA nothing. Tests that change state use records and follow-ups of their own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from accord.model import Principal, PrincipalKind
from tests.federation.cluster import Federation, add_person


@pytest.fixture(scope="session")
def federation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Federation]:
    root: Path = tmp_path_factory.mktemp("federation")
    fed = Federation(root)
    fast = {"outbox_base_delay": 0.05, "outbox_max_delay": 0.2}
    fed.add("DE-BKA", "Bundeskriminalamt", **fast)
    fed.add("NL-POLITIE", "Politie", **fast)
    fed.add("UA-NPU", "National Police of Ukraine", **fast)
    fed.publish_directory()
    add_person(fed["NL-POLITIE"].node, "nl-petrenko", "Ivan Petrenko", birthDate="1980-01-02")
    add_person(fed["NL-POLITIE"].node, "nl-informant", "Kees Verklikker", category="informant")
    add_person(fed["UA-NPU"].node, "ua-petrenko", "Ivan Petrenko", birthDate="1980-01-02")
    add_person(fed["UA-NPU"].node, "ua-bondar", "Oksana Bondar")
    add_person(fed["UA-NPU"].node, "ua-melnyk", "Taras Melnyk")
    add_person(fed["UA-NPU"].node, "ua-shevchenko", "Petro Shevchenko")
    fed.start()
    yield fed
    fed.close()


@pytest.fixture
def liaison() -> Principal:
    """UA-NPU's liaison officer."""
    return Principal("olena", "UA-NPU", PrincipalKind.USER, frozenset({"liaison_officer"}))
