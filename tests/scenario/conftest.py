"""A small generated world shared by the scenario tests (generated once per session)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from accord.scenario import ScenarioOptions, write_scenario


@dataclass
class World:
    out: Path
    manifest: dict[str, Any]
    lines: dict[str, list[dict[str, Any]]]
    raw: dict[str, list[str]]
    truth: list[dict[str, Any]]

    def records(self, schema: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        return [
            (owner, rec)
            for owner, recs in self.lines.items()
            for rec in recs
            if schema is None or rec["schema"] == schema
        ]

    def by_id(self) -> dict[tuple[str, str], dict[str, Any]]:
        return {(owner, rec["id"]): rec for owner, rec in self.records()}

    def rows(self, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.truth if r["type"] == kind]


def load(out: Path) -> World:
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    raw = {
        code: (out / info["file"]).read_text("utf-8").splitlines()
        for code, info in manifest["agencies"].items()
    }
    lines = {code: [json.loads(line) for line in text] for code, text in raw.items()}
    truth = [json.loads(line) for line in (out / "truth.jsonl").read_text("utf-8").splitlines()]
    return World(out=out, manifest=manifest, lines=lines, raw=raw, truth=truth)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """Seed 7, 1500 persons, the default agencies, storylines on."""
    out = tmp_path_factory.mktemp("scenario")
    write_scenario(ScenarioOptions(seed=7, persons=1500), out)
    return load(out)
