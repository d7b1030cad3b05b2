"""`newsdesk ingest` with nothing to do answers from the plan alone: no flow run, the same summary."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import SEEDS

pytestmark = pytest.mark.usefixtures("prefect_harness")

COUNTS = ("seen", "indexed", "unchanged", "duplicates", "skipped", "failed")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")  # skipped at discovery: part of every summary
    return folder


@pytest.fixture
def flow_runs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Sources of every `ingest` flow run the CLI starts (the real flow still runs)."""
    import flows.ingest

    started: list[list[str]] = []
    real = flows.ingest.run_ingest

    def spy(sources, **kwargs):  # noqa: ANN001, ANN202
        started.append(list(sources))
        return real(sources, **kwargs)

    monkeypatch.setattr(flows.ingest, "run_ingest", spy)
    return started


def _ingest(*args: str) -> tuple[int, dict]:
    from newsdesk.cli import app

    result = CliRunner().invoke(app, ["ingest", *args, "--json"])
    return result.exit_code, json.loads(result.stdout)


def test_unchanged_folder_is_answered_without_a_flow_run_with_the_flows_summary(settings, corpus: Path,
                                                                                  flow_runs: list) -> None:
    from flows.ingest import run_ingest
    from newsdesk.cli import _summary_dict

    code, first = _ingest(str(corpus))
    assert code == 0 and len(flow_runs) == 1
    assert (first["indexed"], first["skipped"]) == (2, 1)

    code, again = _ingest(str(corpus))
    assert code == 0
    assert len(flow_runs) == 1, "an ingest with nothing to do must not start a flow run"
    assert {k: again[k] for k in COUNTS} == {"seen": 3, "indexed": 0, "unchanged": 2, "duplicates": 0,
                                             "skipped": 1, "failed": 0}

    through_flow, state = run_ingest([str(corpus)])
    assert state.is_completed()
    assert again == json.loads(json.dumps(_summary_dict(through_flow), default=str))


def test_changed_file_or_full_still_runs_the_flow(settings, corpus: Path, flow_runs: list) -> None:
    _ingest(str(corpus))
    seed = next(corpus.glob("*.txt"))
    seed.write_text(seed.read_text() + "\nA line added later.\n")
    code, summary = _ingest(str(corpus))
    assert code == 0 and len(flow_runs) == 2
    assert (summary["indexed"], summary["unchanged"]) == (1, 1)

    code, summary = _ingest(str(corpus), "--full")
    assert len(flow_runs) == 3 and summary["unchanged"] == 0


def test_removed_input_is_reported_without_a_run_and_pruned_only_through_the_flow(settings, corpus: Path,
                                                                                   flow_runs: list) -> None:
    _ingest(str(corpus))
    gone = next(corpus.glob("*.txt"))
    gone.unlink()
    code, summary = _ingest(str(corpus))
    assert len(flow_runs) == 1
    assert summary["removed"] == [str(gone)] and summary["pruned"] == 0

    code, summary = _ingest(str(corpus), "--prune")
    assert len(flow_runs) == 2 and summary["pruned"] == 1
