"""Interop with the field's own tools: OASIS's `taxii2-client` against the running server
(discover, list collections, add objects, page, filter, read the status, delete an object),
`stix2-validator` on every export, and MISP (misp-stix) and OpenCTI bundles imported and
exported unchanged."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import uvicorn
from stix2validator import ValidationOptions, validate_string
from taxii2client.common import TokenAuth
from taxii2client.v21 import Server, as_pages

from accord.api import create_app
from accord.interop.stix import canonical
from accord.model import EnvelopeDefaults
from accord.services import stix, taxii
from accord.services.node import Node
from accord.services.tokens import issue_token
from tests.stix_bundles import TLP2_GREEN, indicator, misp_bundle, opencti_bundle, text


@pytest.fixture
def served(node: Node) -> Iterator[str]:
    """The node's API over HTTP on a loopback port, in a thread of this process."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(node), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    sock.close()


def _valid(bundle: dict[str, Any]) -> None:
    result = validate_string(json.dumps(bundle), ValidationOptions(version="2.1"))
    results = getattr(result, "object_results", [result])
    assert result.is_valid, [str(e) for o in results for e in o.errors]


def test_taxii2_client_discovers_adds_pages_filters_and_reads_the_status(
    node: Node, served: str
) -> None:
    token = issue_token(node, "soc", ["analyst", "investigator"]).secret
    made = taxii.create_collection(
        node, node.operator(), title="Phishing", purpose="investigation", crime_area="fraud"
    )
    server = Server(f"{served}/taxii2/", user="soc", password=token)  # HTTP Basic
    assert server.title.startswith("Accord node")
    (root,) = server.api_roots
    (collection,) = root.collections
    assert collection.id == made.id and collection.can_read and collection.can_write
    objects = [indicator(f"client-{i}", markings=[TLP2_GREEN]) for i in range(7)]
    status = collection.add_objects(json.dumps({"objects": objects}))
    assert status.status == "complete" and status.success_count == 7
    status.refresh()
    assert status.total_count == 7 and status.failure_count == 0
    paged = [
        o["id"]
        for page in as_pages(collection.get_objects, per_request=3)
        for o in page.get("objects", [])
    ]
    assert paged == [o["id"] for o in objects]
    by_bearer = Server(f"{served}/taxii2/", auth=TokenAuth(token))
    one = by_bearer.api_roots[0].collections[0].get_objects(**{"id": objects[2]["id"]})
    assert [o["id"] for o in one["objects"]] == [objects[2]["id"]]
    typed = collection.get_objects(type="malware")
    assert "objects" not in typed
    manifest = collection.get_manifest()
    assert len(manifest["objects"]) == 7


def test_taxii2_client_deletes_an_object_by_version_and_spec_version(
    node: Node, served: str
) -> None:
    token = issue_token(node, "soc", ["analyst", "investigator"]).secret
    taxii.create_collection(
        node, node.operator(), title="Phishing", purpose="investigation", crime_area="fraud"
    )
    (collection,) = Server(f"{served}/taxii2/", auth=TokenAuth(token)).api_roots[0].collections
    old = indicator("to-delete", markings=[TLP2_GREEN], modified="2026-03-01T10:00:00.000Z")
    new = indicator("to-delete", markings=[TLP2_GREEN], modified="2026-03-06T10:00:00.000Z")
    kept = indicator("kept", markings=[TLP2_GREEN])
    assert collection.add_objects(json.dumps({"objects": [old, new, kept]})).success_count == 3
    with pytest.raises(requests.HTTPError) as missing:
        collection.delete_object(old["id"], spec_version="2.0")
    assert missing.value.response.status_code == 404
    collection.delete_object(old["id"], version=old["modified"], spec_version="2.1")
    assert collection.object_versions(old["id"])["versions"] == [new["modified"]]
    collection.delete_object(old["id"])
    with pytest.raises(requests.HTTPError) as gone:
        collection.get_object(old["id"])
    assert gone.value.response.status_code == 404
    assert [o["id"] for o in collection.get_objects()["objects"]] == [kept["id"]]
    _valid(stix.export_bundle(node, node.operator()).bundle)


