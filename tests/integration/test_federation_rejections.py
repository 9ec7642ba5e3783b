"""Every way a partner request is refused, over real mutual TLS: the refusal has a clear status
and code, is in the refusing node's ledger as FEDERATION_REJECTED, and no data leaves."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from accord.api import create_app
from accord.crypto import SIGNATURE_HEADER, client_context, sign_message
from accord.federation.identity import TLSFiles, tls_files
from accord.federation.pki import init_ca_files, issue_node_files
from accord.federation.protocol import NODE_PATH, SEARCH_PATH, encode, new_id
from tests.federation.cluster import Federation, ledger

SEARCH = {
    "query": "Ivan Petrenko",
    "purpose": "investigation",
    "reference": "DE case 1",
    "crime_area": "thb",
}


@pytest.fixture(scope="module")
def de_tls(federation: Federation) -> Iterator[httpx.Client]:
    """A raw client with DE-BKA's certificate: requests are built by hand."""
    files = tls_files(federation["DE-BKA"].node.settings)
    with httpx.Client(verify=files.client_context(), timeout=5.0) as client:
        yield client


def signed_post(
    federation: Federation,
    client: httpx.Client,
    body: bytes,
    *,
    sender: str = "de-bka",
    key: Ed25519PrivateKey | None = None,
    recipient: str = "nl-politie",
    sent_body: bytes | None = None,
) -> httpx.Response:
    signature = sign_message(
        body,
        key or federation["DE-BKA"].node.keys.signing,
        sender=sender,
        recipient=recipient,
        method="POST",
        target=SEARCH_PATH,
        request_id=new_id("t"),
    )
    return client.post(
        federation["NL-POLITIE"].url + SEARCH_PATH,
        content=body if sent_body is None else sent_body,
        headers={SIGNATURE_HEADER: signature, "Content-Type": "application/json"},
    )


def rejections(federation: Federation, code: str) -> list[dict[str, Any]]:
    entries = ledger(federation["NL-POLITIE"].node, "federation_rejected")
    return [e for e in entries if e["details"]["code"] == code]


def answers_sent(federation: Federation) -> int:
    nl = federation["NL-POLITIE"].node
    return len(ledger(nl, "federation_answer")) + len(ledger(nl, "disclosure"))


def assert_refused(
    federation: Federation, response: httpx.Response, status: int, code: str, before: int
) -> None:
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code
    assert set(body) <= {"code", "message", "errors"}
    assert "Petrenko" not in response.text and SIGNATURE_HEADER not in response.headers
    assert rejections(federation, code)
    assert answers_sent(federation) == before


def test_a_correct_request_is_answered(federation: Federation, de_tls: httpx.Client) -> None:
    response = signed_post(federation, de_tls, encode(SEARCH))
    assert response.status_code == 200 and SIGNATURE_HEADER in response.headers
    assert response.json()["items"][0]["record"]["id"] == "nl-petrenko"


def test_an_unsigned_request_is_refused(federation: Federation, de_tls: httpx.Client) -> None:
    before = answers_sent(federation)
    response = de_tls.post(federation["NL-POLITIE"].url + SEARCH_PATH, content=encode(SEARCH))
    assert_refused(federation, response, 401, "signature_required", before)


def test_a_request_signed_with_another_key_is_refused(
    federation: Federation, de_tls: httpx.Client
) -> None:
    before = answers_sent(federation)
    response = signed_post(federation, de_tls, encode(SEARCH), key=Ed25519PrivateKey.generate())
    assert_refused(federation, response, 401, "bad_signature", before)


def test_a_changed_body_is_refused(federation: Federation, de_tls: httpx.Client) -> None:
    before = answers_sent(federation)
    changed = encode({**SEARCH, "query": "Kees Verklikker"})
    response = signed_post(federation, de_tls, encode(SEARCH), sent_body=changed)
    assert_refused(federation, response, 401, "body_digest_mismatch", before)


def test_a_request_signed_for_another_node_is_refused(
    federation: Federation, de_tls: httpx.Client
) -> None:
    before = answers_sent(federation)
    response = signed_post(federation, de_tls, encode(SEARCH), recipient="ua-npu")
    assert_refused(federation, response, 401, "wrong_target", before)


