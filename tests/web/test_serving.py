"""The node serves the workbench at `/`: the built page and its files, under a
Content-Security-Policy without 'unsafe-inline' that loads nothing from elsewhere."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from accord.api import create_app
from accord.services.node import Node
from accord.web import DIST, install


@pytest.fixture
def api(node: Node) -> Iterator[TestClient]:
    with TestClient(create_app(node), raise_server_exceptions=False) as c:
        yield c


def test_the_page_is_served_at_the_root_with_a_strict_policy(api: TestClient) -> None:
    res = api.get("/")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/html")
    policy = res.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert res.headers["x-content-type-options"] == "nosniff"
    assert "<script" in res.text and "/assets/" in res.text


def test_the_page_inlines_no_script_or_style_and_names_no_other_origin(api: TestClient) -> None:
    page = api.get("/").text
    assert "<style" not in page and "style=" not in page
    for tag in page.split("<script")[1:]:
        assert 'src="/assets/' in tag.split(">")[0]
    assert "http://" not in page and "https://" not in page


def test_every_built_file_is_served_and_cached_by_its_hashed_name(api: TestClient) -> None:
    names = [p.name for p in (DIST / "assets").iterdir()]
    assert any(n.endswith(".js") for n in names) and any(n.endswith(".css") for n in names)
    for name in names:
        res = api.get(f"/assets/{name}")
        assert res.status_code == 200
        assert "immutable" in res.headers["cache-control"]
        assert "unsafe-inline" not in res.headers["content-security-policy"]


@pytest.mark.parametrize(
    "name", ["..%2Findex.html", ".hidden", "nothing.js", "%2e%2e%2f__init__.py"]
)
def test_nothing_outside_the_built_files_is_served(api: TestClient, name: str) -> None:
    assert api.get(f"/assets/{name}").status_code == 404


def test_a_node_without_the_build_says_how_to_build_it(node: Node, tmp_path: Path) -> None:
    from fastapi import FastAPI

    app = FastAPI()
    install(app, tmp_path / "missing")
    with TestClient(app) as c:
        res = c.get("/")
    assert res.status_code == 503 and "make install" in res.text
    assert "unsafe-inline" not in res.headers["content-security-policy"]


def test_the_api_pages_are_still_served(api: TestClient) -> None:
    assert api.get("/docs").status_code == 200
