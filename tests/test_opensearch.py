"""OpenSearchBackend on real OpenSearch nodes (the runner in tests/opensearch): index life cycle, bulk
failures to the dead letter, retries (through a fault-injecting loopback proxy), health, a 3-node
cluster with 2 shards and a replica each, and the CLI end to end. The search contract itself runs in
tests/contract on every backend."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsdesk.config import Settings
from newsdesk.index.base import BackendError, IndexBackend
from newsdesk.index.opensearch import OpenSearchBackend, make_client
from newsdesk.model import Article
from newsdesk.search import build_request
from newsdesk.search.model import Filters, InvalidSearch
from support.es_testing import Fault
from support.fault_proxy import fault_proxy
from support.opensearch_runner import backend as live_backend

from contract.articles import make_articles

pytestmark = pytest.mark.opensearch
ROOT = Path(__file__).resolve().parents[1]


def articles(n: int = 4) -> list[Article]:
    return [Article(id=f"a{i}", title=f"Title {i}", body="word " * 50, publisher="P") for i in range(n)]


@pytest.fixture
def backend(opensearch_url: str) -> Iterator[OpenSearchBackend]:
    b = live_backend(opensearch_url, initial_backoff=0.001)
    try:
        yield b
    finally:
        b.close()


def _get(url: str) -> object:
    with urllib.request.urlopen(url, timeout=30) as answer:
        return json.loads(answer.read())


def test_implements_the_protocol_and_reports_health(backend: OpenSearchBackend) -> None:
    assert isinstance(backend, IndexBackend) and backend.name == "opensearch"
    health = backend.health()
    assert health["ok"] is True and health["reachable"] is True and health["documents"] == 0
    assert health["server_version"] == backend.client.info()["version"]["number"] and health["indices"] == []


def test_first_write_puts_the_template_and_the_first_version_behind_the_alias(backend: OpenSearchBackend) -> None:
    assert backend.upsert(articles()).written == 4
    client = backend.client
    assert sorted(client.indices.get_alias(name=backend.alias)) == [f"{backend.alias}-000001"]
    (template,) = client.indices.get_index_template(name=backend.alias)["index_templates"]
    assert template["index_template"]["index_patterns"] == [f"{backend.alias}-*"]
    mapping = client.indices.get_mapping(index=backend.alias)[f"{backend.alias}-000001"]["mappings"]
    assert mapping["dynamic"] == "strict" and mapping["properties"]["title"]["analyzer"] == "english"
    assert backend.health()["indices"] == [f"{backend.alias}-000001"]


def test_reads_never_create_anything(backend: OpenSearchBackend) -> None:
    assert backend.count() == 0 and backend.get("a0") is None and list(backend.ids()) == []
    assert backend.search(build_request("kabul")).total == 0 and backend.facet("publisher", Filters()) == []
    assert not backend.client.indices.exists_alias(name=backend.alias)
    assert not backend.client.indices.exists_index_template(name=backend.alias)


def test_reindex_copies_checks_counts_and_swaps_the_alias(backend: OpenSearchBackend) -> None:
    backend.upsert(make_articles())
    alias = backend.alias
    report = backend.reindex()
    assert report == {"alias": alias, "from": f"{alias}-000001", "to": f"{alias}-000002", "documents": 8,
                      "kept": [f"{alias}-000001"], "pruned": []}
    assert sorted(backend.client.indices.get_alias(name=alias)) == [f"{alias}-000002"]
    assert backend.search(build_request("panjshir", facets=[])).total == 4 and backend.get("a1") == make_articles()[0]
    backend.upsert([make_articles()[6].model_copy(update={"title": "Cyclone warning"})])  # writes go to the new version
    assert backend.client.count(index=f"{alias}-000002")["count"] == 8
    report = backend.reindex(prune=True)
    assert report["pruned"] == [f"{alias}-000001", f"{alias}-000002"] and report["kept"] == []
    assert sorted(backend.client.indices.get(index=f"{alias}-*")) == [f"{alias}-000003"]
    assert backend.count() == 8 and backend.search(build_request("cyclone", facets=[])).total == 1


def test_rejected_documents_come_back_with_their_reason_and_the_rest_is_written(backend: OpenSearchBackend) -> None:
    bad = articles(3)
    bad[1] = bad[1].model_copy(update={"content_hash": "x" * 40_000})  # a keyword term past Lucene's 32,766 bytes
    result = backend.upsert(bad)
    assert result.written == 2
    (failure,) = result.failed
    assert failure.id == "a1" and "HTTP 400" in failure.reason and "immense term" in failure.reason
    assert sorted(backend.ids()) == ["a0", "a2"]


def test_a_rejected_document_goes_to_the_dead_letter_store(opensearch_url: str, tmp_path: Path) -> None:
    """The pipeline's index step on a real cluster: the rejected document is failed with OpenSearch's reason and
    kept for `newsdesk failed retry`; the other documents of the batch are indexed."""
    from newsdesk.model import IngestSummary
    from newsdesk.pipeline import index_processed, plan_ingest, process_files
    from newsdesk.state import IngestState

    (tmp_path / "in").mkdir()
    for i, name in enumerate(["kabul", "herat", "mazar"]):
        (tmp_path / "in" / f"{name}.txt").write_text(f"News from {name.title()}\n\nThe council of {name.title()} met on "
                                                     f"Monday and agreed a new budget for roads and schools number {i}.\n")
    settings = Settings(home=tmp_path / "home", workers=1, max_document_seconds=0)
    state = IngestState(settings.state_path)
    b = live_backend(opensearch_url)
    try:
        processed = process_files(plan_ingest([str(tmp_path / "in")], state).todo, settings)
        victim = processed[1].articles[0]
        processed[1].articles[0] = victim.model_copy(update={"content_hash": "x" * 40_000})
        summary = IngestSummary()
        index_processed(processed, b, state, summary)
        assert summary.balanced and (summary.indexed, summary.failed) == (2, 1)
        (failure,) = summary.failed_documents
        assert failure.stage == "index" and "immense term" in failure.reason
        assert [f.key for f in state.failures()] == [failure.key]
        assert b.count() == 2 and b.get(victim.id) is None
    finally:
        b.close()
        state.close()


def test_429_5xx_and_dropped_connections_are_retried_client_errors_are_not(opensearch_url: str) -> None:
    with fault_proxy(opensearch_url) as proxy:
        b = OpenSearchBackend.from_settings(Settings(opensearch_url=proxy.url, opensearch_index_prefix="retry-"),
                                            initial_backoff=0.001, drop_on_close=True)
        try:
            b.ensure()
            proxy.faults.append(Fault("/_bulk", 429, times=2))
            assert b.upsert(articles()).written == 4
            assert proxy.count("/_bulk") == 3
            proxy.faults += [Fault("/_search", 503), Fault("/_search", 0)]
            assert b.search(build_request("word", facets=[])).total == 4
            assert proxy.count("/_search") == 3
            proxy.faults.append(Fault("/_count", 400))
            with pytest.raises(BackendError, match="OpenSearch refused count"):
                b.count()
            assert proxy.count("/_count") == 1
            proxy.faults.append(Fault("/_bulk", 0, times=99))
            with pytest.raises(BackendError, match="OpenSearch unavailable for bulk after 4 attempts"):
                b.upsert(articles(1))
            proxy.faults.clear()
        finally:
            b.close()


def test_unreachable_cluster_raises_backend_error() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    b = OpenSearchBackend.from_settings(Settings(opensearch_url=f"http://127.0.0.1:{port}"), max_retries=1,
                                        initial_backoff=0.001)
    with pytest.raises(BackendError, match="OpenSearch unavailable"):
        b.upsert(articles(1))
    health = b.health()
    assert health["ok"] is False and health["reachable"] is False and f"127.0.0.1:{port}" in str(health["url"])
    b.close()


def test_a_query_too_large_for_the_cluster_is_refused_as_invalid(backend: OpenSearchBackend) -> None:
    backend.upsert(articles(1))
    with pytest.raises(InvalidSearch, match="too many terms for OpenSearch .at most 1024"):
        backend.search(build_request(" OR ".join(f"w{i}" for i in range(600))))
    assert backend.search(build_request(" OR ".join(f"w{i}" for i in range(400)) + " OR word")).total == 1


def test_an_elasticsearch_backend_pointed_at_opensearch_says_so(opensearch_url: str) -> None:
    from newsdesk.index.elasticsearch import ElasticsearchBackend

    b = ElasticsearchBackend.from_settings(Settings(es_url=opensearch_url), max_retries=0)
    health = b.health()
    assert health["ok"] is False and "not Elasticsearch" in str(health["error"])
    b.close()


def test_client_from_settings_auth_and_tls() -> None:
    secure = make_client(Settings(opensearch_url="https://search.example:9200", opensearch_username="admin",
                                  opensearch_password="pw", opensearch_ca_certs=ROOT / "pyproject.toml"))
    (connection,) = secure.transport.connection_pool.connections
    assert connection.host == "https://search.example:9200" and connection.use_ssl
    assert connection.session.verify == str(ROOT / "pyproject.toml") if hasattr(connection, "session") else True
    plain = make_client(Settings(opensearch_url="http://localhost:9200", opensearch_verify_certs=False))
    assert plain.transport.connection_pool.connections[0].host == "http://localhost:9200"
    b = OpenSearchBackend.from_settings(Settings(opensearch_index_prefix="p-", index="news"))
    assert b.alias == "p-news"
    for client in (secure, plain, b.client):
        client.close()


# -- a 3-node cluster ------------------------------------------------------------------------------


@pytest.mark.opensearch(nodes=3)
def test_three_nodes_two_shards_one_replica_same_answers_and_exact_facets(opensearch_cluster3) -> None:  # noqa: ANN001
    """2 primary shards with a replica each, spread over the 3 nodes; searches, facets and reindex answer as
    on one node; facet counts stay exact when one shard alone would report a wrong top value."""
    b = live_backend(opensearch_cluster3.url, shards=2)
    try:
        assert b.upsert(make_articles()).written == 8
        health = _get(f"{opensearch_cluster3.url}/_cluster/health/{b.alias}?wait_for_status=green&timeout=60s")
        assert health["status"] == "green" and health["number_of_nodes"] == 3  # type: ignore[index]
        shards = _get(f"{opensearch_cluster3.url}/_cat/shards/{b.alias}?format=json")
        assert sorted((s["shard"], s["prirep"]) for s in shards) == [("0", "p"), ("0", "r"), ("1", "p"), ("1", "r")]  # type: ignore[index, union-attr]
        for shard in ("0", "1"):  # a primary and its replica never share a node
            assert len({s["node"] for s in shards if s["shard"] == shard}) == 2  # type: ignore[union-attr, index]
        assert b.search(build_request("panjshir", facets=[])).total == 4
        assert [(x.value, x.count) for x in b.facet("location", Filters(), size=1)] == [("Panjshir", 4)]

        # Skewed values: on each shard alone many publishers tie ahead of "Wire", which leads overall.
        skewed = [Article(id=f"s{i}", title="skew", body="skew", publisher=f"Local {i}") for i in range(400)]
        skewed += [Article(id=f"w{i}", title="skew", body="skew", publisher="Wire") for i in range(3)]
        assert b.upsert(skewed).written == len(skewed)
        response = b.search(build_request("skew", facets=["publisher"], facet_size=1, size=0))
        assert [(x.value, x.count) for x in response.facets["publisher"]] == [("Wire", 3)]
        assert [(x.value, x.count) for x in b.facet("publisher", Filters(), size=1)] == [("Wire", 3)]

        report = b.reindex(prune=True)
        assert report["documents"] == 8 + len(skewed) and b.count() == 8 + len(skewed)
        assert b.search(build_request("panjshir", facets=[])).total == 4
    finally:
        b.close()


# -- the CLI end to end ------------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_ingest_search_doctor_on_opensearch(opensearch_url: str, tmp_path: Path) -> None:
    """`NEWSDESK_BACKEND=opensearch newsdesk ingest seeds/` then `search` and `doctor`, as a user runs them."""
    env = {**os.environ, "NEWSDESK_BACKEND": "opensearch", "NEWSDESK_OPENSEARCH_URL": opensearch_url,
           "NEWSDESK_OPENSEARCH_INDEX_PREFIX": f"cli-{os.getpid()}-", "NEWSDESK_HOME": str(tmp_path / "home"),
           "NEWSDESK_WORKERS": "1", "PREFECT_HOME": str(tmp_path / "prefect")}
    newsdesk = [sys.executable, "-m", "newsdesk.cli"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*newsdesk, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)

    ingested = run("ingest", str(ROOT / "seeds"), "--json")
    assert ingested.returncode == 0, ingested.stderr
    assert json.loads(ingested.stdout)["indexed"] == 2
    found = run("search", "Panjshir", "--json")
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["total"] >= 1
    doctor = run("doctor", "--json")
    report = json.loads(doctor.stdout)
    assert doctor.returncode == 0 and report["backend"] == "opensearch"
    assert report["checks"]["backend"]["ok"] is True and report["checks"]["backend"]["documents"] == 2
    assert report["checks"]["opensearch"]["ok"] is True
    b = OpenSearchBackend.from_settings(Settings(opensearch_url=opensearch_url,
                                                 opensearch_index_prefix=env["NEWSDESK_OPENSEARCH_INDEX_PREFIX"]))
    b.drop()
    b.close()
