"""Prefect flows: `ingest`, `retry-failed`, `learn-boilerplate`, `reindex`, `repair`. Thin: they only compose `newsdesk.pipeline` stages."""

from __future__ import annotations

import logging
import os
import threading
from collections import Counter, deque
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
from prefect.futures import PrefectFuture  # noqa: E402
from prefect.runtime import flow_run  # noqa: E402
from prefect.states import Completed, Failed, State  # noqa: E402
from prefect.tasks import exponential_backoff  # noqa: E402
from prefect.utilities.annotations import quote  # noqa: E402

from newsdesk.index import open_backend  # noqa: E402
from newsdesk.index.base import BackendError, IndexBackend  # noqa: E402
from newsdesk.model import DocumentOutcome, IngestSummary  # noqa: E402
from newsdesk.orchestration import INTERRUPTED, ensure_temporary_server  # noqa: E402
from newsdesk.pipeline import (  # noqa: E402
    NOT_INDEXED, FileTally, Plan, ProcessedFile, WorkItem, doc_key, document_total, fetch_inputs, index_processed,
    load_item, parse_partition, plan_ingest, prune_removed, run_settings, work_batches)
from newsdesk.sources import WebPage, is_url  # noqa: E402
from newsdesk.sources.fetch import Fetcher  # noqa: E402
from newsdesk.state import IngestState  # noqa: E402
from newsdesk.stores import DamagedStore, NoSpaceLeft, free_space_problem, is_no_space  # noqa: E402
from newsdesk.terminal import plain  # noqa: E402
from newsdesk.workers import in_worker_processes, run_processing, warm_up  # noqa: E402

ProgressListener = Callable[[int, int], None]
progress_listeners: list[ProgressListener] = []
"""Called with (documents done, documents to do) after each batch; the CLI's progress bar listens here."""


class IngestFailed(Exception):
    """The data of a Failed ingest run: some documents failed. Carries the run's summary (Prefect wants an
    exception in a failed state, not a plain object)."""

    def __init__(self, summary: IngestSummary) -> None:
        super().__init__(f"{summary.failed} documents failed")
        self.summary = summary

    def __reduce__(self) -> tuple[type, tuple[IngestSummary]]:
        return IngestFailed, (self.summary,)


class _OneLineIngestFailure(logging.Filter):
    """Prefect's engine logs the exception that ends a task or flow run with its traceback: one line instead when
    it is no bug — a served run whose documents failed (they are listed in the run's logs and artifacts), or the
    environment stopping the run (no space left, a damaged store, the backend unavailable: the message says what
    to do)."""

    def filter(self, record: logging.LogRecord) -> bool:
        failure = record.exc_info[1] if record.exc_info else None
        if isinstance(failure, IngestFailed):
            summary = failure.summary
            record.msg = (f"ingest ended Failed: {summary.failed} of {summary.seen} documents failed "
                          "(listed above and in the ingest-report artifact)")
        elif isinstance(failure, (NoSpaceLeft, DamagedStore, BackendError)):
            record.msg = f"stopped: {plain(failure)}"
        else:
            return True
        record.args, record.exc_info, record.exc_text = (), None, None
        return True


for _logger in ("prefect.flow_runs", "prefect.task_runs"):
    logging.getLogger(_logger).addFilter(_OneLineIngestFailure())


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
              settings: Settings, backend: IndexBackend | None, part: tuple[int, int] | None = None) -> Plan:
    return plan_ingest(sources, state, full=full, url_lists=url_lists, fetcher=fetcher, settings=settings,
                       backend=backend, part=part)


BATCHES_AHEAD = 2
"""Batches queued for the workers while one is indexed (with worker processes)."""
_fetching = threading.Lock()


@task(name="process-batch", cache_policy=NO_CACHE)
def process_batch(items: list[WorkItem], settings: Settings, fetcher: Fetcher) -> list[ProcessedFile]:
    """Fetch the batch's web pages (their own retries), then load, clean and enrich (no retries: these
    failures are deterministic)."""
    with _fetching:  # one batch's pages at a time: the fetcher's politeness limits hold per call
        ready, settled = fetch_inputs(items, fetcher, settings)
    return settled + run_processing(ready, settings)


