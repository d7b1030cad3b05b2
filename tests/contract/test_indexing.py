"""Contract: writing and reading articles by id, on every backend."""

from __future__ import annotations

from newsdesk.index.base import IndexBackend
from newsdesk.model import Article
from newsdesk.search import build_request


def _total(backend: IndexBackend, q: str) -> int:
    return backend.search(build_request(q, facets=[])).total


def test_upsert_is_idempotent(empty_backend: IndexBackend, articles: list[Article]) -> None:
    assert empty_backend.upsert(articles).written == len(articles)
    assert empty_backend.upsert(articles).written == len(articles)
    assert empty_backend.count() == len(articles)
    assert sorted(empty_backend.ids()) == sorted(a.id for a in articles)
    assert _total(empty_backend, "monsoon") == 1


def test_upsert_replaces_by_id(empty_backend: IndexBackend, articles: list[Article]) -> None:
    empty_backend.upsert(articles)
    changed = articles[6].model_copy(update={"title": "Cyclone warning for the coast", "body": "A cyclone is expected."})
    empty_backend.upsert([changed])
    assert empty_backend.count() == len(articles)
    assert _total(empty_backend, "monsoon") == 0
    assert _total(empty_backend, "cyclone") == 1
    assert empty_backend.get(changed.id) == changed


def test_same_id_twice_in_one_batch_keeps_the_last(empty_backend: IndexBackend, articles: list[Article]) -> None:
    first = articles[0]
    second = first.model_copy(update={"title": "A later version"})
    assert empty_backend.upsert([first, second]).written == 2
    assert empty_backend.count() == 1
    assert empty_backend.get(first.id) == second


def test_get_round_trips_the_full_article(empty_backend: IndexBackend, articles: list[Article]) -> None:
    empty_backend.upsert(articles)
    for article in articles:
        stored = empty_backend.get(article.id)
        assert stored == article
        assert stored is not None and stored.model_dump(mode="json") == article.model_dump(mode="json")
    assert empty_backend.get("no-such-id") is None


def test_delete_by_id(empty_backend: IndexBackend, articles: list[Article]) -> None:
    empty_backend.upsert(articles)
    assert empty_backend.delete(["a7", "no-such-id"]) == 1
    assert empty_backend.get("a7") is None
    assert empty_backend.count() == len(articles) - 1
    assert "a7" not in set(empty_backend.ids())
    assert _total(empty_backend, "monsoon") == 0
    assert empty_backend.delete(["a7"]) == 0
    assert empty_backend.delete([]) == 0


def test_empty_backend_answers(empty_backend: IndexBackend) -> None:
    assert empty_backend.count() == 0
    assert list(empty_backend.ids()) == []
    assert empty_backend.upsert([]).written == 0
    response = empty_backend.search(build_request("panjshir"))
    assert response.total == 0 and response.hits == []
    assert all(buckets == [] for buckets in response.facets.values())
    health = empty_backend.health()
    assert health["ok"] is True and health["documents"] == 0
