"""The bad-input corpus: every kind of broken, hostile or unusual input, generated here, run through the real
pipeline (plan -> process -> index on the embedded backend), each outcome asserted: indexed with the right
text, or skipped/failed with a clear reason. The run goes on and its accounting balances."""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ROOT

MAX_BYTES = 5_000_000
"""The corpus run's per-document size limit (lowered so an oversized JSONL line stays cheap to write)."""

GOOD = ("The city council of Lima voted on Tuesday to approve a new rail line, officials said. The plan will "
        "cost about 300 million dollars over four years.\n\nOpposition members said the vote was rushed and asked "
        "for an audit. The mayor said work would begin in March.\n")
FRENCH = ("Le conseil municipal de Lyon a approuvé mardi la construction d'une nouvelle ligne de tramway, selon "
          "les responsables. Le projet coûtera environ trois cents millions d'euros sur quatre ans.\n\nL'opposition "
          "a dénoncé un vote précipité et a demandé un audit indépendant. Le maire a déclaré que les travaux "
          "commenceraient en mars et que les habitants seraient consultés.\n")
GERMAN = ("Der Stadtrat von Köln hat am Dienstag den Bau einer neuen Straßenbahnlinie beschlossen, teilten "
          "Beamte mit. Das Vorhaben soll in vier Jahren rund dreihundert Millionen Euro kosten.\n\nDie Opposition "
          "kritisierte die Abstimmung als überstürzt und forderte eine unabhängige Prüfung. Der Bürgermeister "
          "sagte, die Arbeiten würden im März beginnen.\n")
CP1252 = ("The minister said “we will not back down” on Tuesday — and added that the plan’s cost, €2bn, was "
          "fair. Critics in Zürich called it “naïve”.\n\nThe café owners’ association said the rise was too steep "
          "and asked for a délai of six months.\n")
JAPANESE = ("東京都の知事は記者会見で、新しい交通政策を発表しました。地下鉄の運賃は来年四月から引き下げられる予定です。\n\n"
            "野党はこの計画の財源が不明確だと批判し、議会での詳しい説明を求めました。知事は市民の意見を聞くと述べました。\n")
MOJIBAKE_SOURCE = ("Officials in Zürich said “the bridge will reopen” on Friday — two weeks late — and that the "
                   "repairs’ cost, €4m, was within budget.\n\nThe café owners’ association welcomed the news and "
                   "said the closure had cost its members a fortune.\n")
MOJIBAKE = "".join(chr(b) if b in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else bytes([b]).decode("cp1252")
                   for b in MOJIBAKE_SOURCE.encode("utf-8"))
"""The classic mojibake: UTF-8 bytes read as Windows-1252 (undefined bytes kept as Latin-1), saved as UTF-8."""


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("article.txt", GOOD)
    return buf.getvalue()


def _random_bytes(n: int, seed: int, *, no_nul: bool = False) -> bytes:
    data = random.Random(seed).randbytes(n)
    return data.replace(b"\x00", b"\x01") if no_nul else data


