from datetime import timedelta

import pytest
from sqlalchemy import select

from accord.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationError
from accord.model import Principal, PrincipalKind
from accord.services.audit import Event
from accord.services.node import Node
from accord.services.sessions import Stage, authenticate, login
from accord.services.users import (
    create_user,
    disable_user,
    enable_user,
    list_users,
    reset_mfa,
    set_password,
    set_roles,
)
from accord.store.tables import user_recovery_codes, users
from tests.auth.factories import (
    PASSWORD,
    T0,
    add_user,
    code,
    enrolled_user,
    ledger,
    use_cheap_hashing,
)


@pytest.fixture(autouse=True)
def _cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_hashing(monkeypatch)


def test_new_user_belongs_to_the_node_agency_and_is_in_the_ledger(node: Node) -> None:
    enrolment = add_user(node, "Anna.Schmidt", "investigator", "analyst")
    assert enrolment.username == "anna.schmidt"
    assert enrolment.uri.startswith("otpauth://totp/Accord%20DE-BKA:anna.schmidt?")
    [info] = list_users(node)
    assert (info.username, info.agency, info.roles) == (
        "anna.schmidt",
        "DE-BKA",
        ("analyst", "investigator"),
    )
    assert not info.mfa_enrolled and not info.disabled
    entry = ledger(node, Event.USER_CHANGE)[0]
    assert entry["actor"] == "operator:cli@DE-BKA"
    assert entry["details"] == {
        "username": "anna.schmidt",
        "change": "created",
        "roles": ["analyst", "investigator"],
    }


def test_only_hashes_and_sealed_secrets_are_stored(node: Node) -> None:
    enrolment, codes, _ = enrolled_user(node, "anna")
    with node.engine.connect() as conn:
        row = conn.execute(select(users)).one()
        stored_codes = [r.code_hash for r in conn.execute(select(user_recovery_codes))]
    assert row.password_hash.startswith("$argon2id$")
    assert PASSWORD not in row.password_hash
    assert enrolment.secret.encode() not in bytes(row.totp_secret)
    assert len(stored_codes) == 10
    assert all(c.encode() not in bytes(h) for c in codes for h in stored_codes)


def test_bad_input_names_every_field(node: Node) -> None:
    with pytest.raises(ValidationError) as bad:
        create_user(node, "x", "short", ["analyst", "boss"], actor=node.operator())
    assert {e.field for e in bad.value.errors} == {"username", "password", "role"}
    with pytest.raises(ValidationError, match="user name"):
        create_user(node, "anna.schmidt", "Anna.Schmidt", ["analyst"], actor=node.operator())
    with pytest.raises(ValidationError, match="at least one"):
        create_user(node, "anna", PASSWORD, [], actor=node.operator())
    assert list_users(node) == []


def test_duplicate_user_is_a_conflict(node: Node) -> None:
    add_user(node, "anna")
    with pytest.raises(Conflict):
        add_user(node, "ANNA")


def test_only_node_admins_manage_users(node: Node) -> None:
    analyst = Principal("bert", "DE-BKA", PrincipalKind.USER, frozenset({"analyst"}))
    with pytest.raises(Forbidden, match="node_admin"):
        create_user(node, "anna", PASSWORD, ["analyst"], actor=analyst)
    add_user(node, "anna")
    with pytest.raises(Forbidden):
        set_roles(node, "anna", ["node_admin"], actor=analyst)
    with pytest.raises(Forbidden):
        disable_user(node, "anna", actor=analyst)


def test_disabling_ends_sessions_and_refuses_logins(node: Node) -> None:
    enrolment, _, session = enrolled_user(node, "anna")
    disable_user(node, "anna", actor=node.operator(), now=T0)
    with pytest.raises(Unauthorized, match="token revoked"):
        authenticate(node, session.token, now=T0)
    now = T0 + timedelta(minutes=1)
    with pytest.raises(Unauthorized, match="disabled"):
        login(node, "anna", PASSWORD, code=code(enrolment, now), now=now)
    assert ledger(node, Event.LOGIN_FAILED)[-1]["details"]["reason"] == "disabled"
    change = ledger(node, Event.USER_CHANGE)[-1]["details"]
    assert change == {"username": "anna", "change": "disabled", "sessions_ended": 1}
    assert list_users(node)[0].disabled
    with pytest.raises(Conflict, match="already disabled"):
        disable_user(node, "anna", actor=node.operator())

    enable_user(node, "anna", actor=node.operator())
    login(node, "anna", PASSWORD, code=code(enrolment, now, steps=1), now=now)
    with pytest.raises(Conflict, match="not disabled"):
        enable_user(node, "anna", actor=node.operator())


def test_unknown_user_is_not_found(node: Node) -> None:
    with pytest.raises(NotFound, match="no user 'ghost'"):
        disable_user(node, "ghost", actor=node.operator())


def test_role_change_is_in_the_ledger_with_before_and_after(node: Node) -> None:
    add_user(node, "anna", "analyst")
    set_roles(node, "anna", ["supervisor", "analyst"], actor=node.operator())
    assert list_users(node)[0].roles == ("analyst", "supervisor")
    entry = ledger(node, Event.ROLE_CHANGE)[0]
    assert entry["details"] == {
        "username": "anna",
        "from": ["analyst"],
        "to": ["analyst", "supervisor"],
    }
    with pytest.raises(ValidationError, match="unknown role"):
        set_roles(node, "anna", ["root"], actor=node.operator())


def test_new_password_ends_sessions_and_replaces_the_old(node: Node) -> None:
    enrolment, _, session = enrolled_user(node, "anna")
    set_password(node, "anna", "a whole new passphrase", actor=node.operator(), now=T0)
    with pytest.raises(Unauthorized, match="token revoked"):
        authenticate(node, session.token, now=T0)
    now = T0 + timedelta(minutes=1)
    with pytest.raises(Unauthorized, match="invalid username or password"):
        login(node, "anna", PASSWORD, code=code(enrolment, now), now=now)
    login(node, "anna", "a whole new passphrase", code=code(enrolment, now), now=now)
    with pytest.raises(ValidationError, match="12"):
        set_password(node, "anna", "short", actor=node.operator())


def test_mfa_reset_forgets_the_authenticator_and_recovery_codes(node: Node) -> None:
    old, _, session = enrolled_user(node, "anna")
    new = reset_mfa(node, "anna", actor=node.operator(), now=T0)
    assert new.secret != old.secret
    with pytest.raises(Unauthorized, match="token revoked"):
        authenticate(node, session.token, now=T0)
    now = T0 + timedelta(minutes=1)
    assert login(node, "anna", PASSWORD, code=code(old, now), now=now).stage is Stage.ENROLMENT
    assert not list_users(node)[0].mfa_enrolled
    with node.engine.connect() as conn:
        assert conn.execute(select(user_recovery_codes)).all() == []
    assert ledger(node, Event.USER_CHANGE)[-1]["details"]["change"] == "mfa_reset"
