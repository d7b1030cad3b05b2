"""Deployments of the flows: `ingest` on cron schedules (one per group of the sources file, or one over
`NEWSDESK_SOURCES`); `retry-failed`, `reindex` and `learn-boilerplate` for manual runs."""

from __future__ import annotations

from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from flows.ingest import ingest, learn_boilerplate, reindex, retry_failed
from newsdesk.config import get_settings
from newsdesk.sources.groups import load_groups


def build_deployments(schedule: str | None = None, sources: list[str] | None = None) -> list[RunnerDeployment]:
    """The deployments `newsdesk serve` serves. With an explicit schedule or sources, or without a sources
    file, one `ingest/scheduled` deployment (defaults from the configuration); otherwise one `ingest/<group>`
    deployment per group of the sources file, each on its own cron schedule."""
    settings = get_settings()
    if schedule is None and sources is None and settings.sources_file.is_file():
        groups = load_groups(settings.sources_file)
        scheduled = [
            ingest.to_deployment(name=name, schedule=Cron(group.cron, timezone=group.timezone),
                                 parameters={"group": name},
                                 description=group.description or f"Ingest the sources of group {name!r} "
                                                                  f"({settings.sources_file}).")
            for name, group in groups.items()]
        everything = sorted({s for g in groups.values() for s in g.paths})
    else:
        everything = sources or settings.sources
        scheduled = [ingest.to_deployment(
            name="scheduled", cron=schedule or settings.schedule, parameters={"sources": everything},
            description="Ingest the configured sources on a schedule; run by hand with -p sources=…")]
    return [
        *scheduled,
        retry_failed.to_deployment(name="manual", description="Re-process the dead-letter store."),
        reindex.to_deployment(name="manual", description="Rebuild the index into a new version and swap."),
        learn_boilerplate.to_deployment(name="manual", parameters={"sources": everything or settings.sources},
                                        description="Learn per-publisher boilerplate lines from the sources."),
    ]


def default_ingest_deployment() -> str:
    """The ingest deployment `newsdesk trigger` runs when none is named: the first group's, else `ingest/scheduled`."""
    settings = get_settings()
    groups = load_groups(settings.sources_file) if settings.sources_file.is_file() else {}
    return f"ingest/{next(iter(groups))}" if groups else "ingest/scheduled"


def prefect_yaml_deployments() -> str:
    """The `ingest` deployments of the sources file as `prefect.yaml` entries (for a work pool)."""
    settings = get_settings()
    lines = []
    for name, group in load_groups(settings.sources_file).items():
        lines += [f"  - name: {name}", "    entrypoint: flows/ingest.py:ingest",
                  f"    description: {group.description or f'Ingest the sources of group {name} (sources.toml).'}",
                  "    parameters:", f"      group: {name}", "    schedules:",
                  f'      - cron: "{group.cron}"', f"        timezone: {group.timezone}",
                  "    work_pool:", "      name: newsdesk"]
    return "\n".join(lines) + "\n"
