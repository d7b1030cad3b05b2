"""Contract: query language, filters, facets, highlights, sorting and paging, on every backend."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsdesk.index.base import IndexBackend
from newsdesk.model import EntityType
from newsdesk.search import build_request
from newsdesk.search.model import MAX_RESULT_WINDOW, Filters, InvalidSearch, SearchRequest, SearchResponse

from .articles import make_articles

ARTICLES = {a.id: a for a in make_articles()}
BY_DATE = ["a6", "a3", "a1", "a2", "a4", "a5", "a8", "a7"]
"""Every article, newest first; a7 has no date and comes last."""


def run(backend: IndexBackend, q: str | None = None, **kw: object) -> SearchResponse:
    kw.setdefault("facets", [])
    kw.setdefault("size", 100)
    return backend.search(build_request(q, **kw))  # type: ignore[arg-type]


def found(backend: IndexBackend, q: str | None = None, **kw: object) -> set[str]:
    response = run(backend, q, **kw)
    assert response.total == len(response.hits)
    return {h.id for h in response.hits}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("panjshir", {"a1", "a2", "a3", "a6"}),
        ("PANJSHIR", {"a1", "a2", "a3", "a6"}),
        ("negotiation", {"a5"}),  # stemmed: negotiated, negotiation
        ('"northern alliance"', {"a1", "a8"}),
        ('"alliance northern"', set()),
        ("saleh video", {"a2"}),
        ("saleh AND video", {"a2"}),
        ("airport OR monsoon", {"a4", "a7"}),
        ("saleh video OR monsoon", {"a2", "a7"}),  # AND binds tighter than OR
        ("panjshir -surrender", {"a2", "a6"}),
        ("panjshir AND NOT surrender", {"a2", "a6"}),
        ('panjshir -"refused to surrender"', {"a2", "a6"}),
        ("(airport OR monsoon) NOT kabul", {"a7"}),
        ("airport OR -panjshir", {"a4", "a5", "a7", "a8"}),
        ("negot*", {"a5"}),
        ("evacu* OR monso*", {"a4", "a7"}),
        ('person:"Ahmad Massoud"', {"a1"}),
        ("person:Ahmad*", {"a1", "a8"}),
        ("location:Kabul", {"a4"}),
        ("location:(Kabul OR Mumbai)", {"a4", "a5"}),
        ("publisher:Sputnik", {"a2", "a8"}),
        ('publisher:"India.com" airport', {"a4"}),
        ("organization:Taliban -publisher:Sputnik", {"a1", "a3"}),
        ("entity:NATO", {"a4"}),
        ("norp:Afghans", {"a1"}),
        ("language:fr", {"a6"}),
        ("story_id:s-panjshir -saleh", set()),
        ("title:surrender", {"a1", "a3"}),
        ("body:surrender", {"a1", "a3"}),
        ('title:"holdout province"', {"a2"}),
        ("title:alliance", {"a8"}),
    ],
)
def test_query_language(backend: IndexBackend, q: str, expected: set[str]) -> None:
    assert found(backend, q) == expected


def test_title_matches_rank_above_body_matches(backend: IndexBackend) -> None:
    assert [h.id for h in run(backend, "alliance").hits] == ["a8", "a1"]


def test_empty_query_matches_everything(backend: IndexBackend) -> None:
    assert found(backend, None) == set(ARTICLES)
    assert found(backend, "") == set(ARTICLES)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"publisher": "India.com"}, {"a1", "a4"}),
        ({"publisher": ["Sputnik", "Le Journal"]}, {"a2", "a6", "a8"}),
        ({"entity": "Amrullah Saleh"}, {"a1", "a2", "a3"}),
        ({"entity": "Taliban", "entity_type": "person"}, set()),
        ({"entity": "Taliban", "entity_type": EntityType.ORGANIZATION}, {"a1", "a2", "a3"}),
        ({"language": "fr"}, {"a6"}),
        ({"story_id": "s-panjshir"}, {"a1", "a2", "a3"}),
        ({"date_from": "2021-09-03", "date_to": "2021-09-05"}, {"a1", "a2", "a3"}),
        ({"date_from": date(2021, 9, 5)}, {"a3", "a6"}),
        ({"date_to": date(2021, 7, 12)}, {"a5", "a8"}),
        ({"publisher": "Sputnik", "date_from": "2021-01-01"}, {"a2"}),
    ],
)
def test_filters(backend: IndexBackend, filters: dict[str, object], expected: set[str]) -> None:
    assert found(backend, None, **filters) == expected


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"publisher": "india.com"}, {"a1", "a4"}),
        ({"publisher": ["SPUTNIK", "le journal"]}, {"a2", "a6", "a8"}),
        ({"entity": "amrullah saleh"}, {"a1", "a2", "a3"}),
        ({"entity": "TALIBAN", "entity_type": EntityType.ORGANIZATION}, {"a1", "a2", "a3"}),
        ({"language": "FR"}, {"a6"}),
        ({"author": "jane doe"}, {"a1", "a2"}),
        ({"author": "Ravi Kumar"}, {"a1"}),
    ],
)
def test_keyword_filters_ignore_case(backend: IndexBackend, filters: dict[str, object], expected: set[str]) -> None:
    assert found(backend, None, **filters) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [("publisher:sputnik", {"a2", "a8"}), ("person:ahmad*", {"a1", "a8"}), ('organization:"northern alliance"', {"a8"}),
     ("author:JANE*", {"a1", "a2"}), ('author:"ravi kumar"', {"a1"})],
)
def test_keyword_fields_in_the_query_ignore_case(backend: IndexBackend, q: str, expected: set[str]) -> None:
    assert found(backend, q) == expected


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"exclude": "publisher:Sputnik"}, {"a1", "a3", "a4", "a5", "a6", "a7"}),
        ({"exclude": ["publisher:sputnik", "publisher:India.com"]}, {"a3", "a5", "a6", "a7"}),
        ({"exclude": {"entity": ["taliban"]}}, {"a4", "a5", "a6", "a7", "a8"}),
        ({"exclude": "language:en"}, {"a6"}),
        ({"exclude": "story_id:s-panjshir", "q": "panjshir"}, {"a6"}),
        ({"exclude": "author:Jane Doe", "publisher": "India.com"}, {"a4"}),
        ({"exclude": "entity:Amrullah Saleh", "entity": "Taliban"}, set()),
    ],
)
def test_exclusions(backend: IndexBackend, kw: dict[str, object], expected: set[str]) -> None:
    kw = dict(kw)  # the parameter dict is shared by every backend's run
    assert found(backend, kw.pop("q", None), **kw) == expected


def test_exclusion_of_a_facet_value_removes_exactly_its_count(backend: IndexBackend) -> None:
    """What an excluded value counted in the facet is what its exclusion removes."""
    everything = run(backend, "panjshir", facets=["publisher", "person"], size=0)
    for facet, field in (("publisher", "publisher"), ("person", "entity")):
        for bucket in everything.facets[facet]:
            rest = run(backend, "panjshir", exclude={field: [bucket.value]}, facets=[], size=0)
            assert rest.total == everything.total - bucket.count, (facet, bucket)


def test_author_facet(backend: IndexBackend) -> None:
    response = run(backend, None, facets=["author"], size=0)
    assert _buckets(response, "author") == [("Jane Doe", 2), ("Ravi Kumar", 1)]


@pytest.mark.parametrize(
    ("facet", "contains", "kw", "expected"),
    [
        ("person", "massoud", {}, [("Ahmad Massoud", 1), ("Ahmad Shah Massoud", 1)]),
        ("person", "SALEH", {}, [("Amrullah Saleh", 3)]),
        ("person", "saleh", {"q": "video"}, [("Amrullah Saleh", 1)]),
        ("location", "ab", {"q": "panjshir"}, []),
        ("location", "ab", {}, [("Kabul", 1)]),
        ("publisher", ".com", {}, [("India.com", 2)]),
        ("publisher", "a", {"size": 2}, [("Business Daily", 2), ("India.com", 2)]),
        ("organization", "taliban", {"collapse": True}, [("Taliban", 2), ("talibans", 1)]),
        ("author", "doe", {"exclude": "publisher:sputnik"}, [("Jane Doe", 1)]),
        ("person", "zzz", {}, []),
    ],
)
def test_facet_values_containing_text(backend: IndexBackend, facet: str, contains: str, kw: dict[str, object],
                                      expected: list[tuple[str, int]]) -> None:
    kw = dict(kw)  # the parameter dict is shared by every backend's run
    size, q = kw.pop("size", 10), kw.pop("q", None)
    response = run(backend, q, facets=[facet, "published"], facet_size=size, facet_contains=contains, size=0, **kw)
    assert _buckets(response, facet) == expected
    # the text narrows the facet's values, not the hits nor the date histogram
    plain = run(backend, q, facets=["published"], size=0, **kw)
    assert response.total == plain.total and response.facets["published"] == plain.facets["published"]


@pytest.mark.parametrize("sort", ["relevance", "date"])
@pytest.mark.parametrize("q", [None, "panjshir", "taliban OR monsoon"])
def test_scan_gives_every_hit_in_page_order(backend: IndexBackend, q: str | None, sort: str) -> None:
    request = build_request(q, sort=sort, size=100, facets=[], highlight=False)
    paged = backend.search(request).hits
    scanned = list(backend.scan(request, 1000))
    assert [h.id for h in scanned] == [h.id for h in paged]
    assert [h.model_dump(exclude={"score"}) for h in scanned] == [h.model_dump(exclude={"score"}) for h in paged]
    assert [h.id for h in backend.scan(request, 2)] == [h.id for h in paged[:2]]


def test_scan_takes_the_filters(backend: IndexBackend) -> None:
    request = build_request(None, publisher="sputnik", exclude="language:fr", collapse=True)
    assert {h.id for h in backend.scan(request, 100)} == {"a2", "a8"}


def test_filters_combine_with_the_query(backend: IndexBackend) -> None:
    assert found(backend, "panjshir", publisher="Sputnik") == {"a2"}
    assert found(backend, "panjshir", language="en", collapse=True) == {"a1", "a2"}


def _buckets(response: SearchResponse, name: str) -> list[tuple[str, int]]:
    return [(b.value, b.count) for b in response.facets[name]]


def test_facets_count_every_matching_article(backend: IndexBackend) -> None:
    response = run(backend, None, facets=["publisher", "person", "location", "language", "story_id", "published"], size=0)
    assert response.total == 8 and response.hits == []
    assert _buckets(response, "publisher") == [
        ("Business Daily", 2), ("India.com", 2), ("Sputnik", 2), ("Le Journal", 1), ("Syndicate Wire", 1)
    ]  # by count, then by value
    assert _buckets(response, "person") == [("Amrullah Saleh", 3), ("Ahmad Massoud", 1), ("Ahmad Shah Massoud", 1)]
    assert _buckets(response, "location")[0] == ("Panjshir", 4)
    assert _buckets(response, "language") == [("en", 7), ("fr", 1)]
    assert _buckets(response, "story_id") == [("s-panjshir", 3)]
    assert _buckets(response, "published") == [("2020-12", 1), ("2021-07", 1), ("2021-08", 1), ("2021-09", 4)]
    assert response.undated == 1  # a7: 7 dated buckets + 1 undated = every article


def test_undated_articles_are_counted_and_can_be_asked_for(backend: IndexBackend) -> None:
    assert run(backend, None, facets=["published"]).undated == 1
    assert run(backend, "monsoon OR panjshir", facets=["published"]).undated == 1
    assert run(backend, "panjshir", facets=["published", "publisher"]).undated == 0
    assert run(backend, None, facets=["publisher"]).undated is None  # only with the published facet
    undated = run(backend, None, undated=True, facets=["published", "publisher"])
    assert [h.id for h in undated.hits] == ["a7"] and undated.total == 1 and undated.undated == 1
    assert undated.facets["published"] == [] and _buckets(undated, "publisher") == [("Business Daily", 1)]
    assert found(backend, "panjshir", undated=True) == set()
    with pytest.raises(InvalidSearch, match="undated"):
        build_request(None, undated=True, date_from="2021-01-01")


def test_facets_follow_query_filters_and_size(backend: IndexBackend) -> None:
    response = run(backend, "panjshir", facets=["publisher", "organization"], facet_size=2, collapse=True)
    assert _buckets(response, "publisher") == [("India.com", 1), ("Le Journal", 1)]
    assert _buckets(response, "organization") == [("Taliban", 2), ("talibans", 1)]


@pytest.mark.parametrize(
    ("interval", "expected"),
    [
        ("year", [("2020", 1), ("2021", 6)]),
        ("month", [("2020-12", 1), ("2021-07", 1), ("2021-08", 1), ("2021-09", 4)]),
        ("week", [("2020-12-28", 1), ("2021-07-12", 1), ("2021-08-16", 1), ("2021-08-30", 3), ("2021-09-06", 1)]),
        ("day", [("2020-12-30", 1), ("2021-07-12", 1), ("2021-08-20", 1), ("2021-09-03", 1), ("2021-09-04", 1), ("2021-09-05", 1), ("2021-09-06", 1)]),
    ],
)
def test_date_histogram(backend: IndexBackend, interval: str, expected: list[tuple[str, int]]) -> None:
    """Buckets with at least one article, oldest first; weeks are labelled by their Monday."""
    assert _buckets(run(backend, None, facets=["published"], interval=interval, size=0), "published") == expected


def test_facet_endpoint(backend: IndexBackend) -> None:
    assert [(b.value, b.count) for b in backend.facet("person", Filters(publisher=["India.com"]))] == [
        ("Ahmad Massoud", 1), ("Amrullah Saleh", 1)
    ]
    assert [(b.value, b.count) for b in backend.facet("location", Filters(), size=1)] == [("Panjshir", 4)]
    assert [(b.value, b.count) for b in backend.facet("published", Filters(language=["fr"]))] == [("2021-09", 1)]


MARK = re.compile(r"<mark>(.*?)</mark>")


def _check_highlight(fragment: str, source: str) -> list[str]:
    """Marks wrap words only, all other text is escaped, and the text is the source's."""
    plain = MARK.sub(r"\1", fragment)
    assert "<" not in plain and ">" not in plain
    assert " ".join(html.unescape(plain).split()) in " ".join(source.split())
    return [m.lower() for m in MARK.findall(fragment)]


