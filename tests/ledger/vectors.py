"""Loads the RFC 9162 test vectors of `data/rfc9162_vectors.json` (hex in the file)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data" / "rfc9162_vectors.json"


@cache
def vectors() -> dict[str, Any]:
    return json.loads(DATA.read_text())


def leaves() -> list[bytes]:
    return [bytes.fromhex(h) for h in vectors()["leaves"]]


def roots() -> list[bytes]:
    """roots()[n] is the root of the first n leaves; roots()[0] is the empty tree."""
    v = vectors()
    return [bytes.fromhex(h) for h in [v["empty_root"], *v["roots"]]]


def hexes(items: list[str]) -> list[bytes]:
    return [bytes.fromhex(h) for h in items]
