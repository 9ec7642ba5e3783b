"""The federation from the command line: the operator's PKI, the signed directory, partners,
and a node served over mutual TLS by `accord serve --tls` in a process of its own."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli import app
from tests.auth.factories import use_cheap_hashing
from tests.cli.helpers import node_env, user_session

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "agreements"
CASE = ("--case", "BKA-2026-0042", "--crime-area", "thb")


@pytest.fixture(autouse=True)
def _cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_hashing(monkeypatch)


def run(home: Path, *args: str) -> str:
    result = CliRunner().invoke(app, list(args), env=node_env(home))
    assert result.exit_code == 0, result.output
    return result.output


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def setup_node(root: Path, node: str, agency: str, port: int) -> Path:
    home = root / node
    run(home, "init", "--agency", agency, "--name", agency)
    # one person runs this node and works its cases
    user_session(node_env(home), "ada", "node_admin", "analyst")
    out = run(
        home,
        "pki",
        "issue",
        node,
        "--agency",
        agency,
        "--host",
        "127.0.0.1",
        "--ca-dir",
        str(root / "ca"),
        "--out",
        str(home / "tls"),
    )
    assert "fingerprint:" in out
    run(
        home,
        "peers",
        "self",
        "--url",
        f"https://127.0.0.1:{port}",
        "--out",
        str(root / f"{node}.json"),
    )
    run(home, "agreements", "load", str(EXAMPLES / "de-bka-nl-politie.yaml"))
    return home


def test_an_operator_builds_a_federation_from_the_command_line(tmp_path: Path) -> None:
    out = run(tmp_path, "pki", "init-ca", "--dir", str(tmp_path / "ca"), "--name", "fed")
    assert "directory key fingerprint" in out
    de = setup_node(tmp_path, "de-bka", "DE-BKA", 18443)
    nl = setup_node(tmp_path, "nl-politie", "NL-POLITIE", 18444)
    out = run(
        tmp_path,
        "pki",
        "sign-directory",
        str(tmp_path / "de-bka.json"),
        str(tmp_path / "nl-politie.json"),
        "--ca-dir",
        str(tmp_path / "ca"),
        "--out",
        str(tmp_path / "directory.jws"),
    )
    assert "serial 1 with 2 node(s)" in out
    key = str(tmp_path / "ca" / "directory.pub.pem")
    for home in (de, nl):
        assert "1 partner(s)" in run(
            home, "peers", "import", str(tmp_path / "directory.jws"), "--directory-key", key
        )
    listed = json.loads(run(de, "peers", "list", "--json"))
    assert [(p["node_id"], p["agency"], p["valid"]) for p in listed] == [
        ("nl-politie", "NL-POLITIE", True)
    ]
    assert "nl-politie" in run(de, "peers", "list")
    assert "No follow-ups." in run(de, "followup", "list")


@pytest.mark.slow
def test_a_node_served_by_accord_serve_tls_answers_partners(tmp_path: Path) -> None:
    run(tmp_path, "pki", "init-ca", "--dir", str(tmp_path / "ca"), "--name", "fed")
    port = free_port()
    de = setup_node(tmp_path, "de-bka", "DE-BKA", free_port())
    nl = setup_node(tmp_path, "nl-politie", "NL-POLITIE", port)
    line = {
        "id": "nl-1",
        "schema": "Person",
        "properties": {"name": ["Ivan Petrenko"]},
        "accord": {"subject_category": "suspect", "crime_areas": ["thb"]},
    }
    (tmp_path / "nl.jsonl").write_text(json.dumps(line) + "\n", "utf-8")
    run(nl, "ingest", str(tmp_path / "nl.jsonl"))
    # NL learns of DE from the signed directory; DE adds NL by URL and fingerprint.
    run(
        tmp_path,
        "pki",
        "sign-directory",
        str(tmp_path / "de-bka.json"),
        str(tmp_path / "nl-politie.json"),
        "--ca-dir",
        str(tmp_path / "ca"),
        "--out",
        str(tmp_path / "directory.jws"),
    )
    key = str(tmp_path / "ca" / "directory.pub.pem")
    run(nl, "peers", "import", str(tmp_path / "directory.jws"), "--directory-key", key)
    fingerprint = json.loads((tmp_path / "nl-politie.json").read_text("utf-8"))["tls_fingerprint"]
    env = {**os.environ, "ACCORD_HOME": str(nl)}
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("accord")), "serve", "--tls", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60  # a loaded machine starts a process slowly
        while time.monotonic() < deadline and server.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        run(de, "peers", "add", f"https://127.0.0.1:{port}", "--fingerprint", fingerprint)
        found = json.loads(run(de, "search", "Ivan Petrenko", "--federated", "--json", *CASE))
        (partner,) = found["partners"]
        assert (partner["node_id"], partner["status"]) == ("nl-politie", "hits")
        assert partner["items"][0]["record"]["id"] == "nl-1"
        assert "NL-POLITIE (nl-politie)" in run(de, "search", "Ivan Petrenko", "--federated", *CASE)
        # A described person, matched at the partner by its own threshold, with the score.
        matched = json.loads(
            run(de, "match", "--name", "PETRENKO IVAN", "--federated", "--json", *CASE)
        )
        (partner,) = matched["federated"]["partners"]
        assert partner["status"] == "hits" and partner["items"][0]["record"]["id"] == "nl-1"
        assert partner["items"][0]["match"]["match"] == "name"
        shown = run(de, "match", "--name", "PETRENKO IVAN", "--federated", *CASE)
        assert "Partners' matches" in shown and "NL-POLITIE (nl-politie)" in shown
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=20)[0].decode()
    assert server.returncode == 0, output
    assert "node serving" in output
