"""Stories: near-duplicates, story clustering and claims, with the real pipeline, spaCy and embedded index."""

from __future__ import annotations

import copy
import gzip
import json
import multiprocessing
import random
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ROOT, SEEDS

DEV_SET = ROOT / "bench" / "data" / "stories-dev.jsonl.gz"
SPUTNIK_SEED = "003_49ead879da3b5b42.txt"


@pytest.fixture(scope="module")
def seeds_processed(tmp_path_factory: pytest.TempPathFactory):
    """The two seeds loaded, cleaned and enriched once (spaCy) for every test here."""
    from newsdesk.config import Settings, use_settings
    from newsdesk.pipeline import process_files
    from newsdesk.sources import discover

    settings = Settings(home=tmp_path_factory.mktemp("seeds-home"), workers=1, max_document_seconds=0)
    use_settings(settings)
    try:
        processed = process_files([f for f in discover([str(SEEDS)]) if hasattr(f, "identity")], settings)
    finally:
        use_settings(None)
    assert sum(len(p.articles) for p in processed) == 2, [o.reason for p in processed for o in p.outcomes]
    return processed


def _index(settings, processed):  # noqa: ANN001, ANN202
    """One `index_processed` call as the ingest flow makes it, on a fresh state handle (a new run)."""
    from newsdesk.index import open_backend
    from newsdesk.model import IngestSummary
    from newsdesk.pipeline import index_processed
    from newsdesk.state import IngestState

    backend, state, summary = open_backend(settings), IngestState(settings.state_path), IngestSummary()
    try:
        index_processed(copy.deepcopy(processed), backend, state, summary)
    finally:
        state.close()
    return backend, summary


def _articles(processed) -> dict[str, object]:  # noqa: ANN001
    return {Path(p.file.path).name: a for p in processed for a in p.articles}


def test_seeds_form_one_story_whose_claims_show_both_sides(settings, seeds_processed) -> None:
    from newsdesk.search.model import Filters
    from newsdesk.stories import StoryStore, get_story, list_stories

    backend, summary = _index(settings, seeds_processed)
    try:
        assert (summary.indexed, summary.duplicates) == (2, 0)
        ids = [a.id for a in _articles(seeds_processed).values()]
        stored = [backend.get(i) for i in ids]
        story_id = stored[0].story_id
        assert story_id and stored[1].story_id == story_id
        assert [(b.value, b.count) for b in backend.facet("story_id", Filters())] == [(story_id, 2)]

        with StoryStore.for_settings(settings) as store:
            page = list_stories(store)
            story = get_story(store, backend, story_id)
    finally:
        backend.close()
    assert page.total == 1 and page.stories[0].id == story_id
    assert story is not None and story.articles == 2 and "Sputnik" in story.publishers
    assert (str(story.first_day), str(story.last_day)) == ("2021-09-03", "2021-09-04")
    assert {"Taliban", "Amrullah Saleh", "Panjshir"} <= set(story.top_entities)
    assert story.label == _articles(seeds_processed)[SPUTNIK_SEED].title

    by_speaker = {c.speaker: c for c in story.claims_by_speaker}
    taliban, saleh = by_speaker["Taliban"], by_speaker["Amrullah Saleh"]
    assert len(taliban.publishers) == 2 and len(saleh.publishers) == 2  # each side, as both outlets report it
    taliban_says = " ".join(s.text for s in taliban.statements)
    saleh_says = " ".join(s.text for s in saleh.statements)
    assert "full control" in taliban_says and "taken control of the renegade province" in taliban_says
    assert "fled the country" in saleh_says and "totally baseless" in saleh_says
    assert "We will not surrender" in saleh_says
    sputnik = next(s for s in taliban.statements if "renegade province" in s.text)
    assert sputnik.speaker == "Taliban spokesman" and sputnik.kind == "indirect"
    assert [src.publisher for src in sputnik.sources] == ["Sputnik"]
    assert {c.publisher for c in story.claims_by_publisher} == set(story.publishers)


