"""Search: the request model, the query language, and one request builder for CLI and API alike."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, get_args

from pydantic import ValidationError

from newsdesk.model import EntityType
from newsdesk.search.model import (
    DEFAULT_FACETS,
    MAX_PAGE_SIZE,
    MAX_RESULT_WINDOW,
    FacetBucket,
    FacetName,
    FilterField,
    Filters,
    Interval,
    InvalidSearch,
    SearchRequest,
    SearchResponse,
)
from newsdesk.search.query import MAX_QUERY_TERMS, parse_query

if TYPE_CHECKING:
    from newsdesk.index.base import IndexBackend

__all__ = ["InvalidSearch", "MAX_QUERY_TERMS", "SearchRequest", "build_request", "check_request", "parse_query",
           "run_search"]

FACET_NAMES: frozenset[str] = frozenset(get_args(FacetName))
FILTER_FIELDS: tuple[str, ...] = get_args(FilterField)
AUTO_INTERVAL = "auto"
"""`interval=auto`: the bucket width follows the hits' date span (see `interval_for_span`)."""
INTERVAL_SPANS: tuple[tuple[int, Interval], ...] = ((62, "day"), (366, "week"), (3653, "month"))
"""The widest date span (in days) each interval serves; wider spans count by year (at most ~100 bars or so)."""


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


def _exclusions(exclude: Mapping[str, Iterable[str]] | str | Iterable[str] | None) -> dict[str, list[str]]:
    """`{field: [values]}` from a mapping or from `field:value` strings; unknown fields refused."""
    if exclude is None:
        return {}
    pairs: list[tuple[str, str]] = []
    if isinstance(exclude, Mapping):
        pairs = [(field, v) for field, values in exclude.items() for v in _values(values)]
    else:
        for item in _values(exclude):
            field, sep, value = item.partition(":")
            if not sep or not value.strip():
                raise InvalidSearch(f"exclude {item!r}: write it as FIELD:VALUE, e.g. publisher:Reuters")
            pairs.append((field.strip(), value.strip()))
    found: dict[str, list[str]] = {}
    for field, value in pairs:
        if field not in FILTER_FIELDS:
            raise InvalidSearch(f"cannot exclude by {field!r}; fields: {', '.join(FILTER_FIELDS)}")
        if value not in found.setdefault(field, []):
            found[field].append(value)
    return found


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
    author: str | Iterable[str] | None = None,
    language: str | Iterable[str] | None = None,
    story_id: str | Iterable[str] | None = None,
    date_from: date | str | None = None,
    date_to: date | str | None = None,
    undated: bool = False,
    exclude: Mapping[str, Iterable[str]] | str | Iterable[str] | None = None,
    sort: str = "relevance",
    page: int = 1,
    size: int = 10,
    facets: str | Iterable[str] | None = None,
    facet_size: int = 10,
    facet_contains: str | None = None,
    interval: str = "month",
    collapse: bool = False,
    highlight: bool = True,
) -> SearchRequest:
    """A validated `SearchRequest` from user-level parameters; `InvalidSearch` says what is wrong.

    `facets=None` asks for the default facets, `facets=[]` for none. Dates are `date`s or `YYYY-MM-DD`.
    `exclude` takes `{field: values}` or `field:value` strings. `interval="auto"` lets `run_search` choose.
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
            author=_values(author),
            language=_values(language),
            story_id=_values(story_id),
            date_from=date_from or None,
            date_to=date_to or None,
            undated=undated,
            exclude=_exclusions(exclude),
        )
        auto = interval == AUTO_INTERVAL
        request = SearchRequest(
            query=query,
            filters=filters,
            sort=sort,
            page=page,
            size=size,
            facets=_facets(facets),
            facet_size=facet_size,
            facet_contains=(facet_contains or "").strip() or None,
            interval="month" if auto else interval,
            auto_interval=auto,
            collapse=collapse,
            highlight=highlight,
        )
    except ValidationError as err:
        raise InvalidSearch(_validation_message(err)) from None
    return check_request(request)


def interval_for_span(first: date, last: date) -> Interval:
    """The bucket width for hits published from `first` to `last`: day up to two months, week up to a year,
    month up to ten years, else year."""
    days = (last - first).days + 1
    return next((interval for limit, interval in INTERVAL_SPANS if days <= limit), "year")


def _month_span(buckets: list[FacetBucket]) -> tuple[date, date]:
    """First day of the first month bucket and last day of the last one."""
    first = date.fromisoformat(buckets[0].value[:7] + "-01")
    last = date.fromisoformat(buckets[-1].value[:7] + "-01")
    return first, (last.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _by_year(buckets: list[FacetBucket]) -> list[FacetBucket]:
    """Month buckets summed into year buckets (each hit is in exactly one month, so the sums are exact)."""
    years: dict[str, int] = {}
    for b in buckets:
        years[b.value[:4]] = years.get(b.value[:4], 0) + b.count
    return [FacetBucket(value=year, count=count) for year, count in sorted(years.items())]


def run_search(backend: IndexBackend, request: SearchRequest) -> SearchResponse:
    """`backend.search`, plus what every front end shows: the `published` interval chosen from the span of the
    hits (`auto_interval`: a second, hit-less request when the span needs days or weeks)."""
    response = backend.search(request)
    published = response.facets.get("published")
    if published is None:
        return response
    interval = request.interval
    if request.auto_interval and request.interval == "month" and published:
        interval = interval_for_span(*_month_span(published))
        if interval == "year":
            response.facets["published"] = _by_year(published)
        elif interval != "month":
            finer = request.model_copy(update={"facets": ["published"], "interval": interval, "size": 0, "page": 1,
                                               "highlight": False})
            response.facets["published"] = backend.search(finer).facets["published"]
    response.interval = interval
    return response
