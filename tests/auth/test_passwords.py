import pytest
from argon2 import PasswordHasher, Type

from accord.auth import (
    MIN_PASSWORD_LENGTH,
    dummy_verify,
    hash_password,
    normalise_username,
    password_problems,
    username_problems,
    verify_password,
)

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)
CHEAPER = PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1, type=Type.ID)


def test_hash_is_argon2id_and_salted() -> None:
    a = hash_password("correct horse battery", CHEAP)
    b = hash_password("correct horse battery", CHEAP)
    assert a.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert a != b
    assert "correct horse" not in a


def test_right_password_verifies_and_wrong_one_does_not() -> None:
    stored = hash_password("correct horse battery", CHEAP)
    assert verify_password(stored, "correct horse battery", CHEAP).ok
    assert not verify_password(stored, "correct horse battery!", CHEAP).ok
    assert not verify_password("not a hash", "correct horse battery", CHEAP).ok


def test_a_hash_with_other_parameters_verifies_and_asks_for_rehash() -> None:
    stored = hash_password("correct horse battery", CHEAP)
    assert not verify_password(stored, "correct horse battery", CHEAP).needs_rehash
    check = verify_password(stored, "correct horse battery", CHEAPER)
    assert check.ok and check.needs_rehash


def test_default_hasher_uses_rfc_9106_parameters() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_dummy_verification_accepts_any_input() -> None:
    dummy_verify("whatever", CHEAP)
    dummy_verify("", CHEAP)


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", f"at least {MIN_PASSWORD_LENGTH}"),
        ("x" * 1025, "at most 1024"),
        ("Anna.Schmidt1", "not be the user name"),
        (" anna.schmidt1 ", "not be the user name"),
    ],
)
def test_password_policy_names_the_problem(password: str, problem: str) -> None:
    problems = password_problems(password, "anna.schmidt1")
    assert any(problem in p for p in problems)


def test_a_long_password_other_than_the_name_passes() -> None:
    assert password_problems("twelve chars", "anna") == []


@pytest.mark.parametrize("name", ["anna", "anna.schmidt", "a.b-c_d@bka", "u1"])
def test_valid_user_names(name: str) -> None:
    assert username_problems(name) == []


@pytest.mark.parametrize("name", ["", "a", "-anna", "anna schmidt", "ánna", "x" * 65])
def test_invalid_user_names(name: str) -> None:
    assert username_problems(name)


def test_user_names_compare_without_case_or_spaces() -> None:
    assert normalise_username("  Anna.Schmidt ") == "anna.schmidt"
