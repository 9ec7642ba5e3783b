"""Counts and offsets the command line takes are bounded, and a bad one is named."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli import app
from tests.cli.helpers import node_env, user_session

ACCORD = Path(sys.executable).parent / "accord"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = node_env(tmp_path / "node")
    result = CliRunner().invoke(app, ["init", "--agency", "DE-BKA", "--name", "BKA"], env=env)
    assert result.exit_code == 0, result.output
    user_session(env, "anna", "analyst")
    return env


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["audit", "show", "--last", "-5"], "--last"),
        (["audit", "show", "--last", "99999999999999999999"], "--last"),
        (["audit", "show", "--start", "-3"], "--start"),
        (["search", "x", "--case", "c", "--crime-area", "thb", "--limit", str(2**63)], "limit"),
    ],
)
def test_out_of_range_numbers_are_refused_by_name(
    env: dict[str, str], args: list[str], named: str
) -> None:
    """Through the installed command, as a user runs it: a message, never a traceback."""
    done = subprocess.run(
        [str(ACCORD), *args], env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    out = done.stdout + done.stderr
    assert done.returncode != 0
    assert named in out
    assert "Traceback" not in out