@pytest.mark.parametrize("make", [misp_bundle, opencti_bundle], ids=["misp", "opencti"])
def test_misp_and_opencti_bundles_round_trip_unchanged_and_validate(node: Node, make: Any) -> None:
    original = make()
    report = stix.import_objects(
        node, node.operator(), text(original), defaults=EnvelopeDefaults(owner="DE-BKA")
    )
    assert report.refused == 0, report.to_dict()
    exported = stix.export_bundle(node, node.operator()).bundle
    _valid(exported)
    assert sorted(canonical(o) for o in exported["objects"]) == sorted(
        canonical(o) for o in original["objects"]
    )


def test_every_version_is_kept_and_exported(node: Node) -> None:
    first = indicator("evolving", modified="2026-03-01T10:00:00.000Z")
    second = indicator("evolving", modified="2026-03-04T10:00:00.000Z", name="sharper")
    for obj in (first, second, first):
        stix.import_objects(
            node,
            node.operator(),
            json.dumps(
                {
                    "type": "bundle",
                    "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
                    "objects": [obj],
                }
            ),
            defaults=EnvelopeDefaults(owner="DE-BKA"),
        )
    exported = stix.export_bundle(node, node.operator()).bundle
    _valid(exported)
    assert [o["modified"] for o in exported["objects"]] == [first["modified"], second["modified"]]
    latest = stix.export_bundle(node, node.operator(), all_versions=False).bundle
    assert [o["name"] for o in latest["objects"]] == ["sharper"]


def test_a_feed_is_pulled_page_by_page_and_resumes_from_its_last_page(
    node: Node, served: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from accord.services import taxii_feeds
    from accord.services.node import init_node
    from accord.settings import Settings

    token = issue_token(node, "nl-feed", ["analyst"]).secret
    made = taxii.create_collection(
        node, node.operator(), title="Feed", purpose="investigation", crime_area="fraud"
    )
    first = [indicator(f"feed-{i}", markings=[TLP2_GREEN]) for i in range(5)]
    stix.import_objects(
        node, node.operator(), json.dumps({"objects": first}), defaults=EnvelopeDefaults("DE-BKA")
    )
    puller = init_node(Settings(home=tmp_path / "nl"), "NL-POLITIE", "Politie")
    monkeypatch.setenv("DE_BKA_TAXII_TOKEN", token)
    taxii_feeds.add_feed(
        puller,
        puller.operator(),
        name="de-bka",
        url=f"{served}/taxii2/accord/",
        collection_id=made.id,
        token_env="DE_BKA_TAXII_TOKEN",
        envelope={"reliability": "B", "assessment": "2"},
    )
    cut = taxii_feeds.pull_feed(puller, puller.operator(), "de-bka", page_size=2, max_pages=1)
    assert (cut.complete, cut.created) == (False, 2)
    (feed,) = taxii_feeds.list_feeds(puller)
    assert feed.next_page is not None  # where the next pull starts
    rest = taxii_feeds.pull_feed(puller, puller.operator(), "de-bka", page_size=2)
    assert (rest.complete, rest.created, rest.existing) == (True, 3, 0)
    later = indicator("feed-later")
    stix.import_objects(
        node, node.operator(), json.dumps({"objects": [later]}), defaults=EnvelopeDefaults("DE-BKA")
    )
    again = taxii_feeds.pull_feed(puller, puller.operator(), "de-bka", page_size=2)
    assert (again.created, again.existing) == (1, 0)  # only what was added since
    pulled = stix.export_bundle(puller, puller.operator()).bundle["objects"]
    assert sorted(o["id"] for o in pulled) == sorted(o["id"] for o in [*first, later])
    stored = stix.get_object(puller, puller.operator(), later["id"])
    assert stored == [later]


def test_a_feed_that_fails_says_why_and_keeps_its_place(node: Node, tmp_path: Any) -> None:
    from accord.services import taxii_feeds

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there
    taxii_feeds.add_feed(
        node,
        node.operator(),
        name="down",
        url=f"http://127.0.0.1:{port}/taxii2/root/",
        collection_id="c1",
    )
    result = taxii_feeds.pull_feed(node, node.operator(), "down", timeout=2.0)
    assert not result.complete and result.error
    (feed,) = taxii_feeds.list_feeds(node)
    assert feed.last_error == result.error and feed.added_after is None
