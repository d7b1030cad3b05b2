"""Crash safety: `kill -9` of a real `newsdesk ingest` in the middle, then a rerun. The index stays consistent
(opens, no duplicates, no partial documents) and the rerun indexes exactly what is missing."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from conftest import ROOT
from test_reliability import NEWSDESK, cli_env, open_index, run_cli, write_articles

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

TOTAL = 200


def recorded_files(home: Path) -> int:
    """Files the ingest state has durably recorded (0 while the state does not exist yet)."""
    path = home / "state" / "embedded-articles.sqlite"
    if not path.exists():
        return 0
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return db.execute("SELECT count(*) FROM files").fetchone()[0]
        finally:
            db.close()
    except sqlite3.OperationalError:  # schema not created yet
        return 0


def assert_index_consistent(home: Path, inputs: set[str]) -> list[str]:
    """The index opens, ids are unique, and every stored document is a complete Article of one input."""
    backend = open_index(home)
    try:
        ids = list(backend.ids())
        assert len(ids) == len(set(ids)) == backend.count(), "duplicate documents in the index"
        paths = []
        for article_id in ids:
            article = backend.get(article_id)
            assert article is not None and article.id == article_id
            assert article.path in inputs, article.path
            paragraphs = Path(article.path).read_text().strip().split("\n\n")
            assert paragraphs[1][:40] in article.body and article.body.endswith(paragraphs[-1][-40:]), article.body
            assert article.content_hash and article.language == "en" and article.ingested_at is not None
            paths.append(article.path)
        assert len(paths) == len(set(paths)), "one input stored twice"
        return ids
    finally:
        backend.close()


def test_kill_9_in_the_middle_then_rerun_indexes_exactly_what_is_missing(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    inputs = {str(p) for p in write_articles(folder, TOTAL)}
    home = tmp_path / "home"
    env = cli_env(home, NEWSDESK_BATCH_SIZE="8")

    proc = subprocess.Popen([*NEWSDESK, "ingest", str(folder), "--json"], env=env, cwd=ROOT, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 400
        while recorded_files(home) < 8 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, f"ingest ended before it could be killed: {proc.communicate()[1][-3000:]}"
        assert recorded_files(home) >= 8, "ingest made no progress in time"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # its worker process, if it outlived it
        except ProcessLookupError:
            pass
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    recorded = recorded_files(home)
    assert 8 <= recorded < TOTAL, f"killed too late to test anything: {recorded} of {TOTAL} recorded"

    after_kill = assert_index_consistent(home, inputs)
    assert recorded <= len(after_kill) <= TOTAL  # at most the batch being written is indexed but unrecorded

    rerun = run_cli(["ingest", str(folder), "--json"], env, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "Traceback" not in rerun.stderr
    summary = json.loads(rerun.stdout)
    assert summary["seen"] == TOTAL and summary["indexed"] + summary["unchanged"] == TOTAL
    assert (summary["unchanged"], summary["indexed"]) == (recorded, TOTAL - recorded)
    assert (summary["duplicates"], summary["skipped"], summary["failed"]) == (0, 0, 0)

    final = assert_index_consistent(home, inputs)
    assert len(final) == TOTAL and set(after_kill) <= set(final)
    assert recorded_files(home) == TOTAL
