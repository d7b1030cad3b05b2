"""Scale-out ingest: one backfill split over the workers of a Prefect process work pool.

`backfill` starts one run of the `ingest/partition` deployment per partition (`partition=i/n`: the inputs whose
identity hashes to i), which the pool's workers pick up (each worker on its own host or with its own
`NEWSDESK_HOME`; with a cluster backend the state they share lives in the cluster), waits for them all, then
settles the index (`newsdesk.stories.settle`): duplicate links, stories and canonical names come out as one ingest
of the whole would give them.

    prefect work-pool create newsdesk --type process
    prefect deploy --all                               # prefect.yaml: ingest/partition and backfill/manual
    NEWSDESK_HOME=/data/w1 prefect worker start --pool newsdesk    # as many as you like, anywhere
    NEWSDESK_HOME=/data/w2 prefect worker start --pool newsdesk
    prefect deployment run backfill/manual -p 'sources=["/data/archive"]' -p partitions=2
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.deployments import run_deployment

from newsdesk.pipeline import run_settings

PARTITION_DEPLOYMENT = "ingest/partition"


@task(name="settle", cache_policy=NO_CACHE)
def settle_task(backend: str | None, index: str | None) -> dict[str, Any]:
    from newsdesk.index import open_backend
    from newsdesk.state import IngestState
    from newsdesk.stories.settle import settle

    settings = run_settings(backend, index)
    store, state = open_backend(settings), IngestState(settings.state_path)
    try:
        return asdict(settle(store, state))
    finally:
        state.close()
        store.close()


@flow(name="backfill")
def backfill(sources: list[str], partitions: int = 2, full: bool = False, backend: str | None = None,
             index: str | None = None, deployment: str = PARTITION_DEPLOYMENT, settle: bool = True) -> dict[str, Any]:
    """Ingest `sources` as `partitions` runs of `deployment` on its work pool, then settle the index."""
    logger = get_run_logger()
    parameters = {"sources": sources, "full": full, "backend": backend, "index": index}

    def one(i: int) -> Any:
        return run_deployment(deployment, parameters={**parameters, "partition": f"{i}/{partitions}"},
                              timeout=None, poll_interval=2)

    with ThreadPoolExecutor(max_workers=partitions) as pool:
        runs = list(pool.map(one, range(1, partitions + 1)))
    states = {f"{i}/{partitions}": run.state.name if run.state else "unknown" for i, run in enumerate(runs, 1)}
    logger.info("partition runs: %s", states)
    failed = [name for name, state in states.items() if state != "Completed"]
    report: dict[str, Any] = {"runs": states, "failed": failed}
    if settle and len(failed) < len(runs):
        report["settled"] = settle_task(backend, index)
    return report
