"""Search API endpoint tests on a real embedded index holding a small seeds-like corpus, plus schemathesis."""

from __future__ import annotations

import re
import shutil
import socket
import tempfile
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from fastapi.testclient import TestClient

from newsdesk.api.app import create_app, safe_highlight
from newsdesk.config import Settings
from newsdesk.index import open_backend
from newsdesk.index.base import IndexBackend
from newsdesk.model import Article, Entity, EntityType, Provenance, Quote, content_hash, stable_id
from newsdesk.search.model import MAX_PAGE_SIZE, MAX_RESULT_WINDOW

P, O, L = EntityType.PERSON, EntityType.ORGANIZATION, EntityType.LOCATION


def _article(key: str, *, title: str, body: str, publisher: str, published: date | datetime, language: str = "en",
             entities: list[tuple[str, EntityType, int]] = (), quotes: list[tuple[str | None, str]] = (),
             url: str | None = None, duplicate_of: str | None = None) -> Article:
    return Article(
        id=stable_id("path", f"seeds/{key}.txt"),
        path=f"seeds/{key}.txt",
        url=url,
        source="seeds",
        title=title,
        body=body,
        published=published,
        publisher=publisher,
        language=language,
        entities=[Entity(name=n, type=t, count=c, surface_forms=[n]) for n, t, c in entities],
        quotes=[Quote(speaker=s, text=t) for s, t in quotes],
        content_hash=content_hash(body),
        ingested_at=datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc),
        provenance={"published": Provenance(source="dateline", confidence=0.9),
                    "publisher": Provenance(source="byline")},
        duplicate_of=duplicate_of,
    )


