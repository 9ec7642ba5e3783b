import re

from accord.auth import (
    RECOVERY_CODES,
    new_recovery_codes,
    normalise_recovery_code,
    recovery_digest,
)


def test_ten_distinct_codes_of_four_groups() -> None:
    codes = new_recovery_codes()
    assert len(codes) == RECOVERY_CODES == 10
    assert len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-7]{4}(-[a-z2-7]{4}){3}", c) for c in codes)


def test_digest_ignores_case_spaces_and_dashes() -> None:
    code = new_recovery_codes(1)[0]
    typed = " " + code.upper().replace("-", " ") + "\n"
    assert normalise_recovery_code(typed) == code.replace("-", "")
    assert recovery_digest(typed) == recovery_digest(code)


def test_different_codes_have_different_digests() -> None:
    a, b = new_recovery_codes(2)
    assert recovery_digest(a) != recovery_digest(b)
    assert len(recovery_digest(a)) == 32
