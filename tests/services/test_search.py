"""Local search: identifiers exactly, a person's name through the matcher (other spellings and
scripts, ranked by score, with the features that made it), other entities by their words."""

from __future__ import annotations

import pytest

from accord.errors import ValidationError
from accord.services.audit import entries, log_size
from accord.services.node import Node
from accord.services.search import search_local
from tests.conftest import principal
from tests.services.test_match import PURPOSE, RECORDS, load

ANALYST = principal()


def ids(node: Node, query: str) -> list[str]:
    return [h.record.id for h in search_local(node, ANALYST, query, PURPOSE)]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("Aleksandr Kowalenko", "ua-1"),  # German file, Cyrillic record
        ("KOVALENKO ALEXANDER", "ua-1"),  # Dutch border post: surname first, capitals
        ("Oleksandr Kovalenko", "ua-1"),  # the passport's own spelling
        ("Wang Xiaoming", "cn-1"),  # pinyin of a Han name
        ("SCHMIDT, Johann", "de-1"),  # surname first, a comma
    ],
)
def test_a_person_is_found_however_another_agency_spelled_the_name(
    node: Node, query: str, found: str
) -> None:
    load(node, *RECORDS)
    hits = search_local(node, ANALYST, query, PURPOSE)
    assert hits and hits[0].record.id == found
    best = hits[0]
    assert best.match == "name" and best.result is not None
    assert best.score == best.result.score >= node.settings.match_threshold
    assert best.to_dict()["features"]["name_similarity"] > 0


def test_relatives_who_share_the_surname_rank_below_the_person(node: Node) -> None:
    load(node, *RECORDS)
    hits = search_local(node, ANALYST, "Oleksandr Kovalenko", PURPOSE)
    assert [h.record.id for h in hits][:1] == ["ua-1"]
    # Mykola and Olena share only the surname: below the threshold, so not shown.
    assert {"ua-2", "ua-3"}.isdisjoint(h.record.id for h in hits)


def test_a_surname_alone_shows_every_person_holding_it_ranked_by_the_matcher(node: Node) -> None:
    load(node, *RECORDS)
    hits = search_local(node, ANALYST, "Kovalenko", PURPOSE)
    persons = [h for h in hits if h.record.schema == "Person"]
    assert {h.record.id for h in persons} == {"ua-1", "ua-2", "ua-3"}
    assert all(h.result is not None for h in persons)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_a_company_is_found_by_its_words_and_an_identifier_exactly(node: Node) -> None:
    load(node, *RECORDS)
    (company,) = search_local(node, ANALYST, "kovalenko trading", PURPOSE)
    assert company.record.id == "co-1" and company.result is None and company.score == 1.0
    (passport,) = search_local(node, ANALYST, "c01x00t47", PURPOSE)
    assert (passport.record.id, passport.match, passport.score) == ("de-1", "identifier", 1.0)


def test_a_search_goes_to_the_ledger_with_what_it_returned(node: Node) -> None:
    load(node, *RECORDS)
    before = log_size(node)
    found = ids(node, "Aleksandr Kowalenko")
    (entry,) = [e for e in entries(node, before, log_size(node)) if e["event"] == "search"]
    assert entry["details"]["results"] == [["DE-BKA", i] for i in found]
    assert entry["details"]["reference"] == PURPOSE.reference


@pytest.mark.parametrize("query", ["", "   ", "\n"])
def test_an_empty_query_is_refused_naming_the_field(node: Node, query: str) -> None:
    with pytest.raises(ValidationError) as caught:
        search_local(node, ANALYST, query, PURPOSE)
    assert caught.value.errors[0].field == "query"


@pytest.mark.parametrize(
    "query", ["🙂🙂", "\x00\x07", "Олександр Kovalenko 王", "x" * 10_000, "١٢٣٤"]
)
def test_odd_queries_answer_or_find_nothing_never_fail(node: Node, query: str) -> None:
    load(node, *RECORDS)
    hits = search_local(node, ANALYST, query, PURPOSE)
    assert all(0.0 <= h.score <= 1.0 for h in hits)