def sample_articles() -> list[Article]:
    """Twelve articles shaped like the seeds: four publishers, two languages, entities, quotes, one near-duplicate."""
    saleh = ("Amrullah Saleh", P, 4)
    taliban = ("Taliban", O, 5)
    panjshir = ("Panjshir", L, 5)
    kabul = ("Kabul", L, 2)
    arts = [
        _article(
            "000_saleh_refuses", title="Amrullah Saleh refuses to surrender as Taliban claim Panjshir",
            body=("Kabul: Hours after the Taliban claimed victory over Panjshir valley, the last holdout province, "
                  "former Afghanistan Vice-President Amrullah Saleh denied the claim and refused to surrender.\n\n"
                  "In a video message sent to the BBC, Saleh said there had been casualties on both sides. "
                  "\u201cWe will not surrender, we are standing for Afghanistan,\u201d he said."),
            publisher="India.com", published=date(2021, 9, 4),
            entities=[saleh, taliban, panjshir, kabul, ("BBC", O, 1), ("Afghanistan", L, 3)],
            quotes=[("Amrullah Saleh", "We will not surrender, we are standing for Afghanistan.")],
            url="https://www.india.com/news/world/amrullah-saleh-panjshir/",
        ),
        _article(
            "003_conflicting_claims",
            title="Taliban, Panjshir Resistance Make Conflicting Claims on Whether Holdout Province Has Fallen",
            body=("Self-proclaimed acting president of Afghanistan Amrullah Saleh has uploaded a video in which he "
                  "indicates that he remains in Panjshir and that the resistance is continuing.\n\n"
                  "Earlier in the day, a Taliban spokesman tweeted that the militants had taken control of the "
                  "renegade province. A source in the Kabul police headquarters told Sputnik that the province "
                  "had been captured."),
            publisher="Sputnik", published=datetime(2021, 9, 3, 18, 30, tzinfo=timezone.utc),
            entities=[saleh, taliban, panjshir, kabul, ("Sputnik", O, 1)],
            quotes=[("Amrullah Saleh", "I am here with my soil, for my soil and defending its dignity.")],
        ),
        _article(
            "004_massoud_talks", title="Ahmad Massoud calls for talks as fighting continues in Panjshir",
            body=("Resistance leader Ahmad Massoud said on Sunday he would welcome talks with the Taliban, as "
                  "heavy fighting continued in the Panjshir valley north of Kabul.\n\n"
                  "The National Resistance Front said its fighters still held strategic positions."),
            publisher="Reuters", published=date(2021, 9, 5),
            entities=[("Ahmad Massoud", P, 3), taliban, panjshir, kabul, ("National Resistance Front", O, 2)],
            quotes=[("Ahmad Massoud", "We are ready to stop fighting if the Taliban halt their attacks.")],
            url="https://www.reuters.com/world/asia-pacific/massoud-talks/",
        ),
        _article(
            "005_massoud_talks_syndicated", title="Ahmad Massoud calls for talks as fighting continues in Panjshir",
            body=("Resistance leader Ahmad Massoud said on Sunday he would welcome talks with the Taliban, as "
                  "heavy fighting continued in the Panjshir valley north of Kabul."),
            publisher="Reuters", published=date(2021, 9, 5),
            entities=[("Ahmad Massoud", P, 2), taliban, panjshir, kabul],
            duplicate_of=stable_id("path", "seeds/004_massoud_talks.txt"),
        ),
        _article(
            "010_kabul_airport", title="Evacuation flights resume at Kabul airport",
            body=("Qatar Airways operated the first international flight out of Kabul airport since the end of "
                  "the US-led evacuation, officials said.\n\nAbout 200 foreigners were on board."),
            publisher="Reuters", published=date(2021, 9, 9),
            entities=[kabul, ("Qatar Airways", O, 2), ("Qatar", L, 1)],
        ),
        _article(
            "011_un_aid", title="UN warns of humanitarian crisis in Afghanistan",
            body=("The United Nations warned that Afghanistan faces a humanitarian catastrophe, with food supplies "
                  "running out by the end of the month.\n\n\u201cThe people of Afghanistan need a lifeline,\u201d "
                  "said Antonio Guterres."),
            publisher="BBC News", published=date(2021, 9, 13),
            entities=[("United Nations", O, 3), ("Antonio Guterres", P, 1), ("Afghanistan", L, 4)],
            quotes=[("Antonio Guterres", "The people of Afghanistan need a lifeline.")],
        ),
        _article(
            "012_markup_in_text", title="Security researchers flag <script> tags in cached news pages",
            body=("Researchers found pages where the text <script>alert('x')</script> & other markup such as "
                  "<b>bold</b> leaked into article bodies; the Panjshir coverage was among the affected pages."),
            publisher="BBC News", published=date(2021, 10, 1),
            entities=[panjshir],
        ),
        _article(
            "020_merkel_election", title="Merkel's party narrowly loses German election",
            body=("Germany's Social Democrats narrowly won the federal election, ending 16 years of conservative "
                  "rule under Angela Merkel.\n\nOlaf Scholz said voters wanted change."),
            publisher="BBC News", published=date(2021, 9, 27),
            entities=[("Angela Merkel", P, 2), ("Olaf Scholz", P, 2), ("Social Democrats", O, 1),
                      ("Germany", L, 2)],
            quotes=[("Olaf Scholz", "Voters want change.")],
        ),
        _article(
            "021_scholz_de", title="Scholz will Kanzler werden",
            body=("Olaf Scholz hat nach der Bundestagswahl den Anspruch auf das Kanzleramt erhoben. Die SPD wurde "
                  "st\u00e4rkste Kraft vor der Union."),
            publisher="Tagesschau", published=date(2021, 9, 27), language="de",
            entities=[("Olaf Scholz", P, 2), ("SPD", O, 1), ("Berlin", L, 1)],
        ),
        _article(
            "022_merkel_de", title="Merkel verabschiedet sich",
            body="Angela Merkel hat sich nach sechzehn Jahren als Kanzlerin verabschiedet. Berlin feierte.",
            publisher="Tagesschau", published=date(2021, 12, 8), language="de",
            entities=[("Angela Merkel", P, 1), ("Berlin", L, 1)],
        ),
        _article(
            "030_climate_cop26", title="COP26 ends with Glasgow climate pact",
            body=("Nearly 200 countries agreed the Glasgow Climate Pact after two weeks of talks, though India "
                  "and China pushed to soften language on coal.\n\nAlok Sharma said he was deeply sorry."),
            publisher="Reuters", published=date(2021, 11, 13),
            entities=[("Alok Sharma", P, 1), ("Glasgow", L, 2), ("India", L, 1), ("China", L, 1)],
            quotes=[("Alok Sharma", "I am deeply sorry for the way this process has unfolded.")],
        ),
        _article(
            "031_no_date", title="Panjshir valley profile",
            body="The Panjshir valley lies north of Kabul and is known for its emeralds and its resistance.",
            publisher="India.com", published=None,
            entities=[panjshir, kabul],
        ),
    ]
    return arts


