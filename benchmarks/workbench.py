"""The workbench's speed in a real browser (Debian's chromium driven by Playwright), against
three node processes on loopback with mutual TLS between them (DE-BKA, NL-POLITIE, UA-NPU, as
`accord demo` runs them), each holding `--records` generated persons.

1. First screen: a fresh browser context (empty cache) opens `/` until the login form is
   there; and, logged in, a reload until the first screen (search) is there. Target < 1 s.
2. A federated search shown: from the click on Search until every partner's answer is on the
   screen (DE-BKA asks NL-POLITIE and UA-NPU). Target < 1 s.
3. A link chart of 5,000 records: DE-BKA also holds a network of `CHART_RECORDS` persons tied
   by Associate links (each to one of the first twentieth, three hops from the hub at most);
   from the click on "Open the chart" (3 hops from the hub) until the chart says it shows
   them, laid out; then until a record chosen in the list is selected and its actions
   offered (interactive). Target < 3 s in all.
4. The built assets: bytes of each file, raw and gzip-compressed.

Writes benchmarks/results/workbench.json.

    .venv/bin/python benchmarks/workbench.py            # 2,000 persons a node, 20 searches
    .venv/bin/python benchmarks/workbench.py --quick    # 300 persons, 5 searches
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect, sync_playwright

from accord.auth import code_at, time_step
from accord.cli.cluster import build_federation, start_nodes, stop_nodes
from accord.model import EnvelopeDefaults
from accord.scenario import ScenarioOptions, write_scenario
from accord.services import sessions
from accord.services.ingest import ingest_stream
from accord.services.users import create_user, totp_secret
from accord.store import users as user_store
from accord.web import DIST

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "workbench.json"
EXAMPLES = HERE.parent / "examples" / "agreements"
MEMBERS = [("DE-BKA", "Bundeskriminalamt"), ("NL-POLITIE", "Politie"), ("UA-NPU", "NPU")]
TARGETS = {"first_screen_s": 1.0, "federated_search_shown_s": 1.0, "link_chart_5000_s": 3.0}
CHART_RECORDS = 5000
CHART_FAN = 20
PASSWORD = "a long passphrase for the benchmark"


def add_user(home: Any) -> tuple[str, str]:
    """An analyst at the node, enrolled; its TOTP secret."""
    node = home.open()
    create_user(node, "bench", PASSWORD, ["analyst"], actor=node.operator("bench"))
    with node.engine.begin() as conn:
        row = user_store.get_user(conn, "bench")
        assert row is not None
        secret = totp_secret(node, row, pending=True)
    assert secret is not None
    first = sessions.login(node, "bench", PASSWORD)
    previous = code_at(secret, time_step(datetime.now(UTC)) - 1)
    sessions.complete_enrolment(node, first.token, previous)
    node.engine.dispose()
    return "bench", secret


def first_person_name(path: Path) -> str:
    """The name of a person UA-NPU holds: the search every partner is asked."""
    with path.open("r", encoding="utf-8") as lines:
        for line in lines:
            entity = json.loads(line)
            if entity["schema"] == "Person" and entity["properties"].get("name"):
                return str(entity["properties"]["name"][0])
    raise SystemExit(f"no person in {path}")


def network_stream() -> Any:
    return io.BytesIO(network())


def network(count: int = CHART_RECORDS, fan: int = CHART_FAN) -> bytes:
    """`count` persons, each after the first tied by an Associate link to person
    (i - 1) // fan: a tree whose depth from `net-0` is log_fan(count), 3 for 5,000."""
    case = {"subject_category": "suspect", "crime_areas": ["thb"]}
    lines = []
    for i in range(count):
        lines.append(
            {"id": f"net-{i}", "schema": "Person", "properties": {"name": [f"Net Person {i}"]}}
            | {"accord": case}
        )
        if i:
            props = {"person": [f"net-{(i - 1) // fan}"], "associate": [f"net-{i}"]}
            lines.append(
                {"id": f"net-link-{i}", "schema": "Associate", "properties": props}
                | {"accord": {"crime_areas": ["thb"]}}
            )
    return "".join(json.dumps(line) + "\n" for line in lines).encode("utf-8")


def measure_chart(page: Page, url: str, runs: int) -> dict[str, Any]:
    """The link chart of the network's hub at 3 hops: laid out, then interactive. The first
    opening, which also builds the node's graph after the ingest, is reported apart."""
    laid, usable = [], []
    for _ in range(runs + 1):
        page.goto(url + "/#/chart")
        page.reload()
        page.get_by_label("Record (ID or OWNER:ID)").fill("net-0")
        page.get_by_label("Hops").fill("3")
        page.get_by_label("Case reference or justification").fill("BENCH-1")
        page.get_by_label("Crime area").select_option("thb")
        opened = page.get_by_role("button", name="Open the chart")
        expect(opened).to_be_enabled(timeout=30_000)
        started = time.perf_counter()
        opened.click()
        expect(page.get_by_role("status")).to_contain_text(
            f"{CHART_RECORDS:,} records", timeout=60_000
        )
        laid.append(time.perf_counter() - started)
        listed = page.get_by_role("complementary", name="Records on the chart")
        listed.get_by_label("Find on the chart").fill("Net Person 4999")
        listed.get_by_role("button", name="Net Person 4999", exact=True).click()
        expect(page.get_by_role("button", name="Expand neighbours")).to_be_visible()
        usable.append(time.perf_counter() - started)
    shown = int(page.locator(".chart").get_attribute("data-records") or 0)
    return {
        "first_with_graph_build_s": round(usable[0], 3),
        "laid_out": summary(laid[1:]),
        "interactive": summary(usable[1:]),
        "records_shown": shown,
    }


