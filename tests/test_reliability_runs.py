"""Reliability of whole runs (issue 16): a failed re-processing never removes indexed documents, the state never
calls a missing document unchanged, odd file names, JSONL lines as documents, an unavailable backend, dead letters.

Real components: real files, the real embedded index, the real Prefect harness, `newsdesk.cli.main` (the real
entry point, in-process or as a subprocess), real worker processes where limits are involved.
"""

from __future__ import annotations

import io
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from conftest import ROOT
from test_reliability import NEWSDESK, article_text, cli_env, write_articles, write_slow_line

pytestmark = pytest.mark.usefixtures("prefect_harness")


def run_main(*args: str) -> tuple[int, str, str]:
    """`newsdesk ARGS` through `newsdesk.cli.main` in this process: (exit status, stdout, stderr)."""
    from newsdesk.cli import main

    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    sys.argv = ["newsdesk", *args]
    try:
        with redirect_stdout(out), redirect_stderr(err):
            main()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        sys.argv = argv
    return code, out.getvalue(), err.getvalue()


def ingest_json(*args: str) -> tuple[int, dict, str]:
    code, out, err = run_main("ingest", *args, "--json")
    assert "Traceback" not in err, err[-3000:]
    return code, (json.loads(out) if out.strip() else {}), err


def counts(summary: dict) -> dict[str, int]:
    return {k: summary[k] for k in ("seen", "indexed", "unchanged", "duplicates", "skipped", "failed")}


def index_count(settings) -> int:  # noqa: ANN001
    from newsdesk.index import open_backend

    backend = open_backend(settings)
    try:
        return backend.count()
    finally:
        backend.close()


