"""Deployments of the flows: `ingest` on a cron schedule; `retry-failed` and `reindex` for manual runs."""

from __future__ import annotations

from prefect.deployments.runner import RunnerDeployment

from flows.ingest import ingest, learn_boilerplate, reindex, retry_failed
from newsdesk.config import get_settings


def build_deployments(schedule: str | None = None, sources: list[str] | None = None) -> list[RunnerDeployment]:
    """The deployments `newsdesk serve` serves; schedule and sources default to the configuration."""
    settings = get_settings()
    return [
        ingest.to_deployment(name="scheduled", cron=schedule or settings.schedule,
                             parameters={"sources": sources or settings.sources},
                             description="Ingest the configured sources on a schedule; run by hand with -p sources=…"),
        retry_failed.to_deployment(name="manual", description="Re-process the dead-letter store."),
        reindex.to_deployment(name="manual", description="Rebuild the index into a new version and swap."),
        learn_boilerplate.to_deployment(name="manual", parameters={"sources": sources or settings.sources},
                                        description="Learn per-publisher boilerplate lines from the sources."),
    ]
