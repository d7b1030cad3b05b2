"""Reliability: per-document limits in real worker processes, lazy discovery, and the CLI's search input.

Also the helpers the crash and concurrency tests share: generated articles and `newsdesk` subprocesses
that run their flows against the session's Prefect test server (no second server start per process).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

NEWSDESK = [sys.executable, "-m", "newsdesk.cli"]

CITIES = ["Kabul", "Geneva", "Nairobi", "Lima", "Oslo", "Hanoi", "Dakar", "Quito", "Riga", "Tunis", "Accra",
          "Manila", "Sofia", "Tbilisi", "Bogota", "Lusaka", "Hobart", "Cusco", "Tromso", "Mombasa", "Split", "Leon"]
PEOPLE = ["Amina Diallo", "Jorge Salas", "Ingrid Berg", "Nguyen Van Minh", "Fatou Sarr", "Lucia Mendez",
          "Ivan Petrov", "Grace Owusu", "Maria Santos", "Elif Kaya", "Tomas Novak", "Chen Wei", "Olga Ivanova",
          "Kwame Mensah", "Sara Lindqvist", "Diego Rojas"]
SENTENCES = [
    "The city council of {city} voted {a} to {b} on {day} to approve spending on {topic}.",
    "{person}, who chairs the finance committee, said the plan would cost about {n} million dollars.",
    "Residents of the {district} district queued for hours outside the town hall to register objections.",
    "Engineers warned that the {thing} built in {year} had not been inspected since a storm damaged it.",
    "Shopkeepers near the old market complained that deliveries of {goods} had been delayed for weeks.",
    "Police closed the main road to {city2} after a lorry carrying {goods} overturned near a school.",
    "A spokesman for the regional government declined to comment on the cost of {topic}.",
    "Farmers from {n2} villages drove tractors into the square, demanding compensation for lost harvests.",
    "The opposition leader {person2} accused the mayor of hiding an audit of the {thing}.",
    "Teachers at {n2} schools said classes would move online if heating was not restored by {day}.",
    "Doctors at the municipal hospital reported a sharp rise in admissions during the heatwave in {month}.",
    "Bus drivers walked out at dawn over unpaid overtime, leaving commuters stranded across {city}.",
    "A report by auditors found that {n} percent of contracts for the {thing} went to one firm.",
    "Fishermen in the harbour of {city2} said fuel prices had doubled since {month}.",
    "Students marched from the university to parliament, chanting against tuition increases.",
    "The central bank kept interest rates unchanged, citing uncertainty over {goods} exports.",
    "Volunteers handed out blankets and hot meals to families displaced by the flooding along the river.",
    "Archaeologists digging beneath the cathedral uncovered coins minted in {year}, the museum said.",
    "Investigators are examining whether faulty wiring caused the blaze at the {goods} warehouse.",
    "{person} told reporters that negotiations with the unions would resume in {month}.",
    "Water engineers began repairing a burst pipe that left {n} thousand homes without supply.",
    "The railway operator apologised after signal failures delayed trains between {city} and {city2}.",
    "Tourism officials expect record numbers of visitors to the {district} coast this summer.",
    "Lawyers for the construction company argued that the tender for the {thing} was lawful.",
]
FILL = {
    "topic": ["flood defences", "a new rail line", "water rationing", "the school calendar", "port fees",
              "a vaccination drive", "bus fares", "grain reserves", "a bridge repair", "power cuts"],
    "thing": ["north bridge", "ring road", "sewage plant", "sea wall", "tram depot", "grain silo", "dam", "airport"],
    "goods": ["cement", "coffee", "copper", "timber", "rice", "diesel", "cotton", "fertiliser", "fish", "steel"],
    "district": ["eastern", "harbour", "old town", "hill", "river", "market", "northern", "airport"],
    "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
    "month": ["January", "March", "May", "July", "September", "November"],
}


def article_text(i: int) -> str:
    """A short, realistic article, lexically distinct from the others (never an exact or near duplicate)."""
    import random

    rnd = random.Random(i)
    values = {k: rnd.choice(v) for k, v in FILL.items()}
    values.update(city=rnd.choice(CITIES), city2=rnd.choice(CITIES), person=rnd.choice(PEOPLE),
                  person2=rnd.choice(PEOPLE), a=40 + i % 50, b=i % 37, n=i * 7 + 3, n2=2 + i % 29,
                  year=1900 + i % 120)
    chosen = rnd.sample(SENTENCES, 6)
    unique = [f"The file, registered as {i}/{values['year']} with {values['n']} pages, names {values['a']} "
              f"witnesses and {values['b']} exhibits from case {i * 13 + 5}.",
              f"Clerks counted {i * 3 + 11} letters, {values['n2'] * i + 1} petitions and {i % 97 + 2} complaints."]
    body = [" ".join([*(t.format(**values) for t in chosen[:3]), unique[0]]),
            " ".join([*(t.format(**values) for t in chosen[3:]), unique[1]])]
    return f"Report {i} from {values['city']}: {values['topic']}\n\n" + "\n\n".join(body) + "\n"


def write_articles(folder: Path, n: int, start: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + n):
        path = folder / f"article_{i:04d}.txt"
        path.write_text(article_text(i))
        paths.append(path)
    return paths


def write_slow_line(folder: Path) -> Path:
    """`article_0001_line.txt`: a 1 MB single line, minutes of enrichment (superlinear in text length)."""
    sentence = "The minister said the talks would continue next week in Geneva, "
    path = folder / "article_0001_line.txt"
    path.write_text((sentence * (1_000_000 // len(sentence) + 1))[:1_000_000])
    return path


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
    write_slow_line(folder)
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


def test_worker_over_its_memory_limit_is_replaced_and_nothing_is_lost(tmp_path: Path,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    """With a 1 MB limit every worker is over it after its first chunk: each is replaced by a fresh
    process, and every file still comes back processed, in order."""
    from newsdesk.config import Settings, use_settings
    from newsdesk.pipeline import plan_ingest
    from newsdesk.state import IngestState
    from newsdesk.workers import WorkerPool

    folder = tmp_path / "in"
    write_articles(folder, 6, start=0)
    settings = Settings(home=tmp_path / "home", workers=2, worker_max_memory_mb=1)
    use_settings(settings)
    state = IngestState(settings.state_path)
    pool = WorkerPool(settings, 2)
    try:
        files = plan_ingest([str(folder)], state).todo
        with caplog.at_level(logging.INFO, logger="newsdesk.workers"):
            processed = pool.run(files)
        assert [p.file.path for p in processed] == [f.path for f in files]
        assert all(len(p.articles) == 1 and not p.outcomes for p in processed)
        replaced = {r.getMessage().split()[1] for r in caplog.records if "replacing it" in r.getMessage()}
        assert len(replaced) >= 3  # 6 files in chunks of at most 2: every chunk's worker was replaced
        assert pool.run(files[:1])[0].articles  # the fresh workers work
    finally:
        pool.close()
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


@pytest.fixture
def search_settings(search_home: Path):  # noqa: ANN201
    from newsdesk.config import Settings, use_settings

    use_settings(Settings(home=search_home))
    yield
    use_settings(None)


def _check_search_result(exit_code: int, stdout: str, stderr: str) -> None:
    assert "Traceback" not in stderr, stderr[-3000:]
    if exit_code == 2:
        assert stderr.startswith("invalid ") and len(stderr.strip()) > len("invalid search:"), stderr
        assert stdout == ""
    else:
        assert exit_code == 0, stderr[-3000:]
        data = json.loads(stdout)
        assert isinstance(data["total"], int) and len(data["hits"]) <= 10


@pytest.mark.parametrize("query", list(HOSTILE_QUERIES.values()), ids=list(HOSTILE_QUERIES))
def test_cli_search_answers_hostile_input_with_a_result_or_exit_2(search_settings, query: str) -> None:  # noqa: ANN001
    from typer.testing import CliRunner

    from newsdesk.cli import app

    result = CliRunner().invoke(app, ["search", query, "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    _check_search_result(result.exit_code, result.stdout, result.stderr)


@pytest.mark.parametrize("args", [["--size", "100000000"], ["--page", "100000000"], ["--from", "2021-13-45"],
                                  ["--sort", "nonsense"], ["--size", "-1"]],
                         ids=["huge size", "huge page", "bad date", "bad sort", "negative size"])
def test_cli_search_rejects_or_bounds_hostile_options(search_settings, args: list[str]) -> None:  # noqa: ANN001
    from typer.testing import CliRunner

    from newsdesk.cli import app

    result = CliRunner().invoke(app, ["search", "council", "--json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 2), result.stderr[-3000:]
    if result.exit_code == 2:
        assert "invalid" in result.stderr.lower(), result.stderr
    else:
        assert len(json.loads(result.stdout)["hits"]) <= 10_000


def test_cli_search_subprocess_on_hostile_input_exits_cleanly(search_home: Path) -> None:
    """The real entry point (`newsdesk.cli.main`): no traceback reaches the user, nothing hangs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(NEWSDESK_HOME=str(search_home), PYTHONPATH=str(ROOT))
    for query in (HOSTILE_QUERIES["unbalanced quote"], HOSTILE_QUERIES["10,000 terms"]):
        result = subprocess.run([*NEWSDESK, "search", query, "--json"], env=env, cwd=ROOT, capture_output=True,
                                text=True, timeout=120)
        _check_search_result(result.returncode, result.stdout, result.stderr)
