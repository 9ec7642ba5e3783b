"""A small federation for tests: one CA, nodes on SQLite with their own homes and real mutual
TLS on loopback ports, partners set from a signed directory, agreements from
`examples/agreements/`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accord.api.server import NodeServer
from accord.cli.cluster import enrol_node, publish_directory
from accord.federation.identity import node_id
from accord.federation.pki import init_ca_files
from accord.services import audit
from accord.services.node import Node
from accord.services.records import create_record
from accord.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "agreements"


@dataclass
class Member:
    node: Node
    server: NodeServer | None = None
    port: int = 0

    @property
    def id(self) -> str:
        return node_id(self.node)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Serve (again) on this member's port; the outbox worker is left to the tests. The
        name tables are loaded first, as a served node loads them (`settle_process`): a
        partner's first answer does not wait for them on a loaded machine."""
        from accord.matching.names import warm_up

        warm_up()
        self.server = NodeServer(
            self.node, "127.0.0.1", self.port, outbox=False, shutdown_grace=0.2
        ).start()
        self.port = self.server.port

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


# Seconds a test node waits for a partner. The node's default (3 s) is for a served node; in a
# loaded suite on a shared machine a partner's answer has taken longer, and a test that means a
# partner to answer must not see it as unavailable. A test of the timeout itself lowers it.
PATIENCE = 20.0


@dataclass
class Federation:
    root: Path
    members: dict[str, Member] = field(default_factory=dict)

    def __post_init__(self) -> None:
        init_ca_files(self.root / "ca", "test-federation")

    @property
    def ca(self) -> Path:
        return self.root / "ca"

    def add(self, agency: str, name: str, **settings: Any) -> Member:
        home = self.root / agency.lower()
        settings.setdefault("federation_timeout", PATIENCE)
        node = enrol_node(
            self.ca, Settings(home=home, **settings), agency, name, sorted(EXAMPLES.glob("*.yaml"))
        )
        member = Member(node)
        member.server = NodeServer(node, "127.0.0.1", 0, outbox=False, shutdown_grace=0.2)
        member.port = member.server.port
        self.members[agency] = member
        return member

    def publish_directory(self) -> None:
        """Sign a directory of every member and import it on every member."""
        members = [(m.node, m.url) for m in self.members.values()]
        publish_directory(self.ca, members, self.root / "directory.jws")

    def start(self) -> None:
        for member in self.members.values():
            if member.server is not None and not member.server.started:
                member.server.start()

    def close(self) -> None:
        for member in self.members.values():
            member.stop()
            member.node.engine.dispose()

    def __getitem__(self, agency: str) -> Member:
        return self.members[agency]


def three_agencies(root: Path, **settings: Any) -> Federation:
    """DE-BKA, NL-POLITIE and UA-NPU under the example agreements, serving (the outbox
    worker left to the tests)."""
    federation = Federation(root)
    federation.add("DE-BKA", "Bundeskriminalamt", **settings)
    federation.add("NL-POLITIE", "Politie", **settings)
    federation.add("UA-NPU", "National Police of Ukraine", **settings)
    federation.publish_directory()
    federation.start()
    return federation


def add_person(
    node: Node,
    entity_id: str,
    name: str,
    *,
    category: str = "suspect",
    areas: tuple[str, ...] = ("thb",),
    **extra: Any,
) -> None:
    accord = {
        "subject_category": category,
        "crime_areas": list(areas),
        "handling": "H1",
        "tlp": "AMBER",
    }
    accord.update(extra.pop("accord", {}))
    properties = {"name": [name], **{k: [v] for k, v in extra.items()}}
    create_record(
        node,
        node.operator(),
        {"id": entity_id, "schema": "Person", "properties": properties, "accord": accord},
    )


def ledger(node: Node, event: str | None = None) -> list[dict[str, Any]]:
    """Every ledger entry of a node (optionally of one event), payload decoded."""
    found: list[dict[str, Any]] = []
    start = 0
    while True:
        batch = audit.entries(node, start, start + 1000)
        found.extend(json.loads(e["payload"]) for e in batch)
        if len(batch) < 1000:
            break
        start += 1000
    return [e for e in found if event is None or e["event"] == event]
