"""Shared fixtures. Tests never touch the project's own `.newsdesk/`: each gets its own home."""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

import pytest

_SESSION_HOME = Path(tempfile.mkdtemp(prefix="newsdesk-tests-"))
os.environ["NEWSDESK_HOME"] = str(_SESSION_HOME / "home")
os.environ.setdefault("PREFECT_HOME", str(_SESSION_HOME / "prefect"))
with socket.socket() as _s:  # never the default 4200: another user's Prefect server may answer there
    _s.bind(("127.0.0.1", 0))
    os.environ.setdefault("NEWSDESK_PREFECT_PORT", str(_s.getsockname()[1]))

from newsdesk.config import Settings, configure_prefect, use_settings  # noqa: E402

configure_prefect()

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect server for the whole session (its start costs 8-20 s). The flows run in this process
    send no heartbeats: ending a run joins Prefect's heartbeat thread, which sleeps in whole seconds (0.5-1 s at
    the end of every run). The `newsdesk` processes the tests start (their flows report here too) send them."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=300), \
            temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


@pytest.fixture
def settings(tmp_path: Path):
    """Settings with a fresh home, in force for this test; processing runs in-process."""
    current = Settings(home=tmp_path / "home", workers=1, max_document_seconds=0)
    use_settings(current)
    yield current
    use_settings(None)


# -- a real OpenSearch (tests/support/opensearch_runner.py) -----------------------------------------

OPENSEARCH_REQUIRED = os.environ.get("NEWSDESK_TEST_REQUIRE_OPENSEARCH") == "1"
"""Set by `.ci/run`: there, an OpenSearch that cannot be started fails the tests instead of skipping them."""
_clusters: dict[int, object] = {}


def _opensearch_nodes(item: pytest.Item) -> int | None:
    mark = item.get_closest_marker("opensearch")
    return None if mark is None else int(mark.kwargs.get("nodes", 1))


@pytest.hookimpl(trylast=True)  # after pytest's own reordering by fixture parameters
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests on OpenSearch run last, and their clusters start now, in the background, while the rest run."""
    from support import opensearch_runner

    wanted = {n for n in map(_opensearch_nodes, items) if n is not None}
    items[:] = sorted(items, key=lambda item: _opensearch_nodes(item) or 0)  # stable: else file order
    if os.environ.get("OPENSEARCH_URL"):
        wanted.discard(1)
    if opensearch_runner.unavailable() is None:
        for nodes in sorted(wanted):
            try:
                _clusters[nodes] = opensearch_runner.RunnerCluster(nodes=nodes).start()
            except opensearch_runner.RunnerError as exc:
                _clusters[nodes] = exc


def opensearch_cluster(nodes: int) -> "support.opensearch_runner.RunnerCluster":  # noqa: F821
    """The started cluster of `nodes` nodes, once green or yellow; skips (fails in CI) with the reason when none."""
    from support import opensearch_runner

    def give_up(why: str) -> None:
        print(f"opensearch leg skipped: {why}")
        if OPENSEARCH_REQUIRED:
            pytest.fail(f"OpenSearch is required here (NEWSDESK_TEST_REQUIRE_OPENSEARCH=1) but {why}")
        pytest.skip(f"opensearch leg: {why}")

    if nodes not in _clusters:
        why = opensearch_runner.unavailable()
        if why:
            give_up(why)
        _clusters[nodes] = opensearch_runner.RunnerCluster(nodes=nodes).start()
    cluster = _clusters[nodes]
    if isinstance(cluster, Exception):
        give_up(str(cluster))
    try:
        return cluster.wait()
    except opensearch_runner.RunnerError as exc:
        pytest.fail(f"OpenSearch did not start: {exc}")


@pytest.fixture(scope="session")
def opensearch_url() -> str:
    """A live single-node OpenSearch: `OPENSEARCH_URL`, else one the runner starts for this session."""
    return os.environ.get("OPENSEARCH_URL") or opensearch_cluster(1).url


@pytest.fixture(scope="session")
def opensearch_cluster3() -> "support.opensearch_runner.RunnerCluster":  # noqa: F821
    """A live 3-node OpenSearch cluster (one runner JVM) for the tests of shards and replicas."""
    return opensearch_cluster(3)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # noqa: ANN001
    for nodes, cluster in sorted(_clusters.items()):
        ready = getattr(cluster, "ready_after", None)
        if ready is not None:
            terminalreporter.write_line(f"OpenSearch runner: {nodes} node(s) ready {ready:.1f} s after the start "
                                        f"(started at collection, in the background)")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    for cluster in _clusters.values():
        if not isinstance(cluster, Exception):
            cluster.stop()
