"""The dashboards across the two real nodes: a federated search, a follow-up answered by the
partner and a document check show up in DE-BKA's figures (searches and hit rate per partner,
the partner's response time, the follow-up's turnaround, checks per day), UA-NPU's
disclosures per clause show what it let go under which clause, and a supervisor reads them
on the screen with the world map of hits by partner country. Other tests share these nodes,
so counts are compared as at least."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.web.conftest import Member, api_token, auth, log_in, new_user, shot

STATED = {"purpose": "investigation", "reference": "BKA-2026-0042", "crime_area": "thb"}


def until(find: Any, seconds: float = 30.0) -> Any:
    """`find()`'s first true answer, asked again while the outbox delivers."""
    deadline = time.monotonic() + seconds
    while True:
        found = find()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_the_dashboards_count_searches_follow_ups_checks_and_disclosures_from_the_ledger(
    page: Page, nodes: dict[str, Member]
) -> None:
    de, ua = nodes["DE-BKA"], nodes["UA-NPU"]
    de_api = httpx.Client(base_url=de.url, headers=auth(api_token(de, "liaison_officer")))
    ua_api = httpx.Client(base_url=ua.url, headers=auth(api_token(ua, "liaison_officer")))
    with de_api, ua_api:
        before = de_api.get("/api/v1/dashboard").raise_for_status().json()
        found = de_api.post("/api/v1/federated-search", json={"query": "Ivan Petrenko", **STATED})
        (partner,) = found.raise_for_status().json()["partners"]
        assert partner["status"] == "hits"
        asked = de_api.post(
            "/api/v1/follow-ups",
            json={
                "partner": partner["node_id"],
                "reference": partner["items"][0]["reference"]["reference"],
                "purpose": "investigation",
                "case_reference": STATED["reference"],
                "crime_area": "thb",
                "legal_basis": "Art. 4 DE-UA memorandum",
                "justification": "The subject is a suspect in case BKA-2026-0042.",
            },
        )
        follow_up = asked.raise_for_status().json()["follow_up_id"]
        path = f"/api/v1/follow-ups/{follow_up}"
        assert until(lambda: ua_api.get(path).status_code == 200)
        ua_api.post(f"{path}/decision", json={"decision": "approve"}).raise_for_status()
        assert until(lambda: de_api.get(path).json()["state"] == "approved")
        de_api.post(
            "/api/v1/documents/check", json={"number": "X98765432", "country": "D"}
        ).raise_for_status()

        now = de_api.get("/api/v1/dashboard").raise_for_status().json()
        then = {r["agency"]: r for r in before["searches"]}.get("UA-NPU", {"hits": 0})
        searched = {r["agency"]: r for r in now["searches"]}["UA-NPU"]
        assert searched["hits"] >= then["hits"] + 1
        assert 0 < searched["hit_rate"] <= 1
        assert searched["seconds"]["count"] >= 1 and 0 < searched["seconds"]["median"] < 30
        turnaround = {(r["direction"], r["agency"]): r for r in now["follow_ups"]}
        assert turnaround[("outgoing", "UA-NPU")]["count"] >= 1
        today = {d["day"]: d for d in now["document_checks"]}[datetime.now(UTC).date().isoformat()]
        assert today["checks"] >= 1
        # UA-NPU's side: the reference hits and the approved record, each under its clause.
        theirs = ua_api.get("/api/v1/dashboard").raise_for_status().json()["disclosures"]
        modes = {m for d in theirs if d["clause"] != "(no clause)" for m in d["modes"]}
        assert "reference" in modes

    log_in(page, de, new_user(de, "supervisor"))
    page.goto(f"{de.url}/#/dashboards")
    searches = page.get_by_role("region", name="Federated searches per partner")
    expect(searches.locator('tr[data-agency="UA-NPU"]')).to_contain_text("%")
    expect(searches.locator("canvas")).to_have_attribute(
        "aria-label", "Federated searches per partner"
    )
    turnaround = page.get_by_role("region", name="Follow-up and MLA turnaround")
    expect(turnaround).to_contain_text("follow-ups sent")
    expect(page.get_by_role("region", name="Document checks per day")).to_contain_text("checks")
    # The world map, drawn from the packaged country shapes: Ukraine coloured by its hits,
    # Germany (this node) marked, the figures in a table too.
    world = page.get_by_role("region", name="Hits by partner country")
    ukraine = world.locator('svg path[data-country="UA"]')
    expect(ukraine.locator("title")).to_contain_text("Ukraine")
    assert ukraine.get_attribute("fill") not in (None, "#e4e8ed")
    assert world.locator('svg path[data-country="DE"]').get_attribute("fill") == "#f0a000"
    expect(world.locator('tr[data-country="UA"]')).to_contain_text("Ukraine")
    assert world.locator("svg path").count() > 150
    page.get_by_role("button", name="7 days").click()
    expect(page.get_by_role("button", name="7 days")).to_have_attribute("aria-pressed", "true")
    shot(page, "dashboards")


def test_an_analyst_is_not_shown_the_dashboards(page: Page, nodes: dict[str, Member]) -> None:
    de = nodes["DE-BKA"]
    log_in(page, de, new_user(de, "analyst"))
    nav = page.get_by_role("navigation", name="Screens")
    expect(nav.get_by_role("link", name="Link chart")).to_be_visible()
    expect(nav.get_by_role("link", name="Dashboards")).to_have_count(0)
    with httpx.Client(base_url=de.url, headers=auth(api_token(de, "analyst"))) as client:
        assert client.get("/api/v1/dashboard").status_code == 403
