"""Concurrency against one embedded index: two real `newsdesk ingest` processes of overlapping folders at once,
searches answering while they write, and a clear message when an ingest has to wait for the write lock."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import ROOT
from test_crash import assert_index_consistent
from test_reliability import NEWSDESK, cli_env, open_index, run_cli, write_articles

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([*NEWSDESK, *args], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _seed(home: Path, path: Path) -> None:
    from newsdesk.config import Settings, use_settings
    from newsdesk.index import open_backend
    from newsdesk.model import IngestSummary
    from newsdesk.pipeline import index_processed, plan_ingest, process_files
    from newsdesk.state import IngestState

    settings = Settings(home=home, workers=1, max_document_seconds=0)
    use_settings(settings)
    state, backend = IngestState(settings.state_path), open_backend(settings)
    try:
        summary = IngestSummary()
        index_processed(process_files(plan_ingest([str(path)], state).todo, settings), backend, state, summary)
        assert summary.indexed == 1
    finally:
        state.close()
        backend.close()
        use_settings(None)


def test_two_overlapping_ingests_at_once_and_searches_keep_answering(tmp_path: Path) -> None:
    root = tmp_path / "in"
    inputs = {str(p) for p in write_articles(root / "part1", 40, start=0)}
    inputs |= {str(p) for p in write_articles(root / "part2", 40, start=40)}
    home = tmp_path / "home"
    env = cli_env(home, NEWSDESK_BATCH_SIZE="4")
    _seed(home, root / "part1" / "article_0000.txt")  # something to search from the start

    first = _start(["ingest", str(root), "--json"], env)
    second = _start(["ingest", str(root / "part2"), str(root / "part1" / "article_0001.txt"), "--json"], env)
    searches: list[tuple[int, int]] = []
    try:
        while first.poll() is None or second.poll() is None:
            started = time.monotonic()
            result = run_cli(["search", "clerks", "--json"], env, timeout=120)  # in every article
            assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
            searches.append((json.loads(result.stdout)["total"], round(time.monotonic() - started)))
        out1, err1 = first.communicate(timeout=600)
        out2, err2 = second.communicate(timeout=600)
    finally:
        for proc in (first, second):
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert first.returncode == 0, err1[-3000:]
    assert second.returncode == 0, err2[-3000:]
    assert "Traceback" not in err1 + err2
    assert len(searches) >= 2, "the ingests ended before a search could run beside them"
    totals = [t for t, _ in searches]
    assert totals == sorted(totals) and totals[0] >= 1  # readers see committed batches, never fewer documents

    for out, seen in ((out1, 80), (out2, 41)):
        summary = json.loads(out)
        assert summary["seen"] == seen and summary["indexed"] + summary["unchanged"] == seen
        assert (summary["duplicates"], summary["skipped"], summary["failed"]) == (0, 0, 0)
    ids = assert_index_consistent(home, inputs)
    assert len(ids) == len(inputs) == 80


def test_an_ingest_waiting_for_the_index_lock_says_so_and_then_finishes(tmp_path: Path) -> None:
    from filelock import FileLock

    folder = tmp_path / "in"
    write_articles(folder, 3)
    home = tmp_path / "home"
    backend = open_index(home)  # create the index, so the lock file is where the ingest will look for it
    lock = FileLock(str(backend.lock_path))
    backend.close()

    lines: list[str] = []
    lock.acquire()
    proc = _start(["ingest", str(folder), "--json"], cli_env(home))
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)  # type: ignore[arg-type]
    reader.start()
    try:
        deadline = time.monotonic() + 300
        while not any("locked by another ingest" in line for line in lines) and time.monotonic() < deadline:
            assert proc.poll() is None, "".join(lines)[-3000:]
            time.sleep(0.2)
        assert proc.poll() is None, "ingest did not wait for the lock"
    finally:
        lock.release()
    try:
        proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    reader.join(10)
    stderr = " ".join(" ".join(lines).split())  # the console handler may wrap long lines
    assert "index is locked by another ingest; waiting" in stderr, stderr[-3000:]
    assert "Traceback" not in stderr
    assert proc.returncode == 0, "".join(lines)[-3000:]
    summary = json.loads(proc.stdout.read())  # type: ignore[union-attr]
    assert summary["indexed"] == 3
