from __future__ import annotations

import pytest

from tests.auth.factories import use_cheap_hashing


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_hashing(monkeypatch)
