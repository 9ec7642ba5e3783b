"""Writing a scenario to disk: one FtM JSON-lines file per agency, truth.jsonl, manifest.json.

The only module of the scenario package that does I/O. Lines are written as they are
generated; the manifest records the options, the counts per agency and schema, and the SHA-256
of every file, so two runs can be compared without reading them.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from accord.scenario.context import countries
from accord.scenario.options import ScenarioOptions, resolve_agencies
from accord.scenario.sink import Line, Progress, Truth
from accord.scenario.world import generate

__all__ = ["GENERATOR", "agency_file", "write_scenario"]

#: Name and version of the generator, in the manifest: the version changes when the same
#: options would produce different output.
GENERATOR = {"name": "accord.scenario", "version": 1}

_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def agency_file(code: str) -> str:
    """The file name of an agency's records: `<CODE>.ftm.jsonl`."""
    return f"{code}.ftm.jsonl"


class _Out:
    __slots__ = ("count", "digest", "handle")

    def __init__(self, path: Path) -> None:
        self.handle: IO[bytes] = path.open("wb", buffering=1 << 20)
        self.digest = hashlib.sha256()
        self.count = 0

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.digest.update(data)
        self.count += 1


def write_scenario(
    options: ScenarioOptions,
    out: Path,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Generate the scenario into directory `out` (created if needed); return the manifest."""
    options.validate()
    agencies = resolve_agencies(options.agencies)
    out.mkdir(parents=True, exist_ok=True)
    files = {a.code: _Out(out / agency_file(a.code)) for a in agencies}
    truth = _Out(out / "truth.jsonl")
    schemata: dict[str, Counter[str]] = {a.code: Counter() for a in agencies}
    rows: Counter[str] = Counter()
    persons = 0
    try:
        for event in generate(options):
            if isinstance(event, Line):
                files[event.owner].write((_ENCODE(event.data) + "\n").encode("utf-8"))
                schemata[event.owner][event.data["schema"]] += 1
            elif isinstance(event, Truth):
                truth.write((_ENCODE(event.row) + "\n").encode("utf-8"))
                rows[event.row["type"]] += 1
            elif isinstance(event, Progress):
                persons = event.persons
                if progress is not None:
                    progress(persons)
    finally:
        for f in (*files.values(), truth):
            f.handle.close()
    world = countries()
    manifest: dict[str, Any] = {
        "generator": GENERATOR,
        "seed": options.seed,
        "options": options.to_dict(),
        "persons": persons,
        "records": sum(f.count for f in files.values()),
        "agencies": {
            a.code: {
                "name": a.name,
                "country": a.country,
                "kind": a.kind,
                "script": world[a.country].script,
                "file": agency_file(a.code),
                "records": files[a.code].count,
                "schemata": dict(sorted(schemata[a.code].items())),
                "sha256": files[a.code].digest.hexdigest(),
            }
            for a in agencies
        },
        "truth": {
            "file": "truth.jsonl",
            "rows": dict(sorted(rows.items())),
            "sha256": truth.digest.hexdigest(),
        },
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    (out / "manifest.json").write_text(text, encoding="utf-8")
    return manifest
