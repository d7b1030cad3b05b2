"""Discovery and loading: every input becomes a document or an outcome with a reason."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

from newsdesk.model import DocumentOutcome, RawDocument, article_id_for
from newsdesk.sources import InputFile, discover, load

from conftest import SEEDS


def _load_all(path: Path, max_bytes: int = 1_000_000) -> list[RawDocument | DocumentOutcome]:
    out: list[RawDocument | DocumentOutcome] = []
    for item in discover([str(path)]):
        out += [item] if isinstance(item, DocumentOutcome) else list(load(item, max_bytes))
    return out


def test_discovers_seed_folder_recursively_in_stable_order(tmp_path: Path) -> None:
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    for seed in SEEDS.glob("*.txt"):
        (nested / seed.name).write_bytes(seed.read_bytes())
    found = [f for f in discover([str(tmp_path)]) if isinstance(f, InputFile)]
    assert [Path(f.path).name for f in found] == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert all(f.path.startswith(str(tmp_path)) and f.size > 0 for f in found)


def test_unknown_extension_and_hidden_files_are_skipped_with_reason(tmp_path: Path) -> None:
    (tmp_path / "notes.docx").write_bytes(b"x")
    (tmp_path / ".DS_Store").write_bytes(b"x")
    outcomes = [o for o in discover([str(tmp_path)]) if isinstance(o, DocumentOutcome)]
    reasons = {Path(o.key).name: o.reason for o in outcomes}
    assert "unsupported file type '.docx'" in reasons["notes.docx"]
    assert reasons[".DS_Store"] == "hidden file"
    assert all(o.status == "skipped" for o in outcomes)


def test_same_file_through_two_sources_is_one_input(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Some text.")
    found = [f for f in discover([str(tmp_path), str(tmp_path / "a.txt"), str(tmp_path / "*.txt")])
             if isinstance(f, InputFile)]
    assert len(found) == 1


def test_glob_sources_and_empty_glob(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Some text.")
    (tmp_path / "b.html").write_text("<p>x</p>")
    found = list(discover([str(tmp_path / "*.txt"), str(tmp_path / "*.xml")]))
    assert [Path(f.path).name for f in found if isinstance(f, InputFile)] == ["a.txt"]
    assert any(isinstance(o, DocumentOutcome) and o.reason == "glob matched no files" for o in found)


def test_gzipped_text_and_html_load_with_their_content_type(tmp_path: Path) -> None:
    (tmp_path / "a.txt.gz").write_bytes(gzip.compress("Héllo wörld.".encode()))
    (tmp_path / "b.htm").write_text("<html><body><p>Para.</p></body></html>")
    docs = [d for d in _load_all(tmp_path) if isinstance(d, RawDocument)]
    assert [(Path(d.path).name, d.content_type) for d in docs] == [("a.txt.gz", "text"), ("b.htm", "html")]
    assert docs[0].content == "Héllo wörld."


def test_json_object_fields_are_normalised(tmp_path: Path) -> None:
    record = {"headline": "A title", "link": "https://example.org/a", "datePublished": "2021-09-03",
              "publisher": {"@type": "Organization", "name": "Example News"}, "author": [{"name": "A. Writer"}],
              "articleBody": "Body text."}
    (tmp_path / "a.json").write_text(json.dumps(record))
    (doc,) = _load_all(tmp_path)
    assert isinstance(doc, RawDocument)
    assert doc.fields == {"url": "https://example.org/a", "title": "A title", "published": "2021-09-03",
                          "publisher": "Example News", "authors": ["A. Writer"]}
    assert doc.content == "Body text." and doc.content_type == "text"


def test_json_html_field_is_read_as_html(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps({"url": "u", "html": "<p>Hi</p>"}))
    (doc,) = _load_all(tmp_path)
    assert isinstance(doc, RawDocument) and doc.content_type == "html"


def test_jsonl_bad_lines_fail_alone_and_good_lines_load(tmp_path: Path) -> None:
    lines = [json.dumps({"id": "1", "text": "First article."}), "{not json", "", json.dumps([1, 2]),
             json.dumps({"id": "2", "text": ["para one", "para two"]}), json.dumps({"id": "3", "text": 42}),
             json.dumps({"id": "4", "title": "no body"})]
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n")
    out = _load_all(tmp_path)
    docs = [d for d in out if isinstance(d, RawDocument)]
    problems = {o.key.rsplit("#", 1)[1]: o for o in out if isinstance(o, DocumentOutcome)}
    assert [d.fields["id"] for d in docs] == ["1", "2"]
    assert docs[1].content == "para one\n\npara two"
    assert problems["2"].status == "failed" and "malformed JSON" in problems["2"].reason
    assert "expected a JSON object" in problems["4"].reason
    assert "field 'text' must be text, got a number" in problems["6"].reason
    assert problems["7"].status == "skipped" and "no article text" in problems["7"].reason
    assert "3" not in problems  # a blank line is a separator, not a document


def test_stable_ids_do_not_depend_on_how_the_path_was_spelled(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Text.")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        (relative,) = [d for d in _load_all(Path("a.txt")) if isinstance(d, RawDocument)]
    finally:
        os.chdir(cwd)
    (absolute,) = [d for d in _load_all(tmp_path / "a.txt") if isinstance(d, RawDocument)]
    assert relative.path == "a.txt"
    assert article_id_for(relative) == article_id_for(absolute)


def test_oversized_file_is_skipped_not_read(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("word " * 1000)
    (outcome,) = _load_all(tmp_path, max_bytes=100)
    assert isinstance(outcome, DocumentOutcome) and outcome.status == "skipped"
    assert "document limit" in outcome.reason