def _gzip_truncated(text: str) -> bytes:
    data = gzip.compress(text.encode())
    return data[: len(data) * 2 // 3]


def _jsonl_gz_truncated() -> bytes:
    lines = "".join(json.dumps({"id": f"t{i}", "text": f"{GOOD} Item {i}."}) + "\n" for i in range(200))
    data = gzip.compress(lines.encode(), compresslevel=1)
    return data[: len(data) // 2]


@dataclass
class Case:
    """One input and its expected outcome: `status`, a `reason` substring, or `text` the body must contain."""

    name: str
    status: str
    reason: str | None = None
    text: str | None = None
    language: str | None = None


CASES: list[Case] = [
    Case("good.txt", "indexed", text="voted on Tuesday to approve a new rail line", language="en"),
    Case("empty.txt", "skipped", reason="empty file (no text)"),
    Case("whitespace.txt", "skipped", reason="empty file (no text)"),
    Case("png.txt", "skipped", reason="binary file (PNG image), not text"),
    Case("pdf.html", "skipped", reason="binary file (PDF document), not text"),
    Case("zip.json", "skipped", reason="binary file (zip archive), not text"),
    Case("random.txt", "skipped", reason="binary file (contains NUL bytes), not text"),
    Case("random-no-nul.htm", "skipped", reason="binary file (mostly control characters), not text"),
    Case("cp1252.txt", "indexed", text="“we will not back down” on Tuesday — and added that the plan’s cost, €2bn"),
    Case("latin1.txt", "indexed", text="Der Stadtrat von Köln hat am Dienstag", language="de"),
    Case("shift-jis.txt", "indexed", text="東京都の知事は記者会見で、新しい交通政策を発表しました。", language="ja"),
    Case("utf16-bom.txt", "indexed", text="Le conseil municipal de Lyon a approuvé mardi", language="fr"),
    Case("utf16-no-bom.txt", "indexed", text="Le conseil municipal de Lyon a approuvé mardi", language="fr"),
    Case("utf8-bom.txt", "indexed", text="voted on Tuesday to approve a new rail line"),
    Case("invalid-utf8.txt", "indexed", text="Der Stadtrat von Köln hat am Dienstag"),
    Case("mojibake.txt", "indexed", text="Officials in Zürich said “the bridge will reopen” on Friday — two weeks late"),
    Case("french.txt", "indexed", text="Le conseil municipal de Lyon", language="fr"),
    Case("german.html", "indexed", text="Der Stadtrat von Köln", language="de"),
    Case("big.txt", "skipped", reason=f"larger than the {MAX_BYTES:,}-byte document limit"),
    Case("deep.html", "skipped", reason="no article text left after cleaning"),
    Case("deep.json", "failed", reason="malformed JSON: nested too deeply"),
    Case("no-sentence.txt", "skipped", reason="no article text left after cleaning"),
    Case("menu-words.html", "skipped", reason="no article text left after cleaning"),
    Case("string.json", "failed", reason="expected a JSON object (an article), got a string"),
    Case("number.json", "failed", reason="expected a JSON object (an article), got a number"),
    Case("null.json", "failed", reason="expected a JSON object (an article), got null"),
    Case("array.json#0", "failed", reason="item 0: expected a JSON object (an article), got a number"),
    Case("array.json#1", "indexed", text="voted on Tuesday to approve a new rail line"),
    Case("array.json#2", "failed", reason="item 2: expected a JSON object (an article), got an array"),
    Case("empty-array.json", "skipped", reason="empty JSON array (no articles)"),
    Case("broken.json", "failed", reason="malformed JSON: Expecting value at line 1 column"),
    Case("empty.json", "skipped", reason="empty file (no JSON)"),
    Case("lines.jsonl#1", "indexed", text="voted on Tuesday to approve a new rail line"),
    Case("lines.jsonl#2", "failed", reason="line 2: malformed JSON: Expecting property name"),
    Case("lines.jsonl#4", "skipped", reason=f"line 4 is larger than the {MAX_BYTES:,}-byte document limit"),
    Case("lines.jsonl#5", "failed", reason="line 5: field 'text' must be text, got an object"),
    Case("lines.jsonl#6", "failed", reason="line 6: field 'published' must be text, got an array"),
    Case("lines.jsonl#7", "failed", reason="line 7: expected a JSON object (an article), got an array"),
    Case("lines.jsonl#8", "skipped", reason="line 8: no article text"),
    Case("lines.jsonl#9", "failed", reason="line 9: malformed JSON: Unterminated string starting at line 1 column 22"),
    Case("lines.jsonl#10", "indexed", text="Le conseil municipal de Lyon", language="fr"),
    Case("blank.jsonl", "skipped", reason="empty file (no records)"),
    Case("truncated.txt.gz", "failed", reason="corrupt or truncated gzip"),
    Case("not-gzip.txt.gz", "failed", reason="corrupt or truncated gzip: Not a gzipped file"),
    Case("truncated.jsonl.gz#1", "indexed", text="voted on Tuesday to approve a new rail line"),
    Case("self-loop.txt", "skipped", reason="symlink loop"),
    Case("sub/up", "skipped", reason="symlink loop: folder already visited"),
    Case("dangling.txt", "failed", reason="no such file or broken symlink"),
    Case("fifo.txt", "skipped", reason="not a regular file"),
    Case("notes.docx", "skipped", reason="unsupported file type '.docx'"),
    Case("caf\\xe9.txt", "failed", reason="file name is not valid UTF-8; rename the file to ingest it"),
    Case("x[link=http:evil.example]y.txt", "indexed", text="voted on Tuesday to approve a new rail line"),
    Case("esc\x1b]0;owned\x07.txt", "indexed", text="voted on Tuesday to approve a new rail line"),
]


def make_corpus(folder: Path) -> None:
    """Write every bad input of `CASES` under `folder` (generated, never checked in)."""
    folder.mkdir(parents=True)
    w = lambda name, data: (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode())  # noqa: E731
    w("good.txt", GOOD)
    w("empty.txt", b"")
    w("whitespace.txt", b" \n\t \r\n  \n\xc2\xa0\n")
    w("png.txt", b"\x89PNG\r\n\x1a\n" + _random_bytes(2000, 1))
    w("pdf.html", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n" + _random_bytes(2000, 2))
    w("zip.json", _zip_bytes())
    w("random.txt", _random_bytes(4096, 3))
    w("random-no-nul.htm", _random_bytes(4096, 4, no_nul=True))
    w("cp1252.txt", CP1252.encode("cp1252"))
    w("latin1.txt", GERMAN.replace("„", '"').encode("latin-1"))
    w("shift-jis.txt", JAPANESE.encode("shift_jis"))
    w("utf16-bom.txt", FRENCH.encode("utf-16"))
    w("utf16-no-bom.txt", FRENCH.encode("utf-16-le"))
    w("utf8-bom.txt", codecs.BOM_UTF8 + GOOD.encode())
    w("invalid-utf8.txt", GERMAN.encode() + b"\xff\xfe Ende.\n")
    w("mojibake.txt", MOJIBAKE)
    w("french.txt", FRENCH)
    w("german.html", "<html><head><title>Köln</title></head><body><article>"
                     + "".join(f"<p>{p}</p>" for p in GERMAN.split("\n\n")) + "</article></body></html>")
    with open(folder / "big.txt", "w") as fh:  # 50 MB of real text
        line = "A line of an enormous text dump that nobody should read whole into memory.\n"
        fh.write(line * (50_000_000 // len(line) + 1))
    depth = 100_000
    w("deep.html", "<html><body>" + "<div>" * depth + f"<p>{GOOD}</p>" + "</div>" * depth + "</body></html>")
    w("deep.json", "[" * depth + "]" * depth)
    w("no-sentence.txt", "---\n***\n12345 67890\n= = = =\n")
    w("menu-words.html", "<html><body><ul><li>Home</li><li>News</li><li>Sport</li></ul></body></html>")
    w("string.json", json.dumps("just a string"))
    w("number.json", "42")
    w("null.json", "null")
    w("array.json", json.dumps([7, {"title": "Rail line", "text": GOOD}, [1, 2]]))
    w("empty-array.json", "[]")
    w("broken.json", '{"title": "Half an article", "text": ')
    w("empty.json", "   \n")
    oversized = json.dumps({"text": "x" * (MAX_BYTES + 10)})
    lines = [json.dumps({"id": "l1", "text": GOOD}), "{not json", "", oversized,
             json.dumps({"id": "l5", "text": {"nested": "object"}}),
             json.dumps({"id": "l6", "text": GOOD + " Six.", "published": ["2021", "09"]}),
             json.dumps([{"text": GOOD}]), json.dumps({"id": "l8", "title": "no body", "text": "   "}),
             '{"id": "l9", "text": "unterminated', json.dumps({"id": "l10", "text": FRENCH})]
    w("lines.jsonl", "\n".join(lines) + "\n")
    w("blank.jsonl", "\n\n   \n")
    w("truncated.txt.gz", _gzip_truncated(GOOD * 50))
    w("not-gzip.txt.gz", GOOD)
    w("truncated.jsonl.gz", _jsonl_gz_truncated())
    os.symlink("self-loop.txt", folder / "self-loop.txt")
    (folder / "sub").mkdir()
    os.symlink("..", folder / "sub" / "up")
    os.symlink("nowhere.txt", folder / "dangling.txt")
    os.mkfifo(folder / "fifo.txt")
    w("notes.docx", b"PK\x03\x04")
    with open(os.fsencode(folder) + b"/caf\xe9.txt", "w") as fh:  # a Latin-1 name: not UTF-8
        fh.write(GOOD)
    w("x[link=http:evil.example]y.txt", GOOD + "Markup in the name.\n")
    w("esc\x1b]0;owned\x07.txt", GOOD + "An escape sequence in the name.\n")


@dataclass
class Seen:
    status: str
    reason: str | None = None
    body: str | None = None
    language: str | None = None
    article_id: str | None = None


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bad") / "corpus"
    make_corpus(folder)
    return folder


@pytest.fixture(scope="module")
def corpus_run(corpus: Path, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """The corpus through plan -> process -> index (in-process; limits are tested with real workers elsewhere)."""
    from newsdesk.config import Settings, use_settings
    from newsdesk.index import open_backend
    from newsdesk.pipeline import index_processed, plan_ingest, process_files, work_batches
    from newsdesk.state import IngestState

    settings = Settings(home=tmp_path_factory.mktemp("bad-home"), workers=1, max_document_seconds=0,
                        max_document_bytes=MAX_BYTES)
    use_settings(settings)
    state, backend = IngestState(settings.state_path), open_backend(settings)
    try:
        plan = plan_ingest([str(corpus)], state)
        summary = plan.summary
        seen: dict[str, Seen] = {}
        tallies: dict = {}  # a JSONL file's lines span batches
        for batch in work_batches(plan.todo, 16, MAX_BYTES):
            processed = process_files(batch, settings)
            index_processed(processed, backend, state, summary, tallies)
            for p in processed:
                for article in p.articles:
                    seen[p.keys[article.id]] = Seen("indexed", body=article.body, language=article.language,
                                                    article_id=article.id)
        for outcome in summary.skipped_documents + summary.failed_documents:
            assert outcome.key not in seen, f"two outcomes for {outcome.key}"
            seen[outcome.key] = Seen(outcome.status, reason=outcome.reason)
        stored = {i: backend.get(i) for i in backend.ids()}
        yield summary, {os.path.relpath(k, corpus): v for k, v in seen.items()}, stored
    finally:
        state.close()
        backend.close()
        use_settings(None)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_bad_input_ends_with_its_expected_outcome(corpus_run, case: Case) -> None:  # noqa: ANN001
    _, seen, stored = corpus_run
    assert case.name in seen, f"{case.name} was not accounted for; outcomes: {sorted(seen)}"
    got = seen[case.name]
    assert got.status == case.status, got
    if case.reason is not None:
        assert got.reason and case.reason in got.reason, got.reason
    if case.text is not None:
        assert case.text in (got.body or ""), got.body
        assert "\ufffd" not in case.text
        article = stored[got.article_id]
        assert article is not None and article.body == got.body  # stored whole, as processed
    if case.language is not None:
        assert got.language == case.language


def test_corpus_run_balances_and_lists_every_problem_with_a_reason(corpus_run) -> None:  # noqa: ANN001
    summary, seen, stored = corpus_run
    assert summary.balanced
    # near-copies (the same sample text in several encodings) are stored too, marked as duplicates
    assert summary.indexed + summary.duplicates == len(stored) == sum(1 for s in seen.values() if s.status == "indexed")
    assert summary.skipped == len(summary.skipped_documents) and summary.failed == len(summary.failed_documents)
    assert all(o.reason and o.stage for o in summary.skipped_documents + summary.failed_documents)
    expected = {c.name for c in CASES}
    unexpected = {k: v for k, v in seen.items() if k not in expected and not k.startswith(("truncated.jsonl.gz#",
                                                                                            "script.html"))}
    assert not unexpected, unexpected


def test_truncated_gzip_keeps_the_records_before_the_damage(corpus_run) -> None:  # noqa: ANN001
    _, seen, _ = corpus_run
    records = {k: v for k, v in seen.items() if k.startswith("truncated.jsonl.gz#")}
    indexed = [k for k, v in records.items() if v.status == "indexed"]
    failed = [v for v in records.values() if v.status == "failed"]
    assert len(indexed) >= 10
    assert len(failed) == 1 and "corrupt or truncated gzip" in failed[0].reason


def test_invalid_utf8_bytes_become_replacement_characters_not_guesses(corpus_run) -> None:  # noqa: ANN001
    _, seen, _ = corpus_run
    assert "\ufffd" in seen["invalid-utf8.txt"].body and "Köln" in seen["invalid-utf8.txt"].body


def test_big_file_is_skipped_without_being_read(tmp_path: Path) -> None:
    """The size limit is checked against the file's size: a 50 MB file costs a stat, not a read."""
    from newsdesk.sources import InputFile, discover, load

    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:
        fh.write(b"word " * 10_000_000)
    (file,) = [f for f in discover([str(big)]) if isinstance(f, InputFile)]

    def bytes_read() -> int:
        return int(next(l for l in Path("/proc/self/io").read_text().splitlines() if l.startswith("rchar")).split()[1])

    before = bytes_read()
    (outcome,) = list(load(file, 1_000_000))
    assert bytes_read() - before < 1_000_000
    assert outcome.status == "skipped" and "larger than the 1,000,000-byte document limit" in outcome.reason


def test_all_script_html_is_skipped_not_indexed_as_text(tmp_path: Path, settings) -> None:  # noqa: ANN001
    from newsdesk.pipeline import process_files
    from newsdesk.sources import InputFile, discover

    (tmp_path / "script.html").write_text("<html><head><script>var tracking = 1;</script></head><body><script>"
                                          + "window.dataLayer.push({event: 'view'});\n" * 200 + "</script></body></html>")
    files = [f for f in discover([str(tmp_path / "script.html")]) if isinstance(f, InputFile)]
    (p,) = process_files(files, settings)
    assert not p.articles, p.articles[0].body[:200]
    (outcome,) = p.outcomes
    assert outcome.status == "skipped" and outcome.reason == "no article text left after cleaning"


def test_unreadable_file_fails_with_permission_denied(tmp_path: Path) -> None:
    """chmod 000. Tests run as root, whom permissions do not stop: then discovery and loading run in a child
    process that drops to user `nobody` (a real permission check, not a simulated one)."""
    folder = Path(tempfile.mkdtemp(prefix="newsdesk-perm-"))
    try:
        folder.chmod(0o755)
        (folder / "ok.txt").write_text(GOOD)
        locked = folder / "locked.txt"
        locked.write_text(GOOD)
        locked.chmod(0)
        (folder / "closed").mkdir()
        (folder / "closed" / "inside.txt").write_text(GOOD)
        (folder / "closed").chmod(0)
        script = ("import json, sys\nfrom newsdesk.sources import discover, load\nfrom newsdesk.model import "
                  "DocumentOutcome\nout = []\nfor item in discover([sys.argv[1]]):\n"
                  "    items = [item] if isinstance(item, DocumentOutcome) else load(item, 10**6)\n"
                  "    out += [[i.key, i.status, i.reason] if isinstance(i, DocumentOutcome) else [i.path, 'loaded', '']"
                  " for i in items]\nprint(json.dumps(out))\n")
        python, kwargs, path = sys.executable, {}, str(ROOT)
        if os.geteuid() == 0:
            print("running as root, where chmod 000 does not block reads: checking as user 'nobody'")
            # the venv's interpreter may live under /root (not traversable by nobody): use a world-readable
            # interpreter of the same version with the venv's packages
            site = next((p for p in sys.path if p.endswith("site-packages") and p.startswith(sys.prefix)), "")
            path = f"{ROOT}{os.pathsep}{site}"
            python = next((p for p in (sys.executable, f"/usr/bin/python{sys.version_info[0]}.{sys.version_info[1]}",
                                       "/usr/bin/python3") if _runs_as_nobody(p, path)), None)
            if python is None:
                pytest.skip("user 'nobody' cannot run newsdesk from this checkout with a Python of this version "
                            "(an interpreter it can run, and a checkout and venv in directories it can enter)")
            kwargs = {"user": "nobody", "group": "nogroup" if _group_exists("nogroup") else "nobody",
                      "extra_groups": []}
        result = subprocess.run([python, "-c", script, str(folder)], capture_output=True, text=True, timeout=120,
                                cwd="/", env={"PATH": "/usr/bin:/bin", "PYTHONPATH": path}, **kwargs)
        assert result.returncode == 0, result.stderr[-2000:]
        outcomes = {os.path.relpath(k, folder): (s, r) for k, s, r in json.loads(result.stdout)}
        assert outcomes["ok.txt"] == ("loaded", "")
        assert outcomes["locked.txt"] == ("failed", "permission denied")
        assert outcomes["closed"] == ("failed", "permission denied")
    finally:
        (folder / "closed").chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


def _runs_as_nobody(python: str, pythonpath: str) -> bool:
    """Whether user 'nobody' can run `python` (this version) and import newsdesk from `pythonpath`."""
    try:
        done = subprocess.run([python, "-c", "import sys, newsdesk.sources; print(sys.version_info[:2])"],
                              user="nobody", capture_output=True, text=True, timeout=60, cwd="/",
                              env={"PATH": "/usr/bin:/bin", "PYTHONPATH": pythonpath})
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0 and done.stdout.strip() == str(tuple(sys.version_info[:2]))


def _group_exists(name: str) -> bool:
    import grp

    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


@pytest.mark.usefixtures("prefect_harness")
def test_cli_ingest_of_the_corpus_prints_reasons_and_no_traceback(corpus: Path, tmp_path: Path) -> None:
    """`newsdesk ingest` (a real subprocess, real worker process) over the whole corpus: exit 1 because some
    inputs failed, a JSON summary that balances, every problem listed with its reason, no traceback."""
    from test_reliability import cli_env, run_cli

    env = cli_env(tmp_path / "home", NEWSDESK_MAX_DOCUMENT_BYTES=str(MAX_BYTES))
    result = run_cli(["ingest", str(corpus), "--json"], env, timeout=600)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr[-5000:]
    assert result.returncode == 1, result.stderr[-3000:]
    summary = json.loads(result.stdout)
    counts = [summary[k] for k in ("indexed", "unchanged", "duplicates", "skipped", "failed")]
    assert summary["seen"] == sum(counts)
    listed = {os.path.relpath(d["path"], corpus): d["reason"]
              for d in summary["skipped_documents"] + summary["failed_documents"]}
    assert len(listed) == summary["skipped"] + summary["failed"] and all(listed.values())
    for case in CASES:
        if case.status != "indexed":
            assert case.reason in listed[case.name]
