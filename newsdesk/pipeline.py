"""The ingest pipeline as plain functions: plan -> fetch -> process (load, clean, enrich) -> index -> finish.

Flows compose these; the CLI and tests call them through the flow. The unit of work is an input
(`newsdesk.sources.Input`: a file, a part of a WARC archive, a web page). Every input ends as exactly one
`DocumentOutcome` per document (or per input that yields none), so a run's summary always balances.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING

from newsdesk.config import Settings, get_settings
from newsdesk.index.base import BackendError, IndexBackend
from newsdesk.versions import pipeline_version
from newsdesk.model import Article, DocumentOutcome, IngestSummary, RawDocument, utcnow
from newsdesk.sources import Input, WebPage, digest, discover, file_sha256, is_url, load
from newsdesk.state import FetchRecord, FileRecord, IngestState

if TYPE_CHECKING:
    from newsdesk.sources.fetch import Fetcher

log = logging.getLogger(__name__)


@dataclass
class ProcessedFile:
    """One input after fetch, load, clean and enrich: its articles and its per-document problems."""

    file: Input
    sha256: str
    articles: list[Article] = field(default_factory=list)
    outcomes: list[DocumentOutcome] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)
    """Article id -> the document's key (path, or path#record for JSONL)."""
    unchanged: bool = False
    """A page fetched again and found unchanged (304, or the same bytes): only its fetch state is updated."""
    retry: bool = False
    """Not remembered as ingested (a failed or refused fetch): the next run tries it again."""

    @property
    def records(self) -> int:
        return len(self.articles) + len(self.outcomes)


@dataclass
class Plan:
    """What a run has to do: inputs to process, and what is already settled without processing."""

    todo: list[Input] = field(default_factory=list)
    summary: IngestSummary = field(default_factory=IngestSummary)
    removed: list[FileRecord] = field(default_factory=list)


def run_settings(backend: str | None = None, index: str | None = None) -> Settings:
    """The configured settings with a run's backend and index overrides."""
    settings = get_settings()
    update = {k: v for k, v in (("backend", backend), ("index", index)) if v}
    return settings.model_copy(update=update) if update else settings


def source_key(source: str) -> str:
    """How a source argument is remembered: the resolved folder or file, the glob or the URL as given."""
    return source if is_url(source) or any(ch in source for ch in "*?[") else os.path.realpath(source)


def plan_ingest(sources: Sequence[str], state: IngestState, full: bool = False, *, url_lists: Sequence[str] = (),
                fetcher: Fetcher | None = None, settings: Settings | None = None) -> Plan:
    """Discover inputs; unchanged files (same size and mtime, or same bytes) cost a stat, not a parse, and
    pages already ingested are not fetched again unless their listing shows a change (`WebPage.due`).

    URL sources need a `fetcher`: feeds and sitemaps are fetched (conditionally) here."""
    settings = settings or get_settings()
    plan = Plan()
    version = pipeline_version()
    found: set[str] = set()
    keys = {source_key(s) for s in [*sources, *url_lists]}
    recorded = {r.identity: r for r in state.files(keys)}  # one query, not one per file
    web = None
    if url_lists or any(is_url(s) for s in sources):
        from newsdesk.sources.web import WebDiscovery

        if fetcher is None:
            raise ValueError("URL sources need a fetcher")
        web = WebDiscovery(fetcher, state.fetches, settings.fetch_max_listing_bytes, full=full)
    for item in discover(sources, url_lists=url_lists, web=web, fetches=state.fetches):
        if isinstance(item, DocumentOutcome):
            plan.summary.add(item, source=None)
            continue
        found.add(item.identity)
        known = None if full else (recorded.get(item.identity) or state.file(item.identity))
        current = known is not None and known.pipeline_version == version
        if current and _unchanged(item, known, state, settings):  # type: ignore[arg-type]
            for _ in range(max(1, known.records)):  # type: ignore[union-attr]
                plan.summary.add(DocumentOutcome(key=item.path, status="unchanged"), source=item.source)
            continue
        if isinstance(item, WebPage):
            refused = fetcher.robots_reason(item.url) if fetcher is not None and item.response is None else None
            if refused:  # known before any request (robots.txt is kept for a day): no work to plan
                plan.summary.add(DocumentOutcome(key=item.path, status="skipped", stage="fetch", reason=refused),
                                 source=item.source)
                continue
            # validators only for a page whose last version is what the index holds
            item = replace(item, known_sha256=known.sha256) if current else \
                replace(item, etag=None, last_modified=None, known_sha256=None)  # type: ignore[union-attr]
        plan.todo.append(item)
    if web is not None:
        state.clear_failures(web.succeeded)
        state.record_failures((outcome, outcome.key, key) for outcome, key in web.failed)
    plan.removed = [r for r in recorded.values() if r.identity not in found and not is_url(r.identity)]
    plan.summary.removed = [r.path for r in plan.removed]
    return plan


