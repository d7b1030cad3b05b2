"""OpenSearch Dashboards saved objects: consistent with the mapping, and imported with `newsdesk dashboards import`."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from newsdesk.config import use_settings
from newsdesk.index.es_cli import app
from newsdesk.index.es_kibana import DASHBOARDS_SAVED_OBJECTS, read_saved_objects
from newsdesk.index.es_requests import mapped_properties

from test_kibana import Recorder, kibana  # noqa: F401 - the loopback server standing in for the product

OBJECTS = read_saved_objects(DASHBOARDS_SAVED_OBJECTS)
BY_ID = {o["id"]: o for o in OBJECTS}


def test_only_object_types_opensearch_dashboards_has() -> None:
    """Kibana's Lens panels do not exist there: the charts are classic visualizations."""
    assert {o["type"] for o in OBJECTS} == {"index-pattern", "search", "visualization", "dashboard"}
    (view,) = [o for o in OBJECTS if o["type"] == "index-pattern"]
    assert view["attributes"] == {"title": "articles", "timeFieldName": "published"}


def test_every_reference_resolves_and_every_field_is_mapped() -> None:
    fields = set(mapped_properties())
    for obj in OBJECTS:
        for ref in obj["references"]:
            assert BY_ID[ref["id"]]["type"] == ref["type"], ref
        if obj["type"] == "visualization":
            state = json.loads(obj["attributes"]["visState"])
            assert state["title"] == obj["attributes"]["title"]
            assert all(a["params"]["field"] in fields for a in state["aggs"] if "field" in a["params"])
        if obj["type"] in ("visualization", "search"):
            source = json.loads(obj["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
            assert source["indexRefName"] in {r["name"] for r in obj["references"]}
        if obj["type"] == "search":
            assert set(obj["attributes"]["columns"]) <= fields


def test_the_dashboard_shows_what_kibanas_shows() -> None:
    (dashboard,) = [o for o in OBJECTS if o["type"] == "dashboard"]
    panels = json.loads(dashboard["attributes"]["panelsJSON"])
    refs = {r["name"]: r["id"] for r in dashboard["references"]}
    shown = [BY_ID[refs[p["panelRefName"]]] for p in panels]
    assert {o["attributes"]["title"] for o in shown} == {
        "Articles over time", "Top publishers", "Top people", "Top organisations", "Top places", "Top stories", "Latest articles"
    }
    terms = {a["params"]["field"] for o in shown if o["type"] == "visualization"
             for a in json.loads(o["attributes"]["visState"])["aggs"] if a["type"] in ("terms", "date_histogram")}
    assert terms == {"published", "publisher", "person", "organization", "location", "story_id"}
    assert len({p["panelIndex"] for p in panels}) == len(panels)


@pytest.fixture
def dashboards_env(kibana: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[str]:  # noqa: ANN001, F811
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("NEWSDESK_DASHBOARDS_URL", kibana)
    monkeypatch.setenv("NEWSDESK_OPENSEARCH_USERNAME", "admin")
    monkeypatch.setenv("NEWSDESK_OPENSEARCH_PASSWORD", "s3cret-pw")
    use_settings(None)
    yield kibana
    use_settings(None)


def test_dashboards_import_posts_with_the_osd_xsrf_header_and_credentials(dashboards_env: str) -> None:
    Recorder.answer = (200, {"success": True, "successCount": len(OBJECTS), "errors": []})
    result = CliRunner().invoke(app, ["dashboards", "import"])
    assert result.exit_code == 0, result.output
    assert f"imported {len(OBJECTS)} saved objects" in result.stdout
    (request,) = Recorder.requests
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert request["path"] == "/api/saved_objects/_import?overwrite=true"
    assert headers["osd-xsrf"] and "kbn-xsrf" not in headers and headers["authorization"].startswith("Basic ")
    assert DASHBOARDS_SAVED_OBJECTS.read_bytes() in request["body"]


def test_dashboards_import_fails_loudly(dashboards_env: str) -> None:
    Recorder.answer = (401, {"message": "unauthorized"})
    result = CliRunner().invoke(app, ["dashboards", "import"])
    assert result.exit_code == 1 and "OpenSearch Dashboards refused the import: HTTP 401" in result.output