@task(name="index-batch", cache_policy=NO_CACHE, retries=4, retry_delay_seconds=exponential_backoff(2),
      retry_condition_fn=_retry_on_backend_error)
def index_batch(processed: list[ProcessedFile], backend: IndexBackend, state: IngestState,
                tallies: dict[str, FileTally]) -> IngestSummary:
    summary = IngestSummary()
    try:
        index_processed(processed, backend, state, summary, tallies)
    except Exception as exc:
        if is_no_space(exc):
            raise NoSpaceLeft(state.path.parent.parent, str(exc)) from exc
        raise
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
           group: str | None = None, partition: str | None = None) -> IngestSummary | State:
    """Ingest articles from paths, folders, globs, WARC archives, feeds, sitemaps, page URLs and URL lists into
    the index (or those of a `group` of the sources file); unchanged inputs are skipped. `partition` 'i/n': only
    partition i of n of the inputs (`flows/scale.py` splits a backfill over a work pool that way)."""
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
        stop = _backend_unavailable(store) or free_space_problem(settings)
        plan = plan_task(sources, state, full, url_lists, fetcher, settings, None if stop else store,
                         parse_partition(partition))
        summary = plan.summary
        todo = plan.todo
        total = document_total(todo)
        logger.info("%d inputs (%d documents) to process, %d unchanged, %d skipped at discovery", len(todo), total,
                    summary.unchanged, summary.skipped)
        progress = create_progress_artifact(0.0, description=f"Ingesting {total} documents")
        entity_counts: Counter[tuple[str, str]] = Counter()
        tallies: dict[str, FileTally] = {}
        unwritten: list[tuple[DocumentOutcome, str, str]] = []
        done = 0
        work = work_batches(todo, settings.batch_size, settings.max_document_bytes)
        # With worker processes, the next batches are queued while this one is indexed: the workers go from one
        # batch to the next without waiting, and the index and state writes here overlap their processing.
        # Batches and their results go to tasks quoted: Prefect would walk (and copy) every Article looking for
        # futures in them (~0.2 CPU s per batch of 64).
        parallel = in_worker_processes(settings)
        if parallel and todo and not stop:
            warm_up(settings)
        pending: deque[tuple[list[WorkItem], PrefectFuture[list[ProcessedFile]] | None]] = deque()

        def queue_ahead() -> None:
            while len(pending) < (BATCHES_AHEAD if parallel else 1):
                following = next(work, None)
                if following is None:
                    return
                pending.append((following, process_batch.submit(quote(following), quote(settings), fetcher)
                                if parallel and not stop else None))

        queue_ahead()
        while pending:
            batch, upcoming = pending.popleft()
            stop = stop or free_space_problem(settings)
            if stop is not None:
                if upcoming is not None:
                    upcoming.wait()  # its documents are accounted as not indexed with the rest
                unwritten += _account_not_indexed(summary, batch, None, stop)
                queue_ahead()
                continue
            processed = upcoming.result() if upcoming is not None else \
                process_batch(quote(batch), quote(settings), fetcher)
            queue_ahead()
            try:
                summary.merge(index_batch(quote(processed), store, state, quote(tallies)))
            except (BackendError, NoSpaceLeft) as exc:  # retries exhausted: stop writing, account for the rest
                stop = (f"the index backend is unavailable: {exc}" if isinstance(exc, BackendError) else str(exc))
                logger.error("%s; the next run will pick up the rest", stop)
                unwritten += _account_not_indexed(summary, batch, processed, stop)
            else:
                for p in processed:
                    for article in p.articles:
                        entity_counts.update((e.type.value, e.name) for e in article.entities)
            done += sum(item.documents for item in batch)
            update_progress_artifact(progress, 100.0 * done / max(1, total))
            for listener in progress_listeners:
                listener(min(done, total), total)
        summary.interrupted = stop
        if unwritten:
            try:
                state.record_failures(unwritten)
            except Exception as exc:  # noqa: BLE001 - a full disk may refuse even this; the summary lists them
                logger.warning("could not record %d dead letters: %s", len(unwritten), exc)
        update_progress_artifact(progress, 100.0)
        if plan.removed and not stop:
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
    not_indexed = [f for f in summary.failed_documents if (f.reason or "").startswith(NOT_INDEXED)]
    for failure in [f for f in summary.failed_documents if not (f.reason or "").startswith(NOT_INDEXED)][:200]:
        logger.warning("failed: %s (%s): %s", plain(failure.key), failure.stage, plain(failure.reason))
    if not_indexed:
        logger.warning("%d documents not indexed: %s", len(not_indexed), stop)
    message = (f"seen {summary.seen}: indexed {summary.indexed}, unchanged {summary.unchanged}, duplicates "
               f"{summary.duplicates}, skipped {summary.skipped}, failed {summary.failed}")
    logger.info(message)
    if summary.interrupted:  # a state of its own: `newsdesk trigger` exits 3 for it, as `newsdesk ingest` does
        return Failed(message=f"stopped: {summary.interrupted}; {message}", data=IngestFailed(summary),
                      name=INTERRUPTED)
    if summary.failed:
        return Failed(message=f"{summary.failed} documents failed; {message}", data=IngestFailed(summary))
    return Completed(message=message, data=summary)


