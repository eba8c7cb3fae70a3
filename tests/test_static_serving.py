"""Static files as served: plotly.js's basic bundle where dcc.Graph asks for plotly.js, scripts and
stylesheets compressed, fingerprinted assets cached (issue 14: first page under 1.5 MB)."""

from __future__ import annotations

import re
from pathlib import Path

import brotli
import pytest
from plotly.offline import get_plotlyjs_version

from app import create_app
from dashboard import serving

ROOT = Path(__file__).resolve().parent.parent
PLOTLY = "/" + serving.PLOTLY_URL
# "type" values in figure code that are not trace types: shapes and axes
NOT_TRACES = {"rect", "line", "circle", "path", "category", "date", "linear", "log", "multicategory"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return create_app(tmp_path_factory.mktemp("static") / "none.duckdb").server.test_client()


def test_the_plotly_url_serves_the_basic_bundle_of_plotlys_own_version(client):
    body = client.get(PLOTLY, headers={"Accept-Encoding": "identity"}).data
    assert body == serving.PLOTLY_BASIC.read_bytes()
    assert f"plotly.js (basic - minified) v{get_plotlyjs_version()}" in body[:200].decode()


def test_every_figure_draws_only_trace_types_of_the_basic_bundle():
    """A heatmap or a px figure would draw nothing with the basic bundle: this says so first."""
    found = set()
    for path in sorted((ROOT / "dashboard" / "figures").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "plotly.express" not in text and "graph_objects" not in text, path.name
        found |= set(re.findall(r"""["']type["']\s*:\s*["'](\w+)["']""", text))
    assert "bar" in found  # the scan sees the figures' traces
    assert found - NOT_TRACES <= serving.PLOTLY_BASIC_TRACES


@pytest.mark.parametrize("path", [PLOTLY, "/assets/vendor/bootstrap.min.css"])
def test_a_static_file_is_compressed_for_browsers(client, path):
    raw = client.get(path, headers={"Accept-Encoding": "identity"}).data
    br = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert br.headers["Content-Encoding"] == "br"
    assert brotli.decompress(br.get_data()) == raw
    assert len(br.get_data()) < len(raw) / 3


def test_an_asset_whose_url_carries_its_time_is_cached_a_year(client):
    assert "immutable" in client.get("/assets/style.css?m=1").headers["Cache-Control"]
    assert "immutable" not in (client.get("/assets/style.css").headers.get("Cache-Control") or "")
