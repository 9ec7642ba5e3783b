"""Data prints exactly as it is: no Rich markup, emoji code or highlighting is read into an
id, a name, a fingerprint or an error message."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from tests.cli.helpers import CASE, init, invoke, node_env, ok, user_session

TRICKY = "[bold]x[/bold] :cd: :smile:"


def _openssl_fingerprint(cert: Path) -> str:
    out = subprocess.run(
        ["openssl", "x509", "-fingerprint", "-sha256", "-noout", "-in", str(cert)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.strip().split("=", 1)[1]


def test_pki_issue_prints_the_fingerprint_openssl_prints_even_with_cd_in_it(
    tmp_path: Path,
) -> None:
    env = node_env(tmp_path)
    ok(env, "pki", "init-ca", "--dir", str(tmp_path / "ca"), "--name", "fed")
    # Issue certificates until one's fingerprint holds `:CD:`, which Rich would turn into 💿.
    for attempt in range(300):
        out_dir = tmp_path / f"n{attempt}"
        out = ok(
            env, "pki", "issue", "de-bka", "--agency", "DE-BKA", "--host", "127.0.0.1",
            "--ca-dir", str(tmp_path / "ca"), "--out", str(out_dir),
        )  # fmt: skip
        expected = _openssl_fingerprint(out_dir / "node.crt")
        printed = re.search(r"fingerprint: (\S+)", out)
        assert printed, out
        assert printed.group(1) == expected
        if ":CD:" in expected:
            assert f"  fingerprint: {expected}\n" in out
            assert "💿" not in out
            return
    raise AssertionError("no fingerprint with :CD: in 300 certificates")


def test_record_names_print_verbatim_in_search_and_show(tmp_path: Path) -> None:
    env = node_env(tmp_path / "node")
    init(env)
    user_session(env, "anna", "analyst")
    line = {
        "id": "de-p-odd",
        "schema": "Person",
        "properties": {"name": [TRICKY]},
        "accord": {"crime_areas": ["thb"]},
    }
    (tmp_path / "odd.jsonl").write_text(json.dumps(line) + "\n", "utf-8")
    ok(env, "ingest", str(tmp_path / "odd.jsonl"))
    found = ok(env, "search", TRICKY, *CASE)
    assert TRICKY in found
    shown = ok(env, "show", "de-p-odd")
    assert TRICKY in shown
    for out in (found, shown):
        assert "😄" not in out and "💿" not in out


def test_error_messages_print_verbatim(tmp_path: Path) -> None:
    env = node_env(tmp_path / "node")
    init(env)
    user_session(env, "anna", "analyst")
    code, out = invoke(env, "show", TRICKY)
    assert code == 1
    assert f"no record {TRICKY!r}" in out
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "p-[red]1[/red]", "schema": "Person"}) + "\n", "utf-8")
    code, out = invoke(env, "ingest", str(bad))
    assert code == 1  # the line was rejected
    assert "id: 'p-[red]1[/red]' is not a valid entity id" in out
