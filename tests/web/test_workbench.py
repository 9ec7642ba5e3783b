"""The workbench end to end, in Debian's chromium: what each person in DESIGN.md's table does
on its screens, against real nodes."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, Route, expect

from accord.api.cookies import CSRF_COOKIE, SESSION_COOKIE
from accord.services.notices import create_notice, publish_notice
from accord.services.records import create_record
from tests.services.notices_factories import red
from tests.web.conftest import (
    PASSWORD,
    Member,
    User,
    api_token,
    auth,
    log_in,
    new_user,
    shot,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def go(page: Page, screen: str) -> None:
    """Open a screen from the navigation."""
    page.get_by_role("navigation", name="Screens").get_by_role("link", name=screen).click()


def test_a_first_login_enrols_the_authenticator_from_a_qr_code_and_shows_recovery_codes(
    page: Page, nodes: dict[str, Member]
) -> None:
    de = nodes["DE-BKA"]
    user = new_user(de, "analyst", enrolled=False)
    page.goto(de.url + "/")
    shot(page, "login")
    page.get_by_label("User name").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Set up your authenticator")).to_be_visible()
    qr = page.get_by_role("img", name="QR code of your authenticator key")
    expect(qr).to_be_visible()
    assert (qr.get_attribute("src") or "").startswith("data:image/")
    # The key the page shows is the one the authenticator app would read from the QR code.
    user.secret = page.locator("code.secret").inner_text()
    shot(page, "enrolment")
    page.get_by_label("Authenticator code").fill(user.code())
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.locator(".codes li")).to_have_count(10)
    shot(page, "recovery-codes")
    page.get_by_role("button", name="I have kept them: continue").click()
    expect(page.get_by_role("navigation", name="Screens")).to_be_visible()


def test_login_takes_password_and_code_and_keeps_the_session_out_of_reach_of_scripts(
    page: Page, nodes: dict[str, Member]
) -> None:
    de = nodes["DE-BKA"]
    user = new_user(de, "analyst")
    log_in(page, de, user)
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies[SESSION_COOKIE]
    assert session["httpOnly"] is True and session["sameSite"] == "Strict"
    assert page.evaluate("document.cookie").count(SESSION_COOKIE) == 0
    assert CSRF_COOKIE in page.evaluate("document.cookie")
    # An analyst's screens, as the access matrix opens them: no audit ledger, no admin.
    nav = page.get_by_role("navigation", name="Screens")
    expect(nav.get_by_role("link", name="Search")).to_be_visible()
    expect(nav.get_by_role("link", name="Administration")).to_have_count(0)


def test_a_wrong_password_says_so_and_repeated_ones_show_the_lockouts_wait(
    page: Page, nodes: dict[str, Member]
) -> None:
    de = nodes["DE-BKA"]
    user = new_user(de, "analyst")
    page.goto(de.url + "/")
    page.get_by_label("User name").fill(user.username)
    for _ in range(5):
        page.get_by_label("Password").fill("not the password at all")
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("alert")).to_contain_text("invalid username or password")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Too many failed attempts: try again in")
    expect(page.get_by_role("button", name="Log in")).to_be_disabled()


def test_a_federated_search_shows_each_partner_and_a_follow_up_is_approved_across_nodes(
    page: Page, nodes: dict[str, Member]
) -> None:
    de, ua = nodes["DE-BKA"], nodes["UA-NPU"]
    log_in(page, de, new_user(de, "analyst"))
    page.get_by_label("Name, document number, phone, e-mail or IBAN").fill("Ivan Petrenko")
    page.get_by_label("Case reference or justification").fill("BKA-2026-0042")
    page.get_by_label("Crime area").select_option("thb")
    page.get_by_role("button", name="Search").click()
    partner = page.locator('[data-partner="UA-NPU"]')
    expect(partner.locator(".status")).to_have_text("hits")
    expect(partner).to_contain_text("A Person record exists (reference)")
    expect(partner.locator(".score")).to_contain_text("%")
    expect(page.get_by_role("heading", name="This node")).to_be_visible()
    shot(page, "search-federated")
    partner.get_by_role("button", name="Request follow-up").click()
    page.get_by_label("Legal basis").fill("Art. 4 DE-UA memorandum")
    page.get_by_label("Justification", exact=True).fill(
        "The subject is a suspect in case BKA-2026-0042."
    )
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("status")).to_contain_text("sent")

    # UA-NPU's liaison officer sees it arrive and approves it with conditions.
    other = page.context.browser.new_context(locale="en-GB")  # type: ignore[union-attr]
    liaison_page = other.new_page()
    log_in(liaison_page, ua, new_user(ua, "liaison_officer"))
    go(liaison_page, "Follow-ups")
    incoming = liaison_page.locator(".followup").first
    deadline = time.monotonic() + 20
    while not incoming.is_visible() and time.monotonic() < deadline:
        liaison_page.get_by_role("button", name="Refresh").click()
        liaison_page.wait_for_timeout(300)
    expect(incoming).to_contain_text("pending")
    expect(incoming).to_contain_text("Art. 4 DE-UA memorandum")
    shot(liaison_page, "follow-up-incoming")
    incoming.get_by_label("Conditions of use").fill("H2: not to be passed on")
    incoming.get_by_role("button", name="Approve").click()
    expect(liaison_page.locator(".followup").first).to_contain_text("approved")
    other.close()

    # Back at DE-BKA: the outcome arrives with the record.
    go(page, "Follow-ups")
    sent = page.locator(".followup").first
    deadline = time.monotonic() + 20
    while "approved" not in sent.inner_text() and time.monotonic() < deadline:
        page.get_by_role("button", name="Refresh").click()
        page.wait_for_timeout(300)
    expect(sent).to_contain_text("approved")
    expect(sent).to_contain_text("H2: not to be passed on")
    expect(sent).to_contain_text("Ivan Petrenko")
    shot(page, "follow-up-outcome")


def test_a_record_shows_its_content_as_written_its_envelope_and_its_disclosures(
    page: Page, nodes: dict[str, Member]
) -> None:
    de = nodes["DE-BKA"]
    log_in(page, de, new_user(de, "analyst"))
    page.goto(de.url + "/#/records/de-p-001")
    expect(page.get_by_role("heading", name="Content (as written)")).to_be_visible()
    expect(page.locator("#record-title bdi")).to_have_text("Олександр Коваленко")
    envelope = page.get_by_role("region", name="Envelope")
    expect(envelope).to_contain_text("DE-BKA")
    expect(envelope).to_contain_text("AMBER")
    expect(page.get_by_role("heading", name="Disclosures (from the ledger)")).to_be_visible()
    shot(page, "record")


def test_a_live_alert_arrives_on_the_open_screen(page: Page, nodes: dict[str, Member]) -> None:
    de = nodes["DE-BKA"]
    log_in(page, de, new_user(de, "investigator"))
    go(page, "Notices and alerts")
    expect(page.get_by_text("Live: new alerts appear here as they are raised.")).to_be_visible()
    node = de.node
    who = node.operator("test")
    drafted = create_notice(node, who, red("Dmytro Kravchuk", "1975-05-05"))
    publish_notice(node, who, drafted.row.notice_id)
    create_record(
        node,
        who,
        {
            "id": "de-kravchuk",
            "schema": "Person",
            "properties": {"name": ["Dmytro Kravchuk"], "birthDate": ["1975-05-05"]},
            "accord": {"subject_category": "suspect", "crime_areas": ["thb"]},
        },
    )
    expect(page.locator(".toast")).to_contain_text(drafted.row.notice_id)
    expect(page.locator(f'tr:has-text("{drafted.row.notice_id}")').first).to_be_visible()
    shot(page, "alerts")


def test_a_stolen_passport_is_a_big_hit_with_its_action_and_another_no_hit(
    page: Page, nodes: dict[str, Member]
) -> None:
    de = nodes["DE-BKA"]
    with httpx.Client(base_url=de.url, headers=auth(api_token(de, "investigator"))) as client:
        report = {"number": "C01X00T47", "country": "DE", "type": "passport", "status": "stolen"}
        assert client.post("/api/v1/documents", json=report).status_code in (201, 409)
    log_in(page, de, new_user(de, "document_checker"))
    nav = page.get_by_role("navigation", name="Screens")
    # A checker sees the check and nothing of the police data.
    expect(nav.get_by_role("link")).to_have_count(1)
    page.get_by_label("Machine-readable zone (paste or type its lines)").fill(
        "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<\nC01X00T478D<<6408125F2702283<<<<<<<<<<<<<<<4"
    )
    page.get_by_role("button", name="Check", exact=True).click()
    verdict = page.locator(".verdict")
    expect(verdict).to_have_attribute("data-verdict", "hit")
    expect(verdict.locator(".big")).to_have_text("HIT")
    expect(verdict.locator(".action")).not_to_be_empty()
    shot(page, "document-hit")
    page.get_by_label("Machine-readable zone (paste or type its lines)").fill("")
    page.get_by_label("Document number").fill("X12345678")
    page.get_by_label("Issuing state (ICAO code)").fill("D")
    page.get_by_role("button", name="Check", exact=True).click()
    expect(verdict).to_have_attribute("data-verdict", "no-hit")
    expect(verdict.locator(".big")).to_have_text("NO HIT")


def test_a_batch_is_checked_from_a_file_and_a_wrong_file_is_refused_before_upload(
    page: Page, nodes: dict[str, Member], tmp_path: Path
) -> None:
    de = nodes["DE-BKA"]
    with httpx.Client(base_url=de.url, headers=auth(api_token(de, "investigator"))) as client:
        report = {"number": "C01X00T47", "country": "DE", "type": "passport", "status": "stolen"}
        assert client.post("/api/v1/documents", json=report).status_code in (201, 409)
    log_in(page, de, new_user(de, "document_checker"))
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if "check-batch" in r.url else None)
    wrong = tmp_path / "passports.pdf"
    wrong.write_bytes(b"%PDF-1.4")
    page.get_by_label("File", exact=True).set_input_files(str(wrong))
    expect(page.get_by_role("alert")).to_contain_text("only .csv, .txt files are accepted")
    assert sent == []
    batch = tmp_path / "passports.csv"
    batch.write_text("number,country\nC01X00T47,D\nX12345678,D\n", "utf-8")
    page.get_by_label("File", exact=True).set_input_files(str(batch))
    expect(page.get_by_role("status")).to_contain_text("1 hit(s) among 2 documents")
    expect(page.locator(".hit-row")).to_have_count(1)
    assert len(sent) == 1
    shot(page, "document-batch")


def test_a_draft_agreement_is_simulated_from_its_file(page: Page, nodes: dict[str, Member]) -> None:
    de = nodes["DE-BKA"]
    log_in(page, de, new_user(de, "analyst"))
    go(page, "Agreements")
    expect(page.locator("table").first).to_contain_text("UA-NPU")
    page.get_by_label("Draft file (YAML)").set_input_files(
        str(EXAMPLES / "drafts" / "jit-de-bka-ua-npu.yaml")
    )
    expect(page.get_by_label("Draft agreement (YAML)")).not_to_be_empty()
    page.get_by_role("button", name="Simulate").click()
    result = page.locator(".simulation")
    expect(result).to_contain_text("Judged on")
    expect(result.locator("tbody tr").first).to_be_visible()
    shot(page, "agreements")
    page.get_by_label("Draft agreement (YAML)").fill("id: [unclosed\n")
    page.get_by_role("button", name="Simulate").click()
    expect(page.get_by_role("alert")).to_contain_text("draft.yaml:2")


def test_the_auditor_verifies_the_ledger_and_an_inclusion_proof_in_the_browser(
    page: Page, nodes: dict[str, Member]
) -> None:
    de = nodes["DE-BKA"]
    log_in(page, de, new_user(de, "auditor"))
    go(page, "Audit")
    page.get_by_role("button", name="Verify the whole ledger").click()
    expect(page.locator("[data-verified]")).to_have_attribute("data-verified", "true")
    page.get_by_label("Event").select_option("login")
    rows = page.locator("table.entries tbody tr")
    expect(rows.first).to_contain_text("login")
    rows.first.get_by_role("button", name="Inclusion proof").click()
    expect(page.locator("[data-proof]")).to_have_attribute("data-proof", "true")
    shot(page, "audit")


def test_the_administrator_sees_users_tokens_and_partners(
    page: Page, nodes: dict[str, Member]
) -> None:
    de = nodes["DE-BKA"]
    admin = new_user(de, "node_admin")
    log_in(page, de, admin)
    go(page, "Administration")
    expect(page.locator(f'tr[data-user="{admin.username}"]')).to_contain_text("enrolled")
    expect(page.get_by_role("heading", name="Partner nodes")).to_be_visible()
    expect(page.locator("table").last).to_contain_text("UA-NPU")
    shot(page, "admin")


def log_in_again(page: Page, user: User) -> None:
    """The login that a lost session shows over the screen, with a recovery code."""
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading")).to_have_text("Your session has ended: log in again")
    dialog.get_by_label("User name").fill(user.username)
    dialog.get_by_label("Password").fill(PASSWORD)
    dialog.get_by_role("button", name="Use a recovery code instead").click()
    dialog.get_by_label("Recovery code").fill(user.recovery_codes.pop())
    dialog.get_by_role("button", name="Log in").click()
    expect(dialog).to_have_count(0)


def test_an_expired_session_returns_to_login_and_keeps_what_was_typed(
    page: Page, nodes: dict[str, Member]
) -> None:
    de = nodes["DE-BKA"]
    user = new_user(de, "analyst")
    log_in(page, de, user)
    page.get_by_label("Name, document number, phone, e-mail or IBAN").fill("Коваленко")
    page.get_by_label("Case reference or justification").fill("BKA-2026-0042")
    page.get_by_label("Crime area").select_option("thb")
    # The session ends on the node's side (as an idle one does when its token expires).
    secret = next(c["value"] for c in page.context.cookies() if c["name"] == SESSION_COOKIE)
    from accord.services.sessions import logout

    logout(de.node, secret)
    page.get_by_role("button", name="Search").click()
    log_in_again(page, user)
    query = page.get_by_label("Name, document number, phone, e-mail or IBAN")
    expect(query).to_have_value("Коваленко")
    expect(page.get_by_label("Case reference or justification")).to_have_value("BKA-2026-0042")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".hit").first).to_contain_text("Олександр Коваленко")


def test_code_lists_refused_for_an_ended_session_are_asked_for_again_after_login(
    page: Page, nodes: dict[str, Member]
) -> None:
    """The session ends while the form's code lists are on their way: the node refuses them,
    the login asks again, and after it the form has its purposes and crime areas."""
    from accord.services.sessions import logout

    de = nodes["DE-BKA"]
    user = new_user(de, "analyst")
    ended: list[str] = []

    def end_the_session_first(route: Route) -> None:
        if not ended:
            secret = next(c["value"] for c in page.context.cookies() if c["name"] == SESSION_COOKIE)
            logout(de.node, secret)
            ended.append(secret)
        route.continue_()

    page.route("**/api/v1/codes", end_the_session_first)
    log_in(page, de, user)
    log_in_again(page, user)
    assert ended, "the code lists were never asked for"
    page.get_by_label("Crime area").select_option("thb")
    page.get_by_label("Name, document number, phone, e-mail or IBAN").fill("Коваленко")
    page.get_by_label("Case reference or justification").fill("BKA-2026-0042")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".hit").first).to_contain_text("Олександр Коваленко")


def test_an_api_error_is_shown_beside_the_field_it_names(
    page: Page, nodes: dict[str, Member]
) -> None:
    de = nodes["DE-BKA"]
    log_in(page, de, new_user(de, "analyst"))
    page.get_by_label("Name, document number, phone, e-mail or IBAN").fill("Petrenko")
    page.get_by_label("Case reference or justification").fill("   ")
    page.get_by_label("Crime area").select_option("thb")
    page.get_by_role("button", name="Search").click()
    field = page.get_by_label("Case reference or justification")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-reference-error")).to_contain_text("case reference")


def test_arabic_turns_the_layout_right_to_left_and_leaves_record_content_as_written(
    page: Page, nodes: dict[str, Member]
) -> None:
    de = nodes["DE-BKA"]
    user = new_user(de, "analyst")
    log_in(page, de, user)
    page.get_by_role("combobox", name="Language").select_option("ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    nav = page.get_by_role("navigation", name="الشاشات")
    first, second = nav.get_by_role("link").nth(0), nav.get_by_role("link").nth(1)
    expect(first).to_have_text("البحث")
    left_first = first.bounding_box()
    left_second = second.bounding_box()
    assert left_first is not None and left_second is not None
    assert left_first["x"] > left_second["x"]  # the first screen is the rightmost
    page.goto(de.url + "/#/records/de-p-001")
    expect(page.locator("#record-title bdi")).to_have_text("Олександр Коваленко")
    shot(page, "arabic")
    # The choice is the user's: it comes back at the next login in this browser.
    page.reload()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
