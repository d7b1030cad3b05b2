"""Prefect flows: `ingest`, `retry-failed`, `reindex`. Thin: they only compose `newsdesk.pipeline` stages."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from newsdesk.config import Settings, configure_prefect

configure_prefect()

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.artifacts import (  # noqa: E402
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.runtime import flow_run  # noqa: E402
from prefect.states import Completed, Failed, State  # noqa: E402
from prefect.tasks import exponential_backoff  # noqa: E402

from newsdesk.index import open_backend  # noqa: E402
from newsdesk.index.base import BackendError, IndexBackend  # noqa: E402
from newsdesk.model import DocumentOutcome, IngestSummary  # noqa: E402
from newsdesk.pipeline import (  # noqa: E402
    Plan, ProcessedFile, batches, fetch_inputs, index_processed, plan_ingest, prune_removed, run_settings)
from newsdesk.sources import Input, is_url  # noqa: E402
from newsdesk.sources.fetch import Fetcher  # noqa: E402
from newsdesk.state import IngestState  # noqa: E402
from newsdesk.workers import in_worker_processes, run_processing  # noqa: E402

ProgressListener = Callable[[int, int], None]
progress_listeners: list[ProgressListener] = []
"""Called with (inputs done, inputs to do) after each batch; the CLI's progress bar listens here."""


def _retry_on_backend_error(task, task_run, state: State) -> bool:  # noqa: ANN001 (Prefect's signature)
    """Retry index writes only when the backend was unreachable or overloaded, never on bad input."""
    try:
        state.result()
    except BackendError:
        return True
    except Exception:
        return False
    return False


@task(name="plan", cache_policy=NO_CACHE)
def plan_task(sources: list[str], state: IngestState, full: bool, url_lists: list[str], fetcher: Fetcher,
              settings: Settings) -> Plan:
    return plan_ingest(sources, state, full=full, url_lists=url_lists, fetcher=fetcher, settings=settings)


@task(name="process-batch", cache_policy=NO_CACHE)
def process_batch(inputs: list[Input], settings: Settings, fetcher: Fetcher) -> list[ProcessedFile]:
    """Fetch the batch's web pages (their own retries), then load, clean and enrich (no retries: these
    failures are deterministic)."""
    ready, settled = fetch_inputs(inputs, fetcher, settings)
    return settled + run_processing(ready, settings)


@task(name="index-batch", cache_policy=NO_CACHE, retries=4, retry_delay_seconds=exponential_backoff(2),
      retry_condition_fn=_retry_on_backend_error)
def index_batch(processed: list[ProcessedFile], backend: IndexBackend, state: IngestState) -> IngestSummary:
    summary = IngestSummary()
    index_processed(processed, backend, state, summary)
    return summary


def _run_name() -> str:
    group = flow_run.parameters.get("group")
    if group:
        return f"{group}"
    sources = [*(flow_run.parameters.get("sources") or []), *(flow_run.parameters.get("url_lists") or [])]
    shown = ", ".join(str(s) for s in sources[:3]) + (f" +{len(sources) - 3}" if len(sources) > 3 else "")
    return f"ingest {shown}".strip()


