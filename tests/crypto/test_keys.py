import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from accord.crypto import (
    KeyFormatError,
    encryption_key_from_b64,
    encryption_key_from_jwk,
    generate_node_keys,
    key_fingerprint,
    load_encryption_key_pem,
    load_private_key_pem,
    load_public_key_pem,
    load_signing_key_pem,
    private_key_to_pem,
    public_jwk,
    public_key_b64,
    public_key_from_jwk,
    public_key_to_pem,
    signing_key_from_b64,
    signing_key_from_jwk,
)
from accord.crypto.encoding import sha256_fingerprint


def raw(key: Ed25519PublicKey | X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def test_node_keys_are_an_ed25519_signing_pair_and_an_x25519_encryption_pair() -> None:
    keys = generate_node_keys()
    assert isinstance(keys.signing, Ed25519PrivateKey)
    assert isinstance(keys.encryption, X25519PrivateKey)
    assert raw(keys.public.signing) == raw(keys.signing.public_key())
    assert raw(keys.public.encryption) == raw(keys.encryption.public_key())


def test_private_keys_round_trip_through_plain_pem() -> None:
    keys = generate_node_keys()
    pem = private_key_to_pem(keys.signing)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    loaded = load_signing_key_pem(pem)
    assert raw(loaded.public_key()) == raw(keys.signing.public_key())
    loaded_enc = load_encryption_key_pem(private_key_to_pem(keys.encryption))
    assert raw(loaded_enc.public_key()) == raw(keys.encryption.public_key())


def test_passphrase_encrypted_pem_opens_only_with_the_passphrase() -> None:
    key = generate_node_keys().signing
    pem = private_key_to_pem(key, passphrase=b"correct horse")
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert raw(load_signing_key_pem(pem, b"correct horse").public_key()) == raw(key.public_key())
    with pytest.raises(KeyFormatError, match="passphrase"):
        load_signing_key_pem(pem)
    with pytest.raises(KeyFormatError):
        load_signing_key_pem(pem, b"wrong horse")


def test_loading_a_key_of_the_wrong_kind_is_refused() -> None:
    keys = generate_node_keys()
    with pytest.raises(KeyFormatError, match="Ed25519"):
        load_signing_key_pem(private_key_to_pem(keys.encryption))
    with pytest.raises(KeyFormatError, match="X25519"):
        load_encryption_key_pem(private_key_to_pem(keys.signing))


def test_rsa_and_other_curves_are_refused() -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    p384 = ec.generate_private_key(ec.SECP384R1())
    for key in (rsa_key, p384):
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        with pytest.raises(KeyFormatError, match="unsupported"):
            load_private_key_pem(pem)


def test_garbage_is_not_a_private_key() -> None:
    with pytest.raises(KeyFormatError):
        load_private_key_pem(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")


def test_public_keys_round_trip_through_spki_pem() -> None:
    keys = generate_node_keys()
    for public in (keys.public.signing, keys.public.encryption):
        pem = public_key_to_pem(public)
        assert pem.startswith(b"-----BEGIN PUBLIC KEY-----")
        loaded = load_public_key_pem(pem)
        assert isinstance(loaded, Ed25519PublicKey | X25519PublicKey)
        assert raw(loaded) == raw(public)


def test_raw_base64url_public_keys_round_trip_and_are_43_characters() -> None:
    keys = generate_node_keys()
    sig_text = public_key_b64(keys.public.signing)
    enc_text = public_key_b64(keys.public.encryption)
    assert len(sig_text) == len(enc_text) == 43
    assert raw(signing_key_from_b64(sig_text)) == raw(keys.public.signing)
    assert raw(encryption_key_from_b64(enc_text)) == raw(keys.public.encryption)


@pytest.mark.parametrize("bad", ["", "AAAA", "A" * 44, "not base64!"])
def test_raw_public_key_of_wrong_length_or_alphabet_is_refused(bad: str) -> None:
    with pytest.raises(KeyFormatError):
        signing_key_from_b64(bad)


def test_public_jwk_is_an_rfc8037_okp_key_and_round_trips() -> None:
    keys = generate_node_keys()
    jwk = public_jwk(keys.public.signing, kid="de-bka")
    assert jwk == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": public_key_b64(keys.public.signing),
        "kid": "de-bka",
    }
    assert raw(signing_key_from_jwk(jwk)) == raw(keys.public.signing)
    enc_jwk = public_jwk(keys.public.encryption)
    assert enc_jwk["crv"] == "X25519"
    assert raw(encryption_key_from_jwk(enc_jwk)) == raw(keys.public.encryption)


def test_rfc8037_appendix_a_public_key_is_read_from_its_jwk() -> None:
    # RFC 8037 Appendix A.2 (public key) and A.3 (its RFC 7638 thumbprint input).
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    key = public_key_from_jwk(jwk)
    assert raw(key).hex() == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "EC", "crv": "P-256", "x": "AAAA"},
        {"kty": "OKP", "crv": "Ed448", "x": "AAAA"},
        {"kty": "OKP", "crv": "Ed25519"},
        {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
            "d": "x",
        },
    ],
)
def test_unusable_or_private_jwks_are_refused(jwk: dict[str, str]) -> None:
    with pytest.raises(KeyFormatError):
        public_key_from_jwk(jwk)


def test_jwk_of_the_wrong_curve_for_its_role_is_refused() -> None:
    keys = generate_node_keys()
    with pytest.raises(KeyFormatError):
        signing_key_from_jwk(public_jwk(keys.public.encryption))
    with pytest.raises(KeyFormatError):
        encryption_key_from_jwk(public_jwk(keys.public.signing))


def test_key_fingerprint_is_sha256_over_the_subject_public_key_info() -> None:
    key = generate_node_keys().public.signing
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert key_fingerprint(key) == sha256_fingerprint(der)
    assert key_fingerprint(key) == key_fingerprint(signing_key_from_b64(public_key_b64(key)))
    assert key_fingerprint(key) != key_fingerprint(generate_node_keys().public.signing)
