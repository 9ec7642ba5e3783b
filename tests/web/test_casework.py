"""Messages, joint investigation teams and MLA requests in the workbench, across the two real
nodes of tests/web/conftest.py: what one agency's officer sends arrives on the other node's
screen (sealed, delivered by the outbox, shown live from the event stream), and the answer
comes back."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.web.conftest import Member, api_token, auth, log_in, new_user, shot

_subjects = itertools.count(1)
#: Sealed delivery through the outbox between two node processes on a loaded machine.
ARRIVAL_MS = 30_000


@pytest.fixture
def other(page: Page, browser: Browser) -> Iterator[Page]:
    """A second browser, for the officer on the other node. Both wait as long as a delivery
    may take: two node processes and a browser share a loaded machine."""
    page.set_default_timeout(ARRIVAL_MS)
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(ARRIVAL_MS)
    yield context.new_page()
    context.close()


def test_a_message_sent_to_a_partner_arrives_there_and_its_reply_comes_back(
    page: Page, other: Page, nodes: dict[str, Member]
) -> None:
    de, ua = nodes["DE-BKA"], nodes["UA-NPU"]
    subject = f"Vehicle seen at Chop crossing {next(_subjects)}"
    log_in(page, de, new_user(de, "liaison_officer"))
    page.goto(f"{de.url}/#/messages")
    page.get_by_label("To (partner agency)").select_option("UA-NPU")
    page.get_by_label("Priority").select_option("urgent")
    page.get_by_label("Subject").fill(subject)
    page.get_by_label("Message", exact=True).fill("Who is the keeper of AA 1234 BB?")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Sealed and on its way to UA-NPU.")
    sent = page.locator(".thread", has_text=subject)
    expect(sent.get_by_text("To UA-NPU")).to_be_visible()

    log_in(other, ua, new_user(ua, "liaison_officer"))
    other.goto(f"{ua.url}/#/messages")
    arrived = other.locator(".thread", has_text=subject)
    expect(arrived).to_be_visible(timeout=ARRIVAL_MS)
    expect(arrived.get_by_text("From DE-BKA")).to_be_visible()
    expect(arrived.get_by_text("Who is the keeper of AA 1234 BB?")).to_be_visible()
    arrived.get_by_role("button", name="Open").click()
    expect(arrived.get_by_text("verified: sent by the agency named")).to_be_visible()
    shot(other, "messages")

    arrived.get_by_role("button", name="Reply").click()
    expect(other.get_by_role("heading", name="Reply to DE-BKA")).to_be_visible()
    other.get_by_label("Message", exact=True).fill("Keeper: Ivan Petrenko, born 1980.")
    other.get_by_role("button", name="Send", exact=True).click()
    expect(other.get_by_role("status")).to_have_text("Sealed and on its way to DE-BKA.")

    # The reply joins the request's thread at DE-BKA, and the request is marked read.
    reply = sent.locator(".message-incoming")
    expect(reply).to_contain_text("Keeper: Ivan Petrenko, born 1980.", timeout=ARRIVAL_MS)
    expect(reply).to_contain_text("From UA-NPU")
    expect(sent.locator(".message-outgoing .state")).to_have_text("read", timeout=ARRIVAL_MS)


def test_an_mla_request_is_drafted_sent_and_acknowledged_by_the_requested_authority(
    page: Page, other: Page, nodes: dict[str, Member]
) -> None:
    de, ua = nodes["DE-BKA"], nodes["UA-NPU"]
    facts = f"Proceeds of trafficking paid into accounts in Kyiv ({next(_subjects)})"
    log_in(page, de, new_user(de, "investigator"))
    page.goto(f"{de.url}/#/mla")
    form = page.locator("form", has=page.get_by_role("heading", name="Draft a request"))
    form.get_by_label("Requested agency").select_option("UA-NPU")
    form.get_by_label("Requesting authority").fill("Staatsanwaltschaft Berlin")
    form.get_by_label("Requested authority").fill("Prosecutor General's Office of Ukraine")
    form.get_by_label("Deadline").fill(f"{date.today().year + 1}-03-31")
    form.get_by_label("Legal basis").select_option("eu-2000")
    # Without the offence the API refuses the draft, and its reason shows beside the field.
    form.get_by_label("Measure", exact=True).select_option("freezing_of_assets")
    form.get_by_label("Amount").fill("250000")
    form.get_by_label("Currency (ISO 4217)").fill("EUR")
    form.get_by_label("Facts").fill(facts)
    form.get_by_role("button", name="Save the draft").click()
    expect(form.locator(".field", has=page.get_by_label("Offence"))).to_contain_text(
        "is required (at most 4000)"
    )
    form.get_by_label("Offence").fill("Trafficking in human beings (StGB § 232)")
    form.get_by_label("Crime area").select_option("thb")
    form.get_by_role("button", name="Save the draft").click()

    request = page.locator(".mla").first
    expect(request.locator(".hit-head .state")).to_have_text("draft")
    expect(request).to_contain_text("250")
    request.get_by_role("button", name="Send the request").click()
    expect(request.locator(".hit-head .state")).to_have_text("sent")

    log_in(other, ua, new_user(ua, "liaison_officer"))
    other.goto(f"{ua.url}/#/mla")
    incoming = other.locator(".mla", has_text="From DE-BKA").first
    expect(incoming.locator(".hit-head .state")).to_have_text("sent", timeout=ARRIVAL_MS)
    incoming.get_by_label("Next step").select_option("acknowledged")
    incoming.get_by_role("button", name="Record the step").click()
    expect(incoming.locator(".hit-head .state")).to_have_text("acknowledged")
    expect(incoming.locator("[aria-current=step]")).to_have_text("acknowledged")
    shot(other, "mla")

    # The requested authority's step travels back to the requesting side, live.
    expect(request.locator(".hit-head .state")).to_have_text("acknowledged", timeout=ARRIVAL_MS)
    page.get_by_role("button", name="acknowledged", exact=True).click()
    expect(page.locator(".mla")).to_have_count(1)


def test_a_joint_team_takes_a_partner_as_member_and_its_posting_reaches_it(
    page: Page, other: Page, nodes: dict[str, Member]
) -> None:
    de, ua = nodes["DE-BKA"], nodes["UA-NPU"]
    reference = f"JIT-THB-2026-{next(_subjects)}"
    log_in(page, de, new_user(de, "investigator"))
    page.goto(f"{de.url}/#/cases")
    page.get_by_label("Case reference").fill(reference)
    page.get_by_label("Crime area").select_option("thb")
    page.get_by_role("button", name="Open the case").click()
    case = page.locator(".case", has_text=reference)
    expect(case.get_by_text("this agency only")).to_be_visible()
    case.get_by_label("Add a partner agency").select_option("UA-NPU")
    case.get_by_role("button", name="Add", exact=True).click()
    expect(case.get_by_text("joint team")).to_be_visible()
    expect(case.get_by_text("UA-NPU joined")).to_be_visible()
    case.get_by_label("Subject").fill(f"Briefing {reference}")
    case.get_by_label("Posting to every member").fill("Meeting at Eurojust on Monday.")
    case.get_by_role("button", name="Post to the team").click()
    expect(case.get_by_role("status")).to_have_text("Sent to 1 member(s).")
    shot(page, "cases")

    log_in(other, ua, new_user(ua, "analyst"))
    other.goto(f"{ua.url}/#/messages")
    expect(other.locator(".thread", has_text=f"Briefing {reference}")).to_be_visible(
        timeout=ARRIVAL_MS
    )


def test_the_partners_offered_are_told_only_to_those_who_may_write_to_them(
    nodes: dict[str, Member],
) -> None:
    de = nodes["DE-BKA"]

    def partners(*roles: str) -> list[str]:
        with httpx.Client(base_url=de.url, headers=auth(api_token(de, *roles))) as client:
            found: list[str] = client.get("/api/v1/codes").raise_for_status().json()["partners"]
            return found

    assert partners("liaison_officer") == ["UA-NPU"]
    assert partners("document_checker") == []


def test_a_message_arriving_before_the_screens_event_stream_opens_still_shows(
    page: Page, other: Page, nodes: dict[str, Member]
) -> None:
    """The inbox loads its list, then opens its event stream; a message that arrives in
    between is on no stream (a first connection starts from now). The screen loads again
    when its stream opens."""
    import time

    from accord.services.messaging import list_messages, send_message

    de, ua = nodes["DE-BKA"], nodes["UA-NPU"]
    subject = f"Between the list and the stream {next(_subjects)}"
    held: list[Route] = []
    other.route("**/api/v1/events", lambda route: held.append(route))
    log_in(other, ua, new_user(ua, "liaison_officer"))
    other.goto(f"{ua.url}/#/messages")
    expect(other.get_by_role("button", name="Refresh")).to_be_visible()
    for _ in range(100):
        if held:
            break
        other.wait_for_timeout(50)
    assert held, "the inbox never asked for its event stream"

    send_message(
        de.node,
        de.node.operator(),
        {
            "kind": "rfi",
            "recipient": "UA-NPU",
            "subject": subject,
            "body": "Who is the keeper of AA 5678 BB?",
            "language": "en",
            "priority": "routine",
            "case_reference": "BKA-2026-0042",
            "crime_area": "thb",
        },
    )
    deadline = time.monotonic() + ARRIVAL_MS / 1000
    while not any(
        m.payload is not None and m.payload.subject == subject
        for m in list_messages(ua.node, ua.node.operator())
    ):
        assert time.monotonic() < deadline, "the message never reached UA-NPU"
        time.sleep(0.1)
    expect(other.locator(".thread", has_text=subject)).to_have_count(0)
    for route in held:
        route.continue_()
    other.unroute("**/api/v1/events")
    expect(other.locator(".thread", has_text=subject)).to_be_visible()