@flow(name="ingest", flow_run_name=_run_name, log_prints=False)
def ingest(sources: list[str] | None = None, backend: str | None = None, index: str | None = None,
           full: bool = False, prune: bool = False, url_lists: list[str] | None = None,
           group: str | None = None) -> IngestSummary | State:
    """Ingest articles from paths, folders, globs, WARC archives, feeds, sitemaps, page URLs and URL lists into
    the index (or those of a `group` of the sources file); unchanged inputs are skipped."""
    logger = get_run_logger()
    settings = run_settings(backend, index)
    sources, url_lists = list(sources or []), list(url_lists or [])
    if group:
        from newsdesk.sources.groups import load_group

        chosen = load_group(settings.sources_file, group)
        sources, url_lists, prune = [*sources, *chosen.sources], [*url_lists, *chosen.url_lists], prune or chosen.prune
    store = open_backend(settings)
    state = IngestState(settings.state_path)
    fetcher = Fetcher.from_settings(settings, state.fetches)
    try:
        plan = plan_task(sources, state, full, url_lists, fetcher, settings)
        summary = plan.summary
        todo = plan.todo
        logger.info("%d inputs to process, %d unchanged, %d skipped at discovery", len(todo), summary.unchanged,
                    summary.skipped)
        progress = create_progress_artifact(0.0, description=f"Ingesting {len(todo)} inputs")
        entity_counts: Counter[tuple[str, str]] = Counter()
        done = 0
        backend_down: BackendError | None = None
        chunks = batches(todo, settings.batch_size)
        # With worker processes, the next batch is processed while this one is indexed (no core idles).
        upcoming = process_batch.submit(chunks[0], settings, fetcher) \
            if chunks and in_worker_processes(settings) else None
        for k, batch in enumerate(chunks):
            if backend_down is not None:
                _account_not_indexed(summary, batch, backend_down)
                continue
            if upcoming is not None:
                processed = upcoming.result()
                upcoming = process_batch.submit(chunks[k + 1], settings, fetcher) if k + 1 < len(chunks) else None
            else:
                processed = process_batch(batch, settings, fetcher)
            try:
                summary.merge(index_batch(processed, store, state))
            except BackendError as exc:  # retries exhausted: stop writing, account for the rest, fail loudly
                backend_down = exc
                logger.error("the index backend is unavailable: %s; the next run will pick up the rest", exc)
                _account_not_indexed(summary, batch, exc)
                if upcoming is not None:
                    upcoming.wait()  # its files are accounted as not indexed with the rest
                    upcoming = None
                continue
            for p in processed:
                for article in p.articles:
                    entity_counts.update((e.type.value, e.name) for e in article.entities)
            done += len(batch)
            update_progress_artifact(progress, 100.0 * done / max(1, len(todo)))
            for listener in progress_listeners:
                listener(done, len(todo))
        update_progress_artifact(progress, 100.0)
        if plan.removed:
            if prune:
                summary.pruned = prune_removed(plan.removed, store, state)
                logger.info("pruned %d documents of %d removed inputs", summary.pruned, len(plan.removed))
            else:
                logger.warning("%d inputs are gone from their sources (use prune to delete them from the index)",
                               len(plan.removed))
        _publish_artifacts(summary, entity_counts)
    finally:
        fetcher.close()
        state.close()
        store.close()
    for failure in summary.failed_documents:
        logger.warning("failed: %s (%s): %s", failure.key, failure.stage, failure.reason)
    message = (f"seen {summary.seen}: indexed {summary.indexed}, unchanged {summary.unchanged}, duplicates "
               f"{summary.duplicates}, skipped {summary.skipped}, failed {summary.failed}")
    logger.info(message)
    if summary.failed:
        return Failed(message=f"{summary.failed} documents failed; {message}", data=summary)
    return Completed(message=message, data=summary)


def _account_not_indexed(summary: IngestSummary, files: Sequence[Input], error: BackendError) -> None:
    """Files a run could not write because the backend went away: failed now, retried by the next run."""
    for file in files:
        summary.add(DocumentOutcome(key=file.path, status="failed", stage="index",
                                    reason=f"not indexed, backend unavailable ({error}); the next run retries it"),
                    source=file.source)