ARTICLES = sample_articles()
BY_KEY = {a.path.split("/")[1].removesuffix(".txt"): a for a in ARTICLES}
TAG_OTHER_THAN_MARK = re.compile(r"<(?!/?mark>)")


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexBackend]:
    be = open_backend(Settings(home=tmp_path_factory.mktemp("api-home"), backend="embedded"))
    result = be.upsert(ARTICLES)
    assert result.written == len(ARTICLES) and not result.failed
    yield be
    be.close()


@pytest.fixture(scope="module")
def client(backend: IndexBackend) -> Iterator[TestClient]:
    with TestClient(create_app(backend), raise_server_exceptions=False) as c:
        yield c


def msg(resp) -> str:
    detail = resp.json()["detail"]
    return detail if isinstance(detail, str) else "; ".join(d["msg"] for d in detail)


# ---------------------------------------------------------------------------------------------------------------
# /health, /openapi.json, /docs, /


def test_health_reports_backend_and_count(client: TestClient) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["backend"] == "embedded" and body["reachable"] is True
    assert body["documents"] == len(ARTICLES)


def test_health_is_503_when_backend_cannot_be_opened(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "index").write_text("not a directory")  # the index dir cannot be created: backend cannot open
    app = create_app(settings=Settings(home=home, backend="embedded"))
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/health")
        assert r.status_code == 503, r.text
        assert r.json()["reachable"] is False and r.json()["detail"]
        r = c.get("/search", params={"q": "panjshir"})
        assert r.status_code == 503 and "unavailable" in msg(r)