def test_highlights_mark_matches_and_escape_the_rest(backend: IndexBackend) -> None:
    hits = run(backend, "cartoons OR script").hits
    assert {h.id for h in hits} == {"a1", "a8"}
    for hit in hits:
        article = ARTICLES[hit.id]
        assert hit.highlights
        marked = [m for frag in hit.highlights for m in _check_highlight(frag, f"{article.title}\n{article.body}")]
        assert set(marked) <= {"cartoons", "script"} and marked
    a8 = next(h for h in hits if h.id == "a8")
    assert any("&lt;b&gt;<mark>cartoons</mark>&lt;/b&gt;" in f and "Tom &amp; Jerry" in f for f in a8.highlights)


def test_highlights_cover_title_phrase_and_prefix_but_not_negations(backend: IndexBackend) -> None:
    hit = run(backend, 'title:monsoon "relief teams"').hits[0]
    marked = [m for frag in hit.highlights for m in _check_highlight(frag, f"{ARTICLES['a7'].title}\n{ARTICLES['a7'].body}")]
    assert {"monsoon", "relief", "teams"} <= set(marked)
    marked = [m for h in run(backend, "negot* -airport").hits for f in h.highlights for m in MARK.findall(f)]
    assert marked and all(m.lower().startswith("negot") for m in marked)
    assert not any("surrender" in f.lower() and "<mark>surrender" in f.lower() for h in run(backend, "panjshir -surrender").hits for f in h.highlights)
    assert all(h.highlights == [] for h in run(backend, None).hits)
    assert all(h.highlights == [] for h in run(backend, "panjshir", highlight=False).hits)


