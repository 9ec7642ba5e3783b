from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from accord.auth import ENROLMENT_SCOPE, LockoutPolicy
from accord.errors import Forbidden, TooManyAttempts, Unauthorized, ValidationError
from accord.model import PrincipalKind
from accord.services.audit import Event
from accord.services.node import Node, open_node
from accord.services.sessions import (
    MAX_SESSION,
    Stage,
    authenticate,
    complete_enrolment,
    login,
    logout,
    refresh,
)
from accord.services.users import set_roles
from accord.store import users as user_store
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


def failures(node: Node) -> list[tuple[str, str]]:
    """(actor, reason) of every LOGIN_FAILED entry, in order."""
    return [(e["actor"], e["details"]["reason"]) for e in ledger(node, Event.LOGIN_FAILED)]


def test_user_without_mfa_gets_only_an_enrolment_session(node: Node) -> None:
    add_user(node, "anna")
    session = login(node, "anna", PASSWORD, now=T0)
    assert session.stage is Stage.ENROLMENT
    principal = authenticate(node, session.token, now=T0)
    assert principal.kind is PrincipalKind.USER
    assert principal.scopes == {ENROLMENT_SCOPE}
    assert ledger(node, Event.LOGIN)[-1]["details"]["stage"] == "enrolment"


def test_enrolment_confirms_with_a_code_and_gives_ten_recovery_codes(node: Node) -> None:
    enrolment = add_user(node, "anna", "analyst", "investigator")
    first = login(node, "anna", PASSWORD, now=T0)
    codes, session = complete_enrolment(node, first.token, code(enrolment, T0), now=T0)
    assert len(set(codes)) == 10
    assert session.stage is Stage.FULL
    principal = authenticate(node, session.token, now=T0)
    assert principal.roles == {"analyst", "investigator"} and principal.scopes == set()
    with pytest.raises(Unauthorized, match="token revoked"):
        authenticate(node, first.token, now=T0)
    enrolled = ledger(node, Event.MFA_ENROLLED)
    assert enrolled[0]["actor"] == "user:anna@DE-BKA"
    assert enrolled[0]["details"] == {"username": "anna", "recovery_codes": 10}


def test_enrolment_with_a_wrong_code_changes_nothing(node: Node) -> None:
    enrolment = add_user(node, "anna")
    first = login(node, "anna", PASSWORD, now=T0)
    with pytest.raises(ValidationError, match="code"):
        complete_enrolment(node, first.token, code(enrolment, T0, steps=5), now=T0)
    assert login(node, "anna", PASSWORD, now=T0).stage is Stage.ENROLMENT
    assert ledger(node, Event.MFA_ENROLLED) == []


def test_login_with_password_and_code(node: Node) -> None:
    enrolment, _, _ = enrolled_user(node, "anna")
    now = T0 + timedelta(minutes=1)
    session = login(node, "Anna", PASSWORD, code=code(enrolment, now), client="10.0.0.7", now=now)
    assert session.stage is Stage.FULL
    assert session.expires_at == now + timedelta(minutes=15)
    entry = ledger(node, Event.LOGIN)[-1]
    assert entry["actor"] == "user:anna@DE-BKA"
    assert entry["details"] == {
        "username": "anna",
        "stage": "full",
        "method": "totp",
        "client": "10.0.0.7",
    }


def test_wrong_password_and_unknown_user_get_the_same_answer(node: Node) -> None:
    enrolment, _, _ = enrolled_user(node, "anna")
    now = T0 + timedelta(minutes=1)
    with pytest.raises(Unauthorized, match="invalid username or password"):
        login(node, "anna", "wrong password!", code=code(enrolment, now), now=now)
    with pytest.raises(Unauthorized, match="invalid username or password"):
        login(node, "nobody", PASSWORD, code="123456", now=now)
    assert failures(node) == [
        ("user:anna@DE-BKA", "bad_password"),
        ("anonymous", "unknown_user"),
    ]
    assert ledger(node, Event.LOGIN_FAILED)[1]["details"]["username"] == "nobody"


