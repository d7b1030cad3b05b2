"""Reliability: per-document limits in real worker processes, lazy discovery, and the CLI's search input.

Also the helpers the crash and concurrency tests share: generated articles and `newsdesk` subprocesses
that run their flows against the session's Prefect test server (no second server start per process).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT

NEWSDESK = [sys.executable, "-m", "newsdesk.cli"]

CITIES = ["Kabul", "Geneva", "Nairobi", "Lima", "Oslo", "Hanoi", "Dakar", "Quito", "Riga", "Tunis", "Accra",
          "Manila", "Sofia", "Tbilisi", "Bogota", "Lusaka"]
TOPICS = ["flood defences", "a new rail line", "water rationing", "the school calendar", "port fees",
          "a vaccination drive", "bus fares", "grain reserves", "a bridge repair", "power cuts"]


def article_text(i: int) -> str:
    """A short, unique, realistic article (distinct body, so never an exact duplicate of another)."""
    city, topic = CITIES[i % len(CITIES)], TOPICS[(i // len(CITIES)) % len(TOPICS)]
    return (f"Report {i}: council votes on {topic} in {city}\n\n"
            f"The city council of {city} voted {40 + i % 50} to {i % 37} on Tuesday to approve spending on "
            f"{topic}, officials said. The plan, numbered {1000 + i}, will cost about {i * 7 + 3} million dollars "
            f"over {2 + i % 5} years.\n\n"
            f"Opposition members said the vote was rushed and asked for an audit of item {i}. The mayor said work "
            f"would begin in {['March', 'June', 'September'][i % 3]} and that residents would be consulted.\n")


def write_articles(folder: Path, n: int, start: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + n):
        path = folder / f"article_{i:04d}.txt"
        path.write_text(article_text(i))
        paths.append(path)
    return paths


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    """Environment of a `newsdesk` subprocess: its own home; flows report to this session's Prefect server."""
    from prefect.settings import PREFECT_API_URL

    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(NEWSDESK_HOME=str(home), NEWSDESK_WORKERS="1", PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1",
               PREFECT_HOME=str(home / "prefect"))
    api = PREFECT_API_URL.value()
    if api:
        env["PREFECT_API_URL"] = api
    env.update(extra)
    return env


