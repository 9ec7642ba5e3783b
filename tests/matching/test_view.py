"""A stored matching view reads back as the Subject it was made from."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.matching.score import subject_of
from accord.matching.view import VIEW_VERSION, decode_view, encode_view, view_of

PEOPLE = [
    {"name": ["Олександр Коваленко"], "birthDate": ["1981-03-02"], "nationality": ["ua"]},
    {"name": ["王小明", "Wang Xiaoming"], "gender": ["male"], "passportNumber": ["E12345678"]},
    {"name": ["김민준"], "birthDate": ["1990"], "phone": ["+82 10 1234 5678"]},
    {"name": ["محمد بن سلمان آل سعود"], "address": ["King Fahd Road, Riyadh"]},
    {"name": ["Karl-Heinz van der Berg"], "idNumber": ["T22000129"], "nationality": ["de"]},
    {"firstName": ["Γεώργιος"], "lastName": ["Παπαδόπουλος"], "email": ["gp@example.gr"]},
    {"name": ["J. R. R. Tolkien"]},
]


@pytest.mark.parametrize("props", PEOPLE)
def test_a_view_reads_back_as_its_subject(props: dict[str, list[str]]) -> None:
    subject = subject_of("Person", props)
    assert decode_view("Person", encode_view(subject)) == subject


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=3))
def test_any_names_read_back(names: list[str]) -> None:
    subject = subject_of("Person", {"name": names})
    assert decode_view("Person", encode_view(subject)) == subject


def test_a_view_of_another_version_is_not_read() -> None:
    text = view_of("Person", PEOPLE[0])
    assert text is not None
    head, names = text.split("\n")
    body = json.loads(head)
    body["v"] = VIEW_VERSION + 1
    assert decode_view("Person", json.dumps(body) + "\n" + names) is None


@pytest.mark.parametrize("props", PEOPLE)
def test_a_view_in_the_one_line_layout_still_reads_back(props: dict[str, list[str]]) -> None:
    # Views written before the names moved to a line of their own hold the same content
    # under "n"; a node upgraded without `accord reindex` still matches from them.
    subject = subject_of("Person", props)
    head, names = encode_view(subject).split("\n")
    old = json.dumps({**json.loads(head), "n": json.loads(names)}, ensure_ascii=False)
    assert "\n" not in old
    assert decode_view("Person", old) == subject


def test_names_with_line_breaks_keep_the_view_on_two_lines() -> None:
    subject = subject_of("Person", {"name": ["Anna\nKovalenko", "Олена\r\nШевченко"]})
    text = encode_view(subject)
    assert text.count("\n") == 1
    assert decode_view("Person", text) == subject


def test_only_matched_schemata_have_views() -> None:
    assert view_of("Company", {"name": ["Kovalenko Trading LLC"]}) is None
