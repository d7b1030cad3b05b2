"""`bench/quotes.py`'s page groups: each round's held-out pages are a group of their own, never tune, found through
`NEWSDESK_BENCH_DATA` (the system is not run here: the plumbing is under test, with a fake page)."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from bench import quotes

FAKE_TEXT = ("The mayor, Maria Lopez, spoke on Monday.\n\n\u201cWe will open the new bridge next spring, whatever the "
             "weather,\u201d Lopez said.")
FAKE_GOLD = {"text": "We will open the new bridge next spring, whatever the weather", "speaker": "Maria Lopez",
             "speaker_aliases": ["Maria Lopez", "Lopez"]}


@pytest.fixture
def fake_round3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if not quotes.GROUND_TRUTH.is_file():
        pytest.skip(f"{quotes.GROUND_TRUTH} not found (benchmark data)")
    gold = tmp_path / "gold.json"
    gold.write_text(json.dumps({"about": "fake", "pages": {"fake-1": {"url": None, "quotes": [FAKE_GOLD]}}}))
    (tmp_path / "quotes-heldout-3-texts.json").write_text(json.dumps({"about": "fake", "texts": {"fake-1": FAKE_TEXT}}))
    monkeypatch.setitem(quotes.GOLD_FILES, "heldout3", gold)
    monkeypatch.setattr(quotes, "EXTERNAL_TEXTS", {source: tmp_path / path.name
                                                   for source, path in quotes.EXTERNAL_TEXTS.items()})
    return tmp_path


def test_external_texts_live_in_one_folder_given_by_the_environment() -> None:
    assert {path.parent for path in quotes.EXTERNAL_TEXTS.values()} == {quotes.BENCH_DATA}
    assert set(quotes.EXTERNAL_TEXTS) == {"extra", *quotes.HELD_OUT}


def test_round3_pages_are_their_own_held_out_group(fake_round3: Path) -> None:
    pages = quotes.load_pages()
    round3 = [p for p in pages if p.source == "heldout3"]
    assert [(p.id, p.split, p.text) for p in round3] == [("fake-1", "heldout3", FAKE_TEXT)]
    assert {p.split for p in pages if p.source not in quotes.HELD_OUT} == {"tune", "test"}  # the hash split

    found = {p.id: [{"text": g["text"], "speaker": g["speaker"]} for g in p.gold] for p in pages}
    scores = quotes.score(pages, found)
    assert scores["heldout3"].gold == 1 and scores["heldout3"].right == 1  # counted once, in its own group
    assert scores["test"].gold == sum(len(p.gold) for p in pages if p.split == "test")
    runs = {"current": {"pages": Counter(p.split for p in pages) + Counter(f"{p.split} {p.source}" for p in pages)}}
    assert "round-3 held-out (in-sample for round 4)" in quotes.table({"current": scores}, runs)


def test_round3_pages_are_left_out_without_their_texts(fake_round3: Path) -> None:
    (fake_round3 / "quotes-heldout-3-texts.json").unlink()
    assert all(p.source != "heldout3" for p in quotes.load_pages())


@pytest.mark.parametrize(("group", "pages"), [("heldout3", 26), ("heldout4", 25), ("heldout5", 25), ("heldout6", 14),
                                              ("heldout7", 25), ("heldout8", 18), ("heldout9", 3),
                                              ("heldout10", 16), ("heldout11", 25), ("heldout12", 13),
                                              ("heldout13", 23), ("heldout14", 20), ("heldout15", 22),
                                              ("heldout16", 16), ("heldout17", 22), ("heldout18", 22),
                                              ("heldout19", 22)])
def test_held_out_gold_quotes_are_labelled_in_the_shared_format(group: str, pages: int) -> None:
    gold = json.loads(quotes.GOLD_FILES[group].read_text())
    assert len(gold["pages"]) == pages
    for page in gold["pages"].values():
        assert page["quotes"]
        for quote in page["quotes"]:
            assert quote["text"] == quote["text"].strip() and not quote["text"].endswith(",")
            assert (quote["speaker"] is None) == (quote["speaker_aliases"] == [])


def test_a_gzipped_benchmark_page_is_found_in_its_first_folder_and_cleaned(tmp_path: Path) -> None:
    """Round 10's sources: `<name>.html.gz` in the first of the benchmark's folders holding it (WCXB's dev, then
    test), read gunzipped."""
    from bench.quotes_heldout_texts import clean_text, page_file

    html = ("<html><head><title>Bridge</title></head><body><article><p>" + FAKE_TEXT.replace("\n\n", "</p><p>")
            + "</p></article></body></html>")
    for split in ("dev", "test"):
        (tmp_path / split / "html").mkdir(parents=True)
    (tmp_path / "test" / "html" / "0007.html.gz").write_bytes(gzip.compress(html.encode()))
    path = page_file("wcxb:0007", {"wcxb": tmp_path})
    assert path == tmp_path / "test" / "html" / "0007.html.gz"
    assert "We will open the new bridge next spring" in clean_text(path)
    with pytest.raises(FileNotFoundError):
        page_file("wcxb:0008", {"wcxb": tmp_path})


def test_wikinewssum_source_articles_are_read_as_the_pipeline_ingests_a_json_record(tmp_path: Path) -> None:
    """Rounds 17 to 19: the English source articles of WikinewsSum's dataset (one Wikinews article a line), page id
    `wikinewssum:<line>.<source>`, the body the cleaner makes of a record with that title, URL and text."""
    from bench.quotes_heldout_texts import record_text, wikinewssum_pages

    url = "http://news.example.org/bridge.html"
    rows = [{"title": "Wikinews", "sources": [{"language": "pt", "maintext": "Texto.", "title": "T", "url": "x"}]},
            {"title": "Bridge", "sources": [
                {"language": "de", "maintext": "Text.", "title": "T", "url": "y"},
                {"language": "en", "maintext": "Bridge to open in spring\n" + FAKE_TEXT, "title":
                    "Bridge to open in spring", "url": url}]}]
    dataset = tmp_path / "cleaned_endataset.json"
    dataset.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    pages = wikinewssum_pages(dataset)
    assert list(pages) == ["wikinewssum:1.1"]
    text = record_text(*pages["wikinewssum:1.1"])
    assert FAKE_GOLD["text"] in text and "Lopez said" in text


def test_basil_articles_are_read_as_the_pipeline_ingests_a_json_record(tmp_path: Path) -> None:
    """Rounds 20 to 22: BASIL's news articles (a JSON file each, the body a list of paragraphs of sentences), page id
    `basil:<year>/<name>`, the body the cleaner makes of a record with that title, URL and text, paragraphs apart."""
    from bench.quotes_heldout_texts import basil_pages, record_text

    paragraphs = [[line] for line in FAKE_TEXT.split("\n") if line.strip()]
    (tmp_path / "2014").mkdir()
    (tmp_path / "2014" / "abc_2.json").write_text(json.dumps(
        {"title": "Bridge to open in spring", "url": "http://news.example.org/bridge.html", "source": "nyt",
         "body-paragraphs": paragraphs}))
    pages = basil_pages(tmp_path)
    assert list(pages) == ["basil:2014/abc_2"]
    text = record_text(*pages["basil:2014/abc_2"])
    assert FAKE_GOLD["text"] in text and "Lopez said" in text
    assert "spoke on Monday.\n\n\u201cWe will open" in text