def _publish_artifacts(summary: IngestSummary, entity_counts: Counter[tuple[str, str]]) -> None:
    rows = [{"source": source, **counts} for source, counts in sorted(summary.per_source.items())]
    rows.append({"source": "(all)", "seen": summary.seen, "indexed": summary.indexed, "unchanged": summary.unchanged,
                 "duplicates": summary.duplicates, "skipped": summary.skipped, "failed": summary.failed})
    create_table_artifact(rows, key="ingest-summary", description="Documents per source and outcome")
    lines = ["# Ingest report", "", "## Top entities", "", "| type | name | mentions |", "|---|---|---|"]
    lines += [f"| {t} | {n} | {c} |" for (t, n), c in entity_counts.most_common(15)] or ["| | none | |"]
    lines += ["", f"## Failures ({summary.failed})", ""]
    lines += [f"- `{o.key}` ({o.stage}): {o.reason}" for o in summary.failed_documents[:200]] or ["None."]
    lines += ["", f"## Skipped ({summary.skipped})", ""]
    lines += [f"- `{o.key}`: {o.reason}" for o in summary.skipped_documents[:200]] or ["None."]
    if summary.removed:
        lines += ["", f"## Gone from sources ({len(summary.removed)})", ""] + [f"- `{p}`" for p in summary.removed]
    create_markdown_artifact("\n".join(lines), key="ingest-report", description="Top entities and failures")


@flow(name="retry-failed")
def retry_failed(backend: str | None = None, index: str | None = None) -> IngestSummary | State:
    """Re-process every input in the dead-letter store (e.g. after the input or the code was fixed).

    Files are re-processed in full; URLs are fetched again (a failed page or listing was never recorded
    as ingested, so the pages it lists that did not change are still not fetched again)."""
    settings = run_settings(backend, index)
    state = IngestState(settings.state_path)
    try:
        paths = sorted({f.path for f in state.failures()})
    finally:
        state.close()
    if not paths:
        return Completed(message="no failed documents", data=IngestSummary())
    files, urls = [p for p in paths if not is_url(p)], [p for p in paths if is_url(p)]
    if not urls:
        return ingest(files, backend=backend, index=index, full=True, return_state=True)
    if not files:
        return ingest(urls, backend=backend, index=index, return_state=True)
    summary = IngestSummary()
    for part in (summary_of(ingest(files, backend=backend, index=index, full=True, return_state=True)),
                 summary_of(ingest(urls, backend=backend, index=index, return_state=True))):
        summary.merge(part)
    message = f"retried {summary.seen}: indexed {summary.indexed}, failed {summary.failed}"
    return Failed(message=message, data=summary) if summary.failed else Completed(message=message, data=summary)


@flow(name="learn-boilerplate")
def learn_boilerplate(sources: list[str]) -> int:
    """Learn per-publisher boilerplate lines from the documents under the sources; later runs remove them."""
    from newsdesk.clean import learn_boilerplate as learn
    from newsdesk.sources import documents

    rules = learn(documents(sources, run_settings().max_document_bytes))
    get_run_logger().info("%d boilerplate rules in the store", len(rules))
    return len(rules)


@flow(name="reindex")
def reindex(backend: str | None = None, index: str | None = None, prune: bool = False) -> dict[str, object]:
    """Rebuild the index into a new version and switch to it atomically."""
    store = open_backend(run_settings(backend, index))
    try:
        return store.reindex(prune=prune)
    finally:
        store.close()


def summary_of(state: State) -> IngestSummary:
    """The `IngestSummary` carried by a finished ingest flow run's state (Completed or Failed)."""
    result = state.result(raise_on_failure=False)
    if isinstance(result, State):
        return summary_of(result)
    if isinstance(result, IngestSummary):
        return result
    if isinstance(result, BackendError):
        raise result
    raise RuntimeError(f"ingest run ended without a summary: {state.type.value}: {state.message}") from (
        result if isinstance(result, BaseException) else None)


def run_ingest(sources: Sequence[str], *, backend: str | None = None, index: str | None = None, full: bool = False,
               prune: bool = False, url_lists: Sequence[str] = (), group: str | None = None,
               ) -> tuple[IngestSummary, State]:
    """Run the `ingest` flow in this process and return its summary and final state."""
    state = ingest(list(sources), backend=backend, index=index, full=full, prune=prune, url_lists=list(url_lists),
                   group=group, return_state=True)
    return summary_of(state), state
