"""The Elasticsearch index backend: versioned indices behind an alias, bulk upserts, search.

Request bodies come from `newsdesk.index.es_requests` (pure, spec-validated in tests); this module
only sends them, retries what is retriable and turns failures into `BackendError`/`WriteFailure`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers

from newsdesk.config import Settings
from newsdesk.index.base import BackendError, WriteFailure, WriteResult
from newsdesk.index.es_requests import (
    alias_actions,
    alias_name,
    bulk_actions,
    count_body,
    create_index_body,
    delete_actions,
    facet_body,
    failure_reason,
    from_document,
    SCAN_PAGE,
    ids_body,
    index_version,
    reindex_body,
    scan_body,
    search_body,
    search_response,
    template_body,
    to_buckets,
    to_hit,
    version_index,
)
from newsdesk.model import Article
from newsdesk.search import check_request
from newsdesk.search.model import FacetBucket, FacetName, Filters, Hit, SearchRequest, SearchResponse

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRY_STATUS = (429, 502, 503, 504)
"""Statuses worth retrying with backoff (overload, gateway, unavailable); plus connection errors."""


def make_client(settings: Settings, **kwargs: Any) -> Elasticsearch:
    """An Elasticsearch client from settings: API key or basic auth, TLS verification on by default.

    Transport-level retries are off: `ElasticsearchBackend` retries with backoff itself.
    """
    options: dict[str, Any] = {
        "verify_certs": settings.es_verify_certs,
        "request_timeout": 30,
        "max_retries": 0,
        "retry_on_timeout": False,
    }
    if settings.es_ca_certs:
        options["ca_certs"] = str(settings.es_ca_certs)
    if settings.es_api_key:
        options["api_key"] = settings.es_api_key.get_secret_value()
    elif settings.es_username:
        password = settings.es_password.get_secret_value() if settings.es_password else ""
        options["basic_auth"] = (settings.es_username, password)
    options.update(kwargs)
    return Elasticsearch(settings.es_url, **options)


def _item_id(item: dict[str, Any]) -> str:
    result = next(iter(item.values()), {})
    return str(result.get("_id", "")) if isinstance(result, dict) else ""


class ElasticsearchBackend:
    """`IndexBackend` on Elasticsearch 9: alias `{prefix}{index}` over `{alias}-000001`, `-000002`, ..."""

    name = "elasticsearch"

    def __init__(
        self,
        client: Elasticsearch,
        *,
        index: str = "articles",
        prefix: str = "",
        chunk_size: int = 500,
        max_chunk_bytes: int = 10 * 1024 * 1024,
        max_retries: int = 3,
        initial_backoff: float = 1.0,
        max_backoff: float = 30.0,
        refresh_on_write: bool = True,
        drop_on_close: bool = False,
    ) -> None:
        self.client = client
        self.alias = alias_name(index, prefix)
        self.chunk_size = chunk_size
        self.max_chunk_bytes = max_chunk_bytes
        self.max_retries = max_retries
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.refresh_on_write = refresh_on_write
        self.drop_on_close = drop_on_close
        self._ready = False

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> ElasticsearchBackend:
        """A backend for `settings.es_*` (URL, auth, TLS, index prefix) and `settings.index`."""
        return cls(make_client(settings), index=settings.index, prefix=settings.es_index_prefix, **kwargs)

    # -- plumbing --------------------------------------------------------------------------------

    def _call(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one request, retrying connection errors and RETRY_STATUS with exponential backoff.

        `NotFoundError` propagates for callers that expect it; anything else ends in `BackendError`.
        """
        delay = self.initial_backoff
        for attempt in range(self.max_retries + 1):
            try:
                return fn(*args, **kwargs)
            except NotFoundError:
                raise
            except ApiError as exc:
                if exc.status_code not in RETRY_STATUS:
                    raise BackendError(f"Elasticsearch refused {what}: {exc}") from exc
                error: Exception = exc
            except TransportError as exc:
                error = exc
            if attempt < self.max_retries:
                log.warning("elasticsearch %s failed (%s); retry %d in %.1fs", what, error, attempt + 1, delay)
                time.sleep(delay)
                delay = min(delay * 2, self.max_backoff)
        raise BackendError(f"Elasticsearch unavailable for {what} after {self.max_retries + 1} attempts: {error}") from error

    def ensure(self) -> None:
        """Put the index template and create the first version behind the alias if there is none."""
        if self._ready:
            return
        self._call("put index template", self.client.indices.put_index_template, name=self.alias, body=template_body(self.alias))
        if not self._call("check alias", self.client.indices.exists_alias, name=self.alias):
            versions = self._versions()
            first = version_index(self.alias, max(versions.values(), default=0) + 1)
            try:
                self._call("create index", self.client.indices.create, index=first, body=create_index_body(self.alias))
            except BackendError:
                if not self._call("check alias", self.client.indices.exists_alias, name=self.alias):
                    raise  # not a concurrent first start that won the race: a real refusal
        self._ready = True

    def _versions(self) -> dict[str, int]:
        """Our concrete indices behind (or formerly behind) the alias, with their version numbers."""
        found = self._call("list indices", self.client.indices.get_alias, index=f"{self.alias}-*")
        versions = {name: index_version(self.alias, name) for name in found.body}
        return {name: v for name, v in versions.items() if v is not None}

    def _current(self) -> list[str]:
        try:
            return sorted(self._call("read alias", self.client.indices.get_alias, name=self.alias).body)
        except NotFoundError:
            return []

    def _refresh(self, index: str) -> None:
        self._call("refresh", self.client.indices.refresh, index=index)

    def _count(self, index: str) -> int:
        try:
            return int(self._call("count", self.client.count, index=index, body=count_body())["count"])
        except NotFoundError:
            return 0

    # -- writes ----------------------------------------------------------------------------------

    def _bulk(self, actions: Callable[[], Iterator[dict[str, Any]]]) -> list[tuple[bool, dict[str, Any]]]:
        """Stream actions in byte-bounded chunks; 429/5xx items and chunks retried with backoff."""

        def run() -> list[tuple[bool, dict[str, Any]]]:
            return list(
                helpers.streaming_bulk(
                    self.client,
                    actions(),
                    chunk_size=self.chunk_size,
                    max_chunk_bytes=self.max_chunk_bytes,
                    raise_on_error=False,
                    max_retries=self.max_retries,
                    initial_backoff=self.initial_backoff,
                    max_backoff=self.max_backoff,
                    retry_on_status=RETRY_STATUS,
                )
            )

        return self._call("bulk", run)

    def upsert(self, articles: Sequence[Article]) -> WriteResult:
        """Index articles by id (replace if present). Per-document rejections are returned in
        `failed` with their reason; an unreachable cluster raises `BackendError`."""
        if not articles:
            return WriteResult()
        self.ensure()
        results = self._bulk(lambda: bulk_actions(articles, self.alias))
        failed = [WriteFailure(id=_item_id(item), reason=failure_reason(item)) for ok, item in results if not ok]
        if self.refresh_on_write:
            self._refresh(self.alias)
        return WriteResult(written=len(results) - len(failed), failed=failed)

    def delete(self, ids: Iterable[str]) -> int:
        """Delete by id; returns how many existed."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return 0
        self.ensure()
        results = self._bulk(lambda: delete_actions(wanted, self.alias))
        errors = [item for ok, item in results if not ok and next(iter(item.values()), {}).get("status") != 404]
        if errors:
            raise BackendError(f"Elasticsearch refused {len(errors)} deletes: {failure_reason(errors[0])}")
        if self.refresh_on_write:
            self._refresh(self.alias)
        return sum(1 for ok, _ in results if ok)

    # -- reads -----------------------------------------------------------------------------------

    # Reads never create anything: a read-only API key must be enough, and a missing alias is an empty index.

    def get(self, article_id: str) -> Article | None:
        try:
            found = self._call("get", self.client.get, index=self.alias, id=article_id)
        except NotFoundError:
            return None
        return from_document(found["_source"])

    def search(self, request: SearchRequest) -> SearchResponse:
        check_request(request)
        try:
            raw = self._call("search", self.client.search, index=self.alias, body=search_body(request))
        except NotFoundError:
            return SearchResponse(total=0, hits=[], page=request.page, size=request.size)
        return search_response(request, raw.body)

    def facet(self, field: FacetName, filters: Filters, size: int = 10) -> list[FacetBucket]:
        try:
            raw = self._call("facet", self.client.search, index=self.alias, body=facet_body(field, filters, size))
        except NotFoundError:
            return []
        return to_buckets(raw.body.get("aggregations", {}).get(field, {}))

    def scan(self, request: SearchRequest, limit: int) -> Iterator[Hit]:
        """Up to `limit` hits of the request's query and filters in its sort order, paged with `search_after`
        (no result-window limit; writes made during the scan may or may not be seen)."""
        check_request(request)
        after: list[Any] | None = None
        left = limit
        while left > 0:
            size = min(left, SCAN_PAGE)
            try:
                page = self._call("scan", self.client.search, index=self.alias,
                                  body=scan_body(request, after, size))["hits"]["hits"]
            except NotFoundError:
                return
            for hit in page:
                yield to_hit(hit)
            if len(page) < size:
                return
            left -= size
            after = page[-1]["sort"]

    def count(self) -> int:
        return self._count(self.alias)

    def ids(self) -> Iterator[str]:
        """Every stored id, paged in id order with search_after (no result-window limit)."""
        after: str | None = None
        while True:
            try:
                page = self._call("list ids", self.client.search, index=self.alias,
                                  body=ids_body(after))["hits"]["hits"]
            except NotFoundError:
                return
            for hit in page:
                yield hit["_id"]
            if not page:
                return
            after = page[-1]["sort"][0]

    # -- lifecycle -------------------------------------------------------------------------------

    def reindex(self, prune: bool = False) -> dict[str, object]:
        """Copy into a new index version, check counts, then move the alias in one atomic request.

        The previous versions are kept (a rollback is an alias move) unless `prune`. On a count
        mismatch the new index is deleted, the alias stays put and `BackendError` is raised.
        """
        self.ensure()
        self._call("put index template", self.client.indices.put_index_template, name=self.alias, body=template_body(self.alias))
        versions = self._versions()
        current = self._current()
        new = version_index(self.alias, max(versions.values(), default=0) + 1)
        self._call("create index", self.client.indices.create, index=new, body=create_index_body())
        expected = self._count(",".join(current)) if current else 0
        if current:
            result = self._call(
                "reindex",
                self.client.options(request_timeout=3600).reindex,
                body=reindex_body(current[0] if len(current) == 1 else ",".join(current), new),
                wait_for_completion=True,
                refresh=True,
            )
            if result.get("failures"):
                self._call("delete index", self.client.indices.delete, index=new)
                raise BackendError(f"reindex into {new} failed: {result['failures'][:3]}")
        self._refresh(new)
        copied = self._count(new)
        if copied != expected:
            self._call("delete index", self.client.indices.delete, index=new)
            raise BackendError(f"reindex into {new} copied {copied} of {expected} documents; alias left on {current}")
        self._call("swap alias", self.client.indices.update_aliases, body={"actions": alias_actions(self.alias, new, current)})
        old = sorted(name for name in versions if name != new)
        pruned: list[str] = []
        if prune and old:
            self._call("delete old indices", self.client.indices.delete, index=",".join(old))
            pruned = old
        log.info("reindexed %d documents from %s into %s; alias %s moved", copied, current, new, self.alias)
        return {
            "alias": self.alias,
            "from": ",".join(current),
            "to": new,
            "documents": copied,
            "kept": [name for name in old if name not in pruned],
            "pruned": pruned,
        }

    def health(self) -> dict[str, object]:
        """Whether the cluster answers, its version, and the alias's document count."""
        url = ", ".join(str(n.base_url) for n in self.client.transport.node_pool.all())
        try:
            info = self.client.info()
            count = self._count(self.alias)
        except Exception as exc:  # noqa: BLE001 - health reports, never raises
            return {"backend": self.name, "ok": False, "reachable": False, "url": url, "alias": self.alias, "error": str(exc)}
        return {
            "backend": self.name,
            "ok": True,
            "reachable": True,
            "url": url,
            "alias": self.alias,
            "server_version": info["version"]["number"],
            "indices": self._current(),
            "documents": count,
        }

    def drop(self) -> None:
        """Delete every index version and the template of this alias (tests, teardown)."""
        names = list(self._versions())
        if names:
            self._call("delete indices", self.client.indices.delete, index=",".join(names))
        try:
            self._call("delete template", self.client.indices.delete_index_template, name=self.alias)
        except NotFoundError:
            pass
        self._ready = False

    def close(self) -> None:
        """Close the connection pool (after dropping everything if `drop_on_close`, as tests ask)."""
        try:
            if self.drop_on_close:
                self.drop()
        finally:
            self.client.close()
