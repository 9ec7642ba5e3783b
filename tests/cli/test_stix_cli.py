"""`accord stix` and `accord taxii` as an analyst uses them: import a bundle with a report per
object, export one that stix2-validator accepts, to a partner only what the agreements allow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from stix2validator import ValidationOptions, validate_string
from typer.testing import CliRunner

from accord.cli import app
from accord.interop.stix import canonical
from tests.cli.helpers import init, node_env, user_session
from tests.stix_bundles import TLP2_AMBER, TLP2_RED, bundle, indicator, opencti_bundle, uid

AGREEMENTS = Path(__file__).parents[2] / "examples" / "agreements"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = node_env(tmp_path / "node")
    init(env)
    user_session(env, "anna", "analyst", "investigator", "node_admin")
    result = CliRunner().invoke(app, ["agreements", "load", str(AGREEMENTS)], env=env)
    assert result.exit_code == 0, result.output
    return env


def _run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_import_reports_each_object_and_export_round_trips(
    env: dict[str, str], tmp_path: Path
) -> None:
    original = opencti_bundle()
    path = tmp_path / "octi.json"
    path.write_text(json.dumps(original))
    code, out, _ = _run(env, "stix", "import", str(path), "--reliability", "B")
    assert code == 0, out
    assert "6 created" in out and "2 FtM record(s) linked" in out
    code, again, _ = _run(env, "stix", "import", str(path))
    assert code == 0 and "6 stored already" in again
    code, exported, summary = _run(env, "stix", "export")
    assert code == 0, summary
    result = validate_string(exported, ValidationOptions(version="2.1"))
    assert result.is_valid
    objects = json.loads(exported)["objects"]
    assert sorted(map(canonical, objects)) == sorted(map(canonical, original["objects"]))
    assert "6 object version(s) written" in summary


def test_a_bad_object_is_named_the_good_ones_load_and_the_exit_says_so(
    env: dict[str, str], tmp_path: Path
) -> None:
    bad = indicator("broken", pattern="[ipv4-addr:value = ]")
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(bundle(indicator("fine"), bad)))
    code, out, err = _run(env, "stix", "import", str(path))
    assert code == 1
    assert "1 created" in out and "1 refused" in out
    assert f"{bad['id']}.pattern" in err
    broken = tmp_path / "broken.json"
    broken.write_text('{"type": "bundle", "objects": [')
    code, _, err = _run(env, "stix", "import", str(broken))
    assert code == 2 and "bundle: is not JSON" in err


def test_export_to_a_partner_leaves_out_red_and_what_is_not_agreed(
    env: dict[str, str], tmp_path: Path
) -> None:
    shared = indicator("to-nl", markings=[TLP2_AMBER])
    red = indicator("red-only", markings=[TLP2_RED])
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle(shared, red)))
    assert _run(env, "stix", "import", str(path), "--crime-area", "cybercrime")[0] == 0
    code, exported, summary = _run(
        env,
        "stix",
        "export",
        "--to",
        "NL-POLITIE",
        "--case",
        "BKA-CY-7",
        "--crime-area",
        "cybercrime",
    )
    assert code == 0, summary
    ids = [o["id"] for o in json.loads(exported)["objects"]]
    assert ids == [shared["id"]]
    assert "1 left out by the agreements" in summary
    code, exported, _ = _run(
        env, "stix", "export", "--to", "UA-NPU", "--case", "BKA-CY-7", "--crime-area", "cybercrime"
    )
    assert json.loads(exported)["objects"] == []  # no clause for cyber indicators


def test_taxii_collections_and_feeds_are_listed(env: dict[str, str]) -> None:
    code, out, err = _run(
        env,
        "taxii",
        "add-collection",
        "--title",
        "Fraud",
        "--purpose",
        "investigation",
        "--crime-area",
        "fraud",
        "--type",
        "indicator",
    )
    assert code == 0, out + err
    assert "/taxii2/accord/collections/" in out
    code, out, _ = _run(env, "taxii", "collections")
    assert "Fraud" in out and "indicator" in out
    code, out, err = _run(
        env, "taxii", "add-feed", "https://cti.example.org/api1/", "--collection", "c-1"
    )
    assert code == 0, out + err
    code, out, _ = _run(env, "taxii", "feeds")
    assert "cti.example.org" in out and "never" in out


def test_correlations_past_the_cap_are_said_at_import_and_shown_capped(
    env: dict[str, str], tmp_path: Path
) -> None:
    env = {**env, "ACCORD_STIX_CORRELATION_CAP": "1"}
    value = "mule@example.org"
    accounts = [
        {"type": "email-addr", "spec_version": "2.1", "id": uid("email-addr", s), "value": value}
        for s in ("a", "b")
    ]
    seen = indicator("mule", pattern=f"[email-addr:value = '{value}']")
    path = tmp_path / "mules.json"
    path.write_text(json.dumps(bundle(*accounts, seen)))
    code, out, err = _run(env, "stix", "import", str(path))
    assert code == 0, out + err
    assert "2 FtM record(s) linked, 3 correlation(s) alerted" in out
    assert "1 value(s) held by more than 1 records: only 1 alerted each" in err
    code, shown, _ = _run(env, "stix", "correlations", seen["id"])
    assert code == 0 and "cap 1 per value" in shown
    assert "capped" in shown and "more than 1" in shown
