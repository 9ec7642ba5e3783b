"""`accord scenario generate`, driven through the Typer sub-app."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from accord.cli.scenario import app

runner = CliRunner()


def test_generate_writes_the_files_and_prints_a_table(tmp_path: Path) -> None:
    out = tmp_path / "world"
    result = runner.invoke(app, ["generate", "--seed", "4", "--persons", "120", "--out", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["seed"] == 4 and manifest["persons"] == 120
    for code, info in manifest["agencies"].items():
        assert (out / f"{code}.ftm.jsonl").is_file()
        assert code in result.output
        assert f"{info['records']:,}" in result.output
    assert (out / "truth.jsonl").is_file()


def test_options_reach_the_generator(tmp_path: Path) -> None:
    out = tmp_path / "w"
    args = [
        "generate",
        "--seed",
        "5",
        "--persons",
        "60",
        "--out",
        str(out),
        "--agencies",
        "DE-BKA,NL-POLITIE,UA-NPU",
        "--no-storylines",
        "--typo",
        "0.5",
        "--epoch",
        "2027-03-01",
        "--cross-border",
        "0.2",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert list(manifest["agencies"]) == ["DE-BKA", "NL-POLITIE", "UA-NPU"]
    options = manifest["options"]
    assert options["storylines"] is False
    assert options["variation"]["typo"] == 0.5
    assert options["cross_border"] == 0.2
    assert options["epoch"] == "2027-03-01T00:00:00+00:00"
    assert not (out / "GR-HP.ftm.jsonl").exists()


def test_bad_options_are_named_and_nothing_is_written(tmp_path: Path) -> None:
    out = tmp_path / "bad"
    result = runner.invoke(
        app, ["generate", "--persons", "10", "--out", str(out), "--agencies", "DE-BKA,XX-NOPE"]
    )
    assert result.exit_code == 2
    assert "XX-NOPE" in result.output
    assert "storylines alone" in result.output
    assert not out.exists()


def test_rates_outside_zero_to_one_are_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["generate", "--typo", "1.5", "--out", str(tmp_path / "x")])
    assert result.exit_code != 0
    assert not (tmp_path / "x").exists()


def test_bad_epoch_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["generate", "--epoch", "soon", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "epoch" in result.output
