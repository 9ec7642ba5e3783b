from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.crypto import (
    DirectoryError,
    FederationCA,
    NodeKeys,
    PartnerDirectory,
    PartnerEntry,
    b64url_decode,
    b64url_encode,
    generate_node_keys,
    key_fingerprint,
    public_key_b64,
    sign_directory,
    verify_directory,
)
from accord.errors import ValidationError

from .conftest import NOW, entry


def test_signed_directory_verifies_and_reads_back_identically(
    ca: FederationCA, directory: PartnerDirectory
) -> None:
    token = sign_directory(directory, ca.directory_key)
    read = verify_directory(token, ca.directory_key.public_key())
    assert read.to_dict() == directory.to_dict()
    assert [e.node_id for e in read.entries] == ["de-bka", "nl-politie"]


def test_directory_jws_has_the_documented_header_and_json_payload(
    ca: FederationCA, directory: PartnerDirectory, de_keys: NodeKeys
) -> None:
    head, payload, _ = sign_directory(directory, ca.directory_key).split(".")
    assert json.loads(b64url_decode(head)) == {
        "alg": "Ed25519",
        "typ": "accord-directory+jws",
        "kid": key_fingerprint(ca.directory_key.public_key()),
    }
    document = json.loads(b64url_decode(payload))
    assert document["federation"] == "Accord Test Federation"
    assert document["serial"] == 1
    assert document["issued_at"] == "2026-03-01T12:00:00Z"
    first = document["entries"][0]
    assert first == {
        "node_id": "de-bka",
        "agency_code": "DE-BKA",
        "url": "https://de-bka.accord.test:8443",
        "signing_key": {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": public_key_b64(de_keys.public.signing),
        },
        "encryption_key": {
            "kty": "OKP",
            "crv": "X25519",
            "x": public_key_b64(de_keys.public.encryption),
        },
        "tls_fingerprint": ":".join(["AB"] * 32),
        "valid_until": "2026-03-31T12:00:00Z",
    }


def test_a_directory_signed_by_another_key_is_refused(
    ca: FederationCA, other_ca: FederationCA, directory: PartnerDirectory
) -> None:
    token = sign_directory(directory, other_ca.directory_key)
    with pytest.raises(DirectoryError, match="another key"):
        verify_directory(token, ca.directory_key.public_key())


def test_a_directory_claiming_the_right_kid_but_signed_by_another_key_is_refused(
    ca: FederationCA, other_ca: FederationCA, directory: PartnerDirectory
) -> None:
    forged = sign_directory(directory, other_ca.directory_key)
    head, payload, sig = forged.split(".")
    header = json.loads(b64url_decode(head))
    header["kid"] = key_fingerprint(ca.directory_key.public_key())
    forged = ".".join([b64url_encode(json.dumps(header).encode()), payload, sig])
    with pytest.raises(DirectoryError, match="does not verify"):
        verify_directory(forged, ca.directory_key.public_key())


def test_a_directory_with_an_added_partner_is_refused(
    ca: FederationCA, directory: PartnerDirectory
) -> None:
    head, payload, sig = sign_directory(directory, ca.directory_key).split(".")
    document = json.loads(b64url_decode(payload))
    document["entries"].append(entry("ua-npu", "UA-NPU", generate_node_keys()).to_dict())
    tampered = ".".join([head, b64url_encode(json.dumps(document).encode()), sig])
    with pytest.raises(DirectoryError, match="does not verify"):
        verify_directory(tampered, ca.directory_key.public_key())


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_flipping_any_byte_of_the_directory_payload_or_signature_is_refused(
    data: st.DataObject, ca: FederationCA, directory: PartnerDirectory
) -> None:
    parts = sign_directory(directory, ca.directory_key).split(".")
    which = data.draw(st.sampled_from([1, 2]))
    raw = bytearray(b64url_decode(parts[which]))
    raw[data.draw(st.integers(0, len(raw) - 1))] ^= data.draw(st.integers(1, 255))
    parts[which] = b64url_encode(bytes(raw))
    with pytest.raises(DirectoryError):
        verify_directory(".".join(parts), ca.directory_key.public_key())


def test_a_message_signature_is_not_accepted_as_a_directory(
    ca: FederationCA, directory: PartnerDirectory
) -> None:
    head, payload, sig = sign_directory(directory, ca.directory_key).split(".")
    header = json.loads(b64url_decode(head)) | {"typ": "accord-request+jws"}
    token = ".".join([b64url_encode(json.dumps(header).encode()), payload, sig])
    with pytest.raises(DirectoryError, match="accord-directory"):
        verify_directory(token, ca.directory_key.public_key())


