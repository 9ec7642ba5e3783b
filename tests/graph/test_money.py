"""Money flow: traces forward and backward in order of time, filters, aggregates by
counterparty, and flags round-tripping, mule accounts and layering."""

from __future__ import annotations

from accord.graph import SameAs, trace
from tests.graph.factories import graph_of, pay, rec, vid


def accounts(*names: str) -> list:  # type: ignore[type-arg]
    return [rec("BankAccount", n, iban=f"DE{i:020d}") for i, n in enumerate(names, 10)]


def paid(g, trail) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(g.erecord[p.edge][1] for p in trail.payments)


def laundering():  # type: ignore[no-untyped-def]
    """mule → front → holding → bvi, each hop later and smaller; another mule pays the front."""
    return graph_of(
        *accounts("mule", "mule2", "front", "holding", "bvi", "elsewhere"),
        pay("p1", "mule", "front", 9000, "2026-08-02"),
        pay("p2", "mule2", "front", 8000, "2026-08-07"),
        pay("p3", "front", "holding", 16000, "2026-08-10"),
        pay("p4", "holding", "bvi", 15500, "2026-08-13"),
        pay("old", "front", "elsewhere", 500, "2026-01-01"),
    )


def test_a_forward_trace_follows_the_money_hop_by_hop_in_order_of_time() -> None:
    g = laundering()
    trail = trace(g, vid(g, "mule"))
    followed = {g.erecord[p.edge][1]: p.hop for p in trail.payments if not p.pooled}
    assert followed == {"p1": 1, "p3": 2, "p4": 3}
    # The other mule's payment was mixed in at the front company's account; the payment that
    # left the front account before the money arrived is not on the trail.
    assert [g.erecord[p.edge][1] for p in trail.payments if p.pooled] == ["p2"]


def test_a_backward_trace_finds_where_the_money_came_from() -> None:
    g = laundering()
    trail = trace(g, vid(g, "bvi"), direction="backward")
    assert {g.erecord[p.edge][1] for p in trail.payments if not p.pooled} == {
        "p4",
        "p3",
        "p1",
        "p2",
    }


def test_a_window_a_minimum_amount_and_currencies_narrow_the_trace() -> None:
    g = laundering()
    assert paid(g, trace(g, vid(g, "front"), until="2026-08-11")) == ["old", "p3"]
    assert paid(g, trace(g, vid(g, "front"), min_amount=1000)) == ["p3", "p4"]
    assert paid(g, trace(g, vid(g, "front"), currencies=["USD"])) == []


def test_counterparties_are_aggregated_with_totals_per_currency() -> None:
    g = graph_of(
        *accounts("a", "b"),
        pay("1", "a", "b", 100, "2026-01-01"),
        pay("2", "a", "b", 250.5, "2026-01-02"),
        pay("3", "a", "b", 40, "2026-01-03", currency="USD"),
    )
    (row,) = trace(g, vid(g, "a")).counterparties
    assert row["counterparty"]["id"] == "b" and row["payments"] == 3
    assert row["totals"] == {"EUR": 350.5, "USD": 40.0}
    assert (row["first"], row["last"]) == ("2026-01-01", "2026-01-03")


def test_money_that_comes_back_is_flagged_as_a_cycle() -> None:
    g = graph_of(
        *accounts("a", "b", "c"),
        pay("1", "a", "b", 1000, "2026-01-01"),
        pay("2", "b", "c", 990, "2026-01-02"),
        pay("3", "c", "a", 980, "2026-01-03"),
    )
    (cycle,) = trace(g, vid(g, "a")).cycles
    assert cycle["payment"]["id"] == "3" and cycle["returns_to"]["id"] == "a"


def test_an_account_paid_by_many_is_flagged_as_fan_in() -> None:
    payers = accounts(*(f"v{i}" for i in range(6)), "mule", "boss")
    pays = [pay(f"in{i}", f"v{i}", "mule", 900, "2026-02-01") for i in range(6)]
    g = graph_of(*payers, *pays, pay("out", "mule", "boss", 5000, "2026-02-05"))
    flags = trace(g, vid(g, "v0")).fan
    assert [(f["account"]["id"], f["pattern"], f["payers"]) for f in flags] == [
        ("mule", "fan-in", 6)
    ]


