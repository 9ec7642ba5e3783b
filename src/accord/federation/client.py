"""Calls to partner nodes: HTTPS with mutual TLS 1.3, the partner's certificate pinned to the
fingerprint in its directory entry, the request signed and the answer's signature checked
(decision 0004 and docs/federation.md).

Every request carries this node's latest signed tree head in its signature (`sth`), and the
partner's head in a verified answer is handed to the caller's `HeadExchange` (witnessing,
decision 0009), which never raises. A caller gets a verified `Reply` or one of two errors:
`PartnerUnavailable` (no trustworthy answer: network, timeout, TLS, pin, signature, 5xx —
retry later) or `PartnerRefused` (the partner answered 4xx — retrying the same message will not
help). Neither carries the partner's own error text beyond its stable code."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from accord.crypto import (
    SIGNATURE_HEADER,
    MemoryNonceStore,
    MessageClaims,
    MessageRejected,
    ReplayGuard,
    parse_fingerprint,
    peer_certificate_fingerprint,
    sign_message,
    verify_message,
)
from accord.errors import AccordError
from accord.federation.identity import node_id, tls_files
from accord.federation.peers import Peer
from accord.federation.protocol import NODE_PATH, NodeInfo
from accord.metrics import federation_call
from accord.node import Node

__all__ = [
    "FederationClient",
    "HeadExchange",
    "PartnerRefused",
    "PartnerUnavailable",
    "Reply",
    "client_for",
]


class PartnerUnavailable(AccordError):
    """No trustworthy answer from the partner (it may be down, slow, or not who it should be)."""

    status = 503
    code = "partner_unavailable"


class PartnerRefused(AccordError):
    """The partner refused the request with a 4xx status; `partner_code` is its stable code."""

    status = 502
    code = "partner_refused"

    def __init__(self, message: str, status_code: int, partner_code: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.partner_code = partner_code


class HeadExchange(Protocol):
    """Witnessing, as the client needs it (`accord.services.witness.Witness`): this node's
    latest signed tree head to send, and a place for the partner's. Neither method raises."""

    def head(self) -> Mapping[str, Any] | None:
        """The JSON form of this node's latest signed tree head (None if it cannot be had)."""
        ...

    def observe(self, peer: Peer, claims: MessageClaims, via: str) -> None:
        """Witness the head a partner sent with a verified message."""
        ...


@dataclass(frozen=True, slots=True)
class Reply:
    """A partner's answer whose signature verified: status, exact body bytes, the signature
    (kept in the ledger so that the answer can be re-checked later) and what it claims."""

    status: int
    body: bytes
    signature: str
    claims: MessageClaims