def test_hits_carry_display_fields(backend: IndexBackend) -> None:
    hits = {h.id: h for h in run(backend, "panjshir").hits}
    a1 = ARTICLES["a1"]
    assert hits["a1"].title == a1.title and hits["a1"].publisher == "India.com" and hits["a1"].url == a1.url
    assert hits["a1"].published == a1.model_dump(mode="json")["published"]
    assert hits["a1"].language == "en" and hits["a1"].story_id == "s-panjshir" and hits["a1"].score
    assert hits["a2"].published == "2021-09-03"
    assert hits["a3"].duplicate_of == "a1"


def test_sort_by_date_newest_first_undated_last(backend: IndexBackend) -> None:
    assert [h.id for h in run(backend, None, sort="date").hits] == BY_DATE
    assert [h.id for h in run(backend, "panjshir", sort="date").hits] == ["a6", "a3", "a1", "a2"]


def test_paging(backend: IndexBackend) -> None:
    pages = [run(backend, None, sort="date", page=p, size=3) for p in (1, 2, 3, 4)]
    assert [[h.id for h in r.hits] for r in pages] == [BY_DATE[:3], BY_DATE[3:6], BY_DATE[6:], []]
    assert all(r.total == 8 for r in pages)
    assert (pages[1].page, pages[1].size) == (2, 3)


