"""Learned per-publisher boilerplate: learn, list, disable/enable, apply on later runs; the CLI."""

from __future__ import annotations

import json

from pathlib import Path

from typer.testing import CliRunner

from newsdesk.clean import BoilerplateRules, clean_document, learn_boilerplate
from newsdesk.clean.boilerplate import BoilerplateStore
from newsdesk.clean.cli import boilerplate_app
from newsdesk.config import Settings
from newsdesk.model import RawDocument

PROMO = "Get the Harbour Gazette app for breaking news alerts on your phone today."
STORIES = [
    "The harbour authority approved a new ferry terminal on Tuesday after a long public consultation.",
    "Fishermen protested outside the town hall on Wednesday against new quotas for the coming season.",
    "A storm damaged several boats in the marina overnight, and the coast guard rescued two sailors.",
    "The annual regatta drew record crowds this weekend, with more than two hundred boats taking part.",
]


def story(i: int) -> str:
    return f"{STORIES[i]}\n\n{PROMO}\n\nOfficials expect the work to take {i + 2} years, the report said in its summary."


def docs(folder: str = "feeds/harbour") -> list[RawDocument]:
    return [RawDocument(path=f"{folder}/{i}.txt", content=story(i), content_type="text") for i in range(len(STORIES))]


def test_learn_list_apply_disable(settings: Settings) -> None:
    store = BoilerplateStore()
    assert store.path == settings.home / "boilerplate.sqlite"
    rules = learn_boilerplate(docs())
    assert [r.line for r in rules] == [PROMO.casefold()]
    assert rules[0].scope == "source" and rules[0].key == "feeds/harbour" and rules[0].documents == 4

    loaded = BoilerplateRules.load()
    assert len(loaded) == 1
    new = RawDocument(path="feeds/harbour/new.txt", content=story(0), content_type="text")
    article = clean_document(new, loaded)
    assert PROMO not in article.body and STORIES[0] in article.body
    assert [s.rule for s in article.removed] == [rules[0].name]
    other_folder = RawDocument(path="feeds/other/new.txt", content=story(0), content_type="text")
    assert PROMO in clean_document(other_folder, loaded).body

    assert store.set_enabled(rules[0].id, False)
    assert PROMO in clean_document(new, BoilerplateRules.load()).body
    learn_boilerplate(docs())  # relearning keeps a disabled rule disabled
    assert store.rules()[0].enabled is False
    assert not store.set_enabled(999, True)


def test_syndicated_copies_do_not_teach_their_sentences(settings: Settings) -> None:
    copies = [RawDocument(path=f"wire/{i}.txt", content=story(0), content_type="text") for i in range(5)]
    assert learn_boilerplate(copies) == []


def test_publisher_scope_from_json_field(settings: Settings) -> None:
    feed = [RawDocument(path=d.path, record=str(i), content=d.content, content_type="text",
                        fields={"publisher": "Harbour Gazette"}) for i, d in enumerate(docs("mixed"))]
    rules = learn_boilerplate(feed)
    assert [(r.scope, r.key) for r in rules] == [("publisher", "harbour gazette")]
    later = RawDocument(path="elsewhere/x.json", content=story(1), content_type="text", fields={"publisher": "Harbour Gazette"})
    assert PROMO not in clean_document(later, BoilerplateRules.load()).body


def test_cli_learn_list_disable_enable(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "dumps"
    folder.mkdir()
    for i in range(len(STORIES)):
        (folder / f"{i}.txt").write_text(story(i))
    (folder / "other").mkdir()
    (folder / "other" / "lone.txt").write_text(story(0))
    runner = CliRunner()
    learned = runner.invoke(boilerplate_app, ["learn", str(folder)], env={"COLUMNS": "80"})
    assert learned.exit_code == 0, learned.output
    assert "5 documents read in 2 groups" in learned.output and "1 rules from these documents" in learned.output
    assert "1 line" in learned.output and "none: needs 3 distinct docs" in learned.output  # the lone folder's
    assert max(len(line) for line in learned.output.splitlines()) <= 80
    report = json.loads(runner.invoke(boilerplate_app, ["learn", str(folder), "--json"]).output)
    assert report["documents"] == 5 and report["rules_in_store"] == 1 and report["min_documents"] == 3
    assert sorted((g["documents"], g["lines"]) for g in report["groups"]) == [(1, 0), (4, 1)]
    [rule] = json.loads(runner.invoke(boilerplate_app, ["list", "--publisher", str(folder), "--json"]).output)
    assert rule["enabled"] and rule["line"] == PROMO.casefold() and rule["documents"] == 4
    listed = runner.invoke(boilerplate_app, ["list"], env={"COLUMNS": "80"}).output
    assert "1 boilerplate rules" in listed and "state" in listed and PROMO.casefold()[:20] in listed
    assert max(len(line) for line in listed.splitlines()) <= 80
    assert runner.invoke(boilerplate_app, ["disable", str(rule["id"])]).exit_code == 0
    assert not json.loads(runner.invoke(boilerplate_app, ["list", "--json"]).output)[0]["enabled"]
    assert runner.invoke(boilerplate_app, ["enable", str(rule["id"])]).exit_code == 0
    nobody = runner.invoke(boilerplate_app, ["list", "--publisher", "nobody"]).output
    assert "no boilerplate rules for 'nobody'" in nobody and "at least 3 distinct documents" in " ".join(nobody.split())
    assert runner.invoke(boilerplate_app, ["disable", "12345"]).exit_code == 1
