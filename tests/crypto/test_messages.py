from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.crypto import (
    BadSignature,
    BodyDigestMismatch,
    MalformedSignature,
    MessageClaims,
    MessageRejected,
    NodeKeys,
    PartnerDirectory,
    ReplayedNonce,
    ReplayGuard,
    StaleTimestamp,
    UnknownSender,
    WrongTarget,
    b64url_decode,
    b64url_encode,
    body_digest,
    generate_node_keys,
    read_message_claims,
    sign_message,
    verify_message,
    verify_stored_message,
)

from .conftest import NOW, entry

BODY = json.dumps({"query": {"schema": "Person", "name": "Oleksandr Kovalenko"}}).encode()
TARGET = "/federation/v1/search"


def request(keys: NodeKeys, body: bytes = BODY, **overrides: object) -> str:
    fields: dict[str, object] = {
        "sender": "de-bka",
        "recipient": "nl-politie",
        "method": "POST",
        "target": TARGET,
        "request_id": "req-0001",
        "now": NOW,
    }
    fields.update(overrides)
    return sign_message(body, keys.signing, **fields)  # type: ignore[arg-type]


def verify(
    signature: str, directory: PartnerDirectory, body: bytes = BODY, **overrides: object
) -> MessageClaims:
    fields: dict[str, object] = {
        "keys": lambda kid: directory.signing_key(kid, NOW),
        "recipient": "nl-politie",
        "method": "POST",
        "target": TARGET,
        "guard": ReplayGuard(),
        "now": NOW,
    }
    fields.update(overrides)
    return verify_message(signature, body, **fields)  # type: ignore[arg-type]


def reencode(signature: str, **header_changes: object) -> str:
    """The signature with its protected header changed and the old signature kept."""
    head, payload, sig = signature.split(".")
    header = json.loads(b64url_decode(head))
    header.update(header_changes)
    header = {k: v for k, v in header.items() if v is not None}
    return ".".join([b64url_encode(json.dumps(header).encode()), payload, sig])


def test_a_signed_request_verifies_and_says_who_sent_what_where(
    de_keys: NodeKeys, directory: PartnerDirectory
) -> None:
    claims = verify(request(de_keys), directory)
    assert claims == MessageClaims(
        kind="request",
        sender="de-bka",
        recipient="nl-politie",
        issued_at=NOW,
        nonce=claims.nonce,
        request_id="req-0001",
        method="POST",
        target=TARGET,
        body_digest=body_digest(BODY),
    )


def test_signature_is_a_compact_jws_with_empty_payload_and_the_documented_header(
    de_keys: NodeKeys,
) -> None:
    head, payload, sig = request(de_keys).split(".")
    header = json.loads(b64url_decode(head))
    assert payload == ""
    assert len(b64url_decode(sig)) == 64
    assert header == {
        "alg": "Ed25519",
        "typ": "accord-request+jws",
        "kid": "de-bka",
        "aud": "nl-politie",
        "iat": int(NOW.timestamp()),
        "nonce": header["nonce"],
        "rid": "req-0001",
        "htm": "POST",
        "htu": TARGET,
        "bd": body_digest(BODY),
    }
    assert len(b64url_decode(header["nonce"])) == 16


def test_the_signature_is_ed25519_over_the_jws_signing_input(de_keys: NodeKeys) -> None:
    head, payload, sig = request(de_keys).split(".")
    de_keys.signing.public_key().verify(b64url_decode(sig), f"{head}.{payload}".encode())


def test_every_signature_gets_a_fresh_nonce(de_keys: NodeKeys) -> None:
    nonces = {read_message_claims(request(de_keys)).nonce for _ in range(20)}
    assert len(nonces) == 20


def test_a_signed_response_verifies_against_the_request_it_answers(
    nl_keys: NodeKeys, directory: PartnerDirectory
) -> None:
    answer = b'{"hits": []}'
    signature = sign_message(
        answer,
        nl_keys.signing,
        sender="nl-politie",
        recipient="de-bka",
        method="POST",
        target=TARGET,
        request_id="req-0001",
        kind="response",
        now=NOW,
    )
    claims = verify(
        signature, directory, answer, recipient="de-bka", kind="response", request_id="req-0001"
    )
    assert claims.kind == "response"
    assert claims.sender == "nl-politie"


