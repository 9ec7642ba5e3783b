"""The link chart in a real browser over DE-BKA's graph: a neighbourhood opens on the canvas
with the same records listed for the keyboard, a record's neighbours are expanded, a path is
found, communities are coloured, money is followed with its amounts and dates, and the chart
and the graph are exported."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accord.services.records import create_record
from tests.conftest import entity
from tests.web.conftest import Member, log_in, new_user, shot

CASE = {"subject_category": "suspect", "crime_areas": ["thb"]}
THING = {"crime_areas": ["thb"]}


@pytest.fixture(scope="module")
def chart_records(nodes: dict[str, Member]) -> Iterator[None]:
    """A small network at DE-BKA: two persons sharing a phone, a passport, a company with its
    director, their accounts and a payment between them."""
    node = nodes["DE-BKA"].node
    me = node.operator()
    for line in (
        entity("Person", "g-marta", CASE, name="Marta Lindqvist", phone="+4915187654321"),
        entity("Person", "g-pieter", CASE, name="Pieter Dekker", phone="+4915187654321"),
        entity("Person", "g-olsen", CASE, name="Carl Olsen"),
        entity("Passport", "g-pp", THING, holder="g-marta", number="FE7654321", country="se"),
        entity("Company", "g-nordic", THING, name="Nordic Freight AB"),
        entity("Directorship", "g-dir", THING, director="g-olsen", organization="g-nordic"),
        entity("BankAccount", "g-acc-m", THING, iban="DE44500105175407324931"),
        entity("BankAccount", "g-acc-n", THING, iban="SE4550000000058398257466"),
        entity("Ownership", "g-own-m", THING, owner="g-marta", asset="g-acc-m"),
        entity("Ownership", "g-own-n", THING, owner="g-nordic", asset="g-acc-n"),
        entity(
            "Payment",
            "g-pay",
            THING,
            payerAccount="g-acc-m",
            beneficiaryAccount="g-acc-n",
            amount="9500",
            currency="EUR",
            date="2026-05-01",
        ),
    ):
        create_record(node, me, line)
    yield


def test_a_link_chart_opens_expands_finds_a_path_follows_money_and_exports(
    page: Page, nodes: dict[str, Member], chart_records: None, tmp_path: Path
) -> None:
    de = nodes["DE-BKA"]
    log_in(page, de, new_user(de, "analyst"))
    page.goto(f"{de.url}/#/chart")
    page.get_by_label("Record (ID or OWNER:ID)").fill("g-marta")
    page.get_by_label("Hops").fill("1")
    page.get_by_label("Case reference or justification").fill("BKA-2026-0042")
    page.get_by_label("Crime area").select_option("thb")
    page.get_by_role("button", name="Open the chart").click()

    listed = page.get_by_role("complementary", name="Records on the chart")
    expect(listed.get_by_role("button", name="Pieter Dekker")).to_be_visible()
    expect(listed.get_by_role("button", name="Carl Olsen")).to_have_count(0)  # two hops away
    expect(page.get_by_role("status")).to_contain_text("records")
    # The canvas holds what the list holds.
    count = page.evaluate("() => document.querySelectorAll('.chart-records li').length")
    assert count == 4  # Marta, Pieter (shared phone), the passport, her account

    # From the keyboard: choose the account in the list, expand its neighbours.
    account = listed.get_by_role("button", name="DE44500105175407324931")
    account.focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Expand neighbours").click()
    expect(listed.get_by_role("button", name="SE4550000000058398257466")).to_be_visible()

    # Money: the payment with its amount and date.
    page.get_by_role("button", name="Follow the money").click()
    flow = page.get_by_role("region", name="Money from DE44500105175407324931")
    expect(flow).to_contain_text("9,500.00 EUR")
    expect(flow).to_contain_text("1 May 2026")

    # A path from Marta to the company's director, through the payment and the company.
    listed.get_by_role("button", name="Marta Lindqvist").click()
    page.get_by_label("Path to (ID or OWNER:ID)").fill("g-olsen")
    page.get_by_role("button", name="Find paths").click()
    expect(page.get_by_role("status")).to_contain_text("shortest path")
    expect(listed.get_by_role("button", name="Carl Olsen")).to_be_visible()

    page.get_by_role("button", name="Colour the communities").click()
    expect(page.get_by_role("status")).to_contain_text("communities")
    shot(page, "chart")

    with page.expect_download() as png:
        page.get_by_role("button", name="Export PNG").click()
    saved = tmp_path / "chart.png"
    png.value.save_as(saved)
    assert saved.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    with page.expect_download() as exported:
        page.get_by_role("button", name="cytoscape").click()
    out = tmp_path / "chart.json"
    exported.value.save_as(out)
    data = json.loads(out.read_text("utf-8"))
    assert "DE-BKA:g-marta" in {n["data"]["id"] for n in data["elements"]["nodes"]}


def test_a_start_not_held_is_named_beside_its_field(page: Page, nodes: dict[str, Member]) -> None:
    de = nodes["DE-BKA"]
    log_in(page, de, new_user(de, "investigator"))
    page.goto(f"{de.url}/#/chart")
    page.get_by_label("Record (ID or OWNER:ID)").fill("no-such-record")
    page.get_by_label("Case reference or justification").fill("BKA-2026-0042")
    page.get_by_label("Crime area").select_option("thb")
    page.get_by_role("button", name="Open the chart").click()
    expect(page.get_by_role("alert")).to_contain_text("no record 'no-such-record'")
