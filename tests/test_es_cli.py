"""`doctor` and `kibana import` against local HTTP servers standing in for the services."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from newsdesk.config import use_settings
from newsdesk.index.es_cli import app
from support.http_server import serve_in_thread

SEEN: list[tuple[str, str, str]] = []


class Services(BaseHTTPRequestHandler):
    """Answers like Kibana (/api/status, saved objects import) and Prefect (/api/health)."""

    def _send(self, payload: object) -> None:
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        SEEN.append(("GET", self.path, self.headers.get("Authorization", "")))
        self._send({"version": {"number": "9.1.0"}, "status": {"overall": {"level": "available"}}} if self.path == "/api/status" else True)

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        SEEN.append(("POST", self.path, self.headers.get("Authorization", "")))
        self._send({"success": True, "successCount": 9, "errors": []})

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def services(monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[str]:  # noqa: ANN001
    server = ThreadingHTTPServer(("127.0.0.1", 0), Services)
    serve_in_thread(server)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    SEEN.clear()
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("NEWSDESK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NEWSDESK_BACKEND", "elasticsearch")
    monkeypatch.setenv("NEWSDESK_ES_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("NEWSDESK_ES_USERNAME", "elastic")
    monkeypatch.setenv("NEWSDESK_ES_PASSWORD", "s3cret-pw")
    monkeypatch.setenv("NEWSDESK_KIBANA_URL", url)
    monkeypatch.setenv("PREFECT_API_URL", f"{url}/api")
    use_settings(None)
    try:
        yield url
    finally:
        use_settings(None)
        server.shutdown()
        server.server_close()


def test_doctor_reports_configuration_and_what_answers(services: str) -> None:
    result = CliRunner().invoke(app, ["doctor", "--json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 1  # the configured backend (Elasticsearch) does not answer
    assert report["backend"] == "elasticsearch" and report["elasticsearch"]["auth"] == "basic (elastic)"
    assert report["elasticsearch"]["verify_certs"] is True
    checks = report["checks"]
    assert checks["backend"]["ok"] is False and checks["elasticsearch"]["ok"] is False
    assert checks["kibana"] == {"ok": True, "url": f"{services}/api/status", "status": 200, "version": "9.1.0"}
    assert checks["prefect"]["ok"] is True
    assert "s3cret-pw" not in result.stdout


def test_doctor_table(services: str) -> None:
    result = CliRunner().invoke(app, ["doctor"])
    assert "kibana" in result.stdout and "prefect" in result.stdout and "s3cret-pw" not in result.stdout


def test_kibana_import_uses_the_configured_credentials(services: str) -> None:
    result = CliRunner().invoke(app, ["kibana", "import"])
    assert result.exit_code == 0, result.output
    assert "imported 9 saved objects" in result.stdout
    method, path, auth = SEEN[-1]
    assert (method, path) == ("POST", "/api/saved_objects/_import?overwrite=true") and auth.startswith("Basic ")


def test_kibana_import_fails_loudly(services: str) -> None:
    result = CliRunner().invoke(app, ["kibana", "import", "--url", "http://127.0.0.1:1"])
    assert result.exit_code == 1 and "unreachable" in result.output
