"""A candidate's score says how likely it is the query's person, and shows why."""

from __future__ import annotations

import pytest

from accord.matching.score import ALGORITHM, FEATURES, Subject, load_weights, score, subject_of


def person(name: str, dob: str | None = None, country: str | None = None, **more: str) -> Subject:
    props: dict[str, list[str]] = {"name": [name]}
    if dob:
        props["birthDate"] = [dob]
    if country:
        props["nationality"] = [country]
    for key, value in more.items():
        props[key] = [value]
    return subject_of("Person", props)


def match(a: Subject, b: Subject) -> float:
    return score(a, b).score


THRESHOLD = 0.7


def test_one_person_across_agencies_passes_the_threshold() -> None:
    kyiv = person("Олександр Коваленко", "1981-03-02", "ua")
    berlin = person("Aleksandr Kowalenko", "1981", "ua")
    border = person("KOVALENKO ALEXANDER", "1981-02-03", "ua")
    assert match(kyiv, berlin) >= THRESHOLD
    assert match(kyiv, border) >= THRESHOLD


def test_a_relative_with_the_same_surname_does_not() -> None:
    father = person("Petro Kovalenko", "1955-07-11", "ua")
    son = person("Oleksandr Kovalenko", "1981-03-02", "ua")
    assert match(father, son) < THRESHOLD


def test_a_conflicting_birth_date_or_gender_pulls_an_equal_name_below() -> None:
    a = person("Maria Schmidt", "1990-05-04", gender="female")
    assert match(a, person("Maria Schmidt", "1962-11-23", gender="female")) < THRESHOLD
    assert match(a, person("Maria Schmidt", "1990-05-04", gender="male")) < THRESHOLD
    assert match(a, person("Maria Schmidt", "1990-05-04", gender="female")) >= THRESHOLD


def test_siblings_whose_names_differ_by_a_letter_are_told_apart_by_gender() -> None:
    sister = person("Maria Garcia", "1990-05-04", gender="female")
    brother = person("Mario Garcia", "1990-05-04", gender="male")
    assert match(sister, brother) < THRESHOLD


def test_a_shared_passport_number_outweighs_a_spelling_the_name_rules_miss() -> None:
    a = person("Zhanna Ivanchuk", passportNumber="FE 123456")
    b = person("Jeanne Iwantschuk", passportNumber="FE123456")
    result = score(a, b)
    assert result.score >= THRESHOLD
    assert result.explain()["identifier_match"] > 0


def test_a_result_lists_every_feature_with_its_contribution() -> None:
    result = score(person("Oleksandr Kovalenko", "1981-03-02"), person("Kovalenko Oleksandr"))
    assert result.algorithm == ALGORITHM
    assert [f.name for f in result.features] == list(FEATURES)
    named = {f.name: f for f in result.features}
    assert named["name_similarity"].contribution > 0
    assert "kovalenko" in named["name_similarity"].detail
    assert named["birth_date"].value == 0.0  # one side has no date: no evidence
    weights = load_weights()
    assert all(f.weight == weights.weights[f.name] for f in result.features)


def test_an_unknown_algorithm_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        load_weights("no-such-algorithm")


def test_names_given_in_parts_are_assembled() -> None:
    parts = subject_of("Person", {"firstName": ["Oleksandr"], "lastName": ["Kovalenko"]})
    whole = person("Kovalenko, Oleksandr")
    assert match(parts, whole) >= THRESHOLD


_PEOPLE = [
    {"name": ["Oleksandr Kovalenko"], "birthDate": ["1980-03-12"], "nationality": ["ua"]},
    {"name": ["Олександр Коваленко"], "birthDate": ["1980"], "gender": ["male"]},
    {"name": ["KOVALENKO ALEXANDER"], "birthDate": ["1980-12-03"], "passportNumber": ["FB123456"]},
    {"name": ["Aleksandr Kowalenko"], "nationality": ["de"], "passportNumber": ["FB123465"]},
    {"name": ["Olena Kovalenko"], "birthDate": ["1982-03-12"], "gender": ["female"]},
    {"name": ["محمد علي"], "birthDate": ["1975-01-01"], "address": ["12 Nile Street, Cairo"]},
    {"name": ["Mohamed Ali"], "birthDate": ["1975-01-01"], "address": ["Nile Street 12 Cairo"]},
    {"name": ["Muhammad Aly"], "birthDate": ["1976-01-01"], "idNumber": ["29001011234567"]},
    {"name": ["张伟"], "birthDate": ["1990-05-06"], "nationality": ["cn"]},
    {"name": ["Zhang Wei"], "birthDate": ["1990-06-05"], "email": ["zw@example.cn"]},
    {"firstName": ["Wei"], "lastName": ["Zhang"], "email": ["zw@example.cn"]},
]


@pytest.mark.parametrize("threshold", [0.0, 0.3, 0.5, 0.7, 0.9, 1.0])
def test_screening_keeps_exactly_the_candidates_the_full_score_keeps(threshold: float) -> None:
    from accord.matching.score import screen

    weights = load_weights()
    for q in _PEOPLE:
        query = subject_of("Person", q)
        for c in _PEOPLE:
            full = score(query, subject_of("Person", c), weights)
            screened = screen(query, "Person", c, weights, threshold)
            if full.score >= threshold:
                assert screened == full, (q, c)
            else:
                assert screened is None, (q, c)


def test_the_prepared_bound_is_every_feature_summed_with_names_at_their_best() -> None:
    # The bound a query prepares once must be the number the features give one by one:
    # a feature it leaves out for the query (`NEEDS`) adds nothing, and no other is dropped.
    import math

    from accord.matching.score import NAME_FEATURES, NEEDS, upper_bound

    weights = load_weights()
    queries = [
        *_PEOPLE,
        {"name": ["Anna Schmidt"]},
        {"name": ["Anna Schmidt"], "gender": ["female"]},
    ]
    for q in queries:
        query = subject_of("Person", q)
        bound = upper_bound(query, weights)
        for c in _PEOPLE:
            candidate = subject_of("Person", c)
            logit = weights.bias
            for name, feature in FEATURES.items():
                weight = weights.weights.get(name, 0.0)
                if name in NAME_FEATURES:
                    low, high = NAME_FEATURES[name]
                    logit += max(weight * low, weight * high)
                else:
                    value = feature(query, candidate)[0]
                    if name in NEEDS and not NEEDS[name](query):
                        assert value == 0.0, (name, q, c)
                    logit += weight * value
            expected = round(1.0 / (1.0 + math.exp(-(logit + 1e-9))), 4)
            assert bound(candidate) == expected, (q, c)
            assert bound(candidate) >= score(query, candidate, weights).score - 1e-4


def test_a_prepared_score_is_the_explained_score() -> None:
    from accord.matching.score import Prepared

    weights = load_weights()
    for q in [*_PEOPLE, {"name": ["Wei Zhang"], "gender": ["male"]}]:
        query = subject_of("Person", q)
        prepared = Prepared(query, weights)
        for c in _PEOPLE:
            candidate = subject_of("Person", c)
            assert prepared.value(candidate) == score(query, candidate, weights).score, (q, c)