@pytest.mark.parametrize("extra", [{"b64": False, "crit": ["b64"]}, {"jwk": {"kty": "OKP"}}])
def test_a_directory_header_beyond_alg_typ_kid_is_refused_even_if_signed(
    extra: dict[str, object], ca: FederationCA, directory: PartnerDirectory
) -> None:
    header = {
        "alg": "Ed25519",
        "typ": "accord-directory+jws",
        "kid": key_fingerprint(ca.directory_key.public_key()),
    } | extra
    head = b64url_encode(json.dumps(header).encode())
    payload = b64url_encode(json.dumps(directory.to_dict()).encode())
    signature = b64url_encode(ca.directory_key.sign(f"{head}.{payload}".encode()))
    with pytest.raises(DirectoryError, match="exactly alg, typ and kid"):
        verify_directory(f"{head}.{payload}.{signature}", ca.directory_key.public_key())


@pytest.mark.parametrize("token", ["", "not a jws", "a.b.c"])
def test_garbage_is_not_a_directory(token: str, ca: FederationCA) -> None:
    with pytest.raises(DirectoryError):
        verify_directory(token, ca.directory_key.public_key())


def test_an_older_edition_is_refused_as_a_rollback(
    ca: FederationCA, directory: PartnerDirectory
) -> None:
    token = sign_directory(directory, ca.directory_key)
    key = ca.directory_key.public_key()
    assert verify_directory(token, key, min_serial=1).serial == 1
    with pytest.raises(DirectoryError, match="older"):
        verify_directory(token, key, min_serial=2)


def test_validly_signed_but_malformed_content_is_refused(ca: FederationCA) -> None:
    from joserfc import jws

    from accord.crypto.jose import okp_key

    header = {
        "alg": "Ed25519",
        "typ": "accord-directory+jws",
        "kid": key_fingerprint(ca.directory_key.public_key()),
    }
    for content in (b"[]", b'{"federation": "F"}', b"\xff", b"[" * 5000):
        token = jws.serialize_compact(
            header, content, okp_key(ca.directory_key), algorithms=["Ed25519"]
        )
        with pytest.raises(DirectoryError, match="content is invalid"):
            verify_directory(token, ca.directory_key.public_key())


def test_lookups_return_only_entries_valid_at_the_time_asked(
    de_keys: NodeKeys, nl_keys: NodeKeys
) -> None:
    directory = PartnerDirectory.build(
        "F",
        3,
        [
            entry("de-bka", "DE-BKA", de_keys, valid_days=1),
            entry("nl-politie", "NL-POLITIE", nl_keys),
        ],
        issued_at=NOW,
    )
    assert directory.entry("de-bka", NOW) is not None
    key = directory.signing_key("de-bka", NOW)
    assert key is not None
    assert public_key_b64(key) == public_key_b64(de_keys.public.signing)
    assert directory.entry("de-bka", NOW + timedelta(days=2)) is None
    assert directory.signing_key("de-bka", NOW + timedelta(days=2)) is None
    assert directory.entry("nl-politie", NOW + timedelta(days=2)) is not None
    assert directory.entry("ua-npu", NOW) is None


def test_duplicate_node_ids_are_refused(de_keys: NodeKeys) -> None:
    with pytest.raises(ValidationError, match="unique"):
        PartnerDirectory.build(
            "F", 1, [entry("de-bka", "DE-BKA", de_keys), entry("de-bka", "DE-BKA", de_keys)]
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("node_id", "has space"),
        ("agency_code", "BKA"),
        ("url", "http://plain.example"),
        ("tls_fingerprint", "AB:CD"),
        ("valid_until", NOW.replace(tzinfo=None)),
    ],
)
def test_entries_with_invalid_fields_name_the_field(
    field: str, value: object, de_keys: NodeKeys
) -> None:
    data = {
        "node_id": "de-bka",
        "agency_code": "DE-BKA",
        "url": "https://de.example",
        "signing_key": de_keys.public.signing,
        "encryption_key": de_keys.public.encryption,
        "tls_fingerprint": "ab" * 32,
        "valid_until": NOW,
    }
    data[field] = value
    with pytest.raises(ValidationError) as raised:
        PartnerEntry(**data)  # type: ignore[arg-type]
    assert [e.field for e in raised.value.errors] == [field]


def test_entry_keys_must_have_their_roles(de_keys: NodeKeys) -> None:
    with pytest.raises(ValidationError) as raised:
        PartnerEntry(
            "de-bka",
            "DE-BKA",
            "https://de.example",
            de_keys.public.encryption,  # type: ignore[arg-type]
            de_keys.public.signing,  # type: ignore[arg-type]
            "ab" * 32,
            NOW,
        )
    assert [e.field for e in raised.value.errors] == ["signing_key", "encryption_key"]


def test_tls_fingerprint_is_stored_in_canonical_form(de_keys: NodeKeys) -> None:
    e = entry("de-bka", "DE-BKA", de_keys)
    assert e.tls_fingerprint == ":".join(["AB"] * 32)