class FederationClient:
    """One node's outbound connection pool to its partners (thread-safe)."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.node_id = node_id(node)
        self.max_body = node.settings.federation_max_body
        window = timedelta(seconds=node.settings.federation_replay_window)
        self._guard = ReplayGuard(MemoryNonceStore(), window)
        self._http = httpx.Client(
            verify=tls_files(node.settings).client_context(),
            timeout=node.settings.federation_timeout,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def send(
        self,
        peer: Peer,
        method: str,
        path: str,
        body: bytes,
        request_id: str,
        *,
        witness: HeadExchange,
        timeout: float | None = None,
    ) -> Reply:
        """Sign and send one request with this node's tree head; verify the partner's signed
        answer, hand its tree head to `witness`, and return the answer. Each call is counted by
        partner and outcome (`accord_federation_calls` at /metrics)."""
        try:
            reply = self._send(
                peer, method, path, body, request_id, witness=witness, timeout=timeout
            )
        except PartnerRefused:
            federation_call(peer.node_id, "refused")
            raise
        except PartnerUnavailable:
            federation_call(peer.node_id, "unavailable")
            raise
        federation_call(peer.node_id, "ok")
        return reply

    def _send(
        self,
        peer: Peer,
        method: str,
        path: str,
        body: bytes,
        request_id: str,
        *,
        witness: HeadExchange,
        timeout: float | None = None,
    ) -> Reply:
        base = urlsplit(peer.url)
        target = base.path.rstrip("/") + path
        signature = sign_message(
            body,
            self.node.keys.signing,
            sender=self.node_id,
            recipient=peer.node_id,
            method=method,
            target=target,
            request_id=request_id,
            tree_head=witness.head(),
        )
        headers = {SIGNATURE_HEADER: signature, "Content-Type": "application/json"}
        url = f"{base.scheme}://{base.netloc}{target}"
        status, content, answer_signature = self._exchange(
            method, url, content=body, headers=headers, pin=peer.tls_fingerprint, timeout=timeout
        )
        if status >= 500:
            raise PartnerUnavailable(f"partner {peer.node_id} answered {status}")
        if status >= 400:
            code = _error_code(content)
            raise PartnerRefused(f"partner {peer.node_id} refused: {code}", status, code)
        if answer_signature is None:
            raise PartnerUnavailable(f"partner {peer.node_id} sent an unsigned answer")
        try:
            claims = verify_message(
                answer_signature,
                content,
                keys=lambda kid: peer.signing_key if kid == peer.node_id else None,
                recipient=self.node_id,
                method=method,
                target=target,
                guard=self._guard,
                kind="response",
                request_id=request_id,
            )
        except MessageRejected as exc:
            raise PartnerUnavailable(
                f"answer of partner {peer.node_id} failed its signature check: {exc.code}"
            ) from exc
        witness.observe(peer, claims, f"response:{method} {path.split('?', 1)[0]}")
        return Reply(status, content, answer_signature, claims)

    def node_info(self, url: str, fingerprint: str) -> NodeInfo:
        """Who answers at `url`, over a connection pinned to the certificate `fingerprint`."""
        base = urlsplit(url)
        target = base.path.rstrip("/") + NODE_PATH
        status, content, _ = self._exchange(
            "GET",
            f"{base.scheme}://{base.netloc}{target}",
            content=b"",
            headers={},
            pin=parse_fingerprint(fingerprint),
            timeout=None,
        )
        if status != 200:
            raise PartnerUnavailable(f"{url} answered {status} for its node description")
        try:
            return NodeInfo.model_validate_json(content)
        except ValueError as exc:
            raise PartnerUnavailable(f"{url} sent a malformed node description") from exc

    def _exchange(
        self,
        method: str,
        url: str,
        *,
        content: bytes,
        headers: dict[str, str],
        pin: str,
        timeout: float | None,
    ) -> tuple[int, bytes, str | None]:
        limit: float | httpx.Timeout = self._http.timeout if timeout is None else timeout
        try:
            with self._http.stream(
                method, url, content=content, headers=headers, timeout=limit
            ) as response:
                stream = response.extensions.get("network_stream")
                ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
                presented = peer_certificate_fingerprint(ssl_object) if ssl_object else None
                if presented != pin:
                    raise PartnerUnavailable(
                        "the partner's TLS certificate is not the one pinned for it"
                    )
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > self.max_body:
                        raise PartnerUnavailable("the partner's answer is larger than allowed")
                return response.status_code, bytes(body), response.headers.get(SIGNATURE_HEADER)
        except httpx.TimeoutException as exc:
            raise PartnerUnavailable("the partner did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise PartnerUnavailable(f"cannot reach the partner ({type(exc).__name__})") from exc


def _error_code(content: bytes) -> str:
    try:
        code = json.loads(content).get("code")
    except (ValueError, AttributeError):
        return "unknown"
    return code if isinstance(code, str) and code.isidentifier() and len(code) <= 64 else "unknown"


_LOCK = threading.Lock()


def client_for(node: Node) -> FederationClient:
    """The node's client, created once per process (its TLS context reads the node's files)."""
    with _LOCK:
        client: FederationClient | None = node.cache.get("federation_client")
        if client is None:
            client = FederationClient(node)
            node.cache["federation_client"] = client
        return client
