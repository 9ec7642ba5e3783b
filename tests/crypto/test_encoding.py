import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.crypto.encoding import (
    b64url_decode,
    b64url_encode,
    format_fingerprint,
    parse_fingerprint,
    sha256_fingerprint,
)

#: SHA-256 of the empty string, as `openssl ... -fingerprint -sha256` would print it.
EMPTY = (
    "E3:B0:C4:42:98:FC:1C:14:9A:FB:F4:C8:99:6F:B9:24:"
    "27:AE:41:E4:64:9B:93:4C:A4:95:99:1B:78:52:B8:55"
)


@given(st.binary(max_size=200))
def test_b64url_round_trips_any_bytes_without_padding(data: bytes) -> None:
    text = b64url_encode(data)
    assert "=" not in text
    assert b64url_decode(text) == data


@pytest.mark.parametrize("text", ["QQ==", "QR", "Q", "a+b/", "ab cd", "QQ="])
def test_b64url_decode_refuses_padding_foreign_characters_and_stray_bits(text: str) -> None:
    with pytest.raises(ValueError):
        b64url_decode(text)


def test_fingerprint_is_colon_separated_upper_case_sha256() -> None:
    assert sha256_fingerprint(b"") == EMPTY


def test_format_fingerprint_refuses_a_digest_that_is_not_32_bytes() -> None:
    with pytest.raises(ValueError):
        format_fingerprint(b"\x00" * 20)


@pytest.mark.parametrize(
    "pasted",
    [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        EMPTY.lower(),
        "SHA256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
        "sha256 Fingerprint=" + EMPTY,
    ],
)
def test_parse_fingerprint_normalises_every_pasted_form(pasted: str) -> None:
    assert parse_fingerprint(pasted) == sha256_fingerprint(b"")


@pytest.mark.parametrize("bad", ["", "AB:CD", "zz" * 32, "AB" * 31, "AB" * 33])
def test_parse_fingerprint_refuses_anything_but_32_hex_bytes(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_fingerprint(bad)


def test_naive_times_are_refused_and_missing_times_mean_now() -> None:
    from datetime import UTC, datetime

    from accord.crypto.encoding import aware

    with pytest.raises(ValueError, match="timezone-aware"):
        aware(datetime(2026, 3, 1, 12, 0))
    moment = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert aware(moment) is moment
    assert aware(None).tzinfo is not None