def test_empty_body_is_signed_and_bound_too(de_keys: NodeKeys, directory: PartnerDirectory) -> None:
    signature = request(de_keys, b"", method="GET", target="/federation/v1/status?x=1")
    verify(signature, directory, b"", method="GET", target="/federation/v1/status?x=1")
    with pytest.raises(BodyDigestMismatch):
        verify(signature, directory, b"{}", method="GET", target="/federation/v1/status?x=1")


# --- rejections, in the order verification checks them -------------------------------------


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "!!!.." + "A" * 86,
        b64url_encode(b"[1, 2]") + "..AAAA",
        b64url_encode(b'{"alg": "Ed25519", "alg": "Ed25519"}') + "..AAAA",
        "A" * 5000,
    ],
)
def test_malformed_signatures_are_refused(signature: str, directory: PartnerDirectory) -> None:
    with pytest.raises(MalformedSignature):
        verify(signature, directory)


def test_an_embedded_payload_is_refused(de_keys: NodeKeys, directory: PartnerDirectory) -> None:
    head, _, sig = request(de_keys).split(".")
    with pytest.raises(MalformedSignature, match="empty payload"):
        verify(f"{head}.{b64url_encode(BODY)}.{sig}", directory)


@pytest.mark.parametrize(
    "change",
    [
        {"alg": "none"},
        {"alg": "EdDSA"},
        {"alg": "HS256"},
        {"nonce": None},
        {"bd": None},
        {"extra": "field"},
        {"b64": False},
        {"iat": "1772366400"},
        {"iat": True},
        {"iat": 10**20},
        {"typ": "JWT"},
        {"htu": "no-leading-slash"},
        {"htm": "post"},
        {"kid": "has space"},
        {"bd": "short"},
    ],
)
def test_headers_off_the_profile_are_malformed(
    change: dict[str, object], de_keys: NodeKeys, directory: PartnerDirectory
) -> None:
    with pytest.raises(MalformedSignature):
        verify(reencode(request(de_keys), **change), directory)


def test_alg_none_with_an_empty_signature_is_refused(
    de_keys: NodeKeys, directory: PartnerDirectory
) -> None:
    head = reencode(request(de_keys), alg="none").split(".")[0]
    with pytest.raises(MalformedSignature):
        verify(f"{head}..", directory)


def test_a_sender_missing_from_the_directory_is_unknown(directory: PartnerDirectory) -> None:
    stranger = generate_node_keys()
    with pytest.raises(UnknownSender):
        verify(request(stranger, sender="ua-npu"), directory)


def test_a_sender_whose_directory_entry_expired_is_unknown(de_keys: NodeKeys) -> None:
    lapsed = PartnerDirectory.build("F", 1, [entry("de-bka", "DE-BKA", de_keys, valid_days=-1)])
    with pytest.raises(UnknownSender):
        verify(request(de_keys), lapsed)


def test_a_signature_by_another_key_under_a_partners_name_is_bad(
    directory: PartnerDirectory,
) -> None:
    with pytest.raises(BadSignature):
        verify(request(generate_node_keys()), directory)


@pytest.mark.parametrize(
    "change",
    [
        {"aud": "ua-npu"},
        {"htm": "GET"},
        {"htu": "/federation/v1/follow-up"},
        {"rid": "req-0002"},
        {"iat": int(NOW.timestamp()) + 1},
        {"nonce": "AAAAAAAAAAAAAAAAAAAAAA"},
        {"bd": body_digest(b"other body")},
        {"typ": "accord-response+jws"},
    ],
)
def test_changing_any_signed_header_field_breaks_the_signature(
    change: dict[str, object], de_keys: NodeKeys, directory: PartnerDirectory
) -> None:
    with pytest.raises(BadSignature):
        verify(reencode(request(de_keys), **change), directory)


