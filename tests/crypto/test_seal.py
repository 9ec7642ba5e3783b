from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.crypto import (
    MAX_SEALED_BYTES,
    BadSignature,
    KeyLookup,
    NodeKeys,
    PartnerDirectory,
    SealError,
    UnknownSender,
    WrongTarget,
    b64url_decode,
    b64url_encode,
    generate_node_keys,
    open_and_verify,
    open_sealed,
    public_jwk,
    seal,
    sign_and_seal,
)

from .conftest import NOW

SECRET = "Дані про особу: Олександр Коваленко, 1981-03-02".encode()


def lookup(directory: PartnerDirectory) -> KeyLookup:
    return lambda kid: directory.signing_key(kid, NOW)


def test_sealed_payload_opens_with_the_recipients_key(nl_keys: NodeKeys) -> None:
    token = seal(SECRET, nl_keys.public.encryption, recipient="nl-politie")
    assert SECRET not in token.encode()
    assert open_sealed(token, nl_keys.encryption) == SECRET


def test_sealed_payload_is_compact_jwe_with_ecdh_es_a256kw_over_x25519_and_a256gcm(
    nl_keys: NodeKeys,
) -> None:
    token = seal(SECRET, nl_keys.public.encryption, recipient="nl-politie")
    parts = token.split(".")
    assert len(parts) == 5
    header = json.loads(b64url_decode(parts[0]))
    assert header["alg"] == "ECDH-ES+A256KW"
    assert header["enc"] == "A256GCM"
    assert header["kid"] == "nl-politie"
    assert header["epk"]["kty"] == "OKP"
    assert header["epk"]["crv"] == "X25519"
    assert len(b64url_decode(parts[1])) == 40  # AES-256 key wrapped with RFC 3394
    assert len(b64url_decode(parts[2])) == 12  # GCM nonce
    assert len(b64url_decode(parts[4])) == 16  # GCM tag


def test_each_seal_uses_a_fresh_ephemeral_key(nl_keys: NodeKeys) -> None:
    a = seal(SECRET, nl_keys.public.encryption)
    b = seal(SECRET, nl_keys.public.encryption)
    assert a != b
    epk = [json.loads(b64url_decode(t.split(".")[0]))["epk"]["x"] for t in (a, b)]
    assert epk[0] != epk[1]


def test_another_key_cannot_open_a_sealed_payload(nl_keys: NodeKeys, de_keys: NodeKeys) -> None:
    token = seal(SECRET, nl_keys.public.encryption)
    with pytest.raises(SealError):
        open_sealed(token, de_keys.encryption)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_flipping_any_byte_of_any_part_of_a_sealed_payload_is_detected(
    data: st.DataObject, nl_keys: NodeKeys
) -> None:
    parts = seal(SECRET, nl_keys.public.encryption).split(".")
    which = data.draw(st.sampled_from([0, 1, 2, 3, 4]))
    raw = bytearray(b64url_decode(parts[which]))
    raw[data.draw(st.integers(0, len(raw) - 1))] ^= data.draw(st.integers(1, 255))
    parts[which] = b64url_encode(bytes(raw))
    with pytest.raises(SealError):
        open_sealed(".".join(parts), nl_keys.encryption)


def test_a_downgraded_algorithm_is_refused(nl_keys: NodeKeys) -> None:
    parts = seal(SECRET, nl_keys.public.encryption).split(".")
    header = json.loads(b64url_decode(parts[0])) | {"enc": "A128GCM"}
    parts[0] = b64url_encode(json.dumps(header).encode())
    with pytest.raises(SealError, match="ECDH-ES"):
        open_sealed(".".join(parts), nl_keys.encryption)


