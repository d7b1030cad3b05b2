"""Elasticsearch and OpenSearch request bodies and response mapping: pure functions, no I/O.

Everything the cluster backends (`ElasticsearchBackend`, `OpenSearchBackend`, over one
`ClusterBackend` core) send is built here, once for both engines, so unit tests can validate each
body against the Elasticsearch OpenAPI spec without a cluster and run the same bodies on a real
OpenSearch. Where the two APIs differ, the difference is a field of `Dialect`, passed explicitly.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
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
FIELDS: dict[str, str] = {"author": "authors"}
"""Document fields of the facets, query fields and filters not named like them."""
SCAN_PAGE = 1_000
"""Hits per request when scanning every hit of a search (`scan_body`)."""
HIGHLIGHT_TAGS = ("<mark>", "</mark>")
TITLE_BOOST = 2.0
DATE_FORMATS: dict[str, str] = {"day": "yyyy-MM-dd", "week": "yyyy-MM-dd", "month": "yyyy-MM", "year": "yyyy"}
"""How `published` histogram buckets are labelled, per calendar interval."""
UNDATED_AGGREGATION = "undated"
"""The aggregation counting matching articles without a publication date (beside the `published` histogram)."""
UNDATED_CLAUSE: Body = {"bool": {"must_not": [{"exists": {"field": "published"}}]}}
VERSION_DIGITS = 6
WORD = re.compile(r"\w+")


# -- dialects ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dialect:
    """What differs between the Elasticsearch and OpenSearch REST APIs, for what we send and read.

    The query DSL, aggregations, highlighting, bulk, aliases, reindex and the index template we use
    are the same on both (the contract suite runs the same bodies on each); what differs is how a
    server names itself in `GET /` (ours is told by `distribution`), so a backend pointed at the
    other engine says so instead of half-working.
    """

    name: str
    """The backend name (`NEWSDESK_BACKEND`)."""
    product: str
    """The engine's name in messages."""
    distribution: str | None
    """`version.distribution` in `GET /`: OpenSearch sets it to "opensearch", Elasticsearch omits it."""


ELASTICSEARCH = Dialect(name="elasticsearch", product="Elasticsearch", distribution=None)
OPENSEARCH = Dialect(name="opensearch", product="OpenSearch", distribution="opensearch")


def server_mismatch(dialect: Dialect, info: Mapping[str, Any]) -> str | None:
    """None when `GET /`'s answer is from the dialect's engine, else what the server is instead."""
    version = info.get("version") or {}
    distribution = version.get("distribution") if isinstance(version, Mapping) else None
    if distribution == dialect.distribution:
        return None
    other = next((d for d in (ELASTICSEARCH, OPENSEARCH) if d.distribution == distribution), None)
    found = other.product if other else f"a {distribution!r} distribution"
    return f"the server is {found} {version.get('number', '?')}, not {dialect.product}"


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


def template_body(alias: str = "articles", shards: int | None = None) -> Body:
    """`PUT /_index_template/{alias}`: mappings/articles.template.json, patterns set for `alias`
    (and `shards` primary shards per index version when given; the engines' default is one)."""
    body = copy.deepcopy(_template_file())
    body["index_patterns"] = [f"{alias}-*"]
    if shards is not None:
        body["template"]["settings"]["number_of_shards"] = shards
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
    return list(ENTITY_FIELDS) if field == "entity" else [FIELDS.get(field, field)]


def _keyword_match(fields: Sequence[str], values: Sequence[str], *, prefix: bool = False) -> Body:
    """Any of the fields holding any of the values (whole values, or prefixes), ignoring case."""
    op = "prefix" if prefix else "term"
    return _any_of([{op: {f: {"value": v, "case_insensitive": True}}} for f in fields for v in values])


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
        return _keyword_match(_keyword_fields(field), [node.value], prefix=kind == "term" and node.prefix)
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
    """Keyword filters, matched ignoring case, and the date range (filter context: no scoring, cacheable)."""
    clauses: list[Body] = []
    for field in ("publisher", "author", "language", "story_id"):
        values = getattr(filters, field)
        if values:
            clauses.append(_keyword_match(_keyword_fields(field), values))
    if filters.entity:
        fields = [filters.entity_type.value] if filters.entity_type else list(ENTITY_FIELDS)
        clauses.append(_keyword_match(fields, filters.entity))
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


def exclusion_clauses(filters: Filters, collapse: bool) -> list[Body]:
    """What the filters exclude (one clause per field, ignoring case), and near-duplicates when collapsing."""
    clauses = [_keyword_match(_keyword_fields(field), values) for field, values in filters.exclude.items() if values]
    if collapse:
        clauses.append({"exists": {"field": "duplicate_of"}})
    return clauses


def _bool_query(request_query: QueryNode | None, filters: Filters, collapse: bool) -> Body:
    """The user's query scored in `must`; filters, exclusions and the duplicate collapse unscored."""
    bool_query: Body = {}
    if request_query is not None:
        bool_query["must"] = [query_clause(request_query)]
    if clauses := filter_clauses(filters):
        bool_query["filter"] = clauses
    if excluded := exclusion_clauses(filters, collapse):
        bool_query["must_not"] = excluded
    return {"bool": bool_query} if bool_query else {"match_all": {}}


