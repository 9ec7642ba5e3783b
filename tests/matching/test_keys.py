from accord.matching import identifier_key, name_tokens, query_keys, record_keys


def test_identifiers_compare_without_case_spaces_or_dashes() -> None:
    assert identifier_key("de89 3704-0044") == identifier_key("DE8937040044") == "DE8937040044"


def test_name_tokens_fold_case_diacritics_and_script() -> None:
    assert name_tokens("Jürgen MÜLLER") == ("jurgen", "muller")
    assert name_tokens("Олександр Коваленко") == ("oleksandr", "kovalenko")
    assert name_tokens("张伟") == ("zhang", "wei")


def test_record_keys_cover_names_identifiers_phones_and_emails() -> None:
    keys = record_keys(
        "Person",
        {
            "name": ["Anna Schmidt"],
            "passportNumber": ["c01x-00t47"],
            "phone": ["+4915112345678"],
            "email": ["Anna@Example.org"],
            "birthDate": ["1980-01-01"],
        },
    )
    search_keys = {k for k in keys if k[0] not in ("mname", "mid", "mdate")}
    assert search_keys == {
        ("name", "anna"),
        ("name", "schmidt"),
        ("id", "C01X00T47"),
        ("phone", "+4915112345678"),
        ("email", "anna@example.org"),
    }
    # A person's matching candidate keys ride along: name spellings and identifiers.
    assert ("mname", "n:schmidt") in keys
    assert ("mid", "passport:C01X00T47") in keys
    # and the birth day, also with day and month swapped (this one reads the same).
    assert ("mdate", "d19800101") in keys


def test_a_birth_day_is_a_key_also_with_day_and_month_swapped() -> None:
    keys = record_keys("Person", {"name": ["Anna Schmidt"], "birthDate": ["1980-03-02"]})
    assert {("mdate", "d19800302"), ("mdate", "d19800203")} <= keys
    year_only = record_keys("Person", {"name": ["Anna Schmidt"], "birthDate": ["1980"]})
    assert not any(kind == "mdate" for kind, _ in year_only)


def test_query_is_tried_as_every_kind_it_could_be() -> None:
    exact, tokens = query_keys("+49 151 12345678")
    assert ("phone", "+4915112345678") in exact
    exact, tokens = query_keys("anna@example.org")
    assert ("email", "anna@example.org") in exact
    exact, tokens = query_keys("Anna Schmidt")
    assert exact == []
    assert tokens == ("anna", "schmidt")