def _unchanged(item: Input, known: FileRecord, state: IngestState, settings: Settings) -> bool:
    """The change check: a page by its listing and last check; a file or WARC part by its stat, then its bytes."""
    if isinstance(item, WebPage):
        return not item.due(settings.fetch_recheck_hours)
    if known.size != item.size:
        return False
    if known.mtime_ns == item.mtime_ns:
        return True
    if digest(item) == known.sha256:
        state.touch_file(item.identity, item.size, item.mtime_ns)
        return True
    return False


def fetch_inputs(items: Sequence[Input], fetcher: Fetcher | None, settings: Settings,
                 ) -> tuple[list[Input], list[ProcessedFile]]:
    """Fetch the web pages among the inputs (concurrently, within the fetcher's politeness limits).

    Returns the inputs ready to process and the pages settled by their fetch: unchanged (304, or the
    same bytes as last time), refused (robots.txt, not HTML) or failed (HTTP status, timeout, too large)."""
    pending = [item for item in items if isinstance(item, WebPage) and item.response is None]
    fetched: dict[int, WebPage | ProcessedFile] = {}
    if pending:
        if fetcher is None:
            raise ValueError("web pages need a fetcher")
        results = fetcher.fetch_all([partial(_fetch_page, fetcher, page, settings.max_document_bytes)
                                     for page in pending])
        fetched = {id(page): result for page, result in zip(pending, results)}
    ready: list[Input] = []
    settled: list[ProcessedFile] = []
    for item in items:
        result = fetched.get(id(item), item)
        if isinstance(result, ProcessedFile):
            settled.append(result)
        elif isinstance(result, WebPage) and result.known_sha256 and result.digest() == result.known_sha256:
            settled.append(_unchanged_page(result))
        else:
            ready.append(result)
    return ready, settled


def _fetch_page(fetcher: Fetcher, page: WebPage, max_bytes: int) -> WebPage | ProcessedFile:
    from newsdesk.sources.fetch import HTML_TYPES, FetchError

    try:
        response = fetcher.fetch(page.url, max_bytes=max_bytes, etag=page.etag, last_modified=page.last_modified,
                                 accept=HTML_TYPES)
    except FetchError as exc:
        outcome = DocumentOutcome(key=page.url, status=exc.status, reason=exc.reason, stage="fetch")  # type: ignore[arg-type]
        return ProcessedFile(file=page, sha256="", outcomes=[outcome], retry=not exc.final)
    page = replace(page, response=response)
    return _unchanged_page(page) if response.not_modified else page


def _unchanged_page(page: WebPage) -> ProcessedFile:
    return ProcessedFile(file=page, sha256=page.known_sha256 or "", unchanged=True,
                         outcomes=[DocumentOutcome(key=page.url, status="unchanged")])