def test_a_name_no_user_can_have_fails_like_an_unknown_one_and_is_ledgered(node: Node) -> None:
    """A NUL or another control character in the name (PostgreSQL's text refuses a NUL) is a
    failed login, throttled and ledgered like any unknown name, never a server error."""
    enrolled_user(node, "anna")
    now = T0 + timedelta(minutes=1)
    for name in ("anna\x00", "an\u200bna\ud800"):
        with pytest.raises(Unauthorized, match="invalid username or password"):
            login(node, name, PASSWORD, code="123456", now=now)
    assert failures(node) == [("anonymous", "unknown_user")] * 2
    names = [e["details"]["username"] for e in ledger(node, Event.LOGIN_FAILED)]
    assert names == ["anna\ufffd", "an\ufffdna\ufffd"]


def test_wrong_code_is_refused_and_recorded(node: Node) -> None:
    enrolment, _, _ = enrolled_user(node, "anna")
    now = T0 + timedelta(minutes=1)
    with pytest.raises(Unauthorized, match="invalid TOTP code"):
        login(node, "anna", PASSWORD, code=code(enrolment, now, steps=3), now=now)
    with pytest.raises(Unauthorized, match="MFA code required"):
        login(node, "anna", PASSWORD, now=now)
    assert failures(node) == [
        ("user:anna@DE-BKA", "bad_code"),
        ("user:anna@DE-BKA", "code_missing"),
    ]


def test_a_code_once_accepted_cannot_be_used_again(node: Node) -> None:
    enrolment, _, _ = enrolled_user(node, "anna")
    now = T0 + timedelta(minutes=1)
    used = code(enrolment, now)
    login(node, "anna", PASSWORD, code=used, now=now)
    with pytest.raises(Unauthorized, match="already used"):
        login(node, "anna", PASSWORD, code=used, now=now + timedelta(seconds=20))
    # The code that enrolment consumed is spent as well.
    with pytest.raises(Unauthorized, match="already used"):
        login(node, "anna", PASSWORD, code=code(enrolment, T0), now=T0 + timedelta(seconds=1))
    assert failures(node) == [("user:anna@DE-BKA", "replayed_code")] * 2
    login(node, "anna", PASSWORD, code=code(enrolment, now, steps=1), now=now)


def test_recovery_code_opens_one_login_only(node: Node) -> None:
    _, codes, _ = enrolled_user(node, "anna")
    now = T0 + timedelta(minutes=1)
    session = login(node, "anna", PASSWORD, recovery_code=codes[3].upper(), now=now)
    assert session.stage is Stage.FULL
    details = ledger(node, Event.LOGIN)[-1]["details"]
    assert details["method"] == "recovery_code" and details["recovery_codes_left"] == 9
    with pytest.raises(Unauthorized, match="recovery code"):
        login(node, "anna", PASSWORD, recovery_code=codes[3], now=now)
    with pytest.raises(Unauthorized, match="recovery code"):
        login(node, "anna", PASSWORD, recovery_code="aaaa-bbbb-cccc-dddd", now=now)
    assert failures(node) == [("user:anna@DE-BKA", "bad_recovery_code")] * 2


def test_five_failures_lock_the_name_with_a_growing_delay(node: Node) -> None:
    enrolment, _, _ = enrolled_user(node, "anna")
    now = T0 + timedelta(minutes=1)
    for _ in range(5):
        with pytest.raises(Unauthorized):
            login(node, "anna", "wrong password!", now=now)
    # Locked: even the right password and code are refused without being checked.
    with pytest.raises(TooManyAttempts) as locked:
        login(node, "anna", PASSWORD, code=code(enrolment, now), now=now + timedelta(seconds=10))
    assert locked.value.status == 429 and locked.value.retry_after == 20
    assert failures(node)[-1] == ("user:anna@DE-BKA", "locked")
    assert ledger(node, Event.LOGIN_FAILED)[4]["details"]["locked_seconds"] == 30

    # After the lock, one more failure locks for twice as long, then four times.
    now += timedelta(seconds=31)
    for expected in (60, 120):
        with pytest.raises(Unauthorized):
            login(node, "anna", "wrong password!", now=now)
        with pytest.raises(TooManyAttempts) as locked:
            login(node, "anna", PASSWORD, now=now)
        assert locked.value.retry_after == expected
        now += timedelta(seconds=expected + 1)

    # A success clears the count: the next failure does not lock.
    login(node, "anna", PASSWORD, code=code(enrolment, now), now=now)
    with pytest.raises(Unauthorized):
        login(node, "anna", "wrong password!", now=now)
    login(node, "anna", PASSWORD, code=code(enrolment, now, steps=1), now=now)