@pytest.mark.parametrize(
    "epk",
    [
        None,
        "not a key",
        {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"},
        {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
        {"kty": "OKP", "crv": "X25519"},
    ],
)
def test_a_sealed_payload_with_an_unusable_ephemeral_key_is_refused(
    epk: object, nl_keys: NodeKeys
) -> None:
    parts = seal(SECRET, nl_keys.public.encryption).split(".")
    header = json.loads(b64url_decode(parts[0]))
    header["epk"] = epk
    parts[0] = b64url_encode(json.dumps(header).encode())
    with pytest.raises(SealError):
        open_sealed(".".join(parts), nl_keys.encryption)


def test_oversized_payloads_are_refused_before_encryption(nl_keys: NodeKeys) -> None:
    with pytest.raises(SealError, match="exceeds"):
        seal(b"\0" * (MAX_SEALED_BYTES + 1), nl_keys.public.encryption)


@pytest.mark.parametrize("token", ["", "a.b.c.d.e", "not a token"])
def test_garbage_does_not_open(token: str, nl_keys: NodeKeys) -> None:
    with pytest.raises(SealError):
        open_sealed(token, nl_keys.encryption)


def test_sign_then_seal_opens_verifies_and_names_sender_and_recipient(
    de_keys: NodeKeys, nl_keys: NodeKeys, directory: PartnerDirectory
) -> None:
    token = sign_and_seal(
        SECRET,
        signing_key=de_keys.signing,
        sender="de-bka",
        recipient="nl-politie",
        recipient_key=nl_keys.public.encryption,
        now=NOW,
    )
    header = json.loads(b64url_decode(token.split(".")[0]))
    assert header["cty"] == "JOSE"
    opened = open_and_verify(
        token, private_key=nl_keys.encryption, recipient="nl-politie", keys=lookup(directory)
    )
    assert opened.payload == SECRET
    assert opened.sender == "de-bka"
    assert opened.recipient == "nl-politie"
    assert opened.issued_at == NOW


def test_sign_then_seal_refuses_a_signer_outside_the_directory(
    nl_keys: NodeKeys, directory: PartnerDirectory
) -> None:
    token = sign_and_seal(
        SECRET,
        signing_key=generate_node_keys().signing,
        sender="ua-npu",
        recipient="nl-politie",
        recipient_key=nl_keys.public.encryption,
    )
    with pytest.raises(UnknownSender):
        open_and_verify(
            token, private_key=nl_keys.encryption, recipient="nl-politie", keys=lookup(directory)
        )


def test_sign_then_seal_refuses_a_forged_signature_under_a_partners_name(
    nl_keys: NodeKeys, directory: PartnerDirectory
) -> None:
    token = sign_and_seal(
        SECRET,
        signing_key=generate_node_keys().signing,
        sender="de-bka",
        recipient="nl-politie",
        recipient_key=nl_keys.public.encryption,
    )
    with pytest.raises(BadSignature):
        open_and_verify(
            token, private_key=nl_keys.encryption, recipient="nl-politie", keys=lookup(directory)
        )


def test_a_recipient_cannot_forward_a_signed_message_as_if_addressed_to_a_third_node(
    de_keys: NodeKeys, nl_keys: NodeKeys, directory: PartnerDirectory
) -> None:
    # nl-politie opens a message from de-bka, then re-seals the signed inner JWS to ua-npu.
    ua_keys = generate_node_keys()
    token = sign_and_seal(
        SECRET,
        signing_key=de_keys.signing,
        sender="de-bka",
        recipient="nl-politie",
        recipient_key=nl_keys.public.encryption,
    )
    inner = open_sealed(token, nl_keys.encryption)
    forwarded = seal(inner, ua_keys.public.encryption, recipient="ua-npu", content_type="JOSE")
    with pytest.raises(WrongTarget):
        open_and_verify(
            forwarded, private_key=ua_keys.encryption, recipient="ua-npu", keys=lookup(directory)
        )


def test_a_plain_sealed_payload_is_not_taken_for_a_signed_one(
    nl_keys: NodeKeys, directory: PartnerDirectory
) -> None:
    token = seal(SECRET, nl_keys.public.encryption)
    with pytest.raises(SealError, match="signed"):
        open_and_verify(
            token, private_key=nl_keys.encryption, recipient="nl-politie", keys=lookup(directory)
        )


def test_a_jwk_of_the_recipient_key_is_what_a_second_implementation_seals_to(
    nl_keys: NodeKeys,
) -> None:
    from joserfc import jwe
    from joserfc.jwk import OKPKey

    recipient = OKPKey.import_key(public_jwk(nl_keys.public.encryption))
    token = jwe.encrypt_compact(
        {"alg": "ECDH-ES+A256KW", "enc": "A256GCM"},
        SECRET,
        recipient,
        algorithms=["ECDH-ES+A256KW", "A256GCM"],
    )
    assert open_sealed(token, nl_keys.encryption) == SECRET
