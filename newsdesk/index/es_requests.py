"""Elasticsearch request bodies and response mapping: pure functions, no I/O.

Everything `ElasticsearchBackend` sends is built here, so unit tests can validate each body
against the Elasticsearch OpenAPI spec without a cluster.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from newsdesk.model import Article, EntityType
from newsdesk.search import check_request
from newsdesk.search.model import (
    TEXT_FIELDS,
    FacetBucket,
    FacetName,
    Filters,
    Hit,
    Interval,
    QueryNode,
    SearchRequest,
    SearchResponse,
    hit_from_article_fields,
)

Body = dict[str, Any]

MAPPINGS_DIR = Path(__file__).resolve().parents[2] / "mappings"
TEMPLATE_PATH = MAPPINGS_DIR / "articles.template.json"

ENTITY_FIELDS: tuple[str, ...] = tuple(t.value for t in EntityType)
"""Per-type keyword arrays derived from `Article.entities` (cheap terms aggregations)."""
DERIVED_FIELDS: frozenset[str] = frozenset(ENTITY_FIELDS)
"""Document fields that are not Article fields (dropped when reading a document back)."""
HIT_SOURCE: list[str] = ["id", "title", "publisher", "published", "language", "url", "duplicate_of", "story_id", "body"]
"""Hit fields read back; `body` gives an untitled article its lead-sentence label."""
HIGHLIGHT_TAGS = ("<mark>", "</mark>")
TITLE_BOOST = 2.0
DATE_FORMATS: dict[str, str] = {"day": "yyyy-MM-dd", "week": "yyyy-MM-dd", "month": "yyyy-MM", "year": "yyyy"}
"""How `published` histogram buckets are labelled, per calendar interval."""
UNDATED_AGGREGATION = "undated"
"""The aggregation counting matching articles without a publication date (beside the `published` histogram)."""
UNDATED_CLAUSE: Body = {"bool": {"must_not": [{"exists": {"field": "published"}}]}}
VERSION_DIGITS = 6
WORD = re.compile(r"\w+")


# -- names -------------------------------------------------------------------------------------


def alias_name(index: str = "articles", prefix: str = "") -> str:
    """The alias every read and write goes through, e.g. `articles` or `test-1-articles`."""
    return f"{prefix}{index}"


def version_index(alias: str, version: int) -> str:
    """The concrete index of one version, e.g. `articles-000001`."""
    return f"{alias}-{version:0{VERSION_DIGITS}d}"


def index_version(alias: str, index: str) -> int | None:
    """The version number of a concrete index behind `alias`, or None if it is not one of ours."""
    head, _, tail = index.rpartition("-")
    if head != alias or len(tail) != VERSION_DIGITS or not tail.isdigit():
        return None
    return int(tail)


# -- index template ----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _template_file() -> Body:
    return json.loads(TEMPLATE_PATH.read_text())


def template_body(alias: str = "articles") -> Body:
    """`PUT /_index_template/{alias}`: mappings/articles.template.json, patterns set for `alias`."""
    body = copy.deepcopy(_template_file())
    body["index_patterns"] = [f"{alias}-*"]
    return body


def mapped_properties() -> dict[str, Any]:
    """The template's top-level field mappings."""
    return dict(_template_file()["template"]["mappings"]["properties"])


# -- documents and writes ----------------------------------------------------------------------


def to_document(article: Article) -> Body:
    """The stored document: the Article as JSON plus per-type entity name arrays."""
    doc = article.model_dump(mode="json")
    for entity_type in EntityType:
        doc[entity_type.value] = article.entity_names(entity_type)
    return doc


def from_document(source: Mapping[str, Any]) -> Article:
    """Read a stored document back into an Article."""
    return Article.model_validate_json(json.dumps({k: v for k, v in source.items() if k not in DERIVED_FIELDS}))


def bulk_actions(articles: Iterable[Article], index: str) -> Iterator[Body]:
    """`helpers.streaming_bulk` actions: index (upsert) by our stable id."""
    for article in articles:
        yield {"_op_type": "index", "_index": index, "_id": article.id, "_source": to_document(article)}


def delete_actions(ids: Iterable[str], index: str) -> Iterator[Body]:
    """`helpers.streaming_bulk` actions deleting by id."""
    for article_id in ids:
        yield {"_op_type": "delete", "_index": index, "_id": article_id}


