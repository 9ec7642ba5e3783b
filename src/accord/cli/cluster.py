"""A federation of several nodes on one machine, each with its own data directory, SQLite
database and TLS identity, started as separate `accord serve --tls` processes talking mutual
TLS on loopback ports. Used by `accord demo` and the federation benchmark."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from accord.federation.identity import node_id, self_entry, tls_files
from accord.federation.pki import init_ca_files, issue_node_files, sign_directory_file
from accord.node import Node
from accord.policy import parse_agreement
from accord.services.agreements import put_agreements
from accord.services.node import init_node, open_node
from accord.services.peers import import_directory
from accord.settings import Settings

__all__ = [
    "LocalNode",
    "build_federation",
    "enrol_node",
    "free_port",
    "publish_directory",
    "start_nodes",
    "stop_nodes",
]


@dataclass
class LocalNode:
    agency: str
    name: str
    home: Path
    port: int
    api_port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def open(self) -> Node:
        return open_node(Settings(home=self.home))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _agreements_for(agency: str, files: Iterable[Path]) -> list[tuple[str, str]]:
    mine = []
    for path in files:
        text = path.read_text("utf-8")
        if any(p.includes(agency) for p in parse_agreement(path.name, text).parties):
            mine.append((path.name, text))
    return mine


def enrol_node(
    ca: Path,
    settings: Settings,
    agency: str,
    name: str,
    agreement_files: Sequence[Path] = (),
    *,
    operator: str = "cli",
) -> Node:
    """Initialise a node, issue its TLS certificate from the CA in `ca`, and load the
    agreements among `agreement_files` that it is party to, as operator `operator`."""
    node = init_node(settings, agency, name)
    issue_node_files(ca, tls_files(node.settings).directory, node_id(node), agency, ["127.0.0.1"])
    files = _agreements_for(agency, agreement_files)
    if files:
        put_agreements(node, node.operator(operator), files)
    return node


def publish_directory(
    ca: Path, members: Sequence[tuple[Node, str]], out: Path, *, operator: str = "cli"
) -> None:
    """Sign a partner directory of (node, URL) members and import it on every member."""
    sign_directory_file(ca, [self_entry(n, url).to_dict() for n, url in members], out)
    token = out.read_text("ascii")
    key = (ca / "directory.pub.pem").read_bytes()
    for node, _ in members:
        import_directory(node, node.operator(operator), token, key)


def build_federation(
    root: Path,
    members: Sequence[tuple[str, str]],
    *,
    agreement_files: Sequence[Path] = (),
    federation: str = "accord-local",
    operator: str = "cli",
) -> list[LocalNode]:
    """Create a CA, one initialised node per (agency, name) with its certificate, the
    agreements each is party to, and a signed partner directory imported by every node."""
    root.mkdir(parents=True, exist_ok=True)
    ca = root / "ca"
    init_ca_files(ca, federation)
    nodes = [
        LocalNode(agency, name, root / agency.lower(), free_port(), free_port())
        for agency, name in members
    ]
    opened = [
        enrol_node(ca, Settings(home=n.home), n.agency, n.name, agreement_files, operator=operator)
        for n in nodes
    ]
    publish_directory(
        ca,
        [(o, n.url) for o, n in zip(opened, nodes, strict=True)],
        root / "directory.jws",
        operator=operator,
    )
    for node in opened:
        node.engine.dispose()
    return nodes


def start_nodes(
    nodes: Sequence[LocalNode], *, timeout: float = 60.0, log_dir: Path | None = None
) -> None:
    """Start every node as its own `accord serve --tls` process; wait until each answers."""
    exe = Path(sys.executable).parent / "accord"
    for local in nodes:
        env = {**os.environ, "ACCORD_HOME": str(local.home)}
        log = (log_dir or local.home) / "server.log"
        local.process = subprocess.Popen(  # noqa: S603 - our own console script, fixed arguments
            [
                str(exe),
                "serve",
                "--tls",
                "--port",
                str(local.port),
                "--api-port",
                str(local.api_port),
            ],
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + timeout
    for local in nodes:
        while True:
            if local.process is not None and local.process.poll() is not None:
                raise RuntimeError(f"node {local.agency} exited; see {local.home / 'server.log'}")
            try:
                if httpx.get(f"{local.api_url}/api/v1/health", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"node {local.agency} did not start within {timeout:.0f} s")
            time.sleep(0.2)


def stop_nodes(nodes: Sequence[LocalNode], grace: float = 10.0) -> None:
    """SIGTERM every node, then wait (kill after `grace` seconds)."""
    for local in nodes:
        if local.process is not None and local.process.poll() is None:
            local.process.send_signal(signal.SIGTERM)
    for local in nodes:
        if local.process is None:
            continue
        try:
            local.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            local.process.kill()
            local.process.wait()
        local.process = None