def process_files(files: Sequence[Input], settings: Settings) -> list[ProcessedFile]:
    """Load and clean each input, then enrich all their articles in one batch; problems stay per document."""
    from newsdesk.clean import BoilerplateRules, clean_document  # here: planning must not pay for the NLP imports

    rules = BoilerplateRules.load()
    version = pipeline_version()
    processed: list[ProcessedFile] = []
    pairs: list[tuple[RawDocument, Article]] = []
    owners: list[ProcessedFile] = []
    for file in files:
        try:
            result = ProcessedFile(file=file, sha256=digest(file))
        except OSError as exc:
            result = ProcessedFile(file=file, sha256="")
            result.outcomes.append(DocumentOutcome(key=file.path, status="failed", stage="load",
                                                   reason=f"cannot read: {exc.strerror or exc}"))
            processed.append(result)
            continue
        for item in load(file, settings.max_document_bytes):
            if isinstance(item, DocumentOutcome):
                result.outcomes.append(item)
                continue
            try:
                article = clean_document(item, rules)
            except Exception as exc:  # a cleaner bug must not stop the run: the document fails with its reason
                result.outcomes.append(_failed(item.key, "clean", exc))
                continue
            if not article.body.strip():
                result.outcomes.append(DocumentOutcome(key=_doc_key(item), status="skipped", stage="clean",
                                                       reason="no article text left after cleaning"))
                continue
            article.pipeline_version = version
            result.keys[article.id] = _doc_key(item)
            pairs.append((item, article))
            owners.append(result)
        processed.append(result)
    for owner, article in zip(owners, _enrich_isolating_failures(pairs)):
        if isinstance(article, DocumentOutcome):
            owner.outcomes.append(article)
        else:
            owner.articles.append(article)
    return processed


def _doc_key(raw: RawDocument) -> str:
    return raw.path if raw.record is None else f"{raw.path}#{raw.record}"


def _failed(key: str, stage: str, exc: BaseException) -> DocumentOutcome:
    return DocumentOutcome(key=key, status="failed", stage=stage, reason=f"{type(exc).__name__}: {exc}")


def _enrich_isolating_failures(pairs: list[tuple[RawDocument, Article]]) -> list[Article | DocumentOutcome]:
    """Enrich in one batch; if the batch raises, enrich one by one so only the bad document fails."""
    from newsdesk.enrich import enrich_articles

    if not pairs:
        return []
    try:
        return list(enrich_articles(pairs))
    except Exception:
        log.warning("enrichment of a batch failed; retrying its %d documents one by one", len(pairs))
    results: list[Article | DocumentOutcome] = []
    for raw, article in pairs:
        try:
            results.extend(enrich_articles([(raw, article)]))
        except Exception as exc:
            results.append(_failed(_doc_key(raw), "enrich", exc))
    return results


