"""The workbench in a real browser: Debian's chromium driven by Playwright for Python (through
`executable_path`: Playwright downloads no browser here), against two real node processes'
worth of listeners — DE-BKA and UA-NPU on loopback, mutual TLS between them, the user API on
plain HTTP for the browser, outbox workers delivering follow-ups — with the agreements of
`examples/agreements/` (DE<->UA persons by reference only)."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from accord.api.server import NodeServer
from accord.auth import code_at, time_step
from accord.cli.cluster import enrol_node, publish_directory
from accord.federation.identity import node_id
from accord.federation.pki import init_ca_files
from accord.services import sessions
from accord.services.node import Node
from accord.services.users import create_user, totp_secret
from accord.settings import Settings
from accord.store import users as user_store
from accord.web import DIST
from tests.auth.factories import CHEAP_HASHER
from tests.federation.cluster import EXAMPLES, add_person

#: Where the screenshots of docs/workbench.md are written when set (`make screenshots`).
SHOTS = os.environ.get("ACCORD_WEB_SCREENSHOTS")
PASSWORD = "a long passphrase for the workbench"
_names = itertools.count(1)
# What a screen shows after one request to the node: on a shared machine running the suite in
# two processes, each with its browser, one request now and then takes longer than the default
# 5 s. Ten is still far below anything a user would wait for.
expect.set_options(timeout=10_000)


@dataclass
class Member:
    node: Node
    server: NodeServer

    @property
    def url(self) -> str:
        """The user API and the workbench, as the browser reaches them."""
        found = self.server.api_url
        assert found is not None
        return found

    @property
    def node_id(self) -> str:
        return node_id(self.node)


@dataclass
class User:
    username: str
    secret: str
    recovery_codes: list[str] = field(default_factory=list)

    def code(self) -> str:
        return code_at(self.secret, time_step(datetime.now(UTC)))


@pytest.fixture(scope="session")
def cheap_hashing() -> Iterator[None]:
    from accord.auth import passwords

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "HASHER", CHEAP_HASHER)
        yield


@pytest.fixture(scope="session")
def nodes(
    tmp_path_factory: pytest.TempPathFactory, cheap_hashing: None
) -> Iterator[dict[str, Member]]:
    if not (DIST / "index.html").is_file():
        pytest.fail("the workbench is not built: run `make install` (it runs npm)")
    root: Path = tmp_path_factory.mktemp("workbench")
    init_ca_files(root / "ca", "test-workbench")
    # Partners have the product's default time to answer (3 s): on a machine running the
    # suite in two processes, a partner's first answer took longer than 2 s now and then.
    fast = {"outbox_base_delay": 0.05, "outbox_max_delay": 0.2}
    members: dict[str, Member] = {}
    for agency, name in (("DE-BKA", "Bundeskriminalamt"), ("UA-NPU", "National Police")):
        settings = Settings(home=root / agency.lower(), **fast)
        node = enrol_node(root / "ca", settings, agency, name, sorted(EXAMPLES.glob("*.yaml")))
        server = NodeServer(
            node, "127.0.0.1", 0, api_port=0, outbox=True, witness=False, shutdown_grace=0.2
        )
        members[agency] = Member(node, server)
    publish_directory(
        root / "ca",
        [(m.node, f"https://127.0.0.1:{m.server.port}") for m in members.values()],
        root / "directory.jws",
    )
    add_person(members["DE-BKA"].node, "de-p-001", "Олександр Коваленко", birthDate="1981-03-02")
    add_person(members["UA-NPU"].node, "ua-petrenko", "Ivan Petrenko", birthDate="1980-01-02")
    for member in members.values():
        member.server.start()
    yield members
    for member in members.values():
        member.server.stop()


def new_user(member: Member, *roles: str, enrolled: bool = True) -> User:
    """A user of `member`'s node with `roles`, its authenticator set up unless `enrolled` is
    false (a code is accepted once, so each test logs in as a user of its own)."""
    node = member.node
    name = f"user{next(_names)}"
    create_user(node, name, PASSWORD, list(roles), actor=node.operator("test"))
    with node.engine.begin() as conn:
        row = user_store.get_user(conn, name)
        assert row is not None
        pending = totp_secret(node, row, pending=True)
    assert pending is not None
    if not enrolled:
        return User(name, pending)
    first = sessions.login(node, name, PASSWORD)
    # Enrolled with the previous time step's code (accepted, as a slow typist's would be), so
    # that the code of this step is still unspent for the browser's login.
    previous = code_at(pending, time_step(datetime.now(UTC)) - 1)
    codes, full = sessions.complete_enrolment(node, first.token, previous)
    sessions.logout(node, full.token)
    return User(name, pending, codes)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("no chromium: `make chromium` installs Debian's")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    yield opened
    context.close()
    assert errors == [], errors


def log_in(page: Page, member: Member, user: User, *, recovery: bool = False) -> None:
    """Log in through the login screen: password and the authenticator's code (or, with
    `recovery`, one of the recovery codes)."""
    page.goto(member.url + "/")
    page.get_by_label("User name").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    if recovery:
        page.get_by_role("button", name="Use a recovery code instead").click()
        page.get_by_label("Recovery code").fill(user.recovery_codes.pop())
    else:
        page.get_by_label("Authenticator code").fill(user.code())
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Screens")).to_be_visible()


def shot(page: Page, name: str) -> None:
    """Keep a screenshot for docs/workbench.md when asked to."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def api_token(member: Member, *roles: str) -> str:
    from accord.services.tokens import issue_token

    return issue_token(member.node, f"web-test-{next(_names)}", list(roles)).secret


def auth(token: str) -> dict[str, Any]:
    return {"Authorization": f"Bearer {token}"}
