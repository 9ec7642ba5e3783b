from accord.auth import ROLE_DESCRIPTIONS, Role, parse_roles


def test_the_nine_roles_each_have_a_description() -> None:
    assert {r.value for r in Role} == {
        "analyst",
        "investigator",
        "liaison_officer",
        "supervisor",
        "data_protection_officer",
        "auditor",
        "node_admin",
        "document_checker",
        "taxii_client",
    }
    assert set(ROLE_DESCRIPTIONS) == set(Role)


def test_parse_roles_separates_known_from_unknown() -> None:
    known, unknown = parse_roles(["analyst", " auditor ", "admin", "analyst"])
    assert known == {Role.ANALYST, Role.AUDITOR}
    assert unknown == ["admin"]
