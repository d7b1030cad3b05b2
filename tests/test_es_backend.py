"""ElasticsearchBackend's sending logic through the real client: retries, failures, lifecycle.

The cluster is `RecordingCluster` (a transport node answering in-process); the live behaviour of
searches is covered by the contract suite's elasticsearch leg.
"""

from __future__ import annotations

import socket

import pytest

from newsdesk.config import Settings
from newsdesk.index.base import BackendError, IndexBackend
from newsdesk.index.elasticsearch import ElasticsearchBackend, make_client
from support.es_testing import Fault, RecordingCluster
from newsdesk.model import Article


def articles(n: int = 4) -> list[Article]:
    return [Article(id=f"a{i}", title=f"Title {i}", body="word " * 50, publisher="P") for i in range(n)]


@pytest.fixture
def cluster() -> RecordingCluster:
    return RecordingCluster()


def backend(cluster: RecordingCluster, **kwargs: object) -> ElasticsearchBackend:
    kwargs.setdefault("initial_backoff", 0.001)
    return ElasticsearchBackend(cluster.client(), prefix="t-", **kwargs)  # type: ignore[arg-type]


def paths(cluster: RecordingCluster, fragment: str) -> int:
    return sum(fragment in f"{r.method} {r.path}" for r in cluster.requests)


def test_implements_the_protocol(cluster: RecordingCluster) -> None:
    assert isinstance(backend(cluster), IndexBackend)


def test_first_write_puts_the_template_and_the_first_version_behind_the_alias(cluster: RecordingCluster) -> None:
    b = backend(cluster)
    b.upsert(articles(1))
    assert cluster.templates["t-articles"]["index_patterns"] == ["t-articles-*"]
    assert cluster.aliases["t-articles"] == {"t-articles-000001"}
    b.upsert(articles(1))
    assert paths(cluster, "PUT /_index_template") == 1  # once per backend


def test_reads_never_create_anything_and_see_a_missing_alias_as_empty(cluster: RecordingCluster) -> None:
    from newsdesk.search import build_request

    b = backend(cluster)
    assert b.count() == 0 and b.get("a0") is None and list(b.ids()) == []
    assert b.search(build_request("kabul")).total == 0
    assert b.facet("publisher", build_request().filters) == []
    assert not cluster.templates and not cluster.aliases
    assert all(r.method in ("GET", "POST", "HEAD") and "_bulk" not in r.path for r in cluster.requests)


def test_upserts_index_by_stable_id(cluster: RecordingCluster) -> None:
    b = backend(cluster)
    assert b.upsert(articles()).written == 4
    assert b.upsert(articles()).written == 4
    assert sorted(cluster.indices["t-articles-000001"]) == ["a0", "a1", "a2", "a3"]
    bulk = [r for r in cluster.requests if r.path == "/_bulk"][0]
    assert bulk.body[0] == {"index": {"_index": "t-articles", "_id": "a0"}}
    assert b.get("a2") == articles()[2] and b.get("missing") is None


def test_batches_are_bounded_by_bytes(cluster: RecordingCluster) -> None:
    b = backend(cluster, max_chunk_bytes=1500)
    assert b.upsert(articles(6)).written == 6
    bulks = [r for r in cluster.requests if r.path == "/_bulk"]
    assert len(bulks) >= 3 and all(len(r.body) <= 4 for r in bulks)


def test_rejected_documents_come_back_with_their_reason(cluster: RecordingCluster) -> None:
    cluster.bulk_item_errors["a1"] = {
        "status": 400,
        "error": {"type": "document_parsing_exception", "reason": "[1:2] failed to parse field [published]",
                  "caused_by": {"type": "illegal_argument_exception", "reason": "bad date"}},
    }
    result = backend(cluster).upsert(articles())
    assert result.written == 3
    (failure,) = result.failed
    assert failure.id == "a1"
    assert "HTTP 400" in failure.reason and "document_parsing_exception" in failure.reason and "bad date" in failure.reason


def test_429_is_retried_with_backoff(cluster: RecordingCluster) -> None:
    b = backend(cluster)
    b.ensure()
    cluster.faults.append(Fault("/_bulk", 429, times=2))
    assert b.upsert(articles()).written == 4
    assert paths(cluster, "/_bulk") == 3


def test_per_item_429_is_retried(cluster: RecordingCluster) -> None:
    cluster.bulk_item_errors["a1"] = {"status": 429, "error": {"type": "es_rejected_execution_exception", "reason": "queue full"}}
    b = backend(cluster, max_retries=2)
    result = b.upsert(articles())
    assert [f.id for f in result.failed] == ["a1"] and "429" in result.failed[0].reason
    retried = [r for r in cluster.requests if r.path == "/_bulk"]
    assert len(retried) == 3 and all(len(r.body) == 2 for r in retried[1:])  # only a1 is resent


