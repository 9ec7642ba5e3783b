from base64 import b64decode

from fastapi.testclient import TestClient

from accord.ledger import ConsistencyProof, InclusionProof, SignedTreeHead, leaf_hash
from accord.services.node import Node
from accord.services.tokens import issue_token
from tests.conftest import entity

API = "/api/v1/audit"


def as_auditor(client: TestClient, node: Node) -> None:
    token = issue_token(node, "auditor", ["auditor"], scopes=["audit:read", "audit:verify"])
    client.headers["Authorization"] = f"Bearer {token.secret}"


def test_tree_head_and_proofs_verify_on_the_client_side(client: TestClient, node: Node) -> None:
    for i in range(4):
        client.post("/api/v1/records", json=entity("Person", f"p{i}", name=f"N {i}"))
    first = SignedTreeHead.from_json(client.get(f"{API}/tree-head").json())
    for i in range(4, 7):
        client.post("/api/v1/records", json=entity("Person", f"p{i}", name=f"N {i}"))
    as_auditor(client, node)
    head_json = client.get(f"{API}/tree-head").json()
    head = SignedTreeHead.from_json(head_json)
    public = node.keys.signing.public_key()
    public.verify(head.signature, head.head.to_bytes())
    assert head_json["key_fingerprint"] == node.signing_fingerprint

    entries = client.get(f"{API}/entries", params={"start": 0, "end": head.head.size}).json()
    assert [e["event"] for e in entries].count("record_create") == 7
    assert [e["index"] for e in entries] == list(range(head.head.size))
    entry = entries[2]
    assert b64decode(entry["leaf_hash"]) == leaf_hash(entry["payload"].encode())

    proof = InclusionProof.from_json(
        client.get(
            f"{API}/proof/inclusion", params={"index": 2, "tree_size": head.head.size}
        ).json()
    )
    proof.verify(leaf_hash(entry["payload"].encode()), head.head.root)
    consistency = ConsistencyProof.from_json(
        client.get(
            f"{API}/proof/consistency", params={"first": first.head.size, "second": head.head.size}
        ).json()
    )
    consistency.verify(first.head.root, head.head.root)


def test_malformed_proof_parameters_get_4xx_naming_them(client: TestClient, node: Node) -> None:
    client.post("/api/v1/records", json=entity("Person", "p1", name="N"))
    as_auditor(client, node)
    cases = [
        ("/proof/inclusion", {"index": -1, "tree_size": 1}, "index"),
        ("/proof/inclusion", {"index": 0, "tree_size": 50}, "tree_size"),
        ("/proof/consistency", {"first": 2, "second": 1}, "first"),
        ("/proof/inclusion", {"index": "x", "tree_size": 1}, "index"),
        ("/entries", {"start": 0, "end": 5000}, "end"),
    ]
    for path, params, field in cases:
        res = client.get(API + path, params=params)
        assert res.status_code == 422, (path, params, res.text)
        assert res.json()["errors"][0]["field"] == field
