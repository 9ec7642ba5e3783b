from datetime import UTC, datetime, timedelta

import pytest

from accord.auth import CodeResult, check_code, code_at, new_secret, provisioning_uri, time_step

# RFC 6238 Appendix B: the SHA-1 seed "12345678901234567890" in base32, and the 8-digit codes
# at the listed times; a 6-digit code is the last six digits (RFC 4226 §5.3: mod 10^Digit).
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]

NOW = datetime(2026, 3, 1, 9, 0, 10, tzinfo=UTC)


@pytest.mark.parametrize(("unix", "code8"), RFC_VECTORS)
def test_codes_match_the_rfc_6238_sha1_vectors(unix: int, code8: str) -> None:
    when = datetime.fromtimestamp(unix, UTC)
    assert time_step(when) == unix // 30
    assert code_at(RFC_SECRET, time_step(when)) == code8[-6:]


def test_current_code_is_accepted_with_its_step() -> None:
    step = time_step(NOW)
    check = check_code(RFC_SECRET, code_at(RFC_SECRET, step), NOW, None)
    assert check.result is CodeResult.OK and check.step == step


@pytest.mark.parametrize("offset", [-1, 1])
def test_one_step_of_drift_either_way_is_accepted(offset: int) -> None:
    step = time_step(NOW) + offset
    assert check_code(RFC_SECRET, code_at(RFC_SECRET, step), NOW, None).result is CodeResult.OK


@pytest.mark.parametrize("offset", [-2, 2])
def test_two_steps_of_drift_are_refused(offset: int) -> None:
    step = time_step(NOW) + offset
    assert check_code(RFC_SECRET, code_at(RFC_SECRET, step), NOW, None).result is CodeResult.BAD


def test_a_code_is_never_accepted_twice() -> None:
    step = time_step(NOW)
    code = code_at(RFC_SECRET, step)
    assert check_code(RFC_SECRET, code, NOW, step).result is CodeResult.REPLAYED
    # Still refused in the next step, although it is inside the drift window.
    later = NOW + timedelta(seconds=30)
    assert check_code(RFC_SECRET, code, later, step).result is CodeResult.REPLAYED


def test_an_older_code_after_a_newer_one_is_a_replay() -> None:
    step = time_step(NOW)
    older = code_at(RFC_SECRET, step - 1)
    assert check_code(RFC_SECRET, older, NOW, step).result is CodeResult.REPLAYED
    newer = code_at(RFC_SECRET, step + 1)
    assert check_code(RFC_SECRET, newer, NOW, step).result is CodeResult.OK


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 5x"])
def test_malformed_codes_are_bad(code: str) -> None:
    assert check_code(RFC_SECRET, code, NOW, None).result is CodeResult.BAD


def test_spaces_inside_a_code_are_ignored() -> None:
    code = code_at(RFC_SECRET, time_step(NOW))
    spaced = f" {code[:3]} {code[3:]} "
    assert check_code(RFC_SECRET, spaced, NOW, None).result is CodeResult.OK


def test_new_secrets_are_160_bit_base32_and_differ() -> None:
    a, b = new_secret(), new_secret()
    assert len(a) == 32 and a != b
    assert set(a) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def test_provisioning_uri_names_issuer_account_and_secret() -> None:
    uri = provisioning_uri(RFC_SECRET, "anna", issuer="Accord DE-BKA")
    assert uri.startswith("otpauth://totp/Accord%20DE-BKA:anna?")
    assert f"secret={RFC_SECRET}" in uri
    assert "issuer=Accord%20DE-BKA" in uri
