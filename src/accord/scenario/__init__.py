"""Synthetic multi-country scenario with ground truth (pure: generation only; `writer` is the
one module that touches files).

`generate(options)` streams every agency's records (FtM JSON with an `accord` envelope) and
the truth rows; `write_scenario(options, out)` writes them as `<AGENCY>.ftm.jsonl`,
`truth.jsonl` and `manifest.json`. See docs/scenario.md.
"""

from accord.scenario.options import (
    DEFAULT_EPOCH,
    MAX_PERSONS,
    AgencySpec,
    ScenarioOptions,
    Variation,
    agency_catalogue,
    default_agencies,
    resolve_agencies,
)
from accord.scenario.sink import Event, Line, Progress, Truth
from accord.scenario.stories import STORIES, STORY_PERSONS
from accord.scenario.world import generate
from accord.scenario.writer import GENERATOR, agency_file, write_scenario

__all__ = [
    "DEFAULT_EPOCH",
    "GENERATOR",
    "MAX_PERSONS",
    "STORIES",
    "STORY_PERSONS",
    "AgencySpec",
    "Event",
    "Line",
    "Progress",
    "ScenarioOptions",
    "Truth",
    "Variation",
    "agency_catalogue",
    "agency_file",
    "default_agencies",
    "generate",
    "resolve_agencies",
    "write_scenario",
]