def test_5xx_and_connection_errors_are_retried(cluster: RecordingCluster) -> None:
    b = backend(cluster)
    b.upsert(articles())
    cluster.faults += [Fault("/_search", 503), Fault("/_search", 0)]
    from newsdesk.search import build_request

    assert b.search(build_request("word", facets=[])).total == 4
    assert paths(cluster, "/_search") == 3


def test_a_cluster_down_mid_run_fails_loudly(cluster: RecordingCluster) -> None:
    b = backend(cluster, max_retries=2)
    b.ensure()
    cluster.faults.append(Fault("/_bulk", 0, times=99))
    with pytest.raises(BackendError, match="unavailable for bulk after 3 attempts"):
        b.upsert(articles())


def test_unreachable_cluster_raises_backend_error() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    b = ElasticsearchBackend.from_settings(Settings(es_url=f"http://127.0.0.1:{port}"), max_retries=1, initial_backoff=0.001)
    with pytest.raises(BackendError, match="unavailable"):
        b.upsert(articles(1))
    health = b.health()
    assert health["ok"] is False and health["reachable"] is False and "127.0.0.1" in str(health["url"])
    b.close()


def test_client_errors_are_not_retried(cluster: RecordingCluster) -> None:
    b = backend(cluster)
    b.ensure()
    cluster.faults.append(Fault("/_count", 400))
    with pytest.raises(BackendError, match="refused count"):
        b.count()
    assert paths(cluster, "/_count") == 1


def test_reindex_copies_checks_counts_and_swaps_atomically(cluster: RecordingCluster) -> None:
    b = backend(cluster)
    b.upsert(articles())
    report = b.reindex()
    assert report == {"alias": "t-articles", "from": "t-articles-000001", "to": "t-articles-000002", "documents": 4,
                      "kept": ["t-articles-000001"], "pruned": []}
    assert cluster.aliases["t-articles"] == {"t-articles-000002"}
    swap = [r for r in cluster.requests if r.path == "/_aliases"]
    assert len(swap) == 1 and [next(iter(a)) for a in swap[0].body["actions"]] == ["remove", "add"]
    report = b.reindex(prune=True)
    assert report["pruned"] == ["t-articles-000001", "t-articles-000002"] and set(cluster.indices) == {"t-articles-000003"}
    assert b.count() == 4


def test_reindex_with_a_count_mismatch_keeps_the_alias(cluster: RecordingCluster) -> None:
    b = backend(cluster)
    b.upsert(articles())
    original = cluster._reindex

    def lossy(body: dict, **kw: object) -> tuple[int, object]:
        status, payload = original(body, **kw)
        cluster.indices[body["dest"]["index"]].pop("a0")
        return status, payload

    cluster._reindex = lossy  # type: ignore[method-assign]
    with pytest.raises(BackendError, match="copied 3 of 4"):
        b.reindex()
    assert cluster.aliases["t-articles"] == {"t-articles-000001"} and set(cluster.indices) == {"t-articles-000001"}


def test_delete_counts_what_existed(cluster: RecordingCluster) -> None:
    b = backend(cluster)
    b.upsert(articles())
    assert b.delete(["a1", "nope", "a1"]) == 1 and b.delete([]) == 0
    assert sorted(b.ids()) == ["a0", "a2", "a3"]


def test_drop_on_close_removes_indices_and_template(cluster: RecordingCluster) -> None:
    b = backend(cluster, drop_on_close=True)
    b.upsert(articles())
    b.reindex()
    b.close()
    assert cluster.indices == {} and cluster.templates == {}


def test_client_from_settings_auth_and_tls() -> None:
    api = make_client(Settings(es_url="https://es.example:9200", es_api_key="a2V5OnNlY3JldA==", es_index_prefix="p-"))
    node = api.transport.node_pool.all()[0]
    assert node.config.verify_certs is True and node.config.scheme == "https"
    assert api._headers["authorization"] == "ApiKey a2V5OnNlY3JldA=="
    basic = make_client(Settings(es_url="http://localhost:9200", es_username="elastic", es_password="pw", es_verify_certs=False))
    assert basic._headers["authorization"].startswith("Basic ")
    assert basic.transport.node_pool.all()[0].config.verify_certs is False
    b = ElasticsearchBackend.from_settings(Settings(es_index_prefix="p-", index="news"))
    assert b.alias == "p-news"
    for client in (api, basic, b.client):
        client.close()
