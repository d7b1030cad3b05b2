"""One set of articles, one `backend` fixture over every IndexBackend: the contract suite runs on each."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsdesk.index.base import IndexBackend
from newsdesk.model import Article

from .articles import make_articles


def _embedded(tmp_path: Path) -> IndexBackend:
    from newsdesk.index.embedded import EmbeddedBackend

    return EmbeddedBackend(tmp_path / "index")


def _elasticsearch(tmp_path: Path) -> IndexBackend:
    from support.es_testing import live_backend

    return live_backend()  # ES_URL, else testcontainers; skips with the reason when neither


BACKENDS = {"embedded": _embedded, "elasticsearch": _elasticsearch}


@pytest.fixture(params=sorted(BACKENDS))
def empty_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IndexBackend]:
    """A fresh, empty backend of each kind, for tests that write."""
    backend = BACKENDS[request.param](tmp_path)
    try:
        yield backend
    finally:
        backend.close()


@pytest.fixture
def articles() -> list[Article]:
    return make_articles()


@pytest.fixture(scope="module", params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexBackend]:
    """A backend of each kind holding `make_articles()`, shared by a module's read-only tests."""
    backend = BACKENDS[request.param](tmp_path_factory.mktemp(request.param))
    try:
        result = backend.upsert(make_articles())
        assert result.written == len(make_articles()) and not result.failed
        yield backend
    finally:
        backend.close()