def assets() -> dict[str, dict[str, int]]:
    found = {}
    for path in sorted((DIST / "assets").iterdir()):
        data = path.read_bytes()
        found[path.name] = {"bytes": len(data), "gzip_bytes": len(gzip.compress(data, 9))}
    return found


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "median_s": round(statistics.median(ordered), 3),
        "p95_s": round(p95, 3),
        "max_s": round(ordered[-1], 3),
        "runs": len(ordered),
    }


def measure(
    url: str, user: str, secret: str, runs: int, searches: int, name: str
) -> dict[str, Any]:
    executable = shutil.which("chromium")
    if executable is None:
        raise SystemExit("no chromium: `make chromium` installs Debian's")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        cold = []
        for _ in range(runs):
            context = browser.new_context()
            page = context.new_page()
            started = time.perf_counter()
            page.goto(url + "/")
            expect(page.get_by_label("User name")).to_be_visible()
            cold.append(time.perf_counter() - started)
            context.close()
        context = browser.new_context(locale="en-GB")
        page: Page = context.new_page()
        page.goto(url + "/")
        page.get_by_label("User name").fill(user)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_label("Authenticator code").fill(code_at(secret, time_step(datetime.now(UTC))))
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("navigation", name="Screens")).to_be_visible()
        warm = []
        for _ in range(runs):
            started = time.perf_counter()
            page.reload()
            expect(page.get_by_role("heading", name="Search", exact=True)).to_be_visible()
            warm.append(time.perf_counter() - started)
        page.get_by_label("Name, document number, phone, e-mail or IBAN").fill(name)
        page.get_by_label("Case reference or justification").fill("BENCH-1")
        page.get_by_label("Crime area").select_option("thb")
        shown = []
        for _ in range(searches):
            started = time.perf_counter()
            page.get_by_role("button", name="Search").click()
            try:
                expect(page.locator(".partner .status")).to_have_count(2, timeout=30_000)
            except AssertionError:
                raise SystemExit(f"no answer shown: {page.locator('main').inner_text()}") from None
            shown.append(time.perf_counter() - started)
            expect(page.get_by_role("button", name="Search")).to_be_enabled()
        statuses = page.locator(".partner .status").all_inner_texts()
        chart = measure_chart(page, url, max(1, runs // 2))
        browser.close()
    return {
        "login_screen_cold": summary(cold),
        "first_screen_logged_in": summary(warm),
        "federated_search_shown": summary(shown),
        "partner_statuses": statuses,
        "query": name,
        "link_chart": chart,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=2000, help="Persons a node.")
    parser.add_argument("--runs", type=int, default=10, help="Page loads measured.")
    parser.add_argument("--searches", type=int, default=20)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.records, args.runs, args.searches = 300, 3, 5
    if not (DIST / "index.html").is_file():
        raise SystemExit("the workbench is not built: run `make install`")
    root = Path(tempfile.mkdtemp(prefix="accord-bench-web-"))
    try:
        write_scenario(
            ScenarioOptions(seed=7, persons=args.records, agencies=tuple(a for a, _ in MEMBERS)),
            root / "scenario",
        )
        nodes = build_federation(root, MEMBERS, agreement_files=sorted(EXAMPLES.glob("*.yaml")))
        for local in nodes:
            node = local.open()
            with (root / "scenario" / f"{local.agency}.ftm.jsonl").open("rb") as stream:
                ingest_stream(
                    node,
                    node.operator("bench"),
                    stream,
                    defaults=EnvelopeDefaults(owner=local.agency),
                    source="bench",
                )
            node.engine.dispose()
        hub = nodes[0].open()
        ingest_stream(
            hub,
            hub.operator("bench"),
            network_stream(),
            defaults=EnvelopeDefaults(owner=hub.agency),
            source="bench",
        )
        hub.engine.dispose()
        user, secret = add_user(nodes[0])
        query = first_person_name(root / "scenario" / "UA-NPU.ftm.jsonl")
        start_nodes(nodes, timeout=180)
        try:
            load = os.getloadavg()[0]
            figures = measure(nodes[0].api_url, user, secret, args.runs, args.searches, query)
        finally:
            stop_nodes(nodes)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    built = assets()
    result = {
        "benchmark": "workbench",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_1m": load},
        "parameters": vars(args),
        "targets": TARGETS,
        **figures,
        "assets": built,
        "assets_total": {
            "bytes": sum(a["bytes"] for a in built.values()),
            "gzip_bytes": sum(a["gzip_bytes"] for a in built.values()),
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    first = result["first_screen_logged_in"]["median_s"]
    search = result["federated_search_shown"]
    print(
        f"login screen cold median {result['login_screen_cold']['median_s']} s; first screen "
        f"logged in median {first} s; federated search shown median {search['median_s']} s, "
        f"p95 {search['p95_s']} s ({', '.join(figures['partner_statuses'])}); assets "
        f"{result['assets_total']['bytes']} bytes, {result['assets_total']['gzip_bytes']} gzip; "
        f"link chart of {figures['link_chart']['records_shown']} records laid out median "
        f"{figures['link_chart']['laid_out']['median_s']} s, interactive median "
        f"{figures['link_chart']['interactive']['median_s']} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
