"""One person's name, written by different agencies, compares as the same name; relatives and
other people do not."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.matching.names import (
    MAX_PARTS,
    analyze_person_name,
    compare_names,
    equivalence_groups,
    name_keys,
)


def similarity(a: str, b: str) -> float:
    left, right = analyze_person_name(a), analyze_person_name(b)
    assert left is not None and right is not None
    return compare_names(left, right).score


SAME_PERSON = [
    # Cyrillic and its Latin spellings, surname first, a familiar form, a patronymic.
    ("Олександр Коваленко", "Oleksandr Kovalenko"),
    ("Олександр Коваленко", "Aleksandr Kowalenko"),
    ("Олександр Коваленко", "KOVALENKO ALEXANDER"),
    ("Олександр Петрович Коваленко", "Oleksandr Kovalenko"),
    ("Sasha Kovalenko", "Oleksandr Kovalenko"),
    ("Александр Кузнецов", "Aleksandr Kuznetsov"),
    ("Юлия Тимошенко", "Yulia Tymoshenko"),
    # Equivalent given names across languages; honorifics.
    ("Dr. Johann Schmidt", "Ivan Schmidt"),
    ("Herr Michael Müller", "Mikhail Mueller"),
    ("Giuseppe Verdi", "Joseph Verdi"),
    # Arabic script and its Latin spellings, with and without the article.
    ("محمد الحسن", "Mohamed Al Hassan"),
    ("Muhammad Hasan", "Mohammed al-Hassan"),
    # Greek, Georgian.
    ("Γιώργος Παπαδόπουλος", "Giorgos Papadopoulos"),
    ("გიორგი ბერიძე", "Giorgi Beridze"),
    # Han and Hangul, written without spaces, surname first.
    ("王小明", "Wang Xiaoming"),
    ("王小明", "Xiaoming Wang"),
    ("김민준", "Kim Min-jun"),
    ("김민준", "Minjun Kim"),
    # Dropped middle name, an initial.
    ("John Michael Smith", "John Smith"),
    ("J. Smith", "John Smith"),
]

OTHER_PERSON = [
    # Relatives share a surname; strangers share a given name.
    ("Mykola Kovalenko", "Oleksandr Kovalenko"),
    ("Олена Коваленко", "Oleksandr Kovalenko"),
    ("John Smith", "John Brown"),
    ("Khalid Hamdan", "Hamid Hamdan"),
    ("王小明", "王小红"),
    ("K. Smith", "John Smith"),
]


@pytest.mark.parametrize(("a", "b"), SAME_PERSON, ids=[f"{a}~{b}" for a, b in SAME_PERSON])
def test_spellings_of_one_name_agree(a: str, b: str) -> None:
    assert similarity(a, b) >= 0.75
    assert similarity(b, a) == similarity(a, b)


@pytest.mark.parametrize(("a", "b"), OTHER_PERSON, ids=[f"{a}~{b}" for a, b in OTHER_PERSON])
def test_relatives_and_strangers_do_not(a: str, b: str) -> None:
    assert similarity(a, b) < 0.6


def test_the_explanation_names_each_pair_and_why() -> None:
    left = analyze_person_name("KOVALENKO ALEXANDER")
    right = analyze_person_name("Олександр Коваленко")
    assert left is not None and right is not None
    found = compare_names(left, right)
    reasons = {(m.left, m.right): m.reason for m in found.pairs}
    assert reasons[("kovalenko", "kovalenko")].startswith("same spelling")
    assert any(r == "equivalent names" for r in reasons.values())
    assert found.unmatched == ()


def test_a_different_given_name_is_named_as_unmatched() -> None:
    left = analyze_person_name("Mykola Kovalenko")
    right = analyze_person_name("Oleksandr Kovalenko")
    assert left is not None and right is not None
    assert set(compare_names(left, right).unmatched) == {"mykola", "oleksandr"}


def test_the_equivalents_file_links_languages_and_familiar_forms() -> None:
    groups = equivalence_groups()
    assert groups["oleksandr"] & groups["alexander"] & groups["sasha"]
    assert groups["johann"] & groups["ivan"]
    assert groups["muhammad"] & groups["mohamed"]
    assert not groups["oleksandr"] & groups.get("mykola", frozenset())


def test_records_and_queries_spelled_differently_share_a_key() -> None:
    for a, b in SAME_PERSON:
        left, right = analyze_person_name(a), analyze_person_name(b)
        assert left is not None and right is not None
        assert name_keys(left) & name_keys(right), (a, b)


BAD_INPUT = [
    "",
    "   ",
    "Mr. Dr.",
    "😀😀😀",
    "\x00\x01\x02",
    "---",
]


@pytest.mark.parametrize("text", BAD_INPUT, ids=repr)
def test_nothing_name_like_is_no_name(text: str) -> None:
    assert analyze_person_name(text) is None


def test_a_huge_name_is_cut_to_bounded_work() -> None:
    name = analyze_person_name("Kovalenko " * 1000)
    assert name is not None
    assert all(len(parts) <= MAX_PARTS for parts in name.tokenizations)


def test_mixed_scripts_in_one_name_are_each_romanised() -> None:
    assert similarity("Олександр Kovalenko", "Oleksandr Коваленко") >= 0.9


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.text(max_size=80))
def test_any_two_texts_compare_without_error_within_bounds(a: str, b: str) -> None:
    left, right = analyze_person_name(a), analyze_person_name(b)
    if left is None or right is None:
        return
    found = compare_names(left, right)
    assert 0.0 <= found.score <= 1.0
