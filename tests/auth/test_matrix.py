import pytest

from accord.auth import (
    ACCESS,
    ENROLMENT_SCOPE,
    EVERY_ROLE,
    PUBLIC,
    SCOPES,
    Role,
    access_for,
    allow,
    decide,
    route_key,
    scopes_for,
)
from accord.model import Principal, PrincipalKind

RULE = allow(Role.ANALYST, Role.INVESTIGATOR, scope="search")
HUMANS_ONLY = allow(*EVERY_ROLE)
ENROLMENT = allow(*EVERY_ROLE, enrolment=True)


def who(kind: PrincipalKind, *roles: str, scopes: tuple[str, ...] = ()) -> Principal:
    return Principal("x", "DE-BKA", kind, frozenset(roles), frozenset(scopes))


def test_public_routes_need_no_identity() -> None:
    assert decide(PUBLIC, None).allowed
    assert decide(PUBLIC, who(PrincipalKind.TOKEN)).allowed


def test_no_identity_is_refused_elsewhere() -> None:
    decision = decide(RULE, None)
    assert not decision.allowed and "authentication" in decision.reason


def test_a_user_needs_one_of_the_roles() -> None:
    assert decide(RULE, who(PrincipalKind.USER, "auditor", "investigator")).allowed
    decision = decide(RULE, who(PrincipalKind.USER, "auditor"))
    assert not decision.allowed
    assert decision.reason == "this needs one of the roles: analyst, investigator"


def test_a_token_needs_the_role_and_the_scope() -> None:
    assert decide(RULE, who(PrincipalKind.TOKEN, "analyst", scopes=("search",))).allowed
    decision = decide(RULE, who(PrincipalKind.TOKEN, "analyst", scopes=("records:read",)))
    assert not decision.allowed
    assert decision.reason == "this token lacks the scope 'search'"
    assert not decide(RULE, who(PrincipalKind.TOKEN, "auditor", scopes=("search",))).allowed


def test_a_route_without_a_scope_is_closed_to_tokens() -> None:
    token = who(PrincipalKind.TOKEN, *EVERY_ROLE, scopes=tuple(SCOPES))
    decision = decide(HUMANS_ONLY, token)
    assert not decision.allowed and "API tokens" in decision.reason
    assert decide(HUMANS_ONLY, who(PrincipalKind.USER, "analyst")).allowed


def test_an_enrolment_session_opens_only_enrolment_routes() -> None:
    pending = who(PrincipalKind.USER, "analyst", scopes=(ENROLMENT_SCOPE,))
    assert decide(ENROLMENT, pending).allowed
    for rule in (RULE, HUMANS_ONLY):
        decision = decide(rule, pending)
        assert not decision.allowed and "MFA enrolment" in decision.reason


def test_partner_nodes_only_where_the_route_says_so() -> None:
    partner = who(PrincipalKind.NODE)
    assert not decide(RULE, partner).allowed
    assert decide(allow(partners=True), partner).allowed


def test_head_is_checked_as_get() -> None:
    assert route_key("head", "/api/v1/records") == "GET /api/v1/records"
    assert access_for("HEAD", "/api/v1/records") is ACCESS["GET /api/v1/records"]
    assert access_for("PUT", "/api/v1/records") is None


def test_every_entry_is_public_or_names_roles_and_keys_are_well_formed() -> None:
    for key, rule in ACCESS.items():
        method, path = key.split(" ")
        assert method in {"GET", "POST", "PUT", "PATCH", "DELETE"}, key
        assert path.startswith("/"), key
        assert rule.public or rule.roles or rule.partners, key
        assert not (rule.public and rule.scope), key


def test_document_checkers_may_check_documents_and_nothing_else() -> None:
    # Beside the checks, only what every role has: its own session, the ledger's hashes.
    open_to_checkers = {
        key
        for key, rule in ACCESS.items()
        if Role.DOCUMENT_CHECKER in rule.roles and rule.roles != EVERY_ROLE
    }
    assert open_to_checkers == {
        "POST /api/v1/documents/check",
        "POST /api/v1/documents/check-batch",
    }


def test_document_checkers_and_node_admins_see_no_records() -> None:
    for key, rule in ACCESS.items():
        if "/records" in key or key.endswith("/search"):
            assert Role.DOCUMENT_CHECKER not in rule.roles, key
            assert Role.NODE_ADMIN not in rule.roles, key


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        (
            ["analyst"],
            {
                "records:read",
                "records:write",
                "search",
                "audit:verify",
                "agreements:read",
                "policy:check",
                "federated-search",
                "follow-ups:read",
                "follow-ups:write",
                "xref:run",
                "xref:read",
                "xref:judge",
                "documents:report",
                "documents:read",
                "documents:check",
                "notices:read",
                "alerts:read",
                "alerts:ack",
                "events",
                "messages:read",
                "messages:write",
                "cases:read",
                "codes",
                "graph",
                "graph:export",
                "stix:read",
                "stix:write",
                "taxii",
            },
        ),
        (
            ["auditor"],
            {
                "records:read",
                "stix:read",
                "audit:read",
                "audit:verify",
                "agreements:read",
                "codes",
                "dashboard",
            },
        ),
        (["taxii_client"], {"audit:verify", "taxii", "codes"}),
        (["document_checker"], {"audit:verify", "documents:check", "codes"}),
    ],
)
def test_default_token_scopes_are_those_the_roles_can_use(
    roles: list[str], expected: set[str]
) -> None:
    assert scopes_for(roles) == expected
    assert scopes_for(roles) <= SCOPES
