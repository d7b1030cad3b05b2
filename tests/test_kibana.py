"""Kibana saved objects: consistent with the mapping, and imported through the saved objects API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from newsdesk.index.es_kibana import SAVED_OBJECTS, KibanaError, import_saved_objects, read_saved_objects
from newsdesk.index.es_requests import mapped_properties
from support.http_server import serve_in_thread

OBJECTS = read_saved_objects()
BY_ID = {o["id"]: o for o in OBJECTS}


def test_the_data_view_is_on_the_alias_with_published_as_time() -> None:
    view = BY_ID["newsdesk-articles"]
    assert view["attributes"]["title"] == "articles" and view["attributes"]["timeFieldName"] == "published"


def test_undated_articles_stay_visible_in_a_data_view_without_a_time_field() -> None:
    view = BY_ID["newsdesk-articles-all"]
    assert view["attributes"]["title"] == "articles" and "timeFieldName" not in view["attributes"]
    runtime = json.loads(view["attributes"]["runtimeFieldMap"])
    assert runtime["publication_status"]["type"] == "keyword"
    assert "doc['published'].size() == 0" in runtime["publication_status"]["script"]["source"]
    undated = BY_ID["newsdesk-undated-articles"]
    source = json.loads(undated["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    assert source["query"] == {"query": "not published:*", "language": "kuery"}
    assert [r["id"] for r in undated["references"]] == ["newsdesk-articles-all"]
    assert "ingested_at" in undated["attributes"]["columns"]  # the ingest time is its own field, never the date


def _fields_of_view(view_id: str) -> set[str]:
    runtime = BY_ID[view_id]["attributes"].get("runtimeFieldMap")
    return set(mapped_properties()) | set(json.loads(runtime) if runtime else {})


def test_every_reference_resolves_and_every_field_is_mapped() -> None:
    fields = set(mapped_properties())
    for obj in OBJECTS:
        for ref in obj["references"]:
            assert BY_ID[ref["id"]]["type"] == ref["type"], ref
        if obj["type"] == "lens":
            (view_id,) = {r["id"] for r in obj["references"] if r["type"] == "index-pattern"}
            layers = obj["attributes"]["state"]["datasourceStates"]["formBased"]["layers"]
            for column in (c for layer in layers.values() for c in layer["columns"].values()):
                assert column["sourceField"] in _fields_of_view(view_id) | {"___records___"}
        if obj["type"] == "search":
            assert set(obj["attributes"]["columns"]) <= fields
            json.loads(obj["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])


def test_the_dashboard_shows_what_was_asked() -> None:
    (dashboard,) = [o for o in OBJECTS if o["type"] == "dashboard"]
    panels = json.loads(dashboard["attributes"]["panelsJSON"])
    refs = {r["name"]: r["id"] for r in dashboard["references"]}
    shown = [refs[f"{p['panelIndex']}:{p['panelRefName']}"] for p in panels]
    titles = {BY_ID[i]["attributes"]["title"] for i in shown}
    assert {"Articles over time", "Top publishers", "Top people", "Top organisations", "Top places", "Latest articles",
            "Dated and undated articles", "Undated articles"} <= titles
    fields = {c["sourceField"] for i in shown if BY_ID[i]["type"] == "lens"
              for c in BY_ID[i]["attributes"]["state"]["datasourceStates"]["formBased"]["layers"]["layer1"]["columns"].values()}
    assert {"published", "publisher", "person", "organization", "location", "story_id", "publication_status"} <= fields


class Recorder(BaseHTTPRequestHandler):
    requests: list[dict[str, Any]] = []
    answer: tuple[int, dict[str, Any]] = (200, {})

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Recorder.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        status, payload = Recorder.answer
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def kibana() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    Recorder.requests = []
    Recorder.answer = (200, {"success": True, "successCount": len(OBJECTS), "errors": []})
    serve_in_thread(server)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_import_posts_the_ndjson_as_multipart_with_the_xsrf_header(kibana: str) -> None:
    result = import_saved_objects(kibana, username="elastic", password="pw")
    assert result["successCount"] == len(OBJECTS)
    (request,) = Recorder.requests
    assert request["path"] == "/api/saved_objects/_import?overwrite=true"
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["kbn-xsrf"] and headers["authorization"].startswith("Basic ")
    assert headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="file"; filename="newsdesk.ndjson"' in request["body"]
    assert SAVED_OBJECTS.read_bytes() in request["body"]


def test_import_into_a_space_with_an_api_key(kibana: str) -> None:
    import_saved_objects(kibana, api_key="abc", space="news", overwrite=False)
    (request,) = Recorder.requests
    assert request["path"] == "/s/news/api/saved_objects/_import?overwrite=false"
    assert {k.lower(): v for k, v in request["headers"].items()}["authorization"] == "ApiKey abc"


def test_import_failures_are_loud(kibana: str) -> None:
    Recorder.answer = (200, {"success": False, "successCount": 8, "errors": [{"type": "lens", "id": "x", "error": {"type": "conflict"}}]})
    with pytest.raises(KibanaError, match="lens/x: conflict"):
        import_saved_objects(kibana)
    Recorder.answer = (401, {"message": "unauthorized"})
    with pytest.raises(KibanaError, match="HTTP 401"):
        import_saved_objects(kibana)
    with pytest.raises(KibanaError, match="unreachable"):
        import_saved_objects("http://127.0.0.1:1", timeout=2)
