"""The search-cluster backend core, shared by Elasticsearch and OpenSearch.

Versioned indices behind an alias, bulk upserts with per-document failures, reads, reindex with an
atomic alias swap, health. Request bodies come from `newsdesk.index.es_requests` (one builder for
both engines); a subclass per client library (`ElasticsearchBackend`, `OpenSearchBackend`) only
says how its client reports errors, streams bulk requests, runs a long reindex and names its nodes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, ClassVar, Literal, TypeVar

from newsdesk.index.base import BackendError, WriteFailure, WriteResult
from newsdesk.index.es_requests import (
    SCAN_PAGE,
    Dialect,
    alias_actions,
    alias_name,
    bulk_actions,
    count_body,
    count_error,
    create_index_body,
    delete_actions,
    facet_body,
    failure_reason,
    from_document,
    ids_body,
    index_version,
    reindex_body,
    scan_body,
    search_body,
    search_response,
    server_mismatch,
    template_body,
    to_buckets,
    to_hit,
    version_index,
)
from newsdesk.model import Article
from newsdesk.search import check_request
from newsdesk.search.model import (
    FacetBucket,
    FacetName,
    Filters,
    Hit,
    Interval,
    InvalidSearch,
    QueryNode,
    SearchRequest,
    SearchResponse,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_SHARD_SIZE = 65_536
"""The most candidates per shard an exact facet count asks for (the engines' default bucket limit)."""
RETRY_STATUS = (429, 502, 503, 504)
"""Statuses worth retrying with backoff (overload, gateway, unavailable); plus connection errors."""

TOO_MANY_CLAUSES = "maxClauseCount is set to"
"""Lucene's words when a query expands to more clauses than the cluster allows (OpenSearch: 1,024 by
default, `indices.query.bool.max_clause_count`; Elasticsearch: derived from the heap). Our parser allows
1,024 terms and a word searches two fields, so a long query can pass the parser and still be refused."""

Failure = Literal["missing", "retry", "refused"]
BulkResults = list[tuple[bool, dict[str, Any]]]


class Missing(Exception):
    """The index, alias or document a request named does not exist (HTTP 404)."""


def _item_id(item: dict[str, Any]) -> str:
    result = next(iter(item.values()), {})
    return str(result.get("_id", "")) if isinstance(result, dict) else ""


def _body(response: Any) -> Any:
    """The decoded body of a client response (the Elasticsearch client wraps it, OpenSearch's does not)."""
    return getattr(response, "body", response)


class ClusterBackend:
    """`IndexBackend` on a search cluster: alias `{prefix}{index}` over `{alias}-000001`, `-000002`, ..."""

    dialect: ClassVar[Dialect]

    def __init__(
        self,
        client: Any,
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
        shards: int | None = None,
    ) -> None:
        self.client = client
        self.shards = shards
        self.name = self.dialect.name
        self.alias = alias_name(index, prefix)
        self.chunk_size = chunk_size
        self.max_chunk_bytes = max_chunk_bytes
        self.max_retries = max_retries
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.refresh_on_write = refresh_on_write
        self.drop_on_close = drop_on_close
        self._ready = False

    # -- what differs per client library -----------------------------------------------------------

    def _failure(self, exc: Exception) -> Failure | None:
        """How the client's exception counts: a 404, worth a retry, a refusal, or not the client's (None)."""
        raise NotImplementedError

    def _streaming_bulk(self, actions: Iterator[dict[str, Any]]) -> Iterator[tuple[bool, dict[str, Any]]]:
        """The client's `helpers.streaming_bulk` with `_bulk_options()`: per-item results, 429s retried."""
        raise NotImplementedError

    def _bulk_options(self) -> dict[str, Any]:
        """What both clients' bulk helpers take alike: byte-bounded chunks, item failures returned, backoff."""
        return {"chunk_size": self.chunk_size, "max_chunk_bytes": self.max_chunk_bytes, "raise_on_error": False,
                "max_retries": self.max_retries, "initial_backoff": self.initial_backoff, "max_backoff": self.max_backoff}

    def _reindex(self, body: dict[str, Any]) -> Any:
        """`POST /_reindex`, waiting for completion (an hour at most) and refreshing the destination."""
        raise NotImplementedError

    def _node_urls(self) -> list[str]:
        raise NotImplementedError

    # -- plumbing --------------------------------------------------------------------------------

    def _call(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run one request, retrying connection errors and RETRY_STATUS with exponential backoff.

        Returns the decoded body; a 404 raises `Missing` for callers that expect one; anything else
        ends in `BackendError`.
        """
        product = self.dialect.product
        delay = self.initial_backoff
        error: Exception | None = None
        for attempt in range(self.max_retries + 1):
            try:
                return _body(fn(*args, **kwargs))
            except Exception as exc:
                failure = self._failure(exc)
                if failure is None:
                    raise
                if failure == "missing":
                    raise Missing(what) from exc
                if failure == "refused":
                    raise BackendError(f"{product} refused {what}: {exc}") from exc
                error = exc
            if attempt < self.max_retries:
                log.warning("%s %s failed (%s); retry %d in %.1fs", self.name, what, error, attempt + 1, delay)
                time.sleep(delay)
                delay = min(delay * 2, self.max_backoff)
        raise BackendError(f"{product} unavailable for {what} after {self.max_retries + 1} attempts: {error}") from error

    def _put_template(self) -> None:
        self._call("put index template", self.client.indices.put_index_template, name=self.alias,
                   body=template_body(self.alias, self.shards))

    def ensure(self) -> None:
        """Put the index template and create the first version behind the alias if there is none."""
        if self._ready:
            return
        self._put_template()
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
        versions = {name: index_version(self.alias, name) for name in found}
        return {name: v for name, v in versions.items() if v is not None}

    def _current(self) -> list[str]:
        try:
            return sorted(self._call("read alias", self.client.indices.get_alias, name=self.alias))
        except Missing:
            return []

    def _refresh(self, index: str) -> None:
        self._call("refresh", self.client.indices.refresh, index=index)

    def _count(self, index: str) -> int:
        try:
            return int(self._call("count", self.client.count, index=index, body=count_body())["count"])
        except Missing:
            return 0

    # -- writes ----------------------------------------------------------------------------------

    def _bulk(self, actions: Callable[[], Iterator[dict[str, Any]]]) -> BulkResults:
        """Stream actions in byte-bounded chunks; a failed request is retried whole (upserts by id
        and deletes are idempotent)."""
        return self._call("bulk", lambda: list(self._streaming_bulk(actions())))

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
            raise BackendError(f"{self.dialect.product} refused {len(errors)} deletes: {failure_reason(errors[0])}")
        if self.refresh_on_write:
            self._refresh(self.alias)
        return sum(1 for ok, _ in results if ok)

    # -- reads -----------------------------------------------------------------------------------

    # Reads never create anything: a read-only user must be enough, and a missing alias is an empty index.

    def get(self, article_id: str) -> Article | None:
        try:
            found = self._call("get", self.client.get, index=self.alias, id=article_id)
        except Missing:
            return None
        return from_document(found["_source"])

    def search(self, request: SearchRequest) -> SearchResponse:
        check_request(request)
        try:
            raw = self._call("search", self.client.search, index=self.alias, body=search_body(request))
        except Missing:
            return SearchResponse(total=0, hits=[], page=request.page, size=request.size)
        except BackendError as exc:
            if TOO_MANY_CLAUSES in str(exc):
                limit = str(exc).split(TOO_MANY_CLAUSES, 1)[1].split()[0].strip("'\")")
                raise InvalidSearch(f"the query has too many terms for {self.dialect.product} (at most {limit} "
                                    "word-field pairs; a word searches title and body): use fewer words") from exc
            raise
        response = search_response(request, raw)
        for name in response.facets:
            agg = raw["aggregations"][name]
            if count_error(agg):
                response.facets[name] = self._exact_facet(name, agg, request.filters, request.facet_size,
                                                          request.interval, request.query, request.collapse,
                                                          request.facet_contains)
        return response

    def facet(self, field: FacetName, filters: Filters, size: int = 10) -> list[FacetBucket]:
        try:
            raw = self._call("facet", self.client.search, index=self.alias, body=facet_body(field, filters, size))
        except Missing:
            return []
        agg = raw.get("aggregations", {}).get(field, {})
        return self._exact_facet(field, agg, filters, size) if count_error(agg) else to_buckets(agg)

    def _exact_facet(self, field: FacetName, agg: dict[str, Any], filters: Filters, size: int,
                     interval: Interval = "month", query: QueryNode | None = None,
                     collapse: bool = False, contains: str | None = None) -> list[FacetBucket]:
        """Exact counts and top values on several shards: ask each shard for more candidates until no
        count can be off (the terms aggregation's error bound is 0), up to MAX_SHARD_SIZE."""
        shard_size = max(4 * size, 100)
        while count_error(agg) and shard_size <= MAX_SHARD_SIZE:
            body = facet_body(field, filters, size, interval, query=query, collapse=collapse, contains=contains,
                              shard_size=shard_size)
            agg = self._call("facet", self.client.search, index=self.alias, body=body)["aggregations"][field]
            shard_size *= 8
        if count_error(agg):
            log.warning("facet %s: counts may be off by up to %d (more than %d values per shard)", field,
                        count_error(agg), MAX_SHARD_SIZE)
        return to_buckets(agg)

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
            except Missing:
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
                page = self._call("list ids", self.client.search, index=self.alias, body=ids_body(after))["hits"]["hits"]
            except Missing:
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
        self._put_template()
        versions = self._versions()
        current = self._current()
        new = version_index(self.alias, max(versions.values(), default=0) + 1)
        self._call("create index", self.client.indices.create, index=new, body=create_index_body())
        expected = self._count(",".join(current)) if current else 0
        if current:
            result = self._call("reindex", self._reindex, reindex_body(",".join(current), new))
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
        """Whether the cluster answers and is the configured engine, its version, the alias's document count."""
        report: dict[str, object] = {"backend": self.name, "url": ", ".join(self._node_urls()), "alias": self.alias}
        try:
            info = _body(self.client.info())
            count = self._count(self.alias)
        except Exception as exc:  # noqa: BLE001 - health reports, never raises
            return {**report, "ok": False, "reachable": False, "error": str(exc)}
        mismatch = server_mismatch(self.dialect, info)
        report.update(reachable=True, server_version=info["version"]["number"], indices=self._current(), documents=count)
        return {**report, "ok": mismatch is None, **({"error": mismatch} if mismatch else {})}

    def drop(self) -> None:
        """Delete every index version and the template of this alias (tests, teardown)."""
        names = list(self._versions())
        if names:
            self._call("delete indices", self.client.indices.delete, index=",".join(names))
        try:
            self._call("delete template", self.client.indices.delete_index_template, name=self.alias)
        except Missing:
            pass
        self._ready = False

    def close(self) -> None:
        """Close the connection pool (after dropping everything if `drop_on_close`, as tests ask)."""
        try:
            if self.drop_on_close:
                self.drop()
        finally:
            self.client.close()
