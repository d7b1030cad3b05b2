"""The ingest pipeline as plain functions: plan -> process (load, clean, enrich) -> index -> finish.

Flows compose these; the CLI and tests call them through the flow. Every input ends as exactly one
`DocumentOutcome` per document (or per file that yields none), so a run's summary always balances.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from newsdesk.config import Settings, get_settings
from newsdesk.index.base import BackendError, IndexBackend
from newsdesk.versions import pipeline_version
from newsdesk.model import Article, DocumentOutcome, IngestSummary, RawDocument, utcnow
from newsdesk.sources import InputFile, discover, load
from newsdesk.state import FileRecord, IngestState

log = logging.getLogger(__name__)


@dataclass
class ProcessedFile:
    """One input file after load, clean and enrich: its articles and its per-document problems."""

    file: InputFile
    sha256: str
    articles: list[Article] = field(default_factory=list)
    outcomes: list[DocumentOutcome] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)
    """Article id -> the document's key (path, or path#record for JSONL)."""

    @property
    def records(self) -> int:
        return len(self.articles) + len(self.outcomes)


@dataclass
class Plan:
    """What a run has to do: files to process, and what is already settled without processing."""

    todo: list[InputFile] = field(default_factory=list)
    summary: IngestSummary = field(default_factory=IngestSummary)
    removed: list[FileRecord] = field(default_factory=list)


def run_settings(backend: str | None = None, index: str | None = None) -> Settings:
    """The configured settings with a run's backend and index overrides."""
    settings = get_settings()
    update = {k: v for k, v in (("backend", backend), ("index", index)) if v}
    return settings.model_copy(update=update) if update else settings


def source_key(source: str) -> str:
    """How a source argument is remembered: the resolved folder or file, or the glob as given."""
    return source if any(ch in source for ch in "*?[") else os.path.realpath(source)


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def plan_ingest(sources: Sequence[str], state: IngestState, full: bool = False) -> Plan:
    """Discover inputs; unchanged files (same size and mtime, or same bytes) cost a stat, not a parse."""
    plan = Plan()
    version = pipeline_version()
    found: set[str] = set()
    keys = {source_key(s) for s in sources}
    recorded = {r.identity: r for r in state.files(keys)}  # one query, not one per file
    for item in discover(sources):
        if isinstance(item, DocumentOutcome):
            plan.summary.add(item, source=None)
            continue
        found.add(item.identity)
        known = None if full else (recorded.get(item.identity) or state.file(item.identity))
        if known is not None and known.pipeline_version == version:
            same_stat = known.size == item.size and known.mtime_ns == item.mtime_ns
            if same_stat or (known.size == item.size and file_sha256(item.path) == known.sha256):
                if not same_stat:
                    state.touch_file(item.identity, item.size, item.mtime_ns)
                for _ in range(max(1, known.records)):
                    plan.summary.add(DocumentOutcome(key=item.path, status="unchanged"), source=item.source)
                continue
        plan.todo.append(item)
    plan.removed = [r for r in recorded.values() if r.identity not in found]
    plan.summary.removed = [r.path for r in plan.removed]
    return plan


def process_files(files: Sequence[InputFile], settings: Settings) -> list[ProcessedFile]:
    """Load and clean each file, then enrich all their articles in one batch; problems stay per document."""
    from newsdesk.clean import BoilerplateRules, clean_document  # here: planning must not pay for the NLP imports

    rules = BoilerplateRules.load()
    version = pipeline_version()
    processed: list[ProcessedFile] = []
    pairs: list[tuple[RawDocument, Article]] = []
    owners: list[ProcessedFile] = []
    for file in files:
        try:
            result = ProcessedFile(file=file, sha256=file_sha256(file.path))
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
    """Write a batch to the index, then remember its files: a crash in between only repeats work.

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
        if any(o.stage == "index" for o in outcomes if o.status == "failed"):
            continue  # not recorded as ingested: the next run writes it again
        ids = [a.id for a in p.articles]
        done.append(FileRecord(identity=p.file.identity, path=p.file.path, source=source_key(p.file.source),
                               size=p.file.size, mtime_ns=p.file.mtime_ns, sha256=p.sha256,
                               pipeline_version=version, article_ids=ids, records=p.records))
    _delete_articles(_stale_ids(processed, state), backend, state)
    state.clear_failures(r.identity for r in done)
    state.record_failures(dead)
    state.record_files(done)


def _stale_ids(processed: Sequence[ProcessedFile], state: IngestState) -> list[str]:
    """Ids a re-processed file produced before but no longer produces (e.g. a record removed from JSONL)."""
    stale: list[str] = []
    for p in processed:
        known = state.file(p.file.identity)
        if known is not None:
            now = {a.id for a in p.articles}
            stale += [i for i in known.article_ids if i not in now]
    return stale


def prune_removed(removed: Iterable[FileRecord], backend: IndexBackend, state: IngestState) -> int:
    """Delete from the index the documents of inputs gone from their sources."""
    removed = list(removed)
    deleted = _delete_articles([i for r in removed for i in r.article_ids], backend, state)
    state.forget_files(r.identity for r in removed)
    state.clear_failures(r.identity for r in removed)
    return deleted


def _delete_articles(ids: list[str], backend: IndexBackend, state: IngestState) -> int:
    """Delete articles from the index and from everything that remembers them (hashes, stories)."""
    from newsdesk.stories import forget_articles, store_path

    if not ids:
        return 0
    deleted = backend.delete(ids)
    state.release_hashes(ids)
    forget_articles(ids, store_path(state.path))
    return deleted


def batches(items: Sequence[InputFile], size: int) -> list[list[InputFile]]:
    return [list(items[i:i + size]) for i in range(0, len(items), max(1, size))]


__all__ = ["BackendError", "Plan", "ProcessedFile", "batches", "index_processed", "plan_ingest", "run_settings",
           "process_files", "prune_removed", "source_key"]