def failure_reason(item: Mapping[str, Any]) -> str:
    """A one-line reason from a failed bulk response item (`{"index": {"status", "error"}}`)."""
    result = next(iter(item.values())) if item else {}
    error = result.get("error") if isinstance(result, Mapping) else None
    status = result.get("status") if isinstance(result, Mapping) else None
    if isinstance(error, Mapping):
        text = f"{error.get('type', 'error')}: {error.get('reason', '')}".strip()
        caused = error.get("caused_by")
        if isinstance(caused, Mapping) and caused.get("reason"):
            text += f" (caused by {caused.get('type', 'error')}: {caused['reason']})"
    else:
        text = str(error or result)
    return f"HTTP {status}: {text}" if status else text


# -- queries -----------------------------------------------------------------------------------


def _text_fields(field: str | None) -> list[str]:
    return [field] if field in TEXT_FIELDS else ["title", "body"]


def _keyword_fields(field: str) -> list[str]:
    return list(ENTITY_FIELDS) if field == "entity" else [field]


def _any_of(clauses: list[Body]) -> Body:
    return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses, "minimum_should_match": 1}}


def _boost(field: str) -> float:
    return TITLE_BOOST if field == "title" else 1.0


def query_clause(node: QueryNode) -> Body:
    """Translate the query AST to Query DSL: match/match_phrase/prefix/term inside bool queries."""
    kind = node.kind
    if kind == "and":
        return {"bool": {"must": [query_clause(c) for c in node.clauses]}}
    if kind == "or":
        return {"bool": {"should": [query_clause(c) for c in node.clauses], "minimum_should_match": 1}}
    if kind == "not":
        return {"bool": {"must_not": [query_clause(node.clause)]}}
    field = node.field
    if field is not None and field not in TEXT_FIELDS:
        op = "prefix" if kind == "term" and node.prefix else "term"
        return _any_of([{op: {f: {"value": node.value}}} for f in _keyword_fields(field)])
    fields = _text_fields(field)
    words = len(WORD.findall(node.value))
    several = words > 1  # `covid-19`, `u.s*`: adjacent words, as a phrase
    if kind == "term" and node.prefix:
        if not words:
            return {"match_none": {}}  # a prefix of no word matches nothing (not everything)
        if several:
            return _any_of([{"match_phrase_prefix": {f"{f}.std": {"query": node.value, "boost": _boost(f)}}} for f in fields])
        return _any_of([{"prefix": {f"{f}.std": {"value": node.value.lower(), "boost": _boost(f)}}} for f in fields])
    op = "match_phrase" if kind == "phrase" or several else "match"
    return _any_of([{op: {f: {"query": node.value, "boost": _boost(f)}}} for f in fields])


def filter_clauses(filters: Filters) -> list[Body]:
    """Exact filters (filter context: no scoring, cacheable)."""
    clauses: list[Body] = []
    for field in ("publisher", "language", "story_id"):
        values = getattr(filters, field)
        if values:
            clauses.append({"terms": {field: list(values)}})
    if filters.entity:
        fields = [filters.entity_type.value] if filters.entity_type else list(ENTITY_FIELDS)
        clauses.append(_any_of([{"terms": {f: list(filters.entity)}} for f in fields]))
    if filters.date_from or filters.date_to:
        bounds: Body = {}
        if filters.date_from:
            bounds["gte"] = filters.date_from.isoformat()
        if filters.date_to:
            bounds["lte"] = f"{filters.date_to.isoformat()}||/d"
        clauses.append({"range": {"published": bounds}})
    if filters.undated:
        clauses.append(UNDATED_CLAUSE)
    return clauses


def _bool_query(request_query: QueryNode | None, filters: Filters, collapse: bool) -> Body:
    """The user's query scored in `must`; filters and the duplicate collapse unscored."""
    bool_query: Body = {}
    if request_query is not None:
        bool_query["must"] = [query_clause(request_query)]
    if clauses := filter_clauses(filters):
        bool_query["filter"] = clauses
    if collapse:
        bool_query["must_not"] = [{"exists": {"field": "duplicate_of"}}]
    return {"bool": bool_query} if bool_query else {"match_all": {}}


def aggregation(facet: FacetName, size: int, interval: Interval = "month") -> Body:
    """One facet's aggregation: terms on a keyword field, or a date histogram on `published`."""
    if facet == "published":
        return {
            "date_histogram": {
                "field": "published",
                "calendar_interval": interval,
                "format": DATE_FORMATS[interval],
                "min_doc_count": 1,
                "order": {"_key": "asc"},
            }
        }
    return {"terms": {"field": facet, "size": size, "order": [{"_count": "desc"}, {"_key": "asc"}]}}


