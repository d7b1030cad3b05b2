"""End to end through the real Prefect `ingest` flow (temporary server), the real cleaner, spaCy and index."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsdesk.search.model import Hit

from conftest import SEEDS

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    return folder


def _search(settings, q: str):  # noqa: ANN001
    from newsdesk.index import open_backend
    from newsdesk.search import build_request

    backend = open_backend(settings)
    try:
        return backend.search(build_request(q)), backend.count()
    finally:
        backend.close()


def test_ingest_seeds_then_reingest_reports_unchanged(settings, corpus: Path) -> None:
    from flows.ingest import run_ingest

    summary, state = run_ingest([str(corpus)])
    assert state.is_completed()
    assert (summary.seen, summary.indexed, summary.failed) == (2, 2, 0)
    response, count = _search(settings, "Panjshir")
    assert count == 2 and response.total == 2
    assert {b.value for b in response.facets["person"]} >= {"Amrullah Saleh"}
    assert response.facets["publisher"] and response.facets["published"]

    again, _ = run_ingest([str(corpus)])
    assert (again.seen, again.indexed, again.unchanged) == (2, 0, 2)
    assert _search(settings, "Panjshir")[1] == 2


def test_changed_file_is_reprocessed_and_upserted(settings, corpus: Path) -> None:
    from flows.ingest import run_ingest

    run_ingest([str(corpus)])
    target = next(corpus.glob("003_*.txt"))
    target.write_text(target.read_text().replace("Khavak Pass", "Khawak Pass"))
    summary, _ = run_ingest([str(corpus)])
    assert (summary.indexed, summary.unchanged) == (1, 1)
    response, count = _search(settings, '"Khawak Pass"')
    assert count == 2 and response.total == 1


def test_full_forces_reprocessing(settings, corpus: Path) -> None:
    from flows.ingest import run_ingest

    run_ingest([str(corpus)])
    summary, _ = run_ingest([str(corpus)], full=True)
    assert (summary.indexed, summary.unchanged) == (2, 0)
    assert _search(settings, "Panjshir")[1] == 2


def test_failures_end_failed_are_listed_and_succeed_on_retry(settings, corpus: Path) -> None:
    from flows.ingest import retry_failed, run_ingest, summary_of

    bad = corpus / "broken.json"
    bad.write_text('{"title": "Half an article", "text": ')
    summary, state = run_ingest([str(corpus)])
    assert state.is_failed() and "1 documents failed" in state.message
    assert (summary.indexed, summary.failed) == (2, 1)
    assert "malformed JSON" in summary.failed_documents[0].reason

    from newsdesk.cli import app

    listed = CliRunner().invoke(app, ["failed", "list", "--json"])
    assert listed.exit_code == 0
    (failure,) = json.loads(listed.stdout)
    assert failure["path"] == str(bad) and failure["stage"] == "load"
    human = CliRunner().invoke(app, ["failed", "list"], env={"COLUMNS": "80"}).stdout
    assert "malformed JSON" in human and "[load]" in human and max(map(len, human.splitlines())) <= 80

    bad.write_text(json.dumps({"title": "Now whole", "text": (
        "The Taliban said on Monday that Panjshir had fallen after a week of heavy fighting in the valley.\n\n"
        "Resistance leaders denied the claim and said their forces still held the mountain passes.")}))
    retried = summary_of(retry_failed(return_state=True))
    assert (retried.indexed, retried.skipped, retried.failed) == (1, 0, 0)
    assert json.loads(CliRunner().invoke(app, ["failed", "list", "--json"]).stdout) == []
    assert _search(settings, "Panjshir")[1] == 3


def test_removed_inputs_are_reported_and_pruned_only_on_request(settings, corpus: Path) -> None:
    from flows.ingest import run_ingest

    run_ingest([str(corpus)])
    gone = next(corpus.glob("000_*.txt"))
    gone.unlink()
    summary, _ = run_ingest([str(corpus)])
    assert summary.removed == [str(gone)] and summary.pruned == 0
    assert _search(settings, "Panjshir")[1] == 2
    summary, _ = run_ingest([str(corpus)], prune=True)
    assert summary.pruned == 1
    assert _search(settings, "Panjshir")[1] == 1


def test_cli_ingest_json_stdout_is_only_json_and_search_has_facets(settings, corpus: Path) -> None:
    from newsdesk.cli import app

    result = CliRunner().invoke(app, ["ingest", str(corpus), "--json"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert {k: summary[k] for k in ("seen", "indexed", "unchanged", "duplicates", "skipped", "failed")} == {
        "seen": 2, "indexed": 2, "unchanged": 0, "duplicates": 0, "skipped": 0, "failed": 0}

    found = CliRunner().invoke(app, ["search", "Panjshir", "--json"])
    assert found.exit_code == 0, found.stderr
    data = json.loads(found.stdout)
    assert data["total"] == 2
    assert set(data["hits"][0]) == set(Hit.model_fields)  # the API's fields
    assert set(data["facets"]) >= {"publisher", "person", "organization", "location", "published"}
    assert all(data["facets"][name] for name in ("person", "location", "published"))


def test_cli_reindex_says_what_it_did(settings, corpus: Path) -> None:
    from newsdesk.cli import app

    assert CliRunner().invoke(app, ["ingest", str(corpus), "--json"]).exit_code == 0
    human = CliRunner().invoke(app, ["reindex"])
    assert human.exit_code == 0, human.output
    assert human.stdout.splitlines() == [
        "reindexed 2 documents from v1 into v2",
        "the previous version is kept (a rollback); `newsdesk reindex --prune` deletes old versions"]
    machine = CliRunner().invoke(app, ["reindex", "--prune", "--json"])
    assert json.loads(machine.stdout) == {"from": "v2", "to": "v3", "documents": 2, "pruned": ["v1", "v2"]}


def test_cli_ingest_exits_nonzero_when_a_document_failed(settings, corpus: Path) -> None:
    from newsdesk.cli import app

    good = {"text": "Flights resumed at Kabul airport on Thursday, officials said. Aid agencies welcomed the move."}
    (corpus / "bad.jsonl").write_text(json.dumps(good) + "\n[1]\n")
    result = CliRunner().invoke(app, ["ingest", str(corpus), "--json"])
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert (summary["indexed"], summary["failed"]) == (3, 1)
    assert summary["failed_documents"][0]["path"].endswith("bad.jsonl#2")


def test_new_pipeline_version_reprocesses_everything(settings, corpus: Path, monkeypatch) -> None:
    from flows.ingest import run_ingest
    from newsdesk import versions

    run_ingest([str(corpus)])
    monkeypatch.setattr(versions, "MODEL_VERSION", versions.MODEL_VERSION + "-next")  # a new release
    summary, _ = run_ingest([str(corpus)])
    assert (summary.indexed, summary.unchanged) == (2, 0)
    assert _search(settings, "Panjshir")[1] == 2


def test_learn_boilerplate_flow_removes_learned_lines_on_later_runs(settings, tmp_path: Path) -> None:
    from flows.ingest import learn_boilerplate, run_ingest
    from newsdesk.index import open_backend

    folder = tmp_path / "outlet"
    folder.mkdir()
    promo = "Support independent journalism today and join thousands of readers who fund our reporting."
    for i, place in enumerate(["Kabul", "Herat", "Kandahar", "Mazar-i-Sharif", "Jalalabad", "Kunduz"]):
        (folder / f"{i}.txt").write_text(
            f"Officials in {place} said on Monday that aid deliveries had resumed after a pause of {i + 2} weeks.\n\n"
            f"Residents of {place} told reporters that food prices had risen sharply since the summer.\n\n{promo}\n")
    assert learn_boilerplate([str(folder)]) >= 1
    run_ingest([str(folder)])
    backend = open_backend(settings)
    try:
        bodies = [backend.get(i).body for i in backend.ids()]
    finally:
        backend.close()
    assert len(bodies) == 6 and not any("independent journalism" in b for b in bodies)
    assert all("aid deliveries had resumed" in b for b in bodies)


UNDATED_REPORT = """Panjshir resistance fighters vow to hold the valley