def test_stories_cli_lists_and_shows_claims_side_by_side(settings, seeds_processed) -> None:
    from newsdesk.stories.cli import stories_app

    _index(settings, seeds_processed)[0].close()
    runner = CliRunner()
    listed = runner.invoke(stories_app, ["list", "--json"])
    assert listed.exit_code == 0, listed.output
    story_id = json.loads(listed.stdout)["stories"][0]["id"]
    human = runner.invoke(stories_app, ["list"], env={"COLUMNS": "80"})
    assert human.exit_code == 0, human.output
    lines = human.output.splitlines()
    assert max(map(len, lines)) <= 80 and lines[0].startswith("1 story (")
    label = " ".join(json.loads(listed.stdout)["stories"][0]["label"].split())
    assert " ".join(lines[2:4]).startswith(label[:60])  # the label reads as text, not one word a line
    assert any(story_id in line and "2 articles" in line for line in lines)
    shown = runner.invoke(stories_app, ["show", story_id], env={"COLUMNS": "80"})
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert max(map(len, lines)) <= 80
    assert "Claims by speaker and outlet (as reported; not verified)" in lines
    # each speaker, then what each outlet reports of them, one under the other
    taliban = lines.index("Taliban")
    outlets = [line.strip() for line in lines[taliban:] if line.startswith("  ") and not line.startswith("    ")]
    assert {"Sputnik:", "(unknown publisher):"} <= set(outlets[:2]), outlets
    assert "Amrullah Saleh" in lines
    assert "likely speaker (unconfirmed)" not in shown.output.split("Amrullah Saleh")[1].split("Quotations")[0]
    sure = runner.invoke(stories_app, ["show", story_id, "--min-confidence", "0.9"], env={"COLUMNS": "200"})
    assert sure.exit_code == 0, sure.output
    claimed, apart = sure.output.split("Quotations without a clear speaker")
    assert "By the grace of Allah Almighty" in apart and "By the grace of Allah Almighty" not in claimed
    assert "There is no doubt we are in a difficult situation" in claimed
    assert re.search(r"likely speaker \(unconfirmed\): Taliban \(\d\d% sure\)", apart)
    assert runner.invoke(stories_app, ["show", story_id, "--min-confidence", "2"]).exit_code == 2
    missing = runner.invoke(stories_app, ["show", "nope"])
    assert missing.exit_code == 1


def test_syndicated_copy_in_a_later_run_is_a_collapsible_duplicate(settings, seeds_processed, tmp_path) -> None:
    from newsdesk.pipeline import process_files
    from newsdesk.search import build_request
    from newsdesk.sources import discover
    from newsdesk.stories import StoryStore, get_story

    _index(settings, seeds_processed)[0].close()
    original = _articles(seeds_processed)[SPUTNIK_SEED]
    body = original.body.replace("Earlier in the day", "Earlier on Friday").replace("said", "says")
    body = "\n\n".join(body.split("\n\n")[:-1]) + "\n\nThis story was first published by Sputnik."
    feed = tmp_path / "wire.json"
    feed.write_text(json.dumps({"url": "https://wire.example/panjshir", "publisher": "Wire Daily",
                                "title": f"UPDATE: {original.title}", "published": "2021-09-04", "text": body}))
    copy_processed = process_files(list(discover([str(feed)])), settings)

    backend, summary = _index(settings, copy_processed)
    try:
        assert (summary.seen, summary.indexed, summary.duplicates) == (1, 0, 1)
        copy_id = copy_processed[0].articles[0].id
        stored = backend.get(copy_id)
        assert stored.duplicate_of == original.id
        assert stored.story_id == backend.get(original.id).story_id
        everything = backend.search(build_request("Panjshir"))
        collapsed = backend.search(build_request("Panjshir", collapse=True))
        assert (everything.total, collapsed.total) == (3, 2)
        assert copy_id not in {h.id for h in collapsed.hits}
        with StoryStore.for_settings(settings) as store:
            story = get_story(store, backend, stored.story_id)
    finally:
        backend.close()
    # The copy is credited to its own outlet, and its claims are folded under the original's outlet.
    assert "Wire Daily" in story.publishers
    assert [(a.publisher, a.duplicate_of) for a in story.article_list if a.id == copy_id] == [("Wire Daily", original.id)]
    for claims in story.claims_by_speaker:
        assert "Wire Daily" not in claims.publishers
        for statement in claims.statements:
            for source in statement.sources:
                assert source.outlet != "Wire Daily"
                if source.article_id == copy_id:
                    assert (source.publisher, source.copy_of, source.outlet) == ("Wire Daily", original.id, "Sputnik")
    renegade = next(s for c in story.claims_by_speaker for s in c.statements if "renegade province" in s.text)
    assert [(src.publisher, src.copy_of) for src in renegade.sources] == [("Sputnik", None), ("Wire Daily", original.id)]
    assert {c.publisher for c in story.claims_by_publisher} == {"Sputnik", "(unknown publisher)"}