def test_fan_counts_follow_the_window_of_each_trace_on_one_graph() -> None:
    payers = accounts(*(f"v{i}" for i in range(6)), "mule", "boss")
    pays = [pay(f"in{i}", f"v{i}", "mule", 900, f"2026-02-0{i + 1}") for i in range(6)]
    g = graph_of(*payers, *pays, pay("out", "mule", "boss", 5000, "2026-02-09"))

    def fan(**window: str) -> list[tuple[str, int]]:
        return [(f["account"]["id"], f["payers"]) for f in trace(g, vid(g, "v5"), **window).fan]

    assert fan() == [("mule", 6)]
    # Five of the six payments into the mule fall before the window: no fan-in in it.
    assert fan(since="2026-02-06") == []
    assert fan() == [("mule", 6)]  # the same graph, no window again: the full count


def test_a_persons_trace_starts_from_every_account_they_hold() -> None:
    g = graph_of(
        rec("Person", "anna", name="Anna"),
        *accounts("a1", "a2", "x"),
        rec("Ownership", "o1", owner="anna", asset="a1", role="account holder"),
        rec("Ownership", "o2", owner="anna", asset="a2", role="account holder"),
        pay("1", "a1", "x", 10, "2026-01-01"),
        pay("2", "a2", "x", 20, "2026-01-01"),
    )
    assert paid(g, trace(g, vid(g, "anna"))) == ["1", "2"]


def test_one_account_recorded_by_two_agencies_is_followed_as_one() -> None:
    g = graph_of(
        rec("BankAccount", "a", "DE-FIU", iban="DE89370400440532013000"),
        rec("BankAccount", "b", "DE-FIU", iban="CY17002001280000001200527600"),
        rec("BankAccount", "b-nl", "NL-FIU", iban="CY17 0020 0128 0000 0012 0052 7600"),
        rec("BankAccount", "c", "NL-FIU", iban="LV80BANK0000435195001"),
        rec(
            "Payment",
            "1",
            "DE-FIU",
            payerAccount="a",
            beneficiaryAccount="b",
            amount="100",
            date="2026-01-01",
        ),
        rec(
            "Payment",
            "2",
            "NL-FIU",
            payerAccount="b-nl",
            beneficiaryAccount="c",
            amount="90",
            date="2026-01-02",
        ),
    )
    assert paid(g, trace(g, vid(g, "a"))) == ["1", "2"]


def test_the_same_payment_at_two_agencies_counts_once() -> None:
    g = graph_of(
        rec("Person", "p", "DE-FIU", name="P"),
        rec("Person", "q", "DE-FIU", name="Q"),
        rec("Person", "p2", "NL-FIU", name="P"),
        rec("Person", "q2", "NL-FIU", name="Q"),
        rec(
            "Payment",
            "de",
            "DE-FIU",
            payer="p",
            beneficiary="q",
            amount="100",
            currency="EUR",
            date="2026-01-01",
        ),
        rec(
            "Payment",
            "nl",
            "NL-FIU",
            payer="p2",
            beneficiary="q2",
            amount="100",
            currency="EUR",
            date="2026-01-01",
        ),
        same_as=(
            SameAs(("DE-FIU", "p"), ("NL-FIU", "p2"), True, 1.0),
            SameAs(("DE-FIU", "q"), ("NL-FIU", "q2"), True, 1.0),
        ),
    )
    trail = trace(g, vid(g, "p"))
    assert sorted(p.duplicate for p in trail.payments) == [False, True]
    (row,) = trail.counterparties
    assert row["payments"] == 1 and row["totals"] == {"EUR": 100.0}


def test_money_through_companies_with_one_director_is_flagged_as_layering() -> None:
    g = graph_of(
        rec("Person", "nominee", name="Nominee"),
        rec("Company", "c1", name="Front GmbH"),
        rec("Company", "c2", name="Holding Ltd"),
        *accounts("start", "k1", "k2"),
        rec("Ownership", "o1", owner="c1", asset="k1"),
        rec("Ownership", "o2", owner="c2", asset="k2"),
        rec("Directorship", "d1", director="nominee", organization="c1"),
        rec("Directorship", "d2", director="nominee", organization="c2"),
        pay("1", "start", "k1", 100, "2026-01-01"),
        pay("2", "k1", "k2", 95, "2026-01-02"),
    )
    (flag,) = trace(g, vid(g, "start")).layering
    assert {c["id"] for c in flag["companies"]} == {"c1", "c2"}
    assert flag["shared"] == ["director"] and flag["through"][0]["id"] == "nominee"


def test_a_trace_over_its_limit_is_cut_and_says_so() -> None:
    g = graph_of(
        *accounts("a", *(f"b{i}" for i in range(10))),
        *(pay(f"p{i}", "a", f"b{i}", 10, "2026-01-01") for i in range(10)),
    )
    trail = trace(g, vid(g, "a"), limit=4)
    assert trail.truncated and len(trail.payments) == 4
    assert not trace(g, vid(g, "a")).truncated