Fighters of the National Resistance Front said they would keep defending the Panjshir valley against the Taliban,
and that Amrullah Saleh remained with them in the province. Taliban commanders repeated their claim that the
valley had fallen, while residents described heavy fighting near the entrance of the valley.

The Taliban have not yet announced a new government for Afghanistan.
"""


def test_an_undated_article_beside_the_seeds_stays_undated(settings, corpus: Path) -> None:
    """No date is made up: the undated report is undated in the index, the facets and its story, whose span
    and order come from the seeds' real dates, never from the day of ingest."""
    from newsdesk.cli import app

    (corpus / "panjshir-undated.txt").write_text(UNDATED_REPORT)
    result = CliRunner().invoke(app, ["ingest", str(corpus), "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["indexed"] == 3

    found = json.loads(CliRunner().invoke(app, ["search", "Panjshir", "--json"]).stdout)
    published = sorted(str(h["published"])[:10] for h in found["hits"] if h["published"])
    assert published == ["2021-09-03", "2021-09-04"] and found["total"] == 3
    assert found["undated"] == 1 and sum(b["count"] for b in found["facets"]["published"]) == 2
    undated = json.loads(CliRunner().invoke(app, ["search", "--undated", "--json"]).stdout)
    assert [h["published"] for h in undated["hits"]] == [None]
    assert undated["hits"][0]["title"] == "Panjshir resistance fighters vow to hold the valley"

    stories = json.loads(CliRunner().invoke(app, ["stories", "list", "--json"]).stdout)["stories"]
    for story in stories:
        assert story["last_day"] is None or story["last_day"] <= "2021-09-04", story
        assert story["first_day"] is None or story["first_day"] >= "2021-09-03", story
    assert any(s["first_day"] == "2021-09-03" for s in stories)
