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
