"""`accord demo --check` is the main job: three node processes over mutual TLS play the story
and every expected outcome is checked, including the cross-check of both ledgers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_demo_story_plays_across_three_node_processes(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "accord"
    res = subprocess.run(
        [str(exe), "demo", "--check", "--home", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "The story played as expected." in res.stdout
    assert "reference: Person of UA-NPU (no content)" in res.stdout
    assert "Traceback" not in res.stderr
    # every node process was stopped
    for agency in ("de-bka", "nl-politie", "ua-npu"):
        assert (tmp_path / "demo" / agency / "accord.db").exists()