def test_health_is_503_when_elasticsearch_does_not_answer(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(settings=Settings(home=tmp_path, backend="elasticsearch", es_url=f"http://127.0.0.1:{port}"))
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/health")
    assert r.status_code == 503, r.text
    assert r.json()["backend"] == "elasticsearch" and r.json()["reachable"] is False and r.json()["detail"]


def test_lazily_opened_backend_is_closed_on_shutdown(tmp_path: Path) -> None:
    app = create_app(settings=Settings(home=tmp_path, backend="embedded"))
    with TestClient(app) as c:
        assert c.get("/search", params={"q": "anything"}).json()["total"] == 0
        assert app.state.backends._backend is not None
    assert app.state.backends._backend is None


def test_openapi_and_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/search", "/articles/{article_id}", "/facets/{field}", "/health"} <= set(spec["paths"])
    writes = {path: set(ops) for path, ops in spec["paths"].items() if set(ops) != {"get"}}
    assert writes == {"/saved-searches/{name}": {"put", "delete"}}  # the index itself is read-only
    params = {p["name"] for p in spec["paths"]["/search"]["get"]["parameters"]}
    assert params == {"q", "publisher", "entity", "entity_type", "author", "language", "from", "to", "exclude", "sort",
                      "page", "size", "facets", "facet_size", "interval", "collapse", "story_id", "undated"}
    assert client.get("/docs").status_code == 200


def test_search_page_and_static_files_are_served(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert 'id="q"' in r.text and "/static/app.js" in r.text
    js = client.get("/static/app.js")
    assert js.status_code == 200 and "textContent" in js.text
    assert client.get("/static/style.css").status_code == 200
    assert client.get("/static/../app.py").status_code == 404


def test_read_only_and_cors_off_by_default(client: TestClient) -> None:
    art = ARTICLES[0]
    for method in ("post", "put", "delete", "patch"):
        assert getattr(client, method)(f"/articles/{art.id}").status_code == 405
        assert getattr(client, method)("/search").status_code == 405
    r = client.get("/search", params={"q": "taliban"}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
    pre = client.options("/search", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert "access-control-allow-origin" not in pre.headers


def test_cors_is_opt_in(backend: IndexBackend) -> None:
    with TestClient(create_app(backend, cors_origins=["https://app.example"])) as c:
        r = c.get("/health", headers={"Origin": "https://app.example"})
        assert r.headers["access-control-allow-origin"] == "https://app.example"
        r = c.get("/health", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in r.headers


# ---------------------------------------------------------------------------------------------------------------
# /search


def test_text_search_returns_hits_highlights_facets_and_paging(client: TestClient) -> None:
    r = client.get("/search", params={"q": "panjshir"})
    assert r.status_code == 200, r.text
    body = r.json()
    panjshir = {a.id for a in ARTICLES if "panjshir" in f"{a.title} {a.body}".lower()}
    assert body["total"] == len(panjshir)
    assert {h["id"] for h in body["hits"]} == panjshir
    assert body["page"] == 1 and body["size"] == 10 and body["pages"] == 1 and body["has_next"] is False
    assert set(body["facets"]) >= {"publisher", "person", "organization", "location", "published"}
    assert {"value": "Panjshir", "count": len(panjshir)} in body["facets"]["location"]
    hit = next(h for h in body["hits"] if h["id"] == BY_KEY["000_saleh_refuses"].id)
    assert hit["publisher"] == "India.com" and hit["published"].startswith("2021-09-04")
    assert any("<mark>" in f.lower() for f in hit["highlights"])


def test_highlights_contain_only_mark_and_escape_everything_else(client: TestClient) -> None:
    body = client.get("/search", params={"q": "script OR markup OR panjshir"}).json()
    frags = [f for h in body["hits"] for f in h["highlights"]]
    assert frags and any("<mark>" in f for f in frags)
    for f in frags:
        assert not TAG_OTHER_THAN_MARK.search(f), f
        assert ">" not in re.sub(r"</?mark>", "", f), f
    markup = next(h for h in body["hits"] if h["id"] == BY_KEY["012_markup_in_text"].id)
    assert any("&lt;" in f for f in markup["highlights"]), markup["highlights"]


def test_api_escapes_a_highlight_with_other_markup() -> None:
    """Defence in depth: a fragment with any tag but <mark> (a backend bug) is sent as plain escaped text."""
    ok = "a &lt;b&gt; &amp; <mark>Kabul</mark> &#x27;x&#x27;"
    assert safe_highlight(ok) == ok
    assert safe_highlight('<img src=x onerror="alert(1)"> <mark>Kabul</mark>') == (
        "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; Kabul")
    assert safe_highlight("AT&T <mark>x</mark>") == "AT&amp;T x"


def test_filters_restrict_hits(client: TestClient) -> None:
    r = client.get("/search", params={"publisher": "Reuters", "size": 50})
    assert {h["id"] for h in r.json()["hits"]} == {a.id for a in ARTICLES if a.publisher == "Reuters"}
    r = client.get("/search", params=[("publisher", "Reuters"), ("publisher", "Sputnik")])
    assert r.json()["total"] == sum(a.publisher in ("Reuters", "Sputnik") for a in ARTICLES)
    r = client.get("/search", params={"entity": "Olaf Scholz"})
    assert {h["id"] for h in r.json()["hits"]} == {BY_KEY["020_merkel_election"].id, BY_KEY["021_scholz_de"].id}
    r = client.get("/search", params={"language": "de"})
    assert r.json()["total"] == 2 and all(h["language"] == "de" for h in r.json()["hits"])
    r = client.get("/search", params={"q": "panjshir", "from": "2021-09-04", "to": "2021-09-30"})
    assert {h["id"] for h in r.json()["hits"]} == {BY_KEY[k].id for k in ("000_saleh_refuses", "004_massoud_talks",
                                                                           "005_massoud_talks_syndicated")}
    r = client.get("/search", params={"entity": "Angela Merkel", "language": "en"})
    assert [h["id"] for h in r.json()["hits"]] == [BY_KEY["020_merkel_election"].id]


def test_query_language_field_value_and_not(client: TestClient) -> None:
    r = client.get("/search", params={"q": 'person:"Ahmad Massoud"'})
    assert r.status_code == 200, r.text
    assert {h["id"] for h in r.json()["hits"]} == {BY_KEY["004_massoud_talks"].id,
                                                   BY_KEY["005_massoud_talks_syndicated"].id}
    r = client.get("/search", params={"q": "panjshir -taliban"})
    ids = {h["id"] for h in r.json()["hits"]}
    assert BY_KEY["031_no_date"].id in ids and BY_KEY["000_saleh_refuses"].id not in ids


def test_collapse_hides_near_duplicates(client: TestClient) -> None:
    dup = BY_KEY["005_massoud_talks_syndicated"].id
    assert dup in {h["id"] for h in client.get("/search", params={"q": "massoud"}).json()["hits"]}
    r = client.get("/search", params={"q": "massoud", "collapse": "true"})
    assert dup not in {h["id"] for h in r.json()["hits"]} and r.json()["total"] == 1


def test_sort_by_date_is_newest_first(client: TestClient) -> None:
    hits = client.get("/search", params={"sort": "date", "size": 50}).json()["hits"]
    dates = [h["published"][:10] for h in hits if h["published"]]
    assert dates == sorted(dates, reverse=True) and dates[0] == "2021-12-08"


def test_facets_parameter_comma_separated_repeated_empty_and_unknown(client: TestClient) -> None:
    r = client.get("/search", params={"facets": "publisher,language"})
    assert set(r.json()["facets"]) == {"publisher", "language"}
    assert {"value": "de", "count": 2} in r.json()["facets"]["language"]
    r = client.get("/search", params=[("facets", "person"), ("facets", "location")])
    assert set(r.json()["facets"]) == {"person", "location"}
    assert client.get("/search", params={"facets": ""}).json()["facets"] == {}
    r = client.get("/search", params={"facets": "publisher,colour"})
    assert r.status_code == 422 and "colour" in msg(r)


def test_date_histogram_interval(client: TestClient) -> None:
    months = client.get("/search", params={"facets": "published", "interval": "month"}).json()["facets"]["published"]
    assert sum(b["count"] for b in months) == sum(a.published is not None for a in ARTICLES)
    assert len(months) == 4  # 2021-09, -10, -11, -12
    years = client.get("/search", params={"facets": "published", "interval": "year"}).json()["facets"]["published"]
    assert [b["count"] for b in years] == [sum(a.published is not None for a in ARTICLES)]
    assert client.get("/search", params={"interval": "fortnight"}).status_code == 422


def test_undated_articles_are_a_bucket_of_their_own_and_a_filter(client: TestClient) -> None:
    undated = [a.id for a in ARTICLES if a.published is None]
    r = client.get("/search", params={"facets": "published"}).json()
    assert r["undated"] == len(undated) == 1
    assert sum(b["count"] for b in r["facets"]["published"]) + r["undated"] == len(ARTICLES)
    assert client.get("/search", params={"facets": "publisher"}).json()["undated"] is None
    r = client.get("/search", params={"undated": "true", "facets": "published"}).json()
    assert [h["id"] for h in r["hits"]] == undated and r["hits"][0]["published"] is None and r["undated"] == 1
    assert client.get("/search", params={"q": "panjshir", "undated": "true"}).json()["total"] == 1
    r = client.get("/search", params={"undated": "true", "from": "2021-09-01"})
    assert r.status_code == 422 and "undated" in msg(r)


def test_paging(client: TestClient) -> None:
    total = len(ARTICLES)
    first = client.get("/search", params={"size": 5, "sort": "date"}).json()
    assert first["total"] == total and first["pages"] == 3 and first["has_next"] is True
    third = client.get("/search", params={"size": 5, "page": 3, "sort": "date"}).json()
    assert len(third["hits"]) == total - 10 and third["has_next"] is False
    second = client.get("/search", params={"size": 5, "page": 2, "sort": "date"}).json()
    seen = [h["id"] for p in (first, second, third) for h in p["hits"]]
    assert sorted(seen) == sorted(a.id for a in ARTICLES)
    beyond = client.get("/search", params={"size": 5, "page": 4}).json()
    assert beyond["hits"] == [] and beyond["has_next"] is False
    facets_only = client.get("/search", params={"size": 0}).json()
    assert facets_only["hits"] == [] and facets_only["total"] == total and facets_only["facets"]


def test_size_is_capped_and_deep_paging_refused(client: TestClient) -> None:
    r = client.get("/search", params={"size": MAX_PAGE_SIZE + 1})
    assert r.status_code == 422 and str(MAX_PAGE_SIZE) in msg(r)
    assert client.get("/search", params={"size": MAX_PAGE_SIZE}).status_code == 200
    r = client.get("/search", params={"size": 100, "page": MAX_RESULT_WINDOW // 100 + 1})
    assert r.status_code == 422 and str(MAX_RESULT_WINDOW) in msg(r).replace(",", "")
    for params in ({"page": 10**30}, {"size": 10**30}, {"page": 0}, {"size": -1}, {"page": "two"}):
        r = client.get("/search", params=params)
        assert r.status_code == 422, (params, r.text)
        assert msg(r)


@pytest.mark.parametrize("q", [
    '"unbalanced quote',
    'panjshir "taliban',
    "(taliban OR",
    "AND",
    "NOT",
    "-",
    "*",
    "person:",
    ":",
    "title:foo^2 body:[a TO z] ~ taliban~2",       # tantivy / Lucene syntax is not passed through
    '{"query": {"match_all": {}}}',                # nor Elasticsearch JSON
    "pan\x00jshir \x07\x1b[31m taliban\x7f",      # control characters
    "\u202epanjshir\u200b",                       # bidi / zero-width
    " ".join(["kabul"] * 10_000),                  # 10,000 terms (httpx caps a URL at 64 KiB)
    " OR ".join(["x"] * 10_000),
    "a" * 60_000,
    "((((((((((((((((((((" * 50,
    "emoji 🙂 panjshir",
])
def test_hostile_queries_get_a_clear_4xx_or_a_result(client: TestClient, q: str) -> None:
    r = client.get("/search", params={"q": q})
    assert r.status_code in (200, 422), r.text[:500]
    if r.status_code == 422:
        assert msg(r).strip()
    else:
        for h in r.json()["hits"]:
            for f in h["highlights"]:
                assert not TAG_OTHER_THAN_MARK.search(f)


def test_raw_backend_syntax_is_not_interpreted(client: TestClient) -> None:
    r = client.get("/search", params={"q": "publisher:Reuters^100 OR *:*"})
    assert r.status_code in (200, 422)
    if r.status_code == 200:  # never "match everything"
        assert r.json()["total"] < len(ARTICLES)


def test_control_characters_in_filters(client: TestClient) -> None:
    for value in ("Reu\x00ters", "\x1b[0m", "a" * 10_000, "*", 'Reuters" OR "BBC News'):
        r = client.get("/search", params={"publisher": value, "entity": value})
        assert r.status_code in (200, 422), r.text[:300]
        if r.status_code == 200:
            assert r.json()["total"] == 0


@pytest.mark.parametrize("day", ["0001-01-01", "1677-01-01", "2263-01-01", "9999-12-31"])
def test_far_away_dates_are_a_result_or_a_clear_4xx(client: TestClient, day: str) -> None:
    for path in ("/search", "/facets/publisher"):
        for key in ("from", "to"):
            r = client.get(path, params={key: day})
            assert r.status_code in (200, 422), (path, key, r.text[:300])


def test_invalid_filter_values(client: TestClient) -> None:
    assert client.get("/search", params={"entity_type": "alien"}).status_code == 422
    r = client.get("/search", params={"from": "2021-13-45"})
    assert r.status_code == 422 and "from" in str(r.json()["detail"])
    r = client.get("/search", params={"from": "2021-10-01", "to": "2021-09-01"})
    assert r.status_code in (200, 422)
    if r.status_code == 200:
        assert r.json()["total"] == 0
    assert client.get("/search", params={"sort": "random"}).status_code == 422


# ---------------------------------------------------------------------------------------------------------------
# /articles/{id}


def test_article_by_id_returns_the_full_article(client: TestClient) -> None:
    art = BY_KEY["000_saleh_refuses"]
    r = client.get(f"/articles/{art.id}")
    assert r.status_code == 200
    got = Article.model_validate(r.json())
    assert got.title == art.title and got.body == art.body and got.url == art.url
    assert {(e.name, e.type) for e in got.entities} == {(e.name, e.type) for e in art.entities}
    assert got.quotes == art.quotes
    assert got.provenance["published"].source == "dateline"
    assert str(got.published_day) == "2021-09-04"


def test_unknown_article_is_404(client: TestClient) -> None:
    for bad in ("0" * 20, "nope", "%00", "x" * 256, "a%2Fb"):
        r = client.get(f"/articles/{bad}")
        assert r.status_code == 404, (bad, r.text)
    assert "no article" in msg(client.get("/articles/nope"))
    assert client.get("/articles/" + "x" * 300).status_code == 422


# ---------------------------------------------------------------------------------------------------------------
# /facets/{field}


def test_facet_endpoint_counts_with_filters(client: TestClient) -> None:
    r = client.get("/facets/publisher")
    assert r.status_code == 200
    body = r.json()
    assert body["field"] == "publisher"
    counts = {b["value"]: b["count"] for b in body["buckets"]}
    expected: dict[str, int] = {}
    for a in ARTICLES:
        expected[a.publisher] = expected.get(a.publisher, 0) + 1
    assert counts == expected
    assert [b["count"] for b in body["buckets"]] == sorted(counts.values(), reverse=True)
    r = client.get("/facets/person", params={"language": "de"})
    assert {b["value"]: b["count"] for b in r.json()["buckets"]} == {"Olaf Scholz": 1, "Angela Merkel": 1}
    r = client.get("/facets/location", params={"publisher": "Reuters", "size": 2})
    assert len(r.json()["buckets"]) == 2 and r.json()["buckets"][0] == {"value": "Kabul", "count": 3}


def test_facet_endpoint_rejects_unknown_fields_and_bad_sizes(client: TestClient) -> None:
    r = client.get("/facets/colour")
    assert r.status_code == 422 and "publisher" in msg(r)
    assert client.get("/facets/publisher", params={"size": 0}).status_code == 422
    assert client.get("/facets/publisher", params={"size": 10_000}).status_code == 422


# ---------------------------------------------------------------------------------------------------------------
# schemathesis: no 5xx for any generated input


SCHEMATHESIS_SETTINGS = Settings(home=Path(tempfile.mkdtemp(prefix="newsdesk-schemathesis-")), backend="embedded")
SCHEMATHESIS_APP = create_app(settings=SCHEMATHESIS_SETTINGS)  # backend opened on the first request
schema = schemathesis.openapi.from_asgi("/openapi.json", SCHEMATHESIS_APP)


@pytest.fixture(scope="module")
def schemathesis_corpus() -> Iterator[None]:
    """The sample corpus in the index the schemathesis app opens lazily; removed afterwards."""
    be = open_backend(SCHEMATHESIS_SETTINGS)
    be.upsert(ARTICLES)
    be.close()
    yield
    SCHEMATHESIS_APP.state.backends.close()
    shutil.rmtree(SCHEMATHESIS_SETTINGS.home, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_schemathesis_finds_no_server_error(case, schemathesis_corpus: None) -> None:
    case.call_and_validate(checks=[not_a_server_error])
