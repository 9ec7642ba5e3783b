"""Shipped data of the scenario generator: names per culture, transliteration tables, country
conventions, agencies. Read once from the package; never from the network."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

__all__ = ["load_yaml"]


@lru_cache(maxsize=32)
def load_yaml(name: str) -> Any:
    """Parse the package data file `name` (e.g. `"countries.yaml"`, `"names/uk.yaml"`)."""
    text = resources.files(__name__).joinpath(name).read_text("utf-8")
    return yaml.safe_load(text)
