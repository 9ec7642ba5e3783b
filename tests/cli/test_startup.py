"""The command line starts fast because `--help` and the module top levels of `accord.cli`
import none of the heavy libraries; each command imports what it needs when it runs.
(Start-up times are measured in benchmarks/cli.py; these tests check the behaviour.)"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("followthemoney", "sqlalchemy", "fastapi", "cryptography")
#: Nor our own heavy layers, nor Rich (only a command that prints needs it).
OURS = ("accord.services", "accord.store", "accord.api", "accord.federation", "accord.model")

_PROBE = """
import json, sys
sys.argv = ["accord", *json.loads(sys.argv[1])]
from accord.cli import main
try:
    main()
except SystemExit:
    pass
sys.stderr.write(json.dumps(sorted(sys.modules)))
"""


def _loaded_by(*args: str) -> set[str]:
    res = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(list(args))],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert "Usage:" in res.stdout
    return set(json.loads(res.stderr))


def _heavy(loaded: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in loaded if m.split(".")[0] in names or m.startswith(names))


def test_accord_help_imports_no_heavy_library() -> None:
    loaded = _loaded_by("--help")
    assert _heavy(loaded, HEAVY) == []
    assert _heavy(loaded, OURS) == []
    assert "rich" not in loaded


@pytest.mark.parametrize(
    "command",
    [
        ["init"],
        ["login"],
        ["search"],
        ["match"],
        ["show"],
        ["reindex"],
        ["ingest"],
        ["serve"],
        ["demo"],
        ["users", "add"],
        ["tokens", "issue"],
        ["pki", "issue"],
        ["peers", "add"],
        ["peers", "self"],
        ["followup", "approve"],
        ["agreements", "load"],
        ["policy", "check"],
        ["audit", "verify"],
        ["scenario", "generate"],
        ["xref"],
        ["xref", "list"],
        ["xref", "show"],
        ["xref", "judge"],
        ["documents", "report"],
        ["documents", "check"],
        ["documents", "import"],
        ["notices", "new"],
        ["notices", "list"],
        ["alerts", "ack"],
    ],
    ids=" ".join,
)
def test_subcommand_help_imports_no_heavy_library(command: list[str]) -> None:
    loaded = _loaded_by(*command, "--help")
    assert _heavy(loaded, HEAVY) == []
    assert _heavy(loaded, OURS) == []
    # Help needs neither logging nor the settings, nor Typer's pydantic coercion of a --help
    # flag nobody typed.
    assert _heavy(loaded, ("structlog", "pydantic", "pydantic_settings", "accord.logs")) == []


_EVERY_HELP = """
import json, sys
from typer.main import get_command
from accord.cli import app, main

paths = []
def walk(command, path):
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        paths.append([*path, name])
        walk(sub, [*path, name])
walk(get_command(app), [])
heavy = ("structlog", "pydantic", "pydantic_settings", "accord.logs", "followthemoney",
         "sqlalchemy", "fastapi", "cryptography")
first = {}
for path in paths:
    sys.argv = ["accord", *path, "--help"]
    try:
        main()
    except SystemExit:
        pass
    for name in sorted(sys.modules):
        if name.split(".")[0] in heavy or name.startswith(heavy):
            first.setdefault(name, " ".join(path))
sys.stderr.write(json.dumps({"commands": len(paths), "loaded": first}))
"""


def test_no_subcommand_help_loads_pydantic_or_a_heavy_library() -> None:
    # Every command and group, nested ones included (a group's own options, such as the
    # demo's, must not be coerced on the way to a subcommand's help).
    res = subprocess.run(
        [sys.executable, "-c", _EVERY_HELP], capture_output=True, text=True, check=True, timeout=120
    )
    report = json.loads(res.stderr)
    assert report["commands"] > 50
    assert report["loaded"] == {}


def test_the_accord_errors_module_stays_light() -> None:
    res = subprocess.run(
        [sys.executable, "-c", "import sys, accord.errors; print(len(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    bare = subprocess.run(
        [sys.executable, "-c", "import sys; print(len(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(res.stdout) - int(bare.stdout) <= 3  # accord, accord.errors