def _backend_unavailable(store: IndexBackend) -> str | None:
    """Why the index backend cannot take writes now (it does not answer), or None."""
    health = store.health()
    if health.get("reachable", health.get("ok", True)):
        return None
    return f"the index backend is unavailable: {health.get('error') or 'it does not answer'}"


def _account_not_indexed(summary: IngestSummary, items: Sequence[WorkItem], processed: Sequence[ProcessedFile] | None,
                         reason: str) -> list[tuple[DocumentOutcome, str, str]]:
    """Documents a run could not write (backend gone, disk full): failed now, written by the next run (their inputs
    are not recorded as ingested). Problems of their own (malformed input) keep their own reasons; web pages are
    not fetched for this. Returns the dead letters to record."""
    why = f"{NOT_INDEXED}{reason}; the next run retries it"
    outcomes: list[tuple[DocumentOutcome, str, str, str]] = []
    if processed is not None:
        for p in processed:
            for o in p.outcomes:
                outcomes.append((o, p.file.path, p.file.identity, p.file.source))
            for article in p.articles:
                outcomes.append((DocumentOutcome(key=p.keys[article.id], status="failed", stage="index", reason=why),
                                 p.file.path, p.file.identity, p.file.source))
    else:  # not processed: loaded only (cheap), so that broken input keeps its own reason
        for item in items:
            found = list(item.outcomes)
            if isinstance(item.file, WebPage) and item.file.response is None:
                found.append(DocumentOutcome(key=item.file.path, status="failed", stage="index", reason=why))
                outcomes += [(o, item.file.path, item.file.identity, item.file.source) for o in found]
                continue
            for loaded in load_item(item, run_settings().max_document_bytes):
                found.append(loaded if isinstance(loaded, DocumentOutcome) else DocumentOutcome(
                    key=doc_key(loaded), status="failed", stage="index", reason=why))
            outcomes += [(o, item.file.path, item.file.identity, item.file.source) for o in found]
    for outcome, _, _, source in outcomes:
        summary.add(outcome, source=source)
    return [(o, path, identity) for o, path, identity, _ in outcomes if o.status == "failed"]


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
    return Failed(message=message, data=IngestFailed(summary)) if summary.failed else \
        Completed(message=message, data=summary)


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


