"""Federation crypto costs: signing and verifying a typical 2 KB federation body (the JWS of
every request and response), sealing and opening it (JWE for end-to-end messages), signing and
verifying the partner directory, and full mutual-TLS 1.3 handshakes over loopback.

Bare Ed25519 sign/verify over the same bytes runs alongside as the floor the JOSE layer adds to.
Writes benchmarks/results/crypto.json.

    .venv/bin/python benchmarks/crypto.py            # 5000 operations per measure, 3 rounds
    .venv/bin/python benchmarks/crypto.py --quick    # 300 operations per measure, 1 round
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import ssl
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from accord.crypto import (
    PartnerDirectory,
    PartnerEntry,
    ReplayGuard,
    client_context,
    generate_node_keys,
    init_ca,
    issue_node_certificate,
    open_and_verify,
    open_sealed,
    seal,
    server_context,
    sign_and_seal,
    sign_directory,
    sign_message,
    verify_directory,
    verify_message,
)
from accord.crypto.files import write_certificate, write_private_key

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "crypto.json"
TARGET = "/federation/v1/search"


def federation_body(size: int) -> bytes:
    """A federated-search request padded with plausible query properties to about `size` bytes."""
    names = ["Oleksandr Kovalenko", "Олександр Коваленко", "Aleksandr Kovalenko", "O. Kovalenko"]
    body: dict[str, Any] = {
        "request_id": str(uuid.UUID(int=1)),
        "purpose": "investigation of trafficking in human beings, case 2026/0412",
        "crime_area": "thb",
        "legal_basis": "Council Framework Decision 2006/960/JHA, Art. 3",
        "query": {"schema": "Person", "properties": {"name": names, "birthDate": ["1981-03-02"]}},
        "requested_by": {"agency": "DE-BKA", "user": "analyst-0042"},
    }
    filler = 0
    while len(json.dumps(body, ensure_ascii=False).encode()) < size:
        body["query"]["properties"].setdefault("passportNumber", []).append(f"FX{filler:07d}")
        filler += 1
    return json.dumps(body, ensure_ascii=False).encode()


def measure(fn: Callable[[int], object], n: int, rounds: int) -> dict[str, float]:
    """Run fn(i) for i in range(n), `rounds` times; report the median round."""
    per_round = []
    for _ in range(rounds):
        start = time.perf_counter()
        for i in range(n):
            fn(i)
        per_round.append(time.perf_counter() - start)
    seconds = statistics.median(per_round)
    return {"ops_per_s": round(n / seconds), "us_per_op": round(seconds / n * 1e6, 1)}


def bench_messages(n: int, rounds: int, body: bytes) -> dict[str, Any]:
    de = generate_node_keys()
    until = datetime.now(UTC) + timedelta(days=1)
    entry = PartnerEntry(
        "de-bka",
        "DE-BKA",
        "https://de.test",
        de.signing.public_key(),
        de.encryption.public_key(),
        "AB" * 32,
        until,
    )
    directory = PartnerDirectory.build("Bench", 1, [entry])
    common = {"sender": "de-bka", "recipient": "nl-politie", "method": "POST", "target": TARGET}
    # Every verification consumes a nonce, so each one gets a signature of its own.
    signatures = iter(
        [sign_message(body, de.signing, request_id=f"r{i}", **common) for i in range(n * rounds)]
    )
    guard = ReplayGuard()

    def check(signature: str) -> None:
        verify_message(
            signature,
            body,
            keys=directory.signing_key,
            recipient="nl-politie",
            method="POST",
            target=TARGET,
            guard=guard,
        )

    def sign(i: int) -> str:
        return sign_message(body, de.signing, request_id=f"s{i}", **common)

    public = de.signing.public_key()
    raw_sig = de.signing.sign(body)
    return {
        "sign": measure(sign, n, rounds),
        "verify": measure(lambda i: check(next(signatures)), n, rounds),
        "sign_and_verify": measure(lambda i: check(sign(i)), n, rounds),
        "bare_ed25519_sign": measure(lambda i: de.signing.sign(body), n, rounds),
        "bare_ed25519_verify": measure(lambda i: public.verify(raw_sig, body), n, rounds),
        "signature_header_bytes": len(sign(0)),
    }


def bench_sealing(n: int, rounds: int, body: bytes) -> dict[str, Any]:
    de, nl = generate_node_keys(), generate_node_keys()
    until = datetime.now(UTC) + timedelta(days=1)
    entries = [
        PartnerEntry(
            "de-bka",
            "DE-BKA",
            "https://de.test",
            de.signing.public_key(),
            de.encryption.public_key(),
            "AB" * 32,
            until,
        ),
    ]
    directory = PartnerDirectory.build("Bench", 1, entries)
    recipient = nl.encryption.public_key()
    sealed = seal(body, recipient)
    signed_sealed = sign_and_seal(
        body,
        signing_key=de.signing,
        sender="de-bka",
        recipient="nl-politie",
        recipient_key=recipient,
    )
    return {
        "seal": measure(lambda i: seal(body, recipient), n, rounds),
        "open": measure(lambda i: open_sealed(sealed, nl.encryption), n, rounds),
        "sign_and_seal": measure(
            lambda i: sign_and_seal(
                body,
                signing_key=de.signing,
                sender="de-bka",
                recipient="nl-politie",
                recipient_key=recipient,
            ),
            n,
            rounds,
        ),
        "open_and_verify": measure(
            lambda i: open_and_verify(
                signed_sealed,
                private_key=nl.encryption,
                recipient="nl-politie",
                keys=directory.signing_key,
            ),
            n,
            rounds,
        ),
        "sealed_bytes": len(sealed),
        "sign_and_sealed_bytes": len(signed_sealed),
    }


def bench_directory(n: int, rounds: int, nodes: int) -> dict[str, Any]:
    ca = init_ca("Bench Federation")
    until = datetime.now(UTC) + timedelta(days=365)
    entries = []
    for i in range(nodes):
        keys = generate_node_keys()
        entries.append(
            PartnerEntry(
                f"node-{i:03d}",
                "DE-BKA",
                f"https://node-{i:03d}.test:8443",
                keys.signing.public_key(),
                keys.encryption.public_key(),
                "AB" * 32,
                until,
            )
        )
    directory = PartnerDirectory.build("Bench Federation", 1, entries)
    token = sign_directory(directory, ca.directory_key)
    public = ca.directory_key.public_key()
    return {
        "nodes": nodes,
        "token_bytes": len(token),
        "sign": measure(lambda i: sign_directory(directory, ca.directory_key), n, rounds),
        "verify_and_parse": measure(lambda i: verify_directory(token, public), n, rounds),
    }


def bench_handshakes(n: int, rounds: int) -> dict[str, Any]:
    """Full mutual-TLS 1.3 handshakes over loopback: a fresh TCP connection each time."""
    ca = init_ca("Bench Federation")
    server = issue_node_certificate(ca, "de-bka", "DE-BKA", ["127.0.0.1"])
    client = issue_node_certificate(ca, "nl-politie", "NL-POLITIE", ["127.0.0.1"])
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for name, issued in (("server", server), ("client", client)):
            cert, key = Path(tmp) / f"{name}.crt", Path(tmp) / f"{name}.key"
            write_certificate(cert, issued.certificate)
            write_private_key(key, issued.key)
            paths[name] = (cert, key)
        server_ctx = server_context(
            certfile=paths["server"][0], keyfile=paths["server"][1], ca_pem=ca.certificate_pem
        )
        client_ctx = client_context(
            certfile=paths["client"][0], keyfile=paths["client"][1], ca_pem=ca.certificate_pem
        )
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            try:
                with server_ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.sendall(tls.recv(1))
            except (OSError, ssl.SSLError):
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()

    def connect(i: int) -> None:
        with (
            socket.create_connection(("127.0.0.1", port)) as raw,
            client_ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
        ):
            tls.sendall(b"x")
            tls.recv(1)

    try:
        result = measure(connect, n, rounds)
    finally:
        stop.set()
        listener.close()
    return {"key_type": "p256", "handshakes": result}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=5000, help="operations per measure")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per measure (median kept)")
    parser.add_argument("--body-bytes", type=int, default=2048, help="federation body size")
    parser.add_argument("--directory-nodes", type=int, default=50, help="entries in the directory")
    parser.add_argument("--handshakes", type=int, default=500, help="TLS handshakes per round")
    parser.add_argument("--quick", action="store_true", help="small run: 300 ops, 1 round")
    args = parser.parse_args()
    if args.quick:
        args.n, args.rounds, args.handshakes = 300, 1, 50

    body = federation_body(args.body_bytes)
    messages = bench_messages(args.n, args.rounds, body)
    sealing = bench_sealing(args.n, args.rounds, body)
    directory = bench_directory(max(args.n // 50, 10), args.rounds, args.directory_nodes)
    handshakes = bench_handshakes(args.handshakes, args.rounds)

    report = {
        "benchmark": "crypto",
        "when": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_1m": round(os.getloadavg()[0], 2),
            "openssl": ssl.OPENSSL_VERSION,
        },
        "parameters": {
            "operations": args.n,
            "rounds": args.rounds,
            "body_bytes": len(body),
            "directory_nodes": args.directory_nodes,
            "handshakes": args.handshakes,
            "quick": args.quick,
        },
        "messages": messages,
        "sealing": sealing,
        "directory": directory,
        "tls": handshakes,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")

    print(f"federation body: {len(body)} bytes; {args.n} ops x {args.rounds} rounds (median)")
    rows = [
        ("JWS sign (Accord-Signature)", messages["sign"]),
        ("JWS verify (+ directory, replay)", messages["verify"]),
        ("JWS sign + verify", messages["sign_and_verify"]),
        ("bare Ed25519 sign", messages["bare_ed25519_sign"]),
        ("bare Ed25519 verify", messages["bare_ed25519_verify"]),
        ("JWE seal", sealing["seal"]),
        ("JWE open", sealing["open"]),
        ("sign + seal", sealing["sign_and_seal"]),
        ("open + verify", sealing["open_and_verify"]),
        (f"directory sign ({args.directory_nodes} nodes)", directory["sign"]),
        (f"directory verify ({args.directory_nodes} nodes)", directory["verify_and_parse"]),
        ("mutual TLS 1.3 handshake", handshakes["handshakes"]),
    ]
    for label, figures in rows:
        print(f"  {label:<36} {figures['ops_per_s']:>9,} /s  {figures['us_per_op']:>9.1f} µs")
    print(
        f"  signature header {messages['signature_header_bytes']} bytes; "
        f"sealed body {sealing['sealed_bytes']} bytes"
    )
    print(f"wrote {RESULTS.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