def test_a_node_missing_from_the_directory_is_refused(
    federation: Federation, tmp_path: Path
) -> None:
    rogue = TLSFiles(tmp_path)
    issue_node_files(federation.ca, rogue.directory, "xx-rogue", "DE-ROGUE", ["127.0.0.1"])
    before = answers_sent(federation)
    with httpx.Client(verify=rogue.client_context(), timeout=5.0) as client:
        response = signed_post(
            federation, client, encode(SEARCH), sender="xx-rogue", key=Ed25519PrivateKey.generate()
        )
    assert_refused(federation, response, 401, "unknown_sender", before)
    assert rejections(federation, "unknown_sender")[-1]["actor"] == "unverified:xx-rogue"


def test_a_replayed_request_is_refused(federation: Federation, de_tls: httpx.Client) -> None:
    body = encode(SEARCH)
    signature = sign_message(
        body,
        federation["DE-BKA"].node.keys.signing,
        sender="de-bka",
        recipient="nl-politie",
        method="POST",
        target=SEARCH_PATH,
        request_id=new_id("t"),
    )
    headers = {SIGNATURE_HEADER: signature, "Content-Type": "application/json"}
    url = federation["NL-POLITIE"].url + SEARCH_PATH
    assert de_tls.post(url, content=body, headers=headers).status_code == 200
    before = answers_sent(federation)
    again = de_tls.post(url, content=body, headers=headers)
    assert_refused(federation, again, 401, "replayed_nonce", before)


def test_a_malformed_body_is_refused(federation: Federation, de_tls: httpx.Client) -> None:
    before = answers_sent(federation)
    response = signed_post(federation, de_tls, b'{"query": "Ivan", ')
    assert_refused(federation, response, 422, "invalid", before)
    unknown = signed_post(federation, de_tls, encode({**SEARCH, "everything": True}))
    assert_refused(federation, unknown, 422, "invalid", before)


def test_an_oversized_body_is_refused_unread(federation: Federation, de_tls: httpx.Client) -> None:
    limit = federation["NL-POLITIE"].node.settings.federation_max_body
    huge = encode({**SEARCH, "query": "x" * limit})
    before = answers_sent(federation)
    response = signed_post(federation, de_tls, huge)
    assert_refused(federation, response, 413, "body_too_large", before)


def test_a_query_without_a_purpose_is_refused(federation: Federation, de_tls: httpx.Client) -> None:
    before = answers_sent(federation)
    response = signed_post(federation, de_tls, encode({"query": "Ivan Petrenko"}))
    assert_refused(federation, response, 422, "invalid", before)
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"purpose", "reference", "crime_area"} <= fields


def _handshake_refused(federation: Federation, files: TLSFiles) -> tuple[int, str]:
    """Try the node description with `files`; returns (refusals before, reason recorded)."""
    before = len(rejections(federation, "tls_handshake_refused"))
    context = client_context(
        certfile=files.cert, keyfile=files.key, ca_pem=federation.ca.joinpath("ca.crt").read_bytes()
    )
    with httpx.Client(verify=context, timeout=5.0) as client, pytest.raises(httpx.TransportError):
        client.get(federation["NL-POLITIE"].url + NODE_PATH)
    for _ in range(100):
        found = rejections(federation, "tls_handshake_refused")
        if len(found) > before:
            return before, str(found[-1]["details"]["reason"])
        time.sleep(0.02)
    raise AssertionError("the refused handshake is not in the ledger")


def test_a_certificate_from_another_ca_is_refused_in_the_handshake(
    federation: Federation, tmp_path: Path
) -> None:
    init_ca_files(tmp_path / "other-ca", "other-federation")
    foreign = TLSFiles(tmp_path / "foreign")
    issue_node_files(tmp_path / "other-ca", foreign.directory, "de-bka", "DE-BKA", ["127.0.0.1"])
    _, reason = _handshake_refused(federation, foreign)
    assert "certificate" in reason.lower()


def test_an_expired_certificate_is_refused_in_the_handshake(
    federation: Federation, tmp_path: Path
) -> None:
    expired = TLSFiles(tmp_path / "expired")
    issue_node_files(
        federation.ca,
        expired.directory,
        "de-bka",
        "DE-BKA",
        ["127.0.0.1"],
        valid_days=1,
        now=datetime.now(UTC) - timedelta(days=3),
    )
    _, reason = _handshake_refused(federation, expired)
    assert "expired" in reason.lower()


def test_the_federation_api_is_refused_off_the_mutual_tls_listener(
    federation: Federation,
) -> None:
    nl = federation["NL-POLITIE"].node
    with TestClient(create_app(nl), raise_server_exceptions=False) as client:
        response = client.post(SEARCH_PATH, content=encode(SEARCH))
        node = client.get(NODE_PATH)
    assert response.status_code == node.status_code == 401
    assert response.json()["code"] == "mutual_tls_required"