def test_a_request_signed_for_another_node_is_refused(
    de_keys: NodeKeys, directory: PartnerDirectory
) -> None:
    with pytest.raises(WrongTarget, match="recipient"):
        verify(request(de_keys, recipient="ua-npu"), directory)


@pytest.mark.parametrize(
    ("method", "target"),
    [("PUT", TARGET), ("POST", "/federation/v1/follow-up"), ("POST", TARGET + "?all=1")],
)
def test_a_request_signed_for_another_method_or_path_is_refused(
    method: str, target: str, de_keys: NodeKeys, directory: PartnerDirectory
) -> None:
    with pytest.raises(WrongTarget, match="method or path"):
        verify(request(de_keys), directory, method=method, target=target)


def test_a_response_for_another_request_id_is_refused(
    nl_keys: NodeKeys, directory: PartnerDirectory
) -> None:
    signature = request(
        nl_keys, sender="nl-politie", recipient="de-bka", request_id="req-0001", kind="response"
    )
    with pytest.raises(WrongTarget, match="request id"):
        verify(signature, directory, recipient="de-bka", kind="response", request_id="req-9999")


def test_a_response_cannot_be_passed_off_as_a_request(
    nl_keys: NodeKeys, directory: PartnerDirectory
) -> None:
    signature = request(nl_keys, sender="nl-politie", recipient="de-bka", kind="response")
    with pytest.raises(WrongTarget, match="expected a signed request"):
        verify(signature, directory, recipient="de-bka")


def test_a_changed_body_does_not_match_the_signed_digest(
    de_keys: NodeKeys, directory: PartnerDirectory
) -> None:
    with pytest.raises(BodyDigestMismatch):
        verify(request(de_keys), directory, BODY.replace(b"Oleksandr", b"Olexandr "))


def test_an_old_request_is_stale(de_keys: NodeKeys, directory: PartnerDirectory) -> None:
    with pytest.raises(StaleTimestamp):
        verify(request(de_keys), directory, now=NOW + timedelta(minutes=5))


def test_a_request_from_the_future_is_stale(de_keys: NodeKeys, directory: PartnerDirectory) -> None:
    with pytest.raises(StaleTimestamp):
        verify(request(de_keys, now=NOW + timedelta(minutes=3)), directory)


def test_a_replayed_request_is_refused_even_within_the_window(
    de_keys: NodeKeys, directory: PartnerDirectory
) -> None:
    guard = ReplayGuard()
    signature = request(de_keys)
    verify(signature, directory, guard=guard)
    with pytest.raises(ReplayedNonce):
        verify(signature, directory, guard=guard, now=NOW + timedelta(seconds=30))


def test_a_retry_with_the_same_request_id_is_a_new_message(
    de_keys: NodeKeys, directory: PartnerDirectory
) -> None:
    guard = ReplayGuard()
    first = verify(request(de_keys), directory, guard=guard)
    retry = verify(request(de_keys), directory, guard=guard)
    assert first.request_id == retry.request_id


def test_a_rejected_message_does_not_use_up_its_nonce(
    de_keys: NodeKeys, directory: PartnerDirectory
) -> None:
    guard = ReplayGuard()
    signature = request(de_keys)
    with pytest.raises(BodyDigestMismatch):
        verify(signature, directory, b"tampered", guard=guard)
    verify(signature, directory, guard=guard)


def test_rejections_carry_stable_codes_and_401_or_400() -> None:
    codes = {
        MalformedSignature: ("malformed_signature", 400),
        UnknownSender: ("unknown_sender", 401),
        BadSignature: ("bad_signature", 401),
        WrongTarget: ("wrong_target", 401),
        BodyDigestMismatch: ("body_digest_mismatch", 401),
        StaleTimestamp: ("stale_timestamp", 401),
        ReplayedNonce: ("replayed_nonce", 401),
    }
    for error, (code, status) in codes.items():
        assert issubclass(error, MessageRejected)
        assert (error.code, error.status) == (code, status)


