"""Same seed and options, same bytes; another seed, another world."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from accord.scenario import Line, ScenarioOptions, Truth, generate, write_scenario
from accord.scenario.rng import IdMinter, derive

FILES = ["manifest.json", "truth.jsonl", "DE-BKA.ftm.jsonl", "UA-NPU.ftm.jsonl", "CN-MPS.ftm.jsonl"]


def _bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def test_same_seed_and_options_give_byte_identical_files(tmp_path: Path) -> None:
    options = ScenarioOptions(seed=42, persons=250)
    write_scenario(options, tmp_path / "a")
    write_scenario(options, tmp_path / "b")
    a, b = _bytes(tmp_path / "a"), _bytes(tmp_path / "b")
    assert set(a) >= set(FILES)
    assert a == b


def test_output_does_not_depend_on_hash_randomisation(tmp_path: Path) -> None:
    write_scenario(ScenarioOptions(seed=42, persons=120), tmp_path / "here")
    code = (
        "import sys; from pathlib import Path; "
        "from accord.scenario import ScenarioOptions, write_scenario; "
        "write_scenario(ScenarioOptions(seed=42, persons=120), Path(sys.argv[1]))"
    )
    env = dict(os.environ, PYTHONHASHSEED="4711")
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "there")], check=True, env=env)
    assert _bytes(tmp_path / "here") == _bytes(tmp_path / "there")


def test_a_different_seed_gives_different_data(tmp_path: Path) -> None:
    write_scenario(ScenarioOptions(seed=1, persons=150), tmp_path / "one")
    write_scenario(ScenarioOptions(seed=2, persons=150), tmp_path / "two")
    one, two = _bytes(tmp_path / "one"), _bytes(tmp_path / "two")
    for name in FILES:
        assert one[name] != two[name]
    names_one = {
        line.split('"name":', 1)[1][:40]
        for line in one["DE-BKA.ftm.jsonl"].decode().splitlines()
        if '"schema":"Person"' in line
    }
    names_two = {
        line.split('"name":', 1)[1][:40]
        for line in two["DE-BKA.ftm.jsonl"].decode().splitlines()
        if '"schema":"Person"' in line
    }
    assert len(names_one & names_two) < 0.2 * len(names_one)


def test_generating_twice_in_one_process_gives_the_same_events() -> None:
    options = ScenarioOptions(seed=9, persons=80)
    assert list(generate(options)) == list(generate(options))


def _identities(options: ScenarioOptions) -> list[str]:
    return [
        e.row["name"]
        for e in generate(options)
        if isinstance(e, Truth) and e.row.get("schema") == "Person"
    ]


def test_changing_a_rate_changes_the_output_but_not_the_world() -> None:
    base = ScenarioOptions(seed=5, persons=100, storylines=False)
    typo = base.with_variation(typo=0.9)
    assert _identities(base) == _identities(typo)
    assert list(generate(base)) != list(generate(typo))


def test_derived_streams_and_ids_depend_on_seed_and_labels_only() -> None:
    assert derive(1, "unit", 3) == derive(1, "unit", 3)
    assert derive(1, "unit", 3) != derive(2, "unit", 3)
    assert derive(1, "unit", 3) != derive(1, "unit", 4)
    a, b = IdMinter(1, "DE-BKA"), IdMinter(1, "NL-POLITIE")
    first_a, first_b = a.next(), b.next()
    assert first_a.startswith("de-bka-") and first_b.startswith("nl-politie-")
    assert first_a[-20:] != first_b[-20:]
    assert IdMinter(1, "DE-BKA").next() == first_a
    assert IdMinter(2, "DE-BKA").next() != first_a


def test_parallel_workers_write_the_same_bytes(tmp_path: Path) -> None:
    options = ScenarioOptions(seed=6, persons=700)
    write_scenario(options, tmp_path / "one")
    write_scenario(options, tmp_path / "two", workers=2)
    assert _bytes(tmp_path / "one") == _bytes(tmp_path / "two")


def test_the_event_stream_and_the_files_agree(tmp_path: Path) -> None:
    options = ScenarioOptions(seed=3, persons=90)
    write_scenario(options, tmp_path)
    lines: dict[str, list[str]] = {}
    truth: list[str] = []
    for event in generate(options):
        if isinstance(event, Line):
            lines.setdefault(event.owner, []).append(
                json.dumps(event.data, ensure_ascii=False, separators=(",", ":"))
            )
        elif isinstance(event, Truth):
            truth.append(json.dumps(event.row, ensure_ascii=False, separators=(",", ":")))
    for owner, expected in lines.items():
        assert (tmp_path / f"{owner}.ftm.jsonl").read_text("utf-8").splitlines() == expected
    assert (tmp_path / "truth.jsonl").read_text("utf-8").splitlines() == truth
