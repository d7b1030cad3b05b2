"""Where Elasticsearch and OpenSearch differ: the named `Dialect` fields, and each client's errors sorted
the same way by the shared core. (Request bodies are one builder for both: tests/test_es_spec.py validates
them against Elasticsearch's spec, the contract suite runs them on a real OpenSearch.)"""

from __future__ import annotations

import elastic_transport
import elasticsearch
import opensearchpy
import pytest

from newsdesk.config import Settings
from newsdesk.index.elasticsearch import ElasticsearchBackend
from newsdesk.index.es_requests import ELASTICSEARCH, OPENSEARCH, server_mismatch
from newsdesk.index.opensearch import OpenSearchBackend

OPENSEARCH_INFO = {"version": {"distribution": "opensearch", "number": "2.19.1"}, "tagline": "The OpenSearch Project"}
ELASTICSEARCH_INFO = {"version": {"number": "9.1.0", "build_flavor": "default"}, "tagline": "You Know, for Search"}


def test_each_backend_speaks_its_dialect() -> None:
    assert (ElasticsearchBackend.dialect, OpenSearchBackend.dialect) == (ELASTICSEARCH, OPENSEARCH)
    assert (ELASTICSEARCH.name, OPENSEARCH.name) == ("elasticsearch", "opensearch")


@pytest.mark.parametrize(
    ("dialect", "info", "expected"),
    [
        (OPENSEARCH, OPENSEARCH_INFO, None),
        (ELASTICSEARCH, ELASTICSEARCH_INFO, None),
        (OPENSEARCH, ELASTICSEARCH_INFO, "the server is Elasticsearch 9.1.0, not OpenSearch"),
        (ELASTICSEARCH, OPENSEARCH_INFO, "the server is OpenSearch 2.19.1, not Elasticsearch"),
        (OPENSEARCH, {"version": {"distribution": "other", "number": "1"}}, "the server is a 'other' distribution 1, not OpenSearch"),
    ],
)
def test_get_root_tells_the_engine(dialect, info, expected) -> None:  # noqa: ANN001
    assert server_mismatch(dialect, info) == expected


def _es_meta(status: int) -> elastic_transport.ApiResponseMeta:
    node = elastic_transport.NodeConfig("http", "localhost", 9200)
    return elastic_transport.ApiResponseMeta(status=status, http_version="1.1", headers=elastic_transport.HttpHeaders(),
                                             duration=0.0, node=node)


@pytest.fixture
def backends():  # noqa: ANN201
    es = ElasticsearchBackend.from_settings(Settings())
    os_ = OpenSearchBackend.from_settings(Settings())
    yield es, os_
    es.client.close()
    os_.client.close()


def test_both_clients_errors_are_sorted_alike(backends) -> None:  # noqa: ANN001
    es, os_ = backends
    es_error = {status: elasticsearch.ApiError("x", _es_meta(status), {}) for status in (400, 429, 500, 503)}
    assert es._failure(elasticsearch.NotFoundError("x", _es_meta(404), {})) == "missing"
    assert [es._failure(es_error[s]) for s in (400, 429, 500, 503)] == ["refused", "retry", "refused", "retry"]
    assert es._failure(elasticsearch.ConnectionError("down")) == "retry"
    assert es._failure(ValueError("a bug")) is None
    assert os_._failure(opensearchpy.NotFoundError(404, "index_not_found_exception", {})) == "missing"
    statuses = [opensearchpy.TransportError(s, "x", {}) for s in (400, 429, 500, 503)]
    assert [os_._failure(e) for e in statuses] == ["refused", "retry", "refused", "retry"]
    assert os_._failure(opensearchpy.RequestError(400, "parsing_exception", {})) == "refused"
    assert os_._failure(opensearchpy.ConnectionError("N/A", "down", OSError())) == "retry"
    assert os_._failure(opensearchpy.ConnectionTimeout("TIMEOUT", "slow", OSError())) == "retry"
    assert os_._failure(ValueError("a bug")) is None