def test_signing_refuses_values_the_verifier_would_refuse(de_keys: NodeKeys) -> None:
    with pytest.raises(ValueError):
        request(de_keys, target="federation/v1/search")
    with pytest.raises(ValueError):
        request(de_keys, method="post")
    with pytest.raises(ValueError):
        request(de_keys, request_id="")
    with pytest.raises(ValueError, match="timezone-aware"):
        request(de_keys, now=NOW.replace(tzinfo=None))


def test_a_stored_message_reverifies_long_after_without_touching_nonces(
    de_keys: NodeKeys, directory: PartnerDirectory
) -> None:
    signature = request(de_keys)
    key = de_keys.signing.public_key()
    claims = verify_stored_message(signature, BODY, key)
    assert claims.sender == "de-bka"
    assert verify_stored_message(signature, BODY, key) == claims
    with pytest.raises(BodyDigestMismatch):
        verify_stored_message(signature, BODY + b" ", key)
    with pytest.raises(BadSignature):
        verify_stored_message(signature, BODY, generate_node_keys().signing.public_key())


# --- any change to body or signature is caught ----------------------------------------------


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_flipping_any_byte_of_the_body_is_refused(
    data: st.DataObject, de_keys: NodeKeys, directory: PartnerDirectory
) -> None:
    index = data.draw(st.integers(0, len(BODY) - 1))
    flip = data.draw(st.integers(1, 255))
    tampered = bytearray(BODY)
    tampered[index] ^= flip
    with pytest.raises(BodyDigestMismatch):
        verify(request(de_keys), directory, bytes(tampered))


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_flipping_any_byte_of_the_signature_value_is_refused(
    data: st.DataObject, de_keys: NodeKeys, directory: PartnerDirectory
) -> None:
    head, payload, sig = request(de_keys).split(".")
    raw = bytearray(b64url_decode(sig))
    raw[data.draw(st.integers(0, len(raw) - 1))] ^= data.draw(st.integers(1, 255))
    with pytest.raises(BadSignature):
        verify(f"{head}.{payload}.{b64url_encode(bytes(raw))}", directory)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_flipping_any_byte_of_the_protected_header_is_refused(
    data: st.DataObject, de_keys: NodeKeys, directory: PartnerDirectory
) -> None:
    head, payload, sig = request(de_keys).split(".")
    raw = bytearray(b64url_decode(head))
    raw[data.draw(st.integers(0, len(raw) - 1))] ^= data.draw(st.integers(1, 255))
    with pytest.raises(MessageRejected):
        verify(f"{b64url_encode(bytes(raw))}.{payload}.{sig}", directory)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_replacing_any_character_of_the_signature_header_is_refused(
    data: st.DataObject, de_keys: NodeKeys, directory: PartnerDirectory
) -> None:
    signature = request(de_keys)
    index = data.draw(st.integers(0, len(signature) - 1))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
    char = data.draw(st.sampled_from(alphabet).filter(lambda c: c != signature[index]))
    tampered = signature[:index] + char + signature[index + 1 :]
    with pytest.raises(MessageRejected):
        verify(tampered, directory)


def test_a_deeply_nested_header_is_malformed_not_a_crash(directory: PartnerDirectory) -> None:
    head = b64url_encode(b"[" * 3000)
    with pytest.raises(MalformedSignature):
        verify(f"{head}..AAAA", directory)


def test_a_tree_head_travels_inside_the_signature_and_cannot_be_swapped(
    de_keys: NodeKeys, directory: PartnerDirectory
) -> None:
    head = {"tree_size": 7, "timestamp": 1, "root_hash": "x", "signature": "y"}
    signed = request(de_keys, tree_head=head)
    assert verify(signed, directory).tree_head == head
    assert verify(request(de_keys, request_id="req-0002"), directory).tree_head is None
    protected, _, sig = signed.split(".")
    header = json.loads(b64url_decode(protected))
    header["sth"]["tree_size"] = 8
    swapped = b64url_encode(json.dumps(header).encode()) + ".." + sig
    with pytest.raises(BadSignature):
        verify(swapped, directory)