def _dev_set() -> list:  # noqa: ANN202
    """The labelled set's records as un-enriched articles (terms only), in the stored order."""
    from newsdesk.model import Article

    records = [json.loads(line) for line in gzip.open(DEV_SET, "rt")]
    return [Article(id=r["id"], url=r["url"], title=r["title"], body=r["text"], publisher=r["publisher"],
                    published=r["published"]) for r in records]


def _canonical(store, article_id: str) -> str:  # noqa: ANN001
    stored = store.article(article_id)
    return stored.duplicate_of or stored.id


def _check_copies_caught(store, articles) -> None:  # noqa: ANN001
    originals = [a.id for a in articles if not a.id.startswith("copy-")]
    copies = [a.id for a in articles if a.id.startswith("copy-")]
    assert len(copies) > 80
    for copy_id in copies:
        assert _canonical(store, copy_id) == _canonical(store, copy_id.removeprefix("copy-")), copy_id
    assert len({_canonical(store, i) for i in originals}) == len(originals)  # no two originals merged


def test_near_duplicate_edits_of_dev_pages_are_caught(tmp_path) -> None:
    from newsdesk.stories import StoryStore, assign_stories

    articles = _dev_set()
    with StoryStore(tmp_path / "stories.sqlite") as store:
        for i in range(0, len(articles), 64):
            result = assign_stories(articles[i:i + 64], store)
            assert all(a.story_id for a in articles[i:i + 64])
        assert result.near_duplicates
        _check_copies_caught(store, articles)
        for a in articles:
            if a.duplicate_of:
                assert a.story_id == store.article(a.duplicate_of).story_id


def _assign_part(path: str, part: list) -> None:  # noqa: ANN001
    from newsdesk.stories import assign_stories

    for i in range(0, len(part), 8):
        assign_stories(part[i:i + 8], Path(path))


def test_two_processes_share_the_store_safely(tmp_path) -> None:
    from newsdesk.stories import StoryStore

    articles = _dev_set()
    random.Random(3).shuffle(articles)
    path = str(tmp_path / "stories.sqlite")
    StoryStore(Path(path)).close()
    ctx = multiprocessing.get_context("spawn")  # no fork: the test process runs threads (Prefect, sqlite)
    workers = [ctx.Process(target=_assign_part, args=(path, articles[k::2])) for k in (0, 1)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(600)
    assert [w.exitcode for w in workers] == [0, 0]
    with StoryStore(Path(path)) as store:
        assert store.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == len(articles)
        _check_copies_caught(store, articles)


def test_reingest_keeps_story_and_forget_shrinks_it(tmp_path) -> None:
    from newsdesk.stories import StoryStore, assign_stories, forget_articles

    articles = [a for a in _dev_set() if a.id.endswith("dev-35b15891") or a.id.endswith("dev-9cb8224b")]
    path = tmp_path / "stories.sqlite"
    assign_stories(copy.deepcopy(articles), path)
    again = copy.deepcopy(articles)
    assign_stories(again, path)
    with StoryStore(path) as store:
        first = store.article(articles[0].id)
        assert [a.story_id for a in again] == [store.article(a.id).story_id for a in articles]
        story = store.story(first.story_id)
        before = story.size
        forget_articles([first.id], store)
        after = store.story(first.story_id)
        assert (after.size if after else 0) == before - 1
        assert store.article(first.id) is None


def test_same_event_joins_within_the_window_only(tmp_path) -> None:
    from datetime import timedelta

    from newsdesk.stories import assign_stories

    by_id = {a.id: a for a in _dev_set()}
    billboard, rolling_stone = by_id["dev-9cb8224b"], by_id["dev-ac1bfdd4"]  # one tour announcement, two outlets
    assign_stories([billboard, rolling_stone], tmp_path / "near.sqlite")
    assert rolling_stone.story_id == billboard.story_id and rolling_stone.duplicate_of is None

    later = rolling_stone.model_copy(update={"id": "later", "story_id": None,
                                             "published": billboard.published_day + timedelta(days=30)})
    first = billboard.model_copy(update={"story_id": None})
    assign_stories([first, later], tmp_path / "far.sqlite")
    assert later.story_id != first.story_id