def test_deep_paging_is_refused(backend: IndexBackend) -> None:
    with pytest.raises(InvalidSearch, match="deeper than"):
        backend.search(SearchRequest(page=MAX_RESULT_WINDOW // 10 + 1, size=10))
    with pytest.raises(InvalidSearch):
        build_request("panjshir", page=101, size=100)
    assert backend.search(SearchRequest(page=MAX_RESULT_WINDOW // 10, size=10, facets=[])).hits == []


def test_collapse_hides_duplicates(backend: IndexBackend) -> None:
    response = run(backend, "panjshir", collapse=True, facets=["publisher"])
    assert {h.id for h in response.hits} == {"a1", "a2", "a6"} and response.total == 3
    assert "Syndicate Wire" not in {b.value for b in response.facets["publisher"]}


def test_count_and_health(backend: IndexBackend) -> None:
    assert backend.count() == 8
    health = backend.health()
    assert health["ok"] is True and health["documents"] == 8


QUERY_SOUP = st.lists(
    st.one_of(
        st.sampled_from(
            ["panjshir", "saleh", "AND", "OR", "NOT", "-", "(", ")", '"', "*", "title:", "person:", "publisher:", " "]
            + ["negot*", "\\", "^", "~2", "[", "]", "{", "}", "é", "\x00"]
        ),
        st.text(max_size=8),
    ),
    max_size=25,
).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=QUERY_SOUP)
def test_any_query_text_answers_or_is_refused(backend: IndexBackend, q: str) -> None:
    """Arbitrary user text gives a response or `InvalidSearch`, never another error."""
    try:
        request = build_request(q, facets=["publisher", "published"])
    except InvalidSearch:
        return
    response = backend.search(request)
    assert response.total >= len(response.hits)


@pytest.mark.parametrize(
    ("kw", "interval", "expected"),
    [
        ({}, "week", [("2020-12-28", 1), ("2021-07-12", 1), ("2021-08-16", 1), ("2021-08-30", 3), ("2021-09-06", 1)]),
        ({"language": "fr", "date_from": "2019-01-01"}, "day", [("2021-09-06", 1)]),
        ({"date_from": "2021-07-01"}, "week", [("2021-07-12", 1), ("2021-08-16", 1), ("2021-08-30", 3),
                                                ("2021-09-06", 1)]),
        ({"q": "panjshir"}, "day", [("2021-09-03", 1), ("2021-09-04", 1), ("2021-09-05", 1), ("2021-09-06", 1)]),
        ({"q": "negotiation OR alliance"}, "week", [("2020-12-28", 1), ("2021-07-12", 1), ("2021-08-30", 1)]),
    ],
)
def test_run_search_chooses_the_interval_from_the_span(backend: IndexBackend, kw: dict[str, object], interval: str,
                                                      expected: list[tuple[str, int]]) -> None:
    from newsdesk.search import run_search

    kw = dict(kw)  # the parameter dict is shared by every backend's run
    response = run_search(backend, build_request(kw.pop("q", None), facets=["published"], interval="auto", **kw))
    assert response.interval == interval
    assert _buckets(response, "published") == expected
    assert response.total == len(response.hits) or response.hits  # the hits come with the first request


def test_run_search_counts_undated_hits(backend: IndexBackend) -> None:
    from newsdesk.search import interval_for_span, run_search

    everything = run_search(backend, build_request(None, facets=["published"], interval="year"))
    assert (everything.undated, everything.interval, _buckets(everything, "published")) == (1, "year", [("2020", 1), ("2021", 6)])
    assert run_search(backend, build_request("monsoon", facets=["published"])).undated == 1
    assert run_search(backend, build_request("panjshir", facets=["published"])).undated == 0
    assert run_search(backend, build_request(None, facets=["publisher"])).undated is None
    assert interval_for_span(date(1990, 1, 1), date(2021, 12, 31)) == "year"
    assert interval_for_span(date(2021, 1, 1), date(2021, 3, 2)) == "day"


def test_the_facet_endpoint_counts_undated_articles_as_search_does(backend: IndexBackend) -> None:
    from fastapi.testclient import TestClient

    from newsdesk.api.app import create_app

    with TestClient(create_app(backend)) as client:
        for params in ({}, {"q": "monsoon"}, {"q": "panjshir"}, {"interval": "auto"}, {"undated": "true"}):
            search = client.get("/search", params={**params, "facets": "published", "size": 0}).json()
            facet = client.get("/facets/published", params={**params, "size": 100}).json()
            assert (facet["undated"], facet["interval"], facet["buckets"]) == (
                search["undated"], search["interval"], search["facets"]["published"]), params
        everything = client.get("/facets/published", params={"interval": "year"}).json()
        assert everything["undated"] == 1 and sum(b["count"] for b in everything["buckets"]) == len(ARTICLES) - 1
        publishers = client.get("/facets/publisher").json()
        assert publishers["undated"] is None and publishers["interval"] is None
