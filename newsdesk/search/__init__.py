"""Search: the request model, the query language, and one request builder for CLI and API alike."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import get_args

from pydantic import ValidationError

from newsdesk.model import EntityType
from newsdesk.search.model import (
    DEFAULT_FACETS,
    MAX_PAGE_SIZE,
    MAX_RESULT_WINDOW,
    FacetName,
    Filters,
    InvalidSearch,
    SearchRequest,
)
from newsdesk.search.query import MAX_QUERY_TERMS, parse_query

__all__ = ["InvalidSearch", "MAX_QUERY_TERMS", "SearchRequest", "build_request", "check_request", "parse_query"]

FACET_NAMES: frozenset[str] = frozenset(get_args(FacetName))


def check_request(request: SearchRequest) -> SearchRequest:
    """Refuse what no backend serves (paging beyond `MAX_RESULT_WINDOW`); every backend calls this."""
    if request.page * request.size > MAX_RESULT_WINDOW:
        raise InvalidSearch(
            f"page {request.page} of size {request.size} reaches hit {request.page * request.size}, deeper than the "
            f"{MAX_RESULT_WINDOW} we serve: narrow the search with words or filters instead of paging further"
        )
    if request.filters.date_from and request.filters.date_to and request.filters.date_from > request.filters.date_to:
        raise InvalidSearch(f"date_from {request.filters.date_from} is after date_to {request.filters.date_to}")
    if request.filters.undated and (request.filters.date_from or request.filters.date_to):
        raise InvalidSearch("undated articles have no publication date: ask for undated or for a date range, not both")
    return request


def _values(value: str | Iterable[str] | None) -> list[str]:
    """Filter values from a single string or a list, blanks dropped."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    return [v.strip() for v in items if isinstance(v, str) and v.strip()]


def _facets(facets: str | Iterable[str] | None) -> list[str]:
    """Facet names from a list or a comma-separated string; unknown names refused."""
    if facets is None:
        return list(DEFAULT_FACETS)
    names = [n.strip() for item in ([facets] if isinstance(facets, str) else facets) for n in item.split(",") if n.strip()]
    unknown = [n for n in names if n not in FACET_NAMES]
    if unknown:
        raise InvalidSearch(f"unknown facet {', '.join(map(repr, unknown))}; known facets: {', '.join(sorted(FACET_NAMES))}")
    return list(dict.fromkeys(names))


def _validation_message(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"] if p != "filters")
        parts.append(f"{loc}: {e['msg']}" if loc else e["msg"])
    return "; ".join(parts)


def build_request(
    q: str | None = None,
    *,
    publisher: str | Iterable[str] | None = None,
    entity: str | Iterable[str] | None = None,
    entity_type: EntityType | str | None = None,
    language: str | Iterable[str] | None = None,
    story_id: str | Iterable[str] | None = None,
    date_from: date | str | None = None,
    date_to: date | str | None = None,
    undated: bool = False,
    sort: str = "relevance",
    page: int = 1,
    size: int = 10,
    facets: str | Iterable[str] | None = None,
    facet_size: int = 10,
    interval: str = "month",
    collapse: bool = False,
    highlight: bool = True,
) -> SearchRequest:
    """A validated `SearchRequest` from user-level parameters; `InvalidSearch` says what is wrong.

    `facets=None` asks for the default facets, `facets=[]` for none. Dates are `date`s or `YYYY-MM-DD`.
    """
    query = parse_query(q) if q is not None else None
    if size > MAX_PAGE_SIZE or size < 0:
        raise InvalidSearch(f"size must be between 0 and {MAX_PAGE_SIZE}, got {size}")
    if page < 1:
        raise InvalidSearch(f"page must be 1 or more, got {page}")
    try:
        filters = Filters(
            publisher=_values(publisher),
            entity=_values(entity),
            entity_type=entity_type or None,
            language=_values(language),
            story_id=_values(story_id),
            date_from=date_from or None,
            date_to=date_to or None,
            undated=undated,
        )
        request = SearchRequest(
            query=query,
            filters=filters,
            sort=sort,
            page=page,
            size=size,
            facets=_facets(facets),
            facet_size=facet_size,
            interval=interval,
            collapse=collapse,
            highlight=highlight,
        )
    except ValidationError as err:
        raise InvalidSearch(_validation_message(err)) from None
    return check_request(request)
