"""The document-store contract every index backend implements."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, Field

from newsdesk.model import Article
from newsdesk.search.model import FacetBucket, FacetName, Filters, Hit, SearchRequest, SearchResponse


class WriteFailure(BaseModel):
    id: str
    reason: str


class WriteResult(BaseModel):
    written: int = 0
    failed: list[WriteFailure] = Field(default_factory=list)


class BackendError(RuntimeError):
    """The backend could not be reached or refused a whole request (retriable)."""


@runtime_checkable
class IndexBackend(Protocol):
    """An article store with full-text and faceted search (embedded tantivy or Elasticsearch)."""

    name: str

    def upsert(self, articles: Sequence[Article]) -> WriteResult:
        """Insert or replace articles by id; durable when it returns."""
        ...

    def delete(self, ids: Iterable[str]) -> int:
        """Delete articles by id; returns how many existed."""
        ...

    def get(self, article_id: str) -> Article | None: ...

    def search(self, request: SearchRequest) -> SearchResponse: ...

    def facet(self, field: FacetName, filters: Filters, size: int = 10) -> list[FacetBucket]:
        """Top values of one facet with counts, under the given filters."""
        ...

    def scan(self, request: SearchRequest, limit: int) -> Iterator[Hit]:
        """Up to `limit` hits of the request's query and filters, in its sort order, without the paging limit
        (for exports; no highlights or facets)."""
        ...

    def count(self) -> int: ...

    def ids(self) -> Iterable[str]:
        """Every stored article id."""
        ...

    def reindex(self, prune: bool = False) -> dict[str, object]:
        """Rebuild into a new index version from the stored documents, check counts, swap atomically."""
        ...

    def health(self) -> dict[str, object]:
        """Whether the backend answers, and its document count."""
        ...

    def close(self) -> None: ...