def run_cli(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*NEWSDESK, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def open_index(home: Path):  # noqa: ANN201
    from newsdesk.config import Settings
    from newsdesk.index import open_backend

    return open_backend(Settings(home=home))


# -- limits -------------------------------------------------------------------------------------------


def test_pathological_document_fails_with_time_limit_and_the_rest_of_the_batch_is_indexed(tmp_path: Path) -> None:
    """A real worker pool with a short per-document limit; the slow input is a 1 MB single line (enrichment
    is superlinear in text length: minutes of work), the others are ordinary articles."""
    from newsdesk.config import Settings, use_settings
    from newsdesk.index import open_backend
    from newsdesk.model import IngestSummary
    from newsdesk.pipeline import index_processed, plan_ingest
    from newsdesk.state import IngestState
    from newsdesk.workers import WorkerPool

    folder = tmp_path / "in"
    write_articles(folder, 1, start=0)
    sentence = "The minister said the talks would continue next week in Geneva, "
    (folder / "article_0001_line.txt").write_text((sentence * (1_000_000 // len(sentence) + 1))[:1_000_000])
    write_articles(folder, 2, start=2)
    settings = Settings(home=tmp_path / "home", workers=1, max_document_seconds=6)
    use_settings(settings)
    state = IngestState(settings.state_path)
    backend = open_backend(settings)
    pool = WorkerPool(settings, 1)
    try:
        plan = plan_ingest([str(folder)], state)
        assert len(plan.todo) == 4
        processed = pool.run(plan.todo)
        summary = IngestSummary()
        summary.merge(plan.summary)
        index_processed(processed, backend, state, summary)
        assert summary.balanced and (summary.seen, summary.indexed, summary.failed) == (4, 3, 1)
        (failure,) = summary.failed_documents
        assert failure.key.endswith("article_0001_line.txt") and failure.stage == "process"
        assert "6 s per-document time limit" in failure.reason
        assert backend.count() == 3
        assert [f.key for f in state.failures()] == [failure.key]  # kept as a dead letter for retry
    finally:
        pool.close()
        backend.close()
        state.close()
        use_settings(None)


def test_discovery_is_lazy() -> None:
    """Inputs are streamed: discovery yields the first file before it has walked the rest of the tree."""
    import types

    from newsdesk.sources import InputFile, discover

    found = discover([str(ROOT / "seeds"), "/nonexistent-newsdesk-source"])
    assert isinstance(found, types.GeneratorType)
    assert isinstance(next(found), InputFile)


# -- CLI search input ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def search_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real index to search (written directly through the pipeline, no flow needed)."""
    from newsdesk.config import Settings, use_settings
    from newsdesk.index import open_backend
    from newsdesk.model import IngestSummary
    from newsdesk.pipeline import index_processed, plan_ingest, process_files
    from newsdesk.state import IngestState

    tmp = tmp_path_factory.mktemp("search")
    write_articles(tmp / "in", 6)
    settings = Settings(home=tmp / "home", workers=1, max_document_seconds=0)
    use_settings(settings)
    state, backend = IngestState(settings.state_path), open_backend(settings)
    try:
        summary = IngestSummary()
        index_processed(process_files(plan_ingest([str(tmp / "in")], state).todo, settings), backend, state, summary)
        assert summary.indexed == 6
    finally:
        state.close()
        backend.close()
        use_settings(None)
    return tmp / "home"


HOSTILE_QUERIES = {
    "unbalanced quote": '"council votes',
    "unbalanced parenthesis": "(council AND Geneva",
    "dangling operator": "council AND",
    "only operators": "AND OR NOT",
    "10,000 terms": " ".join(f"word{i}" for i in range(10_000)),
    "control characters": "council\x01\x07\x1b[31m\x7fvotes",
    "raw Elasticsearch JSON": '{"query": {"match_all": {}}}',
    "Lucene boost syntax": "title:(a OR b)^3",
    "regex and wildcards": "/.*/ ?ouncil c*l **",
    "unknown field": "nosuchfield:x",
    "huge prefix set": "a*",
}


@pytest.mark.parametrize("query", list(HOSTILE_QUERIES.values()), ids=list(HOSTILE_QUERIES))
def test_cli_search_answers_hostile_input_without_traceback(search_home: Path, query: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(NEWSDESK_HOME=str(search_home), PYTHONPATH=str(ROOT))
    started = time.monotonic()
    result = subprocess.run([*NEWSDESK, "search", query, "--json"], env=env, cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    if result.returncode == 2:
        assert result.stderr.startswith("invalid search: ") and len(result.stderr.strip()) > len("invalid search:")
        assert result.stdout == ""
    else:
        assert result.returncode == 0, result.stderr[-3000:]
        data = json.loads(result.stdout)
        assert isinstance(data["total"], int) and len(data["hits"]) <= 10
    assert time.monotonic() - started < 110  # no hang (the subprocess timeout is the hard stop)


@pytest.mark.parametrize("args", [["--size", "100000000"], ["--page", "100000000"], ["--from", "2021-13-45"],
                                  ["--sort", "nonsense"]], ids=["huge size", "huge page", "bad date", "bad sort"])
def test_cli_search_rejects_or_bounds_hostile_options(search_home: Path, args: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(NEWSDESK_HOME=str(search_home), PYTHONPATH=str(ROOT))
    result = subprocess.run([*NEWSDESK, "search", "council", "--json", *args], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode in (0, 2), result.stderr[-3000:]
    if result.returncode == 2:
        assert "invalid" in result.stderr.lower()