def _case_insensitive_regex(text: str) -> str:
    """A Lucene regular expression matching any term containing `text`, ignoring case."""
    parts = []
    for ch in text:
        if ch.lower() != ch.upper():
            parts.append(f"[{ch.lower()}{ch.upper()}]")
        elif ch.isalnum():
            parts.append(ch)
        else:
            parts.append("\\" + ch)
    return ".*" + "".join(parts) + ".*"


def aggregation(facet: FacetName, size: int, interval: Interval = "month", contains: str | None = None,
                shard_size: int | None = None) -> Body:
    """One facet's aggregation: terms on a keyword field (only values containing `contains`, ignoring case, when
    given; `shard_size` candidates from each shard when
    given), or a date histogram on `published`."""
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
    terms: Body = {"field": FIELDS.get(facet, facet), "size": size, "order": [{"_count": "desc"}, {"_key": "asc"}]}
    if contains:
        terms["include"] = _case_insensitive_regex(contains)
    if shard_size is not None:
        terms["shard_size"] = shard_size
    return {"terms": terms}


def _sort(request: SearchRequest) -> list[Body]:
    if request.sort == "date":
        return [{"published": {"order": "desc", "missing": "_last"}}, {"_score": {"order": "desc"}}]
    return [{"_score": {"order": "desc"}}, {"published": {"order": "desc", "missing": "_last"}}]


def search_body(request: SearchRequest) -> Body:
    """`POST /{alias}/_search` for a SearchRequest: query, filters, aggregations, highlights, sort, page."""
    check_request(request)
    body: Body = {
        "query": _bool_query(request.query, request.filters, request.collapse),
        "from": request.offset,
        "size": request.size,
        "track_total_hits": True,
        "_source": {"includes": list(HIT_SOURCE)},
        "sort": _sort(request),
    }
    if request.sort != "date":
        body["track_scores"] = True
    if request.facets:
        body["aggregations"] = {f: aggregation(f, request.facet_size, request.interval, request.facet_contains)
                                for f in request.facets}
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


def facet_body(field: FacetName, filters: Filters, size: int = 10, interval: Interval = "month", *,
               query: QueryNode | None = None, collapse: bool = False, contains: str | None = None,
               shard_size: int | None = None) -> Body:
    """`POST /{alias}/_search` for one facet under filters (and a query), no hits."""
    return {
        "query": _bool_query(query, filters, collapse),
        "size": 0,
        "track_total_hits": False,
        "aggregations": {field: aggregation(field, size, interval, contains, shard_size)},
    }


def scan_body(request: SearchRequest, after: Sequence[Any] | None = None, size: int = SCAN_PAGE) -> Body:
    """`POST /{alias}/_search`: one page of every hit of the request's query and filters, in its sort order with
    the id as tie-breaker, paged with `search_after` (no result-window limit; no facets or highlights)."""
    body: Body = {
        "query": _bool_query(request.query, request.filters, request.collapse),
        "size": size,
        "track_total_hits": False,
        "_source": {"includes": list(HIT_SOURCE)},
        "sort": [*_sort(request), {"id": {"order": "asc"}}],
    }
    if request.sort != "date":
        body["track_scores"] = True
    if after is not None:
        body["search_after"] = list(after)
    return body


def count_error(agg: Mapping[str, Any]) -> int:
    """A terms aggregation's `doc_count_error_upper_bound`: 0 when its counts and top values are
    exact (every shard returned all its candidates; always so on one shard)."""
    return int(agg.get("doc_count_error_upper_bound") or 0)


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
    """Highlight fragments, title first. Lucene's HTML encoder also escapes `/` (`&#x2F;`), which HTML
    text never needs; it is put back so fragments read as the embedded backend's do."""
    fragments = hit.get("highlight") or {}
    return [frag.replace("&#x2F;", "/") for field in ("title", "body") for frag in fragments.get(field, [])]


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


# -- the shared store (newsdesk/index/shared.py) -----------------------------------------------------

SHARED_STATE_PATH = TEMPLATE_PATH.with_name("shared-state.json")


def shared_index_name(alias: str) -> str:
    """The index of the shared store beside an articles alias, e.g. `articles.state` (outside `{alias}-*`, so
    the articles template never applies to it)."""
    return f"{alias}.state"


@lru_cache(maxsize=1)
def shared_index_body() -> Body:
    """`PUT /{alias}.state`: mappings/shared-state.json (strict)."""
    body = json.loads(SHARED_STATE_PATH.read_text())
    return {"settings": body["settings"], "mappings": body["mappings"]}


def journal_entry(store: str, seq: int, owner: str, at_ms: int, changes: str) -> Body:
    """`PUT /{alias}.state/_create/{store}:{seq}`: one committed transaction of a store (`changes`: base64)."""
    return {"kind": "entry", "store": store, "seq": seq, "owner": owner, "at": at_ms, "changes": changes}


def lease_doc(store: str, owner: str, expires_ms: int) -> Body:
    """`PUT /{alias}.state/_create/{store}:lease` (or `_doc` with if_seq_no/if_primary_term to take over an
    expired one): who may write a store until when."""
    return {"kind": "lease", "store": store, "owner": owner, "expires": expires_ms}


def entry_id(store: str, seq: int) -> str:
    return f"{store}:{seq:012d}"


def ids_mget_body(ids: list[str]) -> Body:
    """`POST /{index}/_mget` by ids (real-time reads)."""
    return {"ids": ids}
