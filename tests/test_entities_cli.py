"""`newsdesk entities decisions|rebuild`: the alias registry's decisions as an analyst sees them, through the real
pipeline (`newsdesk extract` enriches with the real spaCy model and records names in the registry)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsdesk.cli import app
from newsdesk.config import Settings, use_settings

DOCS = [
    {"id": "a", "title": "Strike ends", "body": "Union leader Merav Eitan said the strike was over. "
                                                 "Workers cheered when Merav Eitan spoke in Haifa on Monday."},
    {"id": "b", "title": "Port reopens", "body": "The port reopened on Tuesday. Eitan said the workers would "
                                                  "return to the docks in Haifa within a week."},
]


@pytest.fixture()
def home(tmp_path: Path) -> Iterator[Path]:
    use_settings(Settings(home=tmp_path / "home", backend="embedded"))
    yield tmp_path
    use_settings(None)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "80"})
    return result.exit_code, result.stdout


def test_decisions_list_the_surname_mapped_to_the_one_full_name_and_rebuild_recomputes_them(home: Path) -> None:
    code, out = run("entities", "decisions")
    assert code == 0 and "no alias decisions yet" in out
    source = home / "in.jsonl"
    source.write_text("\n".join(json.dumps(d) for d in DOCS) + "\n", encoding="utf-8")
    code, out = run("extract", str(source))
    assert code == 0
    persons = [{e["name"] for e in json.loads(line)["entities"] if e["type"] == "person"}
               for line in out.splitlines()]
    assert persons[1] >= {"Merav Eitan"} and "Eitan" not in persons[1]  # the other document's full name

    code, out = run("entities", "decisions", "--json")
    decided = {d["name"]: d for d in json.loads(out)}
    assert decided["eitan"]["maps_to"] == "merav eitan" and decided["eitan"]["reason"]
    code, out = run("entities", "decisions")
    assert code == 0 and "eitan" in out and "merav eitan" in out and max(map(len, out.splitlines())) <= 80

    code, out = run("entities", "rebuild", "--json", "--no-settle")
    result = json.loads(out)
    assert code == 0 and result["decisions"] >= 1 and result["cache_entries_cleared"] == 2
    assert result["settled"] is None
    code, out = run("entities", "rebuild", "--no-settle")
    assert code == 0 and "stories settle" in " ".join(out.split())
    assert {d["name"]: d["maps_to"] for d in json.loads(run("entities", "decisions", "--json")[1])}["eitan"] \
        == "merav eitan"


def test_rebuild_writes_the_new_names_into_documents_indexed_before_the_full_name_was_seen(home: Path) -> None:
    """A surname-only article indexed first keeps `Eitan` until the registry knows `Merav Eitan`; `entities
    rebuild` settles the index, so the indexed article (and the person facet) carries the full name without
    re-processing."""
    from newsdesk.index import open_backend

    first, second = home / "first", home / "second"
    first.mkdir()
    second.mkdir()
    (first / "b.json").write_text(json.dumps(DOCS[1]), encoding="utf-8")
    (second / "a.json").write_text(json.dumps(DOCS[0]), encoding="utf-8")
    assert run("ingest", str(first))[0] == 0

    def names() -> dict[str, set[str]]:
        """Each indexed article's people, organisations and places by id."""
        backend = open_backend()
        try:
            return {i: {f"{e.name} ({e.type})" for e in backend.get(i).entities} for i in backend.ids()}
        finally:
            backend.close()

    assert run("ingest", str(second))[0] == 0
    before = names()
    assert any("Eitan (organization)" in found for found in before.values())  # alone, spaCy's guess stays

    code, out = run("entities", "rebuild", "--json")
    result = json.loads(out)
    assert code == 0 and result["settled"]["articles"] == 2 and result["settled"]["changed"] >= 1
    after = names()
    assert after.keys() == before.keys()
    assert all("Merav Eitan (person)" in found and not any(n.startswith("Eitan ") for n in found)
               for found in after.values()), after
    code, out = run("entities", "rebuild")
    assert code == 0 and "settled 2 indexed articles" in " ".join(out.split())
