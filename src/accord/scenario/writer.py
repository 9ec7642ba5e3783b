"""Writing a scenario to disk: one FtM JSON-lines file per agency, truth.jsonl, manifest.json.

The only module of the scenario package that does I/O. Units of the world are generated and
encoded one after another, or by `workers` processes in parallel; either way they are written
in unit order, so the files are the same byte for byte. The manifest records the options, the
counts per agency and schema, and the SHA-256 of every file.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import multiprocessing
from collections import Counter
from collections.abc import Callable, Generator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from accord.scenario.context import Context, countries
from accord.scenario.options import AgencySpec, ScenarioOptions, resolve_agencies
from accord.scenario.sink import Event, Line, Truth
from accord.scenario.stories import STORIES
from accord.scenario.world import story_events, unit_events

__all__ = ["GENERATOR", "agency_file", "write_scenario"]

#: Name and version of the generator, in the manifest: the version changes when the same
#: options would produce different output.
GENERATOR = {"name": "accord.scenario", "version": 1}

#: Background units per task handed to a worker process.
CHUNK = 256

_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def agency_file(code: str) -> str:
    """The file name of an agency's records: `<CODE>.ftm.jsonl`."""
    return f"{code}.ftm.jsonl"


@dataclass
class _Encoded:
    """One unit's output, encoded: lines per agency, truth lines, counts."""

    n: int
    persons: int
    lines: dict[str, list[bytes]] = field(default_factory=dict)
    schemata: dict[str, Counter[str]] = field(default_factory=dict)
    truth: list[bytes] = field(default_factory=list)
    rows: Counter[str] = field(default_factory=Counter)


def _encode(n: int, persons: int, events: list[Event]) -> _Encoded:
    out = _Encoded(n, persons)
    for event in events:
        if isinstance(event, Line):
            data = event.data
            out.lines.setdefault(event.owner, []).append((_ENCODE(data) + "\n").encode())
            out.schemata.setdefault(event.owner, Counter())[data["schema"]] += 1
        elif isinstance(event, Truth):
            out.truth.append((_ENCODE(event.row) + "\n").encode())
            out.rows[event.row["type"]] += 1
    return out


_WORKER: Context | None = None


def _work(options: ScenarioOptions, start: int, stop: int) -> list[_Encoded]:
    """Worker process: background units `start` to `stop`, encoded."""
    global _WORKER
    if _WORKER is None or _WORKER.options != options:
        _WORKER = Context(options)
    return [_encode(n, *unit_events(_WORKER, n)) for n in range(start, stop)]


def _serial(ctx: Context) -> Generator[_Encoded, None, None]:
    for n in itertools.count():
        yield _encode(n, *unit_events(ctx, n))


def _parallel(options: ScenarioOptions, workers: int) -> Generator[_Encoded, None, None]:
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method))
    pending: list[Future[list[_Encoded]]] = []
    starts = itertools.count(0, CHUNK)
    try:
        while True:
            while len(pending) < 2 * workers:
                start = next(starts)
                pending.append(pool.submit(_work, options, start, start + CHUNK))
            yield from pending.pop(0).result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class _Out:
    __slots__ = ("count", "digest", "handle")

    def __init__(self, path: Path) -> None:
        self.handle: IO[bytes] = path.open("wb", buffering=1 << 20)
        self.digest = hashlib.sha256()
        self.count = 0

    def write(self, lines: list[bytes]) -> None:
        data = b"".join(lines)
        self.handle.write(data)
        self.digest.update(data)
        self.count += len(lines)


def write_scenario(
    options: ScenarioOptions,
    out: Path,
    progress: Callable[[int], None] | None = None,
    *,
    workers: int = 1,
) -> dict[str, Any]:
    """Generate the scenario into directory `out` (created if needed); return the manifest.
    `workers` > 1 generates background units in that many processes: same bytes, sooner."""
    options.validate()
    agencies = resolve_agencies(options.agencies)
    ctx = Context(options)
    out.mkdir(parents=True, exist_ok=True)
    files = {a.code: _Out(out / agency_file(a.code)) for a in agencies}
    truth = _Out(out / "truth.jsonl")
    schemata: dict[str, Counter[str]] = {a.code: Counter() for a in agencies}
    rows: Counter[str] = Counter()

    def emit(enc: _Encoded) -> None:
        for code, lines in enc.lines.items():
            files[code].write(lines)
            schemata[code].update(enc.schemata[code])
        truth.write(enc.truth)
        rows.update(enc.rows)

    total = 0
    try:
        if options.storylines:
            for i in range(len(STORIES)):
                persons, events = story_events(ctx, i)
                emit(_encode(i, persons, events))
                total += persons
                if progress is not None:
                    progress(total)
        units = _parallel(options, workers) if workers > 1 else _serial(ctx)
        try:
            for enc in units:
                if total >= options.persons:
                    break
                if total + enc.persons > options.persons:
                    enc = _encode(enc.n, *unit_events(ctx, enc.n, options.persons - total))
                emit(enc)
                total += enc.persons
                if progress is not None:
                    progress(total)
        finally:
            units.close()
    finally:
        for f in (*files.values(), truth):
            f.handle.close()
    manifest = _manifest(options, total, agencies, files, schemata, truth, rows)
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    (out / "manifest.json").write_text(text, encoding="utf-8")
    return manifest


def _manifest(
    options: ScenarioOptions,
    persons: int,
    agencies: tuple[AgencySpec, ...],
    files: dict[str, _Out],
    schemata: dict[str, Counter[str]],
    truth: _Out,
    rows: Counter[str],
) -> dict[str, Any]:
    world = countries()
    return {
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
