"""Every Elasticsearch request body we send, validated strictly against the OpenAPI spec."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdesk.index import es_requests as R
from support import es_spec as S
from newsdesk.index.elasticsearch import ElasticsearchBackend
from support.es_testing import RecordingCluster
from newsdesk.model import Article, Entity, EntityType, Provenance, Quote, RemovedSpan
from newsdesk.search import build_request
from newsdesk.search.model import FacetName, Filters, Interval, InvalidSearch, MAX_RESULT_WINDOW, SearchRequest

if not S.SPEC_PATH.exists():
    print(f"skipping the Elasticsearch spec checks: {S.SPEC_PATH} is absent")
    pytest.skip(f"Elasticsearch OpenAPI spec absent at {S.SPEC_PATH}", allow_module_level=True)

SEARCH = ("POST", "/{index}/_search")


def full_article(i: int = 1) -> Article:
    """An article with every field set."""
    return Article(
        id=f"id-{i}",
        path="seeds/a.txt",
        url="https://example.org/a",
        source="seeds",
        title="Saleh refuses to surrender",
        body="Amrullah Saleh said: \"We will not surrender.\" <b>Fighting</b> & more.",
        published="2021-09-04T10:30:00+00:00",
        dateline="KABUL",
        authors=["A. Writer"],
        publisher="India.com",
        aggregator="Newswire",
        cited_sources=["Reuters"],
        language="en",
        entities=[Entity(name=f"E {t.value}", type=t, count=2, surface_forms=["e"]) for t in EntityType],
        quotes=[Quote(speaker="Amrullah Saleh", text="We will not surrender")],
        mentioned_dates=[date(2021, 9, 1)],
        content_hash="abc",
        ingested_at="2021-09-05T00:00:00Z",
        provenance={"published": Provenance(source="dateline", confidence=0.9, detail="x")},
        removed=[RemovedSpan(rule="boilerplate", text="Subscribe now")],
        duplicate_of="id-0",
        story_id="s-1",
    )


# -- the template ------------------------------------------------------------------------------


def test_template_conforms() -> None:
    S.validate_body("PUT", "/_index_template/{name}", R.template_body("articles"))


def test_template_maps_every_article_field_and_nothing_else() -> None:
    mapped = set(R.mapped_properties())
    assert mapped == set(Article.model_fields) | R.DERIVED_FIELDS
    assert R.DERIVED_FIELDS == {t.value for t in EntityType}
    template = R.template_body("articles")
    assert template["template"]["mappings"]["dynamic"] == "strict"
    assert template["index_patterns"] == ["articles-*"]
    assert R.template_body("t1-articles")["index_patterns"] == ["t1-articles-*"]
    props = R.mapped_properties()
    assert props["title"]["analyzer"] == props["body"]["analyzer"] == "english"
    assert props["title"]["fields"]["std"]["analyzer"] == "standard"
    assert props["entities"]["type"] == props["quotes"]["type"] == "nested"
    assert set(props["quotes"]["properties"]) == set(Quote.model_fields)
    assert props["provenance"]["enabled"] is props["removed"]["enabled"] is False
    assert {props[f]["type"] for f in ("published", "mentioned_dates", "ingested_at")} == {"date"}


def test_create_index_and_alias_bodies_conform() -> None:
    S.validate_body("PUT", "/{index}", R.create_index_body("articles"))
    S.validate_body("POST", "/_aliases", {"actions": R.alias_actions("articles", "articles-000002", ["articles-000001"])})
    S.validate_body("POST", "/_reindex", R.reindex_body("articles-000001", "articles-000002"))
    S.validate_body("POST", "/{index}/_count", R.count_body())


def test_alias_swap_is_one_request_removing_old_and_adding_new() -> None:
    actions = R.alias_actions("articles", "articles-000003", ["articles-000001", "articles-000002"])
    assert actions == [
        {"remove": {"index": "articles-000001", "alias": "articles"}},
        {"remove": {"index": "articles-000002", "alias": "articles"}},
        {"add": {"index": "articles-000003", "alias": "articles", "is_write_index": True}},
    ]


# -- documents and bulk lines ------------------------------------------------------------------


def test_documents_fit_the_mapping_and_round_trip() -> None:
    schema = S.mapping_schema(R.mapped_properties())
    minimal = Article(id="m")
    lines: list[Any] = []
    for article in (full_article(), minimal):
        for action in R.bulk_actions([article], "articles"):
            lines += [{action["_op_type"]: {"_index": action["_index"], "_id": action["_id"]}}, action["_source"]]
        assert R.from_document(R.to_document(article)) == article
    lines += [{"delete": {"_index": "articles", "_id": "m"}}]
    assert S.validate_bulk(lines, schema) == 3
    assert R.to_document(full_article())["person"] == ["E person"]


def test_bulk_lines_and_documents_are_checked_strictly() -> None:
    schema = S.mapping_schema(R.mapped_properties())
    doc = R.to_document(full_article())
    with pytest.raises(S.SpecError, match="_idx"):
        S.validate_bulk([{"index": {"_index": "a", "_idx": "1"}}, doc], schema)
    with pytest.raises(S.SpecError, match="colour"):
        S.validate_bulk([{"index": {"_index": "a", "_id": "1"}}, {**doc, "colour": "red"}], schema)
    with pytest.raises(S.SpecError, match="count"):
        S.validate_bulk([{"index": {"_index": "a", "_id": "1"}}, {**doc, "entities": [{"name": "x", "count": "many"}]}], schema)


# -- searches ----------------------------------------------------------------------------------

QUERIES = [
    None, "", "panjshir", '"northern alliance"', "saleh AND video OR monsoon", "panjshir -surrender",
    '(airport OR monsoon) NOT kabul', "airport OR -panjshir", "negot*", 'person:"Ahmad Massoud"', "person:Ahmad*",
    "location:(Kabul OR Mumbai)", "entity:NATO", 'title:"holdout province"', "body:surrender", "story_id:s-1 -saleh",
    "u.s*", "title:covid-19",
]


@pytest.mark.parametrize("q", QUERIES)
@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_search_bodies_conform(q: str | None, sort: str) -> None:
    request = build_request(q, sort=sort, facets=list(get_args(FacetName)), collapse=True, publisher=["India.com"])
    body = R.search_body(request)
    S.validate_body(*SEARCH, body)
    assert "query_string" not in repr(body)


FILTERS = [
    Filters(),
    Filters(publisher=["A", "B"], language=["en"], story_id=["s"]),
    Filters(entity=["Taliban"]),
    Filters(entity=["Taliban"], entity_type=EntityType.ORGANIZATION),
    Filters(date_from=date(2021, 9, 3)),
    Filters(date_from=date(2021, 9, 3), date_to=date(2021, 9, 5)),
    Filters(author=["A. Writer"], exclude={"publisher": ["Sputnik", "RT"], "entity": ["NATO"]}),
    Filters(undated=True, publisher=["A"]),
]


@pytest.mark.parametrize("filters", FILTERS)
def test_filters_go_to_filter_context(filters: Filters) -> None:
    body = R.search_body(SearchRequest(query=None, filters=filters, facets=[]))
    S.validate_body(*SEARCH, body)
    clauses = body["query"].get("bool", {}).get("filter", [])
    assert len(clauses) == len(R.filter_clauses(filters))
    assert "must" not in body["query"].get("bool", {})


def test_keyword_filters_ignore_case_and_exclusions_go_to_must_not() -> None:
    request = build_request(None, publisher="cnn", author="a. writer", exclude=["publisher:RT", "entity:nato"],
                            collapse=True, facets=[])
    body = R.search_body(request)
    S.validate_body(*SEARCH, body)
    assert body["query"]["bool"]["filter"] == [
        {"term": {"publisher": {"value": "cnn", "case_insensitive": True}}},
        {"term": {"authors": {"value": "a. writer", "case_insensitive": True}}},
    ]
    must_not = body["query"]["bool"]["must_not"]
    assert must_not[0] == {"term": {"publisher": {"value": "RT", "case_insensitive": True}}}
    assert [next(iter(c["term"])) for c in must_not[1]["bool"]["should"]] == [t.value for t in EntityType]
    assert must_not[2] == {"exists": {"field": "duplicate_of"}}


def test_facet_values_containing_text_use_a_case_insensitive_include() -> None:
    body = R.search_body(build_request(None, size=0, facets=["person", "published"], facet_contains="saleh (a.k.a"))
    S.validate_body(*SEARCH, body)
    assert body["aggregations"]["person"]["terms"]["include"] == \
        ".*[sS][aA][lL][eE][hH]\\ \\([aA]\\.[kK]\\.[aA].*"
    assert "include" not in body["aggregations"]["published"]["date_histogram"]


@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_scan_pages_conform_and_break_ties_by_id(sort: str) -> None:
    request = build_request("panjshir", sort=sort, publisher="x", exclude="language:de")
    first = R.scan_body(request)
    S.validate_body(*SEARCH, first)
    assert first["sort"][-1] == {"id": {"order": "asc"}} and first["size"] == R.SCAN_PAGE
    assert "aggregations" not in first and "highlight" not in first and "from" not in first
    later = R.scan_body(request, [1.5, 1630454400000, "id-9"], 10)
    S.validate_body(*SEARCH, later)
    assert later["search_after"] == [1.5, 1630454400000, "id-9"] and later["size"] == 10


def test_undated_articles_are_filtered_and_counted_by_the_request() -> None:
    assert R.filter_clauses(Filters(undated=True)) == [{"bool": {"must_not": [{"exists": {"field": "published"}}]}}]
    body = R.search_body(build_request(None, undated=True, facets=["published", "publisher"]))
    S.validate_body(*SEARCH, body)
    assert body["aggregations"]["undated"] == {"missing": {"field": "published"}}
    assert "undated" not in R.search_body(build_request(None, facets=["publisher"]))["aggregations"]


def test_date_to_is_inclusive_of_the_whole_day() -> None:
    (clause,) = R.filter_clauses(Filters(date_from=date(2021, 9, 3), date_to=date(2021, 9, 5)))
    assert clause == {"range": {"published": {"gte": "2021-09-03", "lte": "2021-09-05||/d"}}}


@pytest.mark.parametrize("facet", get_args(FacetName))
@pytest.mark.parametrize("interval", get_args(Interval))
def test_facet_bodies_conform(facet: FacetName, interval: Interval) -> None:
    body = R.facet_body(facet, Filters(publisher=["x"]), 5, interval)
    S.validate_body(*SEARCH, body)
    agg = body["aggregations"][facet]
    if facet == "published":
        assert agg["date_histogram"]["calendar_interval"] == interval
    else:
        assert agg["terms"] == {"field": R.FIELDS.get(facet, facet), "size": 5,
                                "order": [{"_count": "desc"}, {"_key": "asc"}]}


def test_exact_facet_requery_and_sharded_template_conform() -> None:
    """The bodies only a cluster with several shards needs: a facet re-asked with more candidates per shard
    (under the search's query, filters and collapse), and a template with a shard count."""
    request = build_request("panjshir -kabul", publisher="Sputnik", collapse=True)
    body = R.facet_body("person", request.filters, 5, query=request.query, collapse=True, shard_size=800)
    S.validate_body(*SEARCH, body)
    assert body["aggregations"]["person"]["terms"]["shard_size"] == 800 and body["size"] == 0
    assert body["query"] == R.search_body(request)["query"]
    assert R.count_error({"doc_count_error_upper_bound": 3, "buckets": []}) == 3 and R.count_error({"buckets": []}) == 0
    template = R.template_body("articles", shards=2)  # sent by the 3-node OpenSearch test, accepted there
    assert template["template"]["settings"]["number_of_shards"] == 2
    with pytest.raises(S.SpecError, match="number_of_shards"):  # the spec we hold is serverless: no shard settings
        S.validate_body("PUT", "/_index_template/{name}", template)
    assert "number_of_shards" not in R.template_body("articles")["template"]["settings"]


def test_highlight_sort_page_and_collapse() -> None:
    body = R.search_body(build_request("panjshir", sort="date", page=3, size=20, collapse=True))
    assert (body["from"], body["size"]) == (40, 20)
    assert body["sort"][0] == {"published": {"order": "desc", "missing": "_last"}}
    assert body["highlight"]["pre_tags"] == ["<mark>"] and body["highlight"]["encoder"] == "html"
    assert body["query"]["bool"]["must_not"] == [{"exists": {"field": "duplicate_of"}}]
    assert "highlight" not in R.search_body(build_request("panjshir", highlight=False))
    assert "highlight" not in R.search_body(build_request(None))


def test_ids_paging_body_conforms() -> None:
    S.validate_body(*SEARCH, R.ids_body())
    S.validate_body(*SEARCH, R.ids_body("id-9"))


def test_deep_paging_is_refused_before_sending() -> None:
    with pytest.raises(InvalidSearch):
        R.search_body(SearchRequest(page=MAX_RESULT_WINDOW // 10 + 1, size=10))


# -- strictness: typos are caught --------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "culprit"),
    [
        ("POST", "/{index}/_search", {"query": {"mtach": {"title": {"query": "x"}}}}, "mtach"),
        ("POST", "/{index}/_search", {"query": {"match": {"title": {"qurey": "x"}}}}, "qurey"),
        ("POST", "/{index}/_search", {"query": {"bool": {"must": [], "filtr": []}}}, "filtr"),
        ("POST", "/{index}/_search", {"query": {"match_all": {}}, "sizee": 1}, "sizee"),
        ("POST", "/{index}/_search", {"sort": [{"published": {"oder": "desc"}}]}, "oder"),
        ("POST", "/{index}/_search", {"aggregations": {"p": {"terms": {"feild": "publisher"}}}}, "feild"),
        ("POST", "/{index}/_search", {"aggregations": {"p": {"date_histogram": {"field": "published", "calendar_interval": "fortnight"}}}}, "fortnight"),
        ("POST", "/{index}/_search", {"highlight": {"fields": [{"body": {}}], "encoderr": "html"}}, "encoderr"),
        ("POST", "/_aliases", {"actions": [{"add": {"index": "a", "alais": "b"}}]}, "alais"),
        ("POST", "/_reindex", {"source": {"index": "a"}, "dest": {"indx": "b"}}, "indx"),
        ("PUT", "/_index_template/{name}", {"index_patterns": ["a-*"], "template": {"mappings": {"properties": {"t": {"type": "text", "analyser": "english"}}}}}, "analyser"),
        ("PUT", "/_index_template/{name}", {"index_patterns": ["a-*"], "template": {"mappings": {"properties": {"t": {"type": "keyword", "analyzer": "english"}}}}}, "analyzer"),
    ],
)
def test_typos_are_rejected(method: str, path: str, body: Any, culprit: str) -> None:
    with pytest.raises(S.SpecError, match=culprit):
        S.validate_body(method, path, body)


def test_valid_shapes_of_the_spec_still_pass() -> None:
    """Shortcut and alternative forms the spec allows are not rejected by the strict rewrite."""
    for body in (
        {"query": {"match": {"title": {"query": "x", "operator": "and"}}}},
        {"query": {"term": {"publisher": {"value": "x"}}}},
        {"sort": ["_score", {"published": "desc"}, {"published": {"order": "asc", "missing": "_first"}}]},
        {"_source": False, "size": 0, "track_total_hits": 100},
        {"aggregations": {"p": {"terms": {"field": "publisher", "order": {"_count": "desc"}}}}},
        {"query": {"simple_query_string": {"query": "a -b", "fields": ["title^2", "body"], "default_operator": "and"}}},
        {"highlight": {"fields": {"body": {"number_of_fragments": 2}}}},
        {"query": {"bool": {"must": [{"match": {"title": "x"}}, {"match_phrase": {"body": "x y"}}],
                            "filter": [{"term": {"publisher": "x"}}, {"prefix": {"person": "A"}}]}}},
    ):
        S.validate_body(*SEARCH, body)
    with pytest.raises(S.SpecError):
        S.validate_body(*SEARCH, {"query": {"match": {"title": ["x"]}}})


# -- what the real client sends ----------------------------------------------------------------


def _exercise(backend: ElasticsearchBackend) -> None:
    articles = [full_article(i) for i in range(5)] + [Article(id="bare")]
    assert backend.upsert(articles).written == 6
    backend.get("id-1")
    backend.search(build_request("panjshir -surrender", facets=list(get_args(FacetName)), sort="date", collapse=True))
    backend.search(build_request(None, publisher="India.com", entity="E person", entity_type="person", date_from="2021-01-01"))
    for facet in get_args(FacetName):
        backend.facet(facet, Filters(language=["en"]))
    backend.search(build_request(None, size=0, facets=["person", "author"], facet_contains="e p", exclude="author:x"))
    assert len(list(backend.scan(build_request("e", sort="date"), 3))) == 3
    assert sorted(backend.ids()) == sorted(a.id for a in articles)
    backend.count()
    backend.reindex()
    backend.reindex(prune=True)
    backend.delete(["id-1", "nope"])
    backend.health()
    backend.drop()


def test_every_request_the_client_sends_conforms() -> None:
    cluster = RecordingCluster()
    _exercise(ElasticsearchBackend(cluster.client(), prefix="t-", chunk_size=2))
    schema = S.mapping_schema(R.mapped_properties())
    seen: set[str] = set()
    for request in cluster.requests:
        template = S.spec_path(request.method, request.path)
        seen.add(f"{request.method} {template}")
        if request.path.endswith("/_bulk"):
            assert S.validate_bulk(request.body, schema) >= 1
        elif request.body is not None:
            S.validate_body(request.method, template, request.body)
    assert {
        "PUT /_index_template/{name}", "PUT /{index}", "PUT /_bulk", "GET /{index}/_doc/{id}", "POST /{index}/_search",
        "POST /{index}/_count", "POST /_reindex", "POST /_aliases", "DELETE /{index}", "POST /{index}/_refresh",
    } <= seen
    assert sum(r.path == "/_bulk" for r in cluster.requests) >= 3  # chunk_size=2 splits 6 upserts


def test_search_response_maps_back() -> None:
    request = build_request("panjshir", facets=["publisher", "published"])
    raw = {
        "hits": {
            "total": {"value": 7, "relation": "eq"},
            "hits": [{
                "_id": "a1", "_score": 2.5,
                "_source": {"id": "a1", "title": "T", "publisher": "P", "published": "2021-09-03", "story_id": "s"},
                "highlight": {"title": ["<mark>T</mark>"], "body": ["a &amp; <mark>b</mark>"]},
            }],
        },
        "aggregations": {
            "publisher": {"buckets": [{"key": "P", "doc_count": 7}]},
            "published": {"buckets": [{"key_as_string": "2021-09", "key": 1630454400000, "doc_count": 7}]},
            "undated": {"doc_count": 2},
        },
    }
    response = R.search_response(request, raw)
    assert response.undated == 2
    assert response.total == 7 and response.hits[0].score == 2.5 and response.hits[0].story_id == "s"
    assert response.hits[0].highlights == ["<mark>T</mark>", "a &amp; <mark>b</mark>"]
    assert [(b.value, b.count) for b in response.facets["published"]] == [("2021-09", 7)]
    assert [(b.value, b.count) for b in response.facets["publisher"]] == [("P", 7)]


def test_query_translation() -> None:
    """Words match analysed text (title boosted), prefixes the unstemmed subfield, fields exact keywords."""
    def clause(q: str) -> Any:
        return R.search_body(build_request(q, facets=[]))["query"]["bool"]["must"][0]

    assert clause("panjshir") == {"bool": {"should": [
        {"match": {"title": {"query": "panjshir", "boost": 2.0}}}, {"match": {"body": {"query": "panjshir", "boost": 1.0}}}
    ], "minimum_should_match": 1}}
    assert clause("body:negot*") == {"prefix": {"body.std": {"value": "negot", "boost": 1.0}}}
    assert clause("title:covid-19") == {"match_phrase": {"title": {"query": "covid-19", "boost": 2.0}}}
    assert clause("person:Ahmad*") == {"prefix": {"person": {"value": "Ahmad", "case_insensitive": True}}}
    assert clause('publisher:"India.com"') == {"term": {"publisher": {"value": "India.com", "case_insensitive": True}}}
    assert clause("author:Smith") == {"term": {"authors": {"value": "Smith", "case_insensitive": True}}}
    assert [next(iter(c["term"])) for c in clause("entity:NATO")["bool"]["should"]] == [t.value for t in EntityType]
    assert clause("a -b")["bool"]["must"][1] == {"bool": {"must_not": [
        {"bool": {"should": [{"match": {"title": {"query": "b", "boost": 2.0}}}, {"match": {"body": {"query": "b", "boost": 1.0}}}],
                  "minimum_should_match": 1}}]}}
    assert R.search_body(build_request(None, facets=[]))["query"] == {"match_all": {}}


def test_the_strict_spec_is_complete() -> None:
    """Every restored schema names a real component, and every reference resolves."""
    import re

    schemas = S.load_spec()["components"]["schemas"]
    assert set(S.SHORTCUTS) | set(S.OPEN_FIELDS) <= set(schemas)
    _, strict = S._registry()
    refs = set(re.findall(r'#/components/schemas/([^"]+)"', json.dumps(strict.done)))
    assert refs <= set(strict.done)


TOKENS = ["panjshir", "saleh", "AND", "OR", "NOT", "-", "(", ")", '"', "*", "title:", "person:", "entity:", "publisher:",
          " ", "negot*", "u.s*", "\\", "é", "covid-19"]


@settings(max_examples=120, deadline=None)
@given(q=st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=6)), max_size=20).map("".join))
def test_any_user_query_becomes_a_conforming_body(q: str) -> None:
    try:
        request = build_request(q, facets=["publisher", "published"], collapse=True)
    except InvalidSearch:
        return
    body = R.search_body(request)
    S.validate_body(*SEARCH, body)
    assert "query_string" not in json.dumps(body)


def test_scan_follows_search_after_to_the_end(monkeypatch: pytest.MonkeyPatch) -> None:
    import newsdesk.index.cluster as core

    monkeypatch.setattr(core, "SCAN_PAGE", 2)
    cluster = RecordingCluster()
    backend = ElasticsearchBackend(cluster.client(), prefix="t-")
    backend.upsert([full_article(i) for i in range(5)])
    assert [h.id for h in backend.scan(build_request(None), 100)] == [f"id-{i}" for i in range(5)]
    assert [h.id for h in backend.scan(build_request(None), 3)] == ["id-0", "id-1", "id-2"]
    scans = [r.body for r in cluster.requests if r.path.endswith("/_search") and "search_after" in (r.body or {})]
    assert scans and all(b["size"] <= 2 for b in scans)
    for body in scans:
        S.validate_body(*SEARCH, body)