def index_processed(processed: Sequence[ProcessedFile], backend: IndexBackend, state: IngestState,
                    summary: IngestSummary) -> None:
    """Write a batch to the index, then remember its inputs: a crash in between only repeats work.

    Raises `BackendError` when the backend cannot take the batch: nothing of it is recorded as
    ingested, so the next run processes it again.
    """
    from newsdesk.stories import assign_stories, store_path

    articles = [a for p in processed for a in p.articles]
    now = utcnow()
    for article in articles:
        article.ingested_at = now
    duplicates = state.claim_hashes((a.content_hash, a.id) for a in articles)
    for article in articles:
        article.duplicate_of = duplicates.get(article.id)
    assign_stories(articles, store_path(state.path))  # near-duplicates (MinHash/LSH) and story_id
    result = backend.upsert(articles) if articles else None
    write_failures = {f.id: f.reason for f in (result.failed if result else [])}

    version = pipeline_version()
    done: list[FileRecord] = []
    dead: list[tuple[DocumentOutcome, str, str]] = []
    settled: list[str] = []  # unchanged pages: their dead letters clear, their ingest record stays
    pages: list[FetchRecord] = []
    for p in processed:
        outcomes = list(p.outcomes)
        for article in p.articles:
            if article.id in write_failures:
                outcomes.append(DocumentOutcome(key=p.keys[article.id], status="failed", stage="index",
                                                reason=write_failures[article.id], article_id=article.id))
            else:
                status = "duplicate" if article.duplicate_of else "indexed"
                outcomes.append(DocumentOutcome(key=p.keys[article.id], status=status,
                                                article_id=article.id))
        for outcome in outcomes:
            summary.add(outcome, source=p.file.source)
            if outcome.status == "failed":
                dead.append((outcome, p.file.path, p.file.identity))
        if isinstance(p.file, WebPage):
            pages.append(_page_record(p.file))
        if p.unchanged:
            settled.append(p.file.identity)
            continue
        if p.retry or any(o.stage == "index" for o in outcomes if o.status == "failed"):
            continue  # not recorded as ingested: the next run does it again
        ids = [a.id for a in p.articles]
        done.append(FileRecord(identity=p.file.identity, path=p.file.path, source=source_key(p.file.source),
                               size=p.file.size, mtime_ns=p.file.mtime_ns, sha256=p.sha256,
                               pipeline_version=version, article_ids=ids, records=p.records))
    _delete_articles(_stale_ids(processed, state), backend, state, keeping=[p.file.identity for p in processed])
    state.clear_failures([*(r.identity for r in done), *settled])
    state.record_failures(dead)
    state.record_files(done)
    state.fetches.put(r for r in pages if r.status is not None)  # after the index and the ingest record
    state.fetches.put((r for r in pages if r.status is None), replace=False)  # a new page that failed: its hints


def _page_record(page: WebPage) -> FetchRecord:
    """A page's fetch state: its validators after a fetch; only its listing's hints when the fetch failed."""
    response = page.response
    return FetchRecord(key=page.identity, kind="page", source=page.source, hints=page.hints,
                       hints_from=page.hints_from, listed=page.listed or page.known_listed,
                       etag=(response.etag or page.etag) if response else None,
                       last_modified=(response.last_modified or page.last_modified) if response else None,
                       status=response.status if response else None)


def _stale_ids(processed: Sequence[ProcessedFile], state: IngestState) -> list[str]:
    """Ids a re-processed file produced before but no longer produces (e.g. a record removed from JSONL)."""
    stale: list[str] = []
    for p in processed:
        if p.unchanged or p.retry:
            continue
        known = state.file(p.file.identity)
        if known is not None:
            now = {a.id for a in p.articles}
            stale += [i for i in known.article_ids if i not in now]
    return stale


def prune_removed(removed: Iterable[FileRecord], backend: IndexBackend, state: IngestState) -> int:
    """Delete from the index the documents of inputs gone from their sources."""
    removed = list(removed)
    deleted = _delete_articles([i for r in removed for i in r.article_ids], backend, state,
                               keeping=[r.identity for r in removed])
    state.forget_files(r.identity for r in removed)
    state.clear_failures(r.identity for r in removed)
    return deleted


def _delete_articles(ids: list[str], backend: IndexBackend, state: IngestState, keeping: Iterable[str]) -> int:
    """Delete articles from the index and from everything that remembers them (hashes, stories), except those
    another input (not among `keeping`, the inputs letting go of them) still holds: the same page reached as a
    URL and in a WARC archive is one article."""
    from newsdesk.stories import forget_articles, store_path

    if ids:
        held = state.held_elsewhere(ids, set(keeping))
        ids = [i for i in ids if i not in held]
    if not ids:
        return 0
    deleted = backend.delete(ids)
    state.release_hashes(ids)
    forget_articles(ids, store_path(state.path))
    return deleted


def batches(items: Sequence[Input], size: int) -> list[list[Input]]:
    return [list(items[i:i + size]) for i in range(0, len(items), max(1, size))]


__all__ = ["BackendError", "Plan", "ProcessedFile", "batches", "fetch_inputs", "file_sha256", "index_processed",
           "plan_ingest", "run_settings", "process_files", "prune_removed", "source_key"]