@flow(name="repair")
def repair(backend: str | None = None, index: str | None = None) -> dict[str, object]:
    """Check every local store and rebuild the damaged ones from the surviving stores and the inputs: damaged files
    are set aside (never deleted), the index is rebuilt from its readable documents, stories from the index, and
    inputs whose documents are still missing are ingested again. Reports what was repaired and what was lost."""
    from dataclasses import asdict
    from pathlib import Path

    from newsdesk.index.embedded import EmbeddedBackend, live_version, salvage
    from newsdesk.search.saved import SCHEMA as SAVED_SEARCHES_SCHEMA
    from newsdesk.sqlite import connect
    from newsdesk.state import SCHEMA as STATE_SCHEMA
    from newsdesk.stores import (
        SQLITE_STORES, check_stores, copy_readable_rows, rebuild_stories, set_aside, sqlite_store_path)
    from newsdesk.stories import store_path

    KEPT_ROWS = {"state": STATE_SCHEMA, "searches": SAVED_SEARCHES_SCHEMA}  # noqa: N806 - stores whose rows are kept
    logger = get_run_logger()
    settings = run_settings(backend, index)
    checks = check_stores(settings)
    damaged = {c.name for c in checks if not c.ok}
    report: dict[str, object] = {"checked": [asdict(c) for c in checks], "set_aside": []}
    set_aside_files: list[str] = report["set_aside"]  # type: ignore[assignment]
    for name, kind, tables, _ in SQLITE_STORES:
        if name in damaged and kind != "stories":
            aside = set_aside(sqlite_store_path(settings, kind))
            set_aside_files.append(str(aside))
            if kind in KEPT_ROWS and aside is not None:
                fresh = connect(sqlite_store_path(settings, kind), KEPT_ROWS[kind])
                try:
                    report[f"{kind}_rows_kept"] = copy_readable_rows(aside, fresh, tables)
                finally:
                    fresh.close()
    if "embedded index" in damaged:
        live = live_version(settings.index_dir)
        report["index"] = EmbeddedBackend.rebuild(settings.index_dir, salvage(live) if live else iter(()))
    store = open_backend(settings)
    try:
        if "story store" in damaged:
            set_aside_files.append(str(set_aside(store_path(settings.state_path))))
            report["stories_rebuilt_from"] = rebuild_stories(store, store_path(settings.state_path))
        state = IngestState(settings.state_path)
        try:
            records = state.files()
        finally:
            state.close()
        expected = {i for r in records for i in r.article_ids} | set(store.ids())
        known = {r.identity for r in records}
        # pages listed by a URL-list file come back through that list; feeds, sitemaps and files as sources
        url_lists = sorted({r.source for r in records if is_url(r.identity) and not is_url(r.source)})
        sources = sorted({r.source for r in records} - set(url_lists))
        sources += sorted({a.path for i in store.ids() if (a := store.get(i)) is not None and a.path
                           and os.path.realpath(a.path) not in known and os.path.exists(a.path)})
    finally:
        store.close()
    report["sources"] = sources
    report["url_lists"] = url_lists
    files = [s for s in sources if not is_url(s)]
    if "boilerplate rule store" in damaged and files:
        report["boilerplate_rules"] = learn_boilerplate(files)
    summary = summary_of(ingest(sources, backend=backend, index=index, url_lists=url_lists, return_state=True)) \
        if sources or url_lists else None
    report["ingest"] = None if summary is None else {k: getattr(summary, k) for k in (
        "seen", "indexed", "unchanged", "duplicates", "skipped", "failed")}
    store = open_backend(settings)
    try:
        present = set(store.ids())
    finally:
        store.close()
    lost = sorted(expected - present)
    report.update(documents=len(present), lost=lost, ok=not lost and all(c.ok for c in check_stores(settings)))
    logger.info("repair: %d documents indexed, %d lost, stores %s", len(present), len(lost),
                "ok" if report["ok"] else "still damaged")
    return report


def summary_of(state: State) -> IngestSummary:
    """The `IngestSummary` carried by a finished ingest flow run's state (Completed or Failed)."""
    result = state.result(raise_on_failure=False)
    if isinstance(result, State):
        return summary_of(result)
    if isinstance(result, IngestSummary):
        return result
    if isinstance(result, IngestFailed):
        return result.summary
    if isinstance(result, (BackendError, NoSpaceLeft, DamagedStore)):
        raise result
    raise RuntimeError(f"ingest run ended without a summary: {state.type.value}: {state.message}") from (
        result if isinstance(result, BaseException) else None)


def run_ingest(sources: Sequence[str], *, backend: str | None = None, index: str | None = None, full: bool = False,
               prune: bool = False, url_lists: Sequence[str] = (), group: str | None = None,
               ) -> tuple[IngestSummary, State]:
    """Run the `ingest` flow in this process and return its summary and final state (the workers start loading
    their models at once, while Prefect starts)."""
    warm_up(run_settings(backend, index))
    ensure_temporary_server()
    state = ingest(list(sources), backend=backend, index=index, full=full, prune=prune, url_lists=list(url_lists),
                   group=group, return_state=True)
    return summary_of(state), state
