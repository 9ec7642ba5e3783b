"""What `--help` shows without importing the heavy modules is a copy: these keep each copy
equal to its source."""

from __future__ import annotations

from dataclasses import fields

from typer.main import get_command

from accord.auth import Role
from accord.cli import app, common
from accord.cli.records import FileFormat
from accord.cli.scenario import VARIATION_DEFAULTS
from accord.crypto import NODE_VALID_DAYS
from accord.scenario import Variation
from accord.services.ingest import IngestFormat
from tests.cli.helpers import invoke


def test_the_role_names_are_the_roles() -> None:
    assert tuple(r.value for r in Role) == common.ROLE_NAMES


def test_the_ingest_formats_are_the_service_s() -> None:
    assert [f.value for f in FileFormat] == [f.value for f in IngestFormat]


def test_the_scenario_defaults_are_the_generator_s() -> None:
    variation = Variation()
    assert {f.name: getattr(variation, f.name) for f in fields(variation)} == VARIATION_DEFAULTS
    command = get_command(app)
    generate = command.commands["scenario"].commands["generate"]  # type: ignore[attr-defined]
    shown = {p.name: p.default for p in generate.params}
    assert {k: shown[k] for k in VARIATION_DEFAULTS} == VARIATION_DEFAULTS


def test_pki_issue_help_states_the_real_default_validity() -> None:
    _, out = invoke({"COLUMNS": "200"}, "pki", "issue", "--help")
    assert f"(default {NODE_VALID_DAYS})" in out


def test_the_match_command_names_the_matchers_algorithm() -> None:
    from accord.cli import match
    from accord.matching.score import ALGORITHM

    assert match.ALGORITHM == ALGORITHM
