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


def test_records_observables_are_keys_as_stix_objects_write_them() -> None:
    from accord.interop.stix import observable_keys

    account = record_keys("UserAccount", {"ipAddress": ["2001:db8::1"], "username": ["x"]})
    company = record_keys("Company", {"name": ["Phish Ltd"], "website": ["http://Evil.example/"]})
    document = record_keys(
        "Document", {"contentHash": ["ABCDEF0123456789ABCDEF0123456789ABCDEF01"]}
    )
    assert ("ip", "2001:db8::1") in account
    assert {("url", "http://evil.example"), ("domain", "evil.example")} <= company
    assert ("hash:sha1", "abcdef0123456789abcdef0123456789abcdef01") in document
    # The same values as STIX observables (written otherwise) meet those keys exactly.
    assert observable_keys({"type": "ipv6-addr", "value": "2001:DB8:0:0::1"}) == {
        ("ip", "2001:db8::1")
    }
    assert observable_keys({"type": "url", "value": "HTTP://evil.example"}) == {
        ("url", "http://evil.example")
    }
    assert observable_keys({"type": "domain-name", "value": "Evil.Example."}) == {
        ("domain", "evil.example")
    }
    hashed = {"type": "file", "hashes": {"SHA-1": "ABCDEF0123456789ABCDEF0123456789ABCDEF01"}}
    assert observable_keys(hashed) == {("hash:sha1", "abcdef0123456789abcdef0123456789abcdef01")}
    pattern = "[ipv4-addr:value = '198.51.100.0/24'] OR [url:value = 'http://evil.example/']"
    assert observable_keys({"type": "indicator", "pattern": pattern}) == {
        ("ip", "198.51.100.0/24"),
        ("url", "http://evil.example"),
    }


def test_match_key_groups_hold_each_name_part_once_the_dates_once_and_each_identifier() -> None:
    from accord.matching.keys import match_key_groups, match_keys

    props = {
        "name": ["Oleksandr Kovalenko", "Олександр Коваленко"],
        "birthDate": ["1981-03-02"],  # also 1981-02-03, day and month swapped
        "passportNumber": ["FX123456"],
        "idNumber": ["1234567890"],
    }
    groups = match_key_groups("Person", props)
    assert set(groups) == match_keys("Person", props)

    def group_of(kind: str, value: str) -> int:
        return groups[(kind, value)]

    # Every spelling and sound of one part, in either script, is one piece of evidence.
    given = {g for (kind, value), g in groups.items() if kind == "mname" and "oleks" in value}
    family = {g for (kind, value), g in groups.items() if kind == "mname" and "kovalen" in value}
    assert len(given) == 1 and len(family) == 1 and given != family
    assert len({g for (kind, _), g in groups.items() if kind == "mname"}) == 2
    assert group_of("mdate", "d19810302") == group_of("mdate", "d19810203")
    identifiers = [g for (kind, _), g in groups.items() if kind == "mid"]
    assert len(identifiers) == len(set(identifiers)) >= 2
    assert not set(identifiers) & {*given, *family, group_of("mdate", "d19810302")}
    assert match_key_groups("Company", {"name": ["Kovalenko Trading"]}) == {}
