"""axe-core (the npm package the workbench's lockfile pins) finds no serious or critical
violation on any screen, and every screen can be reached and used from the keyboard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import Member, log_in, new_user

AXE = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"
SCREENS = [
    "search",
    "follow-ups",
    "notices",
    "messages",
    "cases",
    "mla",
    "chart",
    "dashboards",
    "documents",
    "agreements",
    "audit",
    "admin",
    "records/de-p-001",
]
ROLES = ("analyst", "investigator", "liaison_officer", "auditor", "node_admin")


def violations(page: Page) -> list[dict[str, Any]]:
    page.evaluate(AXE.read_text("utf-8"))
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]


@pytest.fixture
def axe_page(browser: Browser) -> Any:
    # axe is put into the page by the test, past the page's own Content-Security-Policy.
    context = browser.new_context(locale="en-GB", bypass_csp=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_no_screen_has_a_serious_or_critical_violation(
    axe_page: Page, nodes: dict[str, Member], language: str
) -> None:
    de = nodes["DE-BKA"]
    axe_page.goto(de.url + "/")
    assert violations(axe_page) == []  # the login screen
    log_in(axe_page, de, new_user(de, *ROLES))
    axe_page.get_by_role("combobox", name="Language").select_option(language)
    found: dict[str, list[str]] = {}
    for screen in SCREENS:
        axe_page.goto(f"{de.url}/#/{screen}")
        expect(axe_page.locator("main h1").first).to_be_visible()
        axe_page.wait_for_load_state("networkidle")
        bad = violations(axe_page)
        if bad:
            found[screen] = [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in bad]
    assert found == {}


def test_the_keyboard_alone_logs_in_and_runs_a_search(page: Page, nodes: dict[str, Member]) -> None:
    de = nodes["DE-BKA"]
    user = new_user(de, "analyst")
    page.goto(de.url + "/")
    expect(page.get_by_label("User name")).to_be_visible()
    # The skip link is the first stop, then the language, then the login form.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("combobox", name="Language")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("User name")).to_be_focused()
    page.keyboard.type(user.username)
    page.keyboard.press("Tab")
    from tests.web.conftest import PASSWORD

    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(user.code())
    page.keyboard.press("Enter")
    expect(page.get_by_role("navigation", name="Screens")).to_be_visible()
    # The keyboard starts at the screen's content: its first field is one Tab away.
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Name, document number, phone, e-mail or IBAN")).to_be_focused()
    page.keyboard.type("Коваленко")
    page.keyboard.press("Tab")  # purpose
    page.keyboard.press("Tab")
    page.keyboard.type("BKA-2026-0042")
    page.keyboard.press("Tab")
    crime_area = page.get_by_label("Crime area")
    expect(crime_area).to_be_focused()
    crime_area.select_option("thb")
    page.keyboard.press("Tab")  # also ask every partner
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Search")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".hit").first).to_contain_text("Олександр Коваленко")
