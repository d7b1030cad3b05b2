"""What the analyst's page needs from the API, on a real embedded index: exclusions and case-insensitive filters,
facet values page by page and by text, the date chart's interval and undated count, story labels, exports that
hold exactly a search's hits, and saved searches."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from newsdesk.api.app import create_app
from newsdesk.config import Settings
from newsdesk.index import open_backend
from newsdesk.model import Article
from newsdesk.search.export import EXPORT_FIELDS
from newsdesk.search.model import MAX_RESULT_WINDOW
from newsdesk.stories import StoryStore
from newsdesk.stories.store import StoredStory

from test_api import ARTICLES, BY_KEY


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(home=tmp_path_factory.mktemp("analyst-home"), backend="embedded")


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    articles = [a.model_copy(update={"story_id": "s-panjshir"}) if a.id in PANJSHIR_STORY else a for a in ARTICLES]
    articles[0] = articles[0].model_copy(update={"authors": ["Rahul Sharma"]})
    articles.append(Article(id="formula", title="=HYPERLINK(\"http://x\") -2 degrees", body="A cold winter in Kabul.",
                            publisher="@Weather", published=date(2021, 12, 20), language="en"))
    backend = open_backend(settings)
    assert not backend.upsert(articles).failed
    with StoryStore.for_settings(settings) as store, store.transaction():
        store.put_story(StoredStory("s-panjshir", "Saleh refuses to surrender", PANJSHIR_STORY[0], "2021-09-03",
                                    "2021-09-05", 3, {}, {}), [])
    with TestClient(create_app(backend, settings), raise_server_exceptions=False) as c:
        yield c
    backend.close()


PANJSHIR_STORY = [BY_KEY[k].id for k in ("000_saleh_refuses", "003_conflicting_claims", "004_massoud_talks")]


def ids(response) -> list[str]:  # noqa: ANN001
    assert response.status_code == 200, response.text
    return [h["id"] for h in response.json()["hits"]]


def test_filters_ignore_case_and_exclude(client: TestClient) -> None:
    reuters = {a.id for a in ARTICLES if a.publisher == "Reuters"}
    assert set(ids(client.get("/search", params={"publisher": "reuters", "size": 50}))) == reuters
    assert set(ids(client.get("/search", params={"entity": "olaf scholz"}))) == {
        BY_KEY["020_merkel_election"].id, BY_KEY["021_scholz_de"].id}
    rest = client.get("/search", params=[("exclude", "publisher:Reuters"), ("exclude", "language:de"), ("size", 50)])
    assert set(ids(rest)) == {a.id for a in ARTICLES if a.publisher != "Reuters" and a.language != "de"} | {"formula"}
    assert set(ids(client.get("/search", params={"author": "RAHUL SHARMA"}))) == {ARTICLES[0].id}
    bad = client.get("/search", params={"exclude": "colour:red"})
    assert bad.status_code == 422 and "colour" in bad.text
    assert client.get("/search", params={"exclude": "publisher"}).status_code == 422


def test_facet_values_page_by_page_and_by_text(client: TestClient) -> None:
    everything = client.get("/facets/location", params={"size": 100}).json()
    assert not everything["more"] and len(everything["buckets"]) > 4
    first = client.get("/facets/location", params={"size": 3}).json()
    second = client.get("/facets/location", params={"size": 3, "offset": 3}).json()
    assert first["more"] and first["buckets"] + second["buckets"] == everything["buckets"][:6]
    found = client.get("/facets/location", params={"contains": "AN"}).json()["buckets"]
    assert [b["value"] for b in found] == [b["value"] for b in everything["buckets"] if "an" in b["value"].lower()]
    # the same query, filters and exclusions as /search
    params = {"q": "panjshir", "exclude": "publisher:India.com", "collapse": "true"}
    hits = client.get("/search", params={**params, "size": 50, "facets": "publisher"}).json()
    facet = client.get("/facets/publisher", params=params).json()["buckets"]
    assert facet == hits["facets"]["publisher"] and "India.com" not in {b["value"] for b in facet}
    assert client.get("/facets/location", params={"offset": 1000}).status_code == 422


def test_story_labels_come_with_hits_and_story_facet(client: TestClient) -> None:
    body = client.get("/search", params={"q": "panjshir", "facets": "story_id"}).json()
    assert body["facets"]["story_id"] == [{"value": "s-panjshir", "count": 3}]
    assert body["story_labels"] == {"s-panjshir": "Saleh refuses to surrender"}
    facet = client.get("/facets/story_id").json()
    assert facet["story_labels"] == {"s-panjshir": "Saleh refuses to surrender"}


def test_date_chart_interval_and_undated_count(client: TestClient) -> None:
    body = client.get("/search", params={"facets": "published", "interval": "auto", "size": 0}).json()
    dated = [a for a in ARTICLES if a.published] + ["formula"]
    assert body["interval"] == "week" and body["undated"] == len(ARTICLES) + 1 - len(dated)
    assert sum(b["count"] for b in body["facets"]["published"]) == len(dated)
    sept = client.get("/search", params={"facets": "published", "interval": "auto", "from": "2021-09-01",
                                         "to": "2021-09-30", "size": 0}).json()
    assert sept["interval"] == "day" and sept["facets"]["published"][0]["value"] == "2021-09-03"
    assert sept["undated"] == 0
    assert "undated" not in client.get("/search", params={"facets": "publisher"}).json() or \
        client.get("/search", params={"facets": "publisher"}).json()["undated"] is None


def _all_pages(client: TestClient, params: dict[str, str]) -> list[str]:
    found, page = [], 1
    while True:
        body = client.get("/search", params={**params, "size": 5, "page": page}).json()
        found += [h["id"] for h in body["hits"]]
        if not body["has_next"]:
            return found
        page += 1


@pytest.mark.parametrize("params", [
    {"q": "panjshir"},
    {"q": "panjshir OR kabul", "sort": "date", "exclude": "publisher:BBC News"},
    {"publisher": "reuters", "collapse": "true"},
    {},
])
def test_export_holds_exactly_the_hits_of_the_search(client: TestClient, params: dict[str, str]) -> None:
    expected = _all_pages(client, params)
    r = client.get("/export", params={**params, "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"] and r.headers["x-total-count"] == str(len(expected))
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["id"] for row in rows] == expected
    r = client.get("/export", params={**params, "format": "jsonl"})
    assert r.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert [line["id"] for line in lines] == expected and all(set(line) == set(EXPORT_FIELDS) for line in lines)


def test_export_rows_carry_the_hit_fields_and_defuse_formulas(client: TestClient) -> None:
    art = BY_KEY["000_saleh_refuses"]
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(client.get("/export").text))}
    row = rows[art.id]
    assert (row["title"], row["publisher"], row["url"], row["language"]) == (art.title, art.publisher, art.url, "en")
    assert row["published"].startswith("2021-09-04") and row["story_id"] == "s-panjshir"
    assert rows[BY_KEY["005_massoud_talks_syndicated"].id]["duplicate_of"] == BY_KEY["004_massoud_talks"].id
    assert rows["formula"]["title"] == "'=HYPERLINK(\"http://x\") -2 degrees" and rows["formula"]["publisher"] == "'@Weather"
    line = next(json.loads(x) for x in client.get("/export", params={"format": "jsonl"}).text.splitlines()
                if json.loads(x)["id"] == "formula")
    assert line["title"] == "=HYPERLINK(\"http://x\") -2 degrees"  # JSON lines carry values exactly


def test_export_is_capped(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    import newsdesk.api.app as app_module

    monkeypatch.setattr(app_module, "MAX_EXPORT_HITS", 5)
    r = client.get("/export")
    assert r.status_code == 422 and "at most 5" in r.text
    r = client.get("/export", params={"limit": 3, "sort": "date", "format": "jsonl"})
    assert r.status_code == 200 and r.headers["x-export-count"] == "3"
    assert [json.loads(x)["id"] for x in r.text.splitlines()] == _all_pages(client, {"sort": "date"})[:3]
    assert client.get("/export", params={"format": "xml"}).status_code == 422


def test_export_goes_past_the_paging_window(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Paging stops at 10,000 hits; an export does not."""
    settings = Settings(home=tmp_path_factory.mktemp("export-window"), backend="embedded")
    backend = open_backend(settings)
    n = MAX_RESULT_WINDOW + 25
    day = date(2020, 1, 1)
    articles = [Article(id=f"w{i:05d}", title=f"Item {i}", body=f"Bulletin number {i} about the weather.",
                        publisher="Wire", published=day + timedelta(days=i % 700)) for i in range(n)]
    for lo in range(0, n, 2_000):
        assert not backend.upsert(articles[lo : lo + 2_000]).failed
    with TestClient(create_app(backend, settings)) as c:
        assert c.get("/search", params={"q": "bulletin", "page": 101, "size": 100}).status_code == 422
        r = c.get("/export", params={"q": "bulletin", "sort": "date", "format": "csv"})
        rows = list(csv.DictReader(io.StringIO(r.text)))
    backend.close()
    assert len(rows) == n and len({row["id"] for row in rows}) == n
    days = [row["published"][:10] for row in rows]
    assert days == sorted(days, reverse=True)


