"""`newsdesk search` on a real embedded index: the API's hit fields in JSON, facets and intervals, keyword filters
that ignore case (and say when a value matches nothing), exclusions, and human output that fits 80 columns."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from newsdesk.api.app import create_app
from newsdesk.cli import app
from newsdesk.config import Settings, use_settings
from newsdesk.index import open_backend

from test_api import ARTICLES, BY_KEY


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    settings = Settings(home=tmp_path_factory.mktemp("cli-search"), backend="embedded")
    backend = open_backend(settings)
    assert not backend.upsert(ARTICLES).failed
    backend.close()
    use_settings(settings)
    yield settings
    use_settings(None)


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["search", *args], env={"COLUMNS": "80"})
    return result.exit_code, result.stdout, result.stderr


def test_json_hits_carry_the_api_fields_and_values(home: Settings) -> None:
    code, out, _ = cli("panjshir", "--json", "--size", "50", "--facets", "publisher,published", "--interval", "month")
    assert code == 0
    data = json.loads(out)
    with TestClient(create_app(settings=home)) as client:
        api = client.get("/search", params={"q": "panjshir", "size": 50, "facets": "publisher,published"}).json()
    assert data["hits"] == api["hits"]  # same fields, same values (scores and highlights included)
    assert data["facets"] == api["facets"] and data["undated"] == api["undated"] == 1
    assert data["interval"] == "month" and set(data["facets"]) == {"publisher", "published"}


def test_facets_and_interval_options(home: Settings) -> None:
    data = json.loads(cli("--json", "--facets", "author,norp,story_id", "--size", "0")[1])
    assert set(data["facets"]) == {"author", "norp", "story_id"} and data["hits"] == []
    assert json.loads(cli("--json", "--facets", "")[1])["facets"] == {}
    auto = json.loads(cli("--json", "--facets", "published", "--from", "2021-09-01", "--to", "2021-09-10")[1])
    assert auto["interval"] == "day" and auto["facets"]["published"][0]["value"] == "2021-09-03"
    years = json.loads(cli("--json", "--facets", "published", "--interval", "year")[1])
    assert [b["value"] for b in years["facets"]["published"]] == ["2021"]
    code, _, err = cli("--facets", "colour")
    assert code == 2 and "unknown facet 'colour'" in err
    code, _, err = cli("--interval", "fortnight")
    assert code == 2 and "interval" in err


def test_keyword_filters_ignore_case_and_say_when_a_value_matches_nothing(home: Settings) -> None:
    reuters = {a.id for a in ARTICLES if a.publisher == "Reuters"}
    for spelling in ("reuters", "REUTERS", "Reuters"):
        assert {h["id"] for h in json.loads(cli("--publisher", spelling, "--json", "--size", "50")[1])["hits"]} == reuters
    code, out, err = cli("--publisher", "reuterz", "--entity", "olaf scholz")
    assert code == 0 and out.startswith("0 articles")
    assert "no article has publisher 'reuterz'" in err and "olaf scholz" not in err  # that one exists
    scholz = {h["id"] for h in json.loads(cli("--entity", "OLAF SCHOLZ", "--json")[1])["hits"]}
    assert scholz == {BY_KEY["020_merkel_election"].id, BY_KEY["021_scholz_de"].id}


def test_exclusions_authors_and_stories(home: Settings) -> None:
    data = json.loads(cli("--exclude", "publisher:reuters", "--exclude", "language:de", "--json", "--size", "50")[1])
    assert {h["id"] for h in data["hits"]} == {a.id for a in ARTICLES if a.publisher != "Reuters" and a.language != "de"}
    code, _, err = cli("--exclude", "colour:red")
    assert code == 2 and "cannot exclude by 'colour'" in err
    assert json.loads(cli("--author", "nobody", "--json")[1])["total"] == 0
    assert json.loads(cli("--story", "no-such-story", "--json")[1])["total"] == 0


def test_human_output_fits_80_columns(home: Settings) -> None:
    code, out, _ = cli("panjshir OR kabul OR merkel", "--size", "20", "--facets",
                       "publisher,person,organization,location,published")
    assert code == 0
    lines = out.splitlines()
    assert max(map(len, lines)) <= 80 and lines[0].startswith("9 articles (1 undated)")
    # titles, then an indented line of publisher · date · language · id, then indented highlights
    art = BY_KEY["000_saleh_refuses"]
    at = lines.index(art.title)
    assert lines[at + 1] == f"  India.com · 2021-09-04 · en · {art.id}"
    assert lines[at + 2].startswith("  ") and "Panjshir" in lines[at + 2]
    assert any(line.startswith("publisher: ") for line in lines)
    assert "published (by week):" in lines