def test_lockout_is_kept_in_the_database_for_every_process(node: Node) -> None:
    add_user(node, "anna")
    for _ in range(5):
        with pytest.raises(Unauthorized):
            login(node, "anna", "wrong password!", now=T0)
    other = open_node(node.settings)
    try:
        with pytest.raises(TooManyAttempts):
            login(other, "anna", PASSWORD, now=T0 + timedelta(seconds=1))
    finally:
        other.engine.dispose()


def test_unknown_names_lock_like_known_ones(node: Node) -> None:
    policy = LockoutPolicy(threshold=2)
    for _ in range(2):
        with pytest.raises(Unauthorized):
            login(node, "ghost", PASSWORD, now=T0, policy=policy)
    with pytest.raises(TooManyAttempts):
        login(node, "ghost", PASSWORD, now=T0, policy=policy)
    assert failures(node) == [("anonymous", "unknown_user")] * 2 + [("anonymous", "locked")]


def test_access_token_expires_after_the_configured_minutes(node: Node) -> None:
    _, _, session = enrolled_user(node, "anna")
    assert authenticate(node, session.token, now=T0 + timedelta(minutes=14)).subject == "anna"
    with pytest.raises(Unauthorized, match="token expired"):
        authenticate(node, session.token, now=T0 + timedelta(minutes=15))


def test_logout_revokes_the_access_token(node: Node) -> None:
    _, _, session = enrolled_user(node, "anna")
    logout(node, session.token, now=T0)
    with pytest.raises(Unauthorized, match="token revoked"):
        authenticate(node, session.token, now=T0)
    with pytest.raises(Unauthorized, match="token revoked"):
        logout(node, session.token, now=T0)


def test_refresh_replaces_the_token_until_the_session_limit(node: Node) -> None:
    _, _, session = enrolled_user(node, "anna")
    now = T0 + timedelta(minutes=10)
    fresh = refresh(node, session.token, now=now)
    with pytest.raises(Unauthorized, match="token revoked"):
        authenticate(node, session.token, now=now)
    assert authenticate(node, fresh.token, now=now).subject == "anna"
    assert fresh.expires_at == now + timedelta(minutes=15)
    while now + timedelta(minutes=14) < T0 + MAX_SESSION:
        now += timedelta(minutes=14)
        fresh = refresh(node, fresh.token, now=now)
    with pytest.raises(Unauthorized, match="log in again"):
        refresh(node, fresh.token, now=T0 + MAX_SESSION)


def test_enrolment_session_cannot_be_refreshed(node: Node) -> None:
    add_user(node, "anna")
    first = login(node, "anna", PASSWORD, now=T0)
    with pytest.raises(Forbidden, match="MFA enrolment"):
        refresh(node, first.token, now=T0)


def test_role_changes_apply_to_open_sessions(node: Node) -> None:
    _, _, session = enrolled_user(node, "anna", "analyst")
    set_roles(node, "anna", ["auditor"], actor=node.operator())
    assert authenticate(node, session.token, now=T0).roles == {"auditor"}


def test_outdated_password_hash_is_upgraded_at_login(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    enrolment, _, _ = enrolled_user(node, "anna")
    monkeypatch.undo()  # back to the node's real argon2id parameters
    now = T0 + timedelta(minutes=1)
    login(node, "anna", PASSWORD, code=code(enrolment, now), now=now)
    with node.engine.connect() as conn:
        user = user_store.get_user(conn, "anna")
    assert user is not None
    assert user.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_unknown_bearer_secrets_are_refused(node: Node) -> None:
    for secret in ("acs_nothing", "acc_nothing", "garbage"):
        with pytest.raises(Unauthorized, match="unknown token"):
            authenticate(node, secret)


def test_concurrent_logins_with_one_code_let_only_one_in(node: Node) -> None:
    enrolment, _, _ = enrolled_user(node, "anna")
    now = T0 + timedelta(minutes=1)
    same = code(enrolment, now)

    def attempt(_: int) -> str:
        try:
            login(node, "anna", PASSWORD, code=same, now=now)
        except Unauthorized as exc:
            return exc.message
        return "in"

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = sorted(pool.map(attempt, range(4)))
    assert outcomes.count("in") == 1
    assert all("already used" in o for o in outcomes if o != "in")