def write_jsonl(path: Path, n: int, start: int = 0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        for i in range(start, start + n):
            fh.write(json.dumps({"id": f"rec-{i}", "title": f"Report {i}", "text": article_text(i)}) + "\n")


# -- item 1: a failed re-processing keeps the indexed documents --------------------------------------


def test_full_reprocessing_with_a_corrupted_enrichment_cache_keeps_every_document(settings, tmp_path: Path) -> None:
    """The issue's case: garbage in the enrichment cache, then `ingest --full`. The cache is a cache: a miss, and
    every document is analysed again; the index never shrinks."""
    folder = tmp_path / "in"
    write_jsonl(folder / "feed.jsonl", 40)
    code, first, _ = ingest_json(str(folder))
    assert code == 0 and first["indexed"] == 40 and index_count(settings) == 40
    cache = settings.cache_dir / "enrich.sqlite"
    cache.write_bytes(os.urandom(8192))
    code, again, err = ingest_json(str(folder), "--full")
    assert code == 0, err[-2000:]
    assert again["indexed"] == 40 and again["failed"] == 0
    assert index_count(settings) == 40
    code, plain, _ = ingest_json(str(folder))
    assert code == 0 and plain["unchanged"] == 40 and index_count(settings) == 40


def test_failed_reprocessing_keeps_the_last_good_version_and_is_never_called_unchanged(settings, tmp_path: Path
                                                                                      ) -> None:
    """Inputs rewritten into malformed JSON fail; their previous versions stay indexed; the next plain ingest
    reports them failed again (not unchanged) until they are fixed, and then they are indexed."""
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(6):
        (folder / f"a{i}.json").write_text(json.dumps({"id": f"j{i}", "title": f"T{i}", "text": article_text(i)}))
    code, first, _ = ingest_json(str(folder))
    assert code == 0 and first["indexed"] == 6
    for i in range(3):
        (folder / f"a{i}.json").write_text('{"id": "broken", "text": ')
    code, second, _ = ingest_json(str(folder))
    assert code == 1 and counts(second) == {"seen": 6, "indexed": 0, "unchanged": 3, "duplicates": 0,
                                            "skipped": 0, "failed": 3}
    assert index_count(settings) == 6, "a failed re-processing deleted indexed documents"
    code, third, _ = ingest_json(str(folder))
    assert code == 1 and (third["failed"], third["unchanged"]) == (3, 3)
    assert all("input unchanged since" in d["reason"] for d in third["failed_documents"])
    for i in range(3):
        (folder / f"a{i}.json").write_text(json.dumps({"id": f"j{i}", "title": f"T{i}", "text": article_text(i)}))
    code, fixed, _ = ingest_json(str(folder))
    assert code == 0 and (fixed["indexed"], fixed["failed"]) == (3, 0) and index_count(settings) == 6
    assert run_main("failed", "list")[1].strip() == "no failed documents"


def test_input_emptied_or_caught_half_written_keeps_its_indexed_version(settings, tmp_path: Path) -> None:
    """An input re-processed into nothing (emptied, binary, no text): skipped with its reason, and what was
    indexed from it stays (only --prune removes the documents of inputs that are gone)."""
    folder = tmp_path / "in"
    write_articles(folder, 3)
    assert ingest_json(str(folder))[0] == 0 and index_count(settings) == 3
    (folder / "article_0000.txt").write_bytes(b"")
    (folder / "article_0001.txt").write_bytes(b"\x00\x01\x02 binary now")
    code, summary, _ = ingest_json(str(folder))
    assert code == 0 and (summary["skipped"], summary["unchanged"]) == (2, 1)
    assert index_count(settings) == 3
    (folder / "article_0000.txt").unlink()
    code, summary, _ = ingest_json(str(folder), "--prune")
    assert summary["pruned"] == 1 and index_count(settings) == 2


def test_damaged_rule_store_stops_the_run_with_one_line_and_keeps_the_index(settings, tmp_path: Path) -> None:
    """A store every document needs (the boilerplate rules) is damaged: `ingest --full` stops with exit 4 and
    the store's name, instead of failing every document; nothing indexed is lost."""
    folder = tmp_path / "in"
    write_articles(folder, 5)
    assert ingest_json(str(folder))[0] == 0
    (settings.home / "boilerplate.sqlite").write_bytes(b"not a database" * 500)
    code, out, err = run_main("ingest", str(folder), "--full")
    assert code == 4 and "Traceback" not in err, err[-3000:]
    assert "boilerplate rule store" in err and "newsdesk repair" in err
    assert index_count(settings) == 5


def test_plain_ingest_notices_an_emptied_index_and_indexes_again(settings, tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "in"
    write_articles(folder, 4)
    assert ingest_json(str(folder))[0] == 0
    shutil.rmtree(settings.index_dir)
    code, again, _ = ingest_json(str(folder))
    assert code == 0 and (again["indexed"], again["unchanged"]) == (4, 0)
    assert index_count(settings) == 4


# -- item 2: a file name that is not UTF-8 -----------------------------------------------------------


def test_non_utf8_file_name_is_one_failed_input_and_the_others_are_indexed(settings, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_articles(folder, 2)
    with open(os.fsencode(folder) + b"/caf\xe9.txt", "w") as fh:
        fh.write(article_text(50))
    code, summary, _ = ingest_json(str(folder))
    assert code == 1 and counts(summary) == {"seen": 3, "indexed": 2, "unchanged": 0, "duplicates": 0,
                                             "skipped": 0, "failed": 1}
    (failure,) = summary["failed_documents"]
    assert failure["path"] == f"{folder}/caf\\xe9.txt" and "not valid UTF-8" in failure["reason"]
    listed = run_main("failed", "list", "--json")[1]
    assert [f["key"] for f in json.loads(listed)] == [failure["path"]]
    code, again, _ = ingest_json(str(folder))  # every rerun the same: one input, a reason, the rest fine
    assert code == 1 and (again["unchanged"], again["failed"]) == (2, 1)
    code, retried, _ = ingest_json(str(folder))
    code, _, err = run_main("failed", "retry")
    assert "Traceback" not in err
    assert json.loads(run_main("failed", "list", "--json")[1])[0]["attempts"] >= 3


# -- item 3: JSONL lines are documents ---------------------------------------------------------------


def test_jsonl_lines_are_documents_for_time_limits_progress_and_accounting(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A 300-line JSONL with a 2 s per-document limit in real worker processes (the whole file takes far longer
    than 2 s): every line is indexed, one pathological line fails alone, progress counts lines."""
    from flows.ingest import progress_listeners, run_ingest
    from newsdesk.config import Settings, use_settings

    feed = tmp_path / "in" / "feed.jsonl"
    write_jsonl(feed, 300)
    sentence = "The minister said the talks would continue next week in Geneva, "
    with open(feed, "a") as fh:  # line 301: half a megabyte in one line, tens of seconds of analysis
        fh.write(json.dumps({"id": "slow", "text": (sentence * 8_000)}) + "\n")
    write_jsonl(tmp_path / "tail.jsonl", 5, start=1000)
    feed.write_text(feed.read_text() + (tmp_path / "tail.jsonl").read_text())
    settings = Settings(home=tmp_path / "home", workers=2, max_document_seconds=2, max_document_memory_mb=0,
                        batch_size=64)
    use_settings(settings)
    seen: list[tuple[int, int]] = []
    progress_listeners.append(lambda done, total: seen.append((done, total)))
    try:
        summary, _ = run_ingest([str(feed.parent)])
    finally:
        progress_listeners.clear()
        use_settings(None)
    assert summary.balanced and (summary.seen, summary.indexed + summary.duplicates, summary.failed) == (306, 305, 1)
    (failure,) = summary.failed_documents
    assert failure.key == f"{feed}#301" and "2 s per-document time limit" in failure.reason
    assert seen[-1] == (306, 306) and len(seen) >= 306 // 64


def test_jsonl_is_streamed_in_bounded_batches(tmp_path: Path) -> None:
    """Batches hold at most `size` documents and are read lazily: the first comes before the file is read."""
    from newsdesk.pipeline import work_batches
    from newsdesk.sources import InputFile, discover

    feed = tmp_path / "big.jsonl"
    write_jsonl(feed, 2000)
    (file,) = [f for f in discover([str(feed)]) if isinstance(f, InputFile)]
    batches = work_batches([file], 50, 1_000_000)
    first = next(batches)
    assert sum(item.documents for item in first) == 50 and not first[-1].last
    rest = list(batches)
    assert all(sum(item.documents for item in b) <= 50 for b in rest)
    assert sum(item.documents for b in [first, *rest] for item in b) == 2000 and rest[-1][-1].last


# -- item 7: backend unavailable, dead letters -------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unavailable_elasticsearch_exits_3_quickly_with_correct_dead_letters_and_no_stories(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Nothing listens at the Elasticsearch URL. `search` and `ingest` (real subprocesses) say so in one line and
    exit 3; the malformed input keeps its own reason; `failed list` lists every failed input, the broken symlink
    included; no story lists a document that was never indexed."""
    folder = tmp_path / "in"
    write_articles(folder, 3)
    (folder / "broken.json").write_text('{"text": ')
    os.symlink("nowhere.txt", folder / "dangling.txt")
    env = cli_env(tmp_path / "home", NEWSDESK_BACKEND="elasticsearch",
                  NEWSDESK_ES_URL=f"http://127.0.0.1:{_closed_port()}")

    def start(home: str, *args: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen([*NEWSDESK, *args], env={**env, "NEWSDESK_HOME": str(tmp_path / home)}, cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        request.addfinalizer(proc.kill)  # not left running when an assertion fails first
        return proc

    def finish(proc: subprocess.Popen[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
        out, err = proc.communicate(timeout=timeout)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    # Each command waits out the backend's retries (1 + 2 + 4 s): the search (on a fresh home of its own) runs
    # beside the ingest, and the two read-only listings after it beside each other.
    started = time.monotonic()
    search_run, ingest_run = start("search-home", "search", "council"), start("home", "ingest", str(folder), "--json")
    search, ingest = finish(search_run), finish(ingest_run, timeout=300)
    assert search.returncode == 3 and "Traceback" not in search.stderr, search.stderr[-3000:]
    *retries, last = search.stderr.strip().splitlines()
    assert last.startswith("error: the index backend is unavailable") and all("retry" in r for r in retries)

    assert ingest.returncode == 3 and "Traceback" not in ingest.stderr, ingest.stderr[-3000:]
    assert time.monotonic() - started < 60
    summary = json.loads(ingest.stdout)
    reasons = {os.path.basename(d["path"]): d["reason"] for d in summary["failed_documents"]}
    assert summary["failed"] == 5 and summary["interrupted"]
    assert reasons["broken.json"].startswith("malformed JSON")
    assert reasons["dangling.txt"] == "no such file or broken symlink"
    assert all("backend" in reasons[f"article_000{i}.txt"] for i in range(3))
    listed, stories = (finish(p) for p in [start("home", "failed", "list", "--json"),
                                           start("home", "stories", "list", "--json")])
    assert {os.path.basename(f["key"]) for f in json.loads(listed.stdout)} == set(reasons)
    assert json.loads(stories.stdout)["total"] == 0


def test_broken_symlink_is_a_dead_letter_and_retry_counts_attempts(settings, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_articles(folder, 2)
    (folder / "bad.json").write_text("[")
    os.symlink("nowhere.txt", folder / "dangling.txt")
    code, summary, _ = ingest_json(str(folder))
    assert code == 1 and summary["failed"] == 2
    failures = {os.path.basename(f["key"]): f for f in json.loads(run_main("failed", "list", "--json")[1])}
    assert set(failures) == {"bad.json", "dangling.txt"} and all(f["attempts"] == 1 for f in failures.values())
    code, _, err = run_main("failed", "retry", "--json")
    assert code == 1 and "Traceback" not in err
    failures = {os.path.basename(f["key"]): f for f in json.loads(run_main("failed", "list", "--json")[1])}
    assert failures["bad.json"]["attempts"] == 2 and failures["dangling.txt"]["attempts"] >= 2
    (folder / "dangling.txt").unlink()
    (folder / "bad.json").write_text(json.dumps({"text": article_text(77)}))
    code, summary, _ = ingest_json(str(folder))
    assert code == 0 and summary["failed"] == 0
    assert run_main("failed", "list")[1].strip() == "no failed documents"


def test_served_run_with_a_failed_document_logs_one_line_not_a_traceback(settings, tmp_path: Path,
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    """How a served deployment runs a flow: `run_flow(..., error_logger=<the flow-run logger>)`, returning its
    result. The run ends Failed; the engine's error log is one line (Prefect logged a TypeError traceback)."""
    import logging

    from prefect.flow_engine import run_flow

    from flows.ingest import IngestFailed, ingest

    folder = tmp_path / "in"
    write_articles(folder, 1)
    (folder / "bad.json").write_text("{")
    logger = logging.LoggerAdapter(logging.getLogger("prefect.flow_runs"),
                                   {"flow_run_name": "served", "flow_run_id": "-", "flow_name": "ingest"})
    with caplog.at_level(logging.ERROR, logger="prefect.flow_runs"), pytest.raises(IngestFailed):
        run_flow(ingest, parameters={"sources": [str(folder)]}, error_logger=logger)
    errors = [r for r in caplog.records if r.name == "prefect.flow_runs" and r.levelno >= logging.ERROR]
    assert errors and all(r.exc_info is None for r in errors)
    assert "1 of 2 documents failed" in errors[-1].getMessage()
    assert "TypeError" not in caplog.text


def test_summary_escapes_markup_and_control_characters_in_names(settings, tmp_path: Path) -> None:
    """Human output: `[link=…]` in a file name is printed as text, and an escape sequence never reaches the
    terminal (it is shown as `\\x1b`)."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "x[link=http:evil.example]y.json").write_text("{")
    (folder / "t\x1b]0;owned\x07.json").write_text("{")
    code, out, err = run_main("ingest", str(folder))
    assert code == 1
    shown = err.replace("\n", "")  # rich wraps long lines
    assert "x[link=http:evil.example]y.json" in shown
    assert "\x1b" not in err and "\x07" not in err and "\\x1b]0;owned\\x07" in shown
    listed = run_main("failed", "list")[1]
    assert "\x1b" not in listed and "\\x1b" in listed


# -- item 5: per-document memory bound ----------------------------------------------------------------


@pytest.mark.slow
def test_worker_past_the_memory_limit_fails_only_its_document(tmp_path: Path) -> None:
    """Real worker processes with a 500 MB per-document limit: the 1 MB single line takes a worker well past it
    (~780 MB, bench/document_memory.py) and fails with the memory reason; the articles around it are indexed."""
    from newsdesk.config import Settings, use_settings
    from newsdesk.index import open_backend
    from newsdesk.model import IngestSummary
    from newsdesk.pipeline import index_processed, plan_ingest
    from newsdesk.state import IngestState
    from newsdesk.workers import WorkerPool

    folder = tmp_path / "in"
    write_articles(folder, 2)
    write_slow_line(folder)
    settings = Settings(home=tmp_path / "home", workers=1, max_document_seconds=900, max_document_memory_mb=500)
    use_settings(settings)
    state, backend, pool = IngestState(settings.state_path), open_backend(settings), WorkerPool(settings, 1)
    try:
        plan = plan_ingest([str(folder)], state)
        line = [f for f in plan.todo if f.path.endswith("_line.txt")]
        summary = IngestSummary()
        for files in ([f for f in plan.todo if f not in line], line):  # the line alone: killed once, not retried
            index_processed(pool.run(files), backend, state, summary)
        assert (summary.seen, summary.indexed + summary.duplicates, summary.failed) == (3, 2, 1)
        (failure,) = summary.failed_documents
        assert failure.key.endswith("article_0001_line.txt") and failure.stage == "process"
        assert "500 MB per-document memory limit" in failure.reason
        assert pool.run(plan.todo[:1])[0].articles  # the replacement worker works
    finally:
        pool.close()
        backend.close()
        state.close()
        use_settings(None)


def test_a_batch_the_index_refuses_leaves_no_story_behind(tmp_path: Path) -> None:
    """The index cannot take a batch (its write lock is held by another writer past the timeout: a real
    `BackendError`): no story lists the batch's articles, nothing is recorded, and the next write succeeds."""
    from filelock import FileLock

    from newsdesk.config import Settings, use_settings
    from newsdesk.index.base import BackendError
    from newsdesk.index.embedded import EmbeddedBackend
    from newsdesk.model import IngestSummary
    from newsdesk.pipeline import index_processed, plan_ingest, process_files
    from newsdesk.state import IngestState
    from newsdesk.stories import StoryStore, list_stories, store_path

    write_articles(tmp_path / "in", 3)
    settings = Settings(home=tmp_path / "home", workers=1, max_document_seconds=0)
    use_settings(settings)
    state = IngestState(settings.state_path)
    backend = EmbeddedBackend(settings.index_dir, lock_timeout=1)
    try:
        processed = process_files(plan_ingest([str(tmp_path / "in")], state).todo, settings)
        with FileLock(str(backend.lock_path)), pytest.raises(BackendError):
            index_processed(processed, backend, state, IngestSummary())
        with StoryStore(store_path(state.path)) as store:
            assert list_stories(store).total == 0
        assert state.files() == [] and backend.count() == 0
        summary = IngestSummary()
        index_processed(processed, backend, state, summary)
        assert summary.indexed == 3 and backend.count() == 3
        with StoryStore(store_path(state.path)) as store:
            assert list_stories(store).total >= 1
    finally:
        backend.close()
        state.close()
        use_settings(None)
