"""Schedules, manual runs with parameters, and run artifacts, against a real (temporary) Prefect server."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, SEEDS

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_served_ingest_deployment_has_the_configured_cron_schedule(settings) -> None:
    from prefect import get_client

    from flows.deployments import build_deployments

    deployments = build_deployments(schedule="*/5 * * * *", sources=["seeds"])
    ingest_deployment = next(d for d in deployments if d.name == "scheduled")
    ingest_deployment.apply()

    async def read():
        async with get_client() as client:
            return await client.read_deployment_by_name("ingest/scheduled")

    deployment = asyncio.run(read())
    assert [s.schedule.cron for s in deployment.schedules] == ["*/5 * * * *"]
    assert deployment.parameters == {"sources": ["seeds"]}


def test_prefect_yaml_deployments_point_at_real_flows() -> None:
    from prefect.flows import load_flow_from_entrypoint

    config = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    names = set()
    for deployment in config["deployments"]:
        flow = load_flow_from_entrypoint(str(ROOT / deployment["entrypoint"]))
        names.add(f"{flow.name}/{deployment['name']}")
        params = set(flow.parameters.properties)
        assert set(deployment.get("parameters", {})) <= params
    assert names == {"ingest/seeds", "retry-failed/manual", "reindex/manual", "learn-boilerplate/manual",
                     "ingest/partition", "backfill/manual"}


def test_prefect_yaml_has_one_deployment_per_group_of_sources_toml(monkeypatch: pytest.MonkeyPatch) -> None:
    """prefect.yaml's ingest deployments are the groups of the shipped sources.toml, with their schedules."""
    from flows.deployments import prefect_yaml_deployments
    from newsdesk.config import Settings, use_settings

    use_settings(Settings(sources_file=ROOT / "sources.toml"))
    try:
        expected = yaml.safe_load(prefect_yaml_deployments())
    finally:
        use_settings(None)
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    shipped = [d for d in config["deployments"] if d["entrypoint"] == "flows/ingest.py:ingest"
               and d["name"] != "partition"]  # the backfill's partition runs (flows/scale.py)
    assert shipped == expected


def test_run_publishes_summary_table_and_report_artifacts(settings, tmp_path: Path) -> None:
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    from flows.ingest import run_ingest

    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    (folder / "empty.txt").write_text("")
    _, state = run_ingest([str(folder)])

    async def artifacts():
        async with get_client() as client:
            return await client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])))

    found = {a.type: a for a in asyncio.run(artifacts())}
    assert set(found) >= {"table", "markdown", "progress"}
    assert found["progress"].data == 100.0
    table = found["table"].data
    assert '"indexed": 2' in table and '"skipped": 1' in table
    assert "Amrullah Saleh" in found["markdown"].data and "empty file" in found["markdown"].data


# -- the temporary server's database: a fresh home starts from the migrated template ---------------------------


def _ingest_alone(home: Path, template_dir: Path, folder: Path, *options: str) -> None:
    """`newsdesk ingest` with its own temporary Prefect server (no PREFECT_API_URL), in-process processing."""
    import json

    from test_reliability import cli_env, run_cli

    env = cli_env(home, NEWSDESK_PREFECT_TEMPLATE_DIR=str(template_dir), NEWSDESK_MAX_DOCUMENT_SECONDS="0")
    env.pop("PREFECT_API_URL", None)
    result = run_cli(["ingest", str(folder), "--json", *options], env)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert json.loads(result.stdout)["indexed"] == 2


def _recorded_runs(database: Path) -> tuple[list[str], int, set[str]]:
    """The ingest flow runs in a Prefect database: their states, their task runs, their artifacts' kinds."""
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(database)) as db:
        states = [state for (state,) in db.execute("SELECT state_type FROM flow_run WHERE name LIKE 'ingest %'")]
        (tasks,) = db.execute("SELECT count(*) FROM task_run").fetchone()
        kinds = {kind for (kind,) in db.execute("SELECT type FROM artifact")}
    return states, tasks, kinds


def _has_marker(database: Path) -> bool:
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(database)) as db:
        return db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'newsdesk_marker'").fetchone()[0] == 1


@pytest.mark.slow
def test_a_fresh_home_starts_from_the_migrated_template_and_its_run_is_recorded(tmp_path: Path) -> None:
    """The first ingest migrates (a template of another Prefect version beside it is not used) and keeps a
    template; the next fresh home starts from it; a used home keeps its database."""
    import sqlite3
    from contextlib import closing

    templates = tmp_path / "templates"
    templates.mkdir()
    foreign = templates / "prefect-0123456789abcdef.db"  # another version's key
    with closing(sqlite3.connect(foreign)) as db:
        db.execute("CREATE TABLE newsdesk_marker (x)")
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    _ingest_alone(tmp_path / "first", templates, folder)  # no template of this version: its server migrates
    first = tmp_path / "first" / "prefect" / "prefect.db"
    assert not _has_marker(first)  # the other version's template was not used
    assert _recorded_runs(first)[0] == ["COMPLETED"]
    (template,) = set(templates.glob("prefect-*.db")) - {foreign}  # this version's own, made by the run
    with closing(sqlite3.connect(template)) as db:
        assert db.execute("SELECT count(*) FROM alembic_version").fetchone()[0] == 1
        assert db.execute("SELECT count(*) FROM flow_run").fetchone()[0] == 0  # no run of the first home in it
        db.execute("CREATE TABLE newsdesk_marker (x)")  # to tell a seeded database from a migrated one
    assert sorted(p.name for p in templates.iterdir()) == sorted([foreign.name, template.name])  # no WAL beside it
    _ingest_alone(tmp_path / "second", templates, folder)
    database = tmp_path / "second" / "prefect" / "prefect.db"
    assert _has_marker(database)
    states, tasks, kinds = _recorded_runs(database)
    assert states == ["COMPLETED"] and tasks >= 3 and {"table", "markdown", "progress"} <= kinds
    _ingest_alone(tmp_path / "second", templates, folder, "--full")  # a used home keeps its database
    assert _has_marker(database) and _recorded_runs(database)[0] == ["COMPLETED", "COMPLETED"]
