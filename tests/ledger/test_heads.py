import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accord.errors import ValidationError
from accord.ledger import (
    EMPTY_ROOT,
    ProofError,
    SignedTreeHead,
    TreeHead,
    sign_tree_head,
    verify_tree_head,
)

ROOT = bytes(range(32))


def ed25519_pair():
    key = Ed25519PrivateKey.generate()
    public = key.public_key()

    def verifier(message, signature):
        try:
            public.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    return key.sign, verifier


def test_canonical_bytes_are_the_tls_encoding_of_tree_head_data_v2():
    head = TreeHead(size=0x0102, root=ROOT, timestamp=0x0A0B0C)
    expected = (
        bytes.fromhex("00000000000a0b0c")  # uint64 timestamp
        + bytes.fromhex("0000000000000102")  # uint64 tree_size
        + b"\x20"  # root_hash length
        + ROOT
        + b"\x00\x00"  # no extensions
    )
    assert head.to_bytes() == expected


def test_signed_head_verifies_with_the_signing_key():
    sign, verify = ed25519_pair()
    signed = sign_tree_head(TreeHead(7, ROOT, 1_700_000_000_000), sign)
    assert len(signed.signature) == 64
    verify_tree_head(signed.head, signed.signature, verify)
    signed.verify(verify)


def test_signature_from_another_key_is_rejected():
    sign, _ = ed25519_pair()
    _, other_verify = ed25519_pair()
    signed = sign_tree_head(TreeHead(7, ROOT, 1), sign)
    with pytest.raises(ProofError, match="size 7"):
        signed.verify(other_verify)


@pytest.mark.parametrize(
    "changed",
    [TreeHead(8, ROOT, 1), TreeHead(7, EMPTY_ROOT, 1), TreeHead(7, ROOT, 2)],
)
def test_signature_does_not_carry_over_to_a_changed_head(changed):
    sign, verify = ed25519_pair()
    signed = sign_tree_head(TreeHead(7, ROOT, 1), sign)
    with pytest.raises(ProofError):
        verify_tree_head(changed, signed.signature, verify)


def test_signed_head_json_round_trips_in_base64():
    sign, verify = ed25519_pair()
    signed = sign_tree_head(TreeHead(12, ROOT, 1_700_000_000_123), sign)
    data = signed.to_json()
    assert data["tree_size"] == 12
    assert data["timestamp"] == 1_700_000_000_123
    assert data["root_hash"] == "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
    parsed = SignedTreeHead.from_json(data)
    assert parsed == signed
    parsed.verify(verify)
    assert TreeHead.from_json(signed.head.to_json()) == signed.head


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tree_size": -1}, "tree_size"),
        ({"tree_size": "12"}, "tree_size"),
        ({"timestamp": 2**64}, "timestamp"),
        ({"root_hash": "AAEC"}, "root_hash"),
        ({"root_hash": None}, "root_hash"),
        ({"signature": ""}, "signature"),
        ({"signature": "***"}, "signature"),
        ({"signature": 5}, "signature"),
    ],
)
def test_malformed_signed_head_json_names_the_field(change, field):
    data = {"tree_size": 1, "timestamp": 1, "root_hash": "A" * 43 + "=", "signature": "AAAA"}
    with pytest.raises(ValidationError) as error:
        SignedTreeHead.from_json({**data, **change})
    assert [e.field for e in error.value.errors] == [field]


def test_tree_head_refuses_impossible_values():
    with pytest.raises(ValidationError) as error:
        TreeHead(-1, b"short", -5)
    assert [e.field for e in error.value.errors] == ["tree_size", "root_hash", "timestamp"]