def test_saved_searches_are_named_listed_replaced_and_deleted(client: TestClient, settings: Settings) -> None:
    assert client.get("/saved-searches").json() == []
    r = client.put("/saved-searches/Panjshir not India", json={"query": "q=panjshir&exclude=publisher%3AIndia.com"})
    assert r.status_code == 200, r.text
    assert r.json()["query"] == "q=panjshir&exclude=publisher%3AIndia.com"
    client.put("/saved-searches/afghan news", json={"query": "?q=taliban&sort=date&collapse=true"})
    listed = client.get("/saved-searches").json()
    assert [s["name"] for s in listed] == ["afghan news", "Panjshir not India"]
    # what is saved is the search: running it gives the same hits as the original parameters
    saved = next(s for s in listed if s["name"] == "Panjshir not India")
    assert ids(client.get("/search?" + saved["query"])) == ids(client.get(
        "/search", params={"q": "panjshir", "exclude": "publisher:India.com"}))
    client.put("/saved-searches/afghan news", json={"query": "q=kabul"})
    assert [s["query"] for s in client.get("/saved-searches").json() if s["name"] == "afghan news"] == ["q=kabul"]
    # stored beside the index: another app over the same home sees them
    with TestClient(create_app(settings=settings)) as other:
        assert len(other.get("/saved-searches").json()) == 2
    assert client.delete("/saved-searches/afghan news").status_code == 204
    assert client.delete("/saved-searches/afghan news").status_code == 404
    assert [s["name"] for s in client.get("/saved-searches").json()] == ["Panjshir not India"]


@pytest.mark.parametrize("query", ['q="unbalanced', "colour=red", "from=2021-13-01", "exclude=nope:x", "page=2"])
def test_a_saved_search_must_be_a_valid_search(client: TestClient, query: str) -> None:
    r = client.put("/saved-searches/bad", json={"query": query})
    assert r.status_code == 422, r.text
    assert all(s["name"] != "bad" for s in client.get("/saved-searches").json())


def test_saved_searches_cannot_be_written_by_a_form_post_from_another_site(client: TestClient) -> None:
    r = client.post("/saved-searches/x", data={"query": "q=a"}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 405
    assert client.put("/saved-searches/x", content="query=q%3Da",
                      headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 422