def search_body(request: SearchRequest) -> Body:
    """`POST /{alias}/_search` for a SearchRequest: query, filters, aggregations, highlights, sort, page."""
    check_request(request)
    body: Body = {
        "query": _bool_query(request.query, request.filters, request.collapse),
        "from": request.offset,
        "size": request.size,
        "track_total_hits": True,
        "_source": {"includes": list(HIT_SOURCE)},
    }
    if request.sort == "date":
        body["sort"] = [{"published": {"order": "desc", "missing": "_last"}}, {"_score": {"order": "desc"}}]
    else:
        body["sort"] = [{"_score": {"order": "desc"}}, {"published": {"order": "desc", "missing": "_last"}}]
        body["track_scores"] = True
    if request.facets:
        body["aggregations"] = {f: aggregation(f, request.facet_size, request.interval) for f in request.facets}
        if "published" in request.facets:
            body["aggregations"][UNDATED_AGGREGATION] = {"missing": {"field": "published"}}
    if request.highlight and request.query is not None:
        body["highlight"] = {
            "pre_tags": [HIGHLIGHT_TAGS[0]],
            "post_tags": [HIGHLIGHT_TAGS[1]],
            "encoder": "html",
            "require_field_match": False,
            "fields": [
                {"title": {"number_of_fragments": 0}},
                {"body": {"fragment_size": 160, "number_of_fragments": 3}},
            ],
        }
    return body


def facet_body(field: FacetName, filters: Filters, size: int = 10, interval: Interval = "month") -> Body:
    """`POST /{alias}/_search` for one facet under filters (no hits)."""
    return {
        "query": _bool_query(None, filters, False),
        "size": 0,
        "track_total_hits": False,
        "aggregations": {field: aggregation(field, size, interval)},
    }


def count_body() -> Body:
    """`POST /{alias}/_count`: every document."""
    return {"query": {"match_all": {}}}


def ids_body(after: str | None = None, size: int = 1000) -> Body:
    """`POST /{alias}/_search`: one page of ids in id order (search_after paging, no depth limit)."""
    body: Body = {"query": {"match_all": {}}, "size": size, "_source": False, "sort": [{"id": {"order": "asc"}}]}
    if after is not None:
        body["search_after"] = [after]
    return body


# -- index lifecycle ---------------------------------------------------------------------------


def reindex_body(source: str, dest: str) -> Body:
    """`POST /_reindex`: copy every document from one concrete index to another, ids kept."""
    return {"source": {"index": source}, "dest": {"index": dest, "op_type": "index"}, "conflicts": "abort"}


def alias_actions(alias: str, new_index: str, old_indices: Sequence[str] = ()) -> list[Body]:
    """`POST /_aliases` actions: move `alias` to `new_index` atomically (one request)."""
    actions: list[Body] = [{"remove": {"index": old, "alias": alias}} for old in old_indices if old != new_index]
    actions.append({"add": {"index": new_index, "alias": alias, "is_write_index": True}})
    return actions


def create_index_body(alias: str | None = None) -> Body:
    """`PUT /{index}`: settings and mappings come from the template; optionally join the alias."""
    return {"aliases": {alias: {"is_write_index": True}}} if alias else {}


# -- responses ---------------------------------------------------------------------------------


def _highlights(hit: Mapping[str, Any]) -> list[str]:
    fragments = hit.get("highlight") or {}
    return [frag for field in ("title", "body") for frag in fragments.get(field, [])]


def to_hit(hit: Mapping[str, Any]) -> Hit:
    """One search hit."""
    source = hit.get("_source") or {}
    return hit_from_article_fields(hit["_id"], source, hit.get("_score"), _highlights(hit))


def to_buckets(agg: Mapping[str, Any]) -> list[FacetBucket]:
    """Facet buckets from a terms or date_histogram aggregation result."""
    return [
        FacetBucket(value=str(b.get("key_as_string", b["key"])), count=int(b["doc_count"]))
        for b in agg.get("buckets", [])
    ]


def search_response(request: SearchRequest, raw: Mapping[str, Any]) -> SearchResponse:
    """Map an Elasticsearch search response back to the backend-neutral SearchResponse."""
    hits = raw.get("hits", {})
    total = hits.get("total", 0)
    aggs = raw.get("aggregations", {})
    return SearchResponse(
        total=int(total["value"] if isinstance(total, Mapping) else total),
        hits=[to_hit(h) for h in hits.get("hits", [])],
        facets={name: to_buckets(aggs[name]) for name in request.facets if name in aggs},
        undated=int(aggs[UNDATED_AGGREGATION]["doc_count"]) if UNDATED_AGGREGATION in aggs else None,
        page=request.page,
        size=request.size,
    )
