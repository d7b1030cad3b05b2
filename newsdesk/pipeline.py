"""The ingest pipeline as plain functions: plan -> process (load, clean, enrich) -> index -> finish.

Flows compose these; the CLI and tests call them through the flow. Every input ends as exactly one
`DocumentOutcome` per document (or per file that yields none), so a run's summary always balances.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from newsdesk.config import Settings, get_settings
from newsdesk.index.base import BackendError, IndexBackend
from newsdesk.versions import pipeline_version
from newsdesk.model import Article, DocumentOutcome, IngestSummary, RawDocument, utcnow
from newsdesk.sources import InputFile, discover, format_of, jsonl_lines, jsonl_record, load
from newsdesk.state import Failure, FileRecord, IngestState

log = logging.getLogger(__name__)


NOT_INDEXED = "not indexed: "
"""How the reason of a document a stopped run (backend gone, disk full) could not write begins."""
BATCH_BYTES = 32_000_000
"""Most bytes of JSONL lines one batch holds (besides at most `batch_size` documents)."""


@dataclass(frozen=True)
class WorkItem:
    """What one worker call processes: a whole input file, or lines of a JSONL file read by the parent (so each
    line is a document of its own for time and memory limits, progress and accounting)."""

    file: InputFile
    lines: tuple[tuple[int, bytes], ...] | None = None
    """JSONL: (line number, raw line); None: the whole file."""
    outcomes: tuple[DocumentOutcome, ...] = ()
    """Problems found while reading the lines (an oversized line, damaged gzip, a file without records)."""
    last: bool = True
    """Whether this is the file's last item: the file is recorded as ingested when its last item is indexed."""

    @property
    def documents(self) -> int:
        return 1 if self.lines is None else len(self.lines) + len(self.outcomes)

    def split(self) -> list[WorkItem]:
        """One item per line (a whole file stays one item)."""
        if self.lines is None or len(self.lines) <= 1:
            return [self]
        n = len(self.lines)
        return [WorkItem(self.file, (line,), self.outcomes if i == 0 else (), self.last and i == n - 1)
                for i, line in enumerate(self.lines)]


@dataclass
class ProcessedFile:
    """One work item after load, clean and enrich: its articles and its per-document problems."""

    file: InputFile
    sha256: str
    articles: list[Article] = field(default_factory=list)
    outcomes: list[DocumentOutcome] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)
    """Article id -> the document's key (path, or path#record for JSONL)."""
    last: bool = True
    """Whether it completes its file (see `WorkItem.last`)."""

    @property
    def records(self) -> int:
        return len(self.articles) + len(self.outcomes)


@dataclass
class FileTally:
    """What the items of one file produced so far in a run (a JSONL file's lines span batches)."""

    ids: list[str] = field(default_factory=list)
    records: int = 0
    failed: set[str] = field(default_factory=set)
    """Keys of its documents that failed before the index (dead letters)."""
    unproduced: bool = False
    """Whether a document of it failed or was skipped this time: its last good version stays indexed (a file caught
    half-written, emptied or broken must not remove what was indexed from it)."""
    unwritten: bool = False
    """Whether a document of it could not be written: the file is not recorded, the next run writes it again."""


@dataclass
class Plan:
    """What a run has to do: files to process, and what is already settled without processing."""

    todo: list[InputFile] = field(default_factory=list)
    summary: IngestSummary = field(default_factory=IngestSummary)
    removed: list[FileRecord] = field(default_factory=list)
    missing: int = 0
    """Documents the state records as indexed that the index does not hold (their inputs are in `todo`)."""


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


def plan_ingest(sources: Sequence[str], state: IngestState, full: bool = False,
                backend: IndexBackend | None = None) -> Plan:
    """Discover inputs; unchanged files (same size and mtime, or same bytes) cost a stat, not a parse.

    With `backend`, files whose documents are missing from the index (a lost or rebuilt index) are re-processed.
    An unchanged file with dead letters reports them as failed again (never as unchanged): they are not indexed.
    Discovery failures (broken symlinks, unreadable folders, undecodable names) become dead letters too.
    """
    plan = Plan()
    version = pipeline_version()
    found: set[str] = set()
    keys = {source_key(s) for s in sources}
    every = state.files()
    recorded = {r.identity: r for r in every if r.source in keys}  # one query, not one per file
    missing = set() if full or backend is None else _missing_ids(every, backend)
    failures: dict[str, list[Failure]] = {}
    for failure in state.failures():
        failures.setdefault(failure.identity, []).append(failure)
    undiscovered: list[DocumentOutcome] = []
    for item in discover(sources, links_outside=get_settings().symlinks_outside_source == "follow"):
        if isinstance(item, DocumentOutcome):
            plan.summary.add(item, source=None)
            if item.status == "failed":
                undiscovered.append(item)
            continue
        found.add(item.identity)
        known = None if full else (recorded.get(item.identity) or state.file(item.identity))
        if known is not None and known.pipeline_version == version and not missing.intersection(known.article_ids):
            same_stat = known.size == item.size and known.mtime_ns == item.mtime_ns
            if same_stat or (known.size == item.size and file_sha256(item.path) == known.sha256):
                if not same_stat:
                    state.touch_file(item.identity, item.size, item.mtime_ns)
                dead = failures.get(item.identity, [])
                for failure in dead:
                    plan.summary.add(DocumentOutcome(
                        key=failure.key, status="failed", stage=failure.stage,
                        reason=f"{failure.error} (input unchanged since; `newsdesk failed retry` tries it again)"),
                        source=item.source)
                for _ in range(max(1, known.records) - len(dead)):
                    plan.summary.add(DocumentOutcome(key=item.path, status="unchanged"), source=item.source)
                continue
        plan.todo.append(item)
    plan.removed = [r for r in recorded.values() if r.identity not in found]
    plan.summary.removed = [r.path for r in plan.removed]
    plan.missing = len(missing)
    if missing:
        log.warning("%d documents the ingest state records are missing from the index; re-processing their inputs",
                    len(missing))
    state.record_failures((o, o.key, o.key) for o in undiscovered)
    state.forget_failures(f.key for fs in failures.values() for f in fs
                          if f.stage == "discover" and f.key not in {o.key for o in undiscovered}
                          and not os.path.lexists(f.path))
    return plan


def _missing_ids(records: Sequence[FileRecord], backend: IndexBackend) -> set[str]:
    """Ids the state records as indexed that the index does not hold (compared by count first: cheap)."""
    expected = {i for r in records for i in r.article_ids}
    if not expected or backend.count() == len(expected):
        return set()
    return expected.difference(backend.ids())


def document_total(files: Sequence[InputFile]) -> int:
    """How many documents the files hold, for progress: one per file, one per line of a JSONL file."""
    from newsdesk.sources.files import _open

    total = 0
    for file in files:
        if format_of(file.path) != "jsonl":
            total += 1
            continue
        try:
            with _open(file.path) as fh:
                ends, last = 0, b"\n"
                for block in iter(lambda: fh.read(1 << 20), b""):  # noqa: B023
                    ends += block.count(b"\n")
                    last = block[-1:]
                total += max(1, ends + (last != b"\n"))
        except (OSError, EOFError, ValueError):
            total += 1
    return total


def work_batches(files: Iterable[InputFile], size: int, max_bytes: int) -> Iterator[list[WorkItem]]:
    """Batches of at most `size` documents (and about `BATCH_BYTES` of JSONL lines), read lazily: a file is one
    document, each line of a JSONL file is one (streamed, so a large JSONL is never held whole)."""
    batch: list[WorkItem] = []
    documents = held = 0
    for file in files:
        if format_of(file.path) != "jsonl":
            batch.append(WorkItem(file))
            documents += 1
        else:
            lines: list[tuple[int, bytes]] = []
            outcomes: list[DocumentOutcome] = []
            for item in jsonl_lines(file, max_bytes):
                if isinstance(item, DocumentOutcome):
                    outcomes.append(item)
                else:
                    lines.append(item)
                    held += len(item[1])
                documents += 1
                if documents >= size or held >= BATCH_BYTES:
                    batch.append(WorkItem(file, tuple(lines), tuple(outcomes), last=False))
                    yield batch
                    batch, lines, outcomes, documents, held = [], [], [], 0, 0
            batch.append(WorkItem(file, tuple(lines), tuple(outcomes), last=True))
        if documents >= size or held >= BATCH_BYTES:
            yield batch
            batch, documents, held = [], 0, 0
    if batch:
        yield batch


def process_files(items: Sequence[InputFile | WorkItem], settings: Settings) -> list[ProcessedFile]:
    """Load and clean each file (or JSONL lines), then enrich all their articles in one batch; problems stay per
    document."""
    from newsdesk.clean import BoilerplateRules, clean_document  # here: planning must not pay for the NLP imports

    try:
        rules = BoilerplateRules.load()
    except sqlite3.DatabaseError as exc:  # a damaged rule store fails the run, not each document
        raise _damage(settings, exc) from exc
    version = pipeline_version()
    processed: list[ProcessedFile] = []
    pairs: list[tuple[RawDocument, Article]] = []
    owners: list[ProcessedFile] = []
    for work in items:
        work = work if isinstance(work, WorkItem) else WorkItem(work)
        file = work.file
        try:
            result = ProcessedFile(file=file, sha256=file_sha256(file.path) if work.last else "", last=work.last,
                                   outcomes=list(work.outcomes))
        except OSError as exc:
            result = ProcessedFile(file=file, sha256="", last=work.last, outcomes=list(work.outcomes))
            result.outcomes.append(DocumentOutcome(key=file.path, status="failed", stage="load",
                                                   reason=f"cannot read: {exc.strerror or exc}"))
            processed.append(result)
            continue
        for item in load_item(work, settings.max_document_bytes):
            if isinstance(item, DocumentOutcome):
                result.outcomes.append(item)
                continue
            try:
                article = clean_document(item, rules)
            except Exception as exc:  # a cleaner bug must not stop the run: the document fails with its reason
                result.outcomes.append(_failed(doc_key(item), "clean", exc))
                continue
            if not article.body.strip():
                result.outcomes.append(DocumentOutcome(key=doc_key(item), status="skipped", stage="clean",
                                                       reason="no article text left after cleaning"))
                continue
            article.pipeline_version = version
            result.keys[article.id] = doc_key(item)
            pairs.append((item, article))
            owners.append(result)
        processed.append(result)
    for owner, article in zip(owners, _enrich_isolating_failures(pairs, settings)):
        if isinstance(article, DocumentOutcome):
            owner.outcomes.append(article)
        else:
            owner.articles.append(article)
    return processed


def load_item(work: WorkItem, max_bytes: int) -> Iterator[RawDocument | DocumentOutcome]:
    """The documents of a work item as loaded (before cleaning), problems as outcomes."""
    if work.lines is None:
        yield from load(work.file, max_bytes)
    else:
        yield from (jsonl_record(work.file, lineno, line) for lineno, line in work.lines)


def doc_key(raw: RawDocument) -> str:
    """How a document is named in summaries and dead letters: its path, or path#record."""
    return raw.path if raw.record is None else f"{raw.path}#{raw.record}"


def _failed(key: str, stage: str, exc: BaseException) -> DocumentOutcome:
    return DocumentOutcome(key=key, status="failed", stage=stage, reason=f"{type(exc).__name__}: {exc}")


def _damage(settings: Settings, exc: BaseException) -> BaseException:
    """The damaged store behind a SQLite error (see `newsdesk.stores.find_damage`), else the error itself."""
    from newsdesk.stores import find_damage

    return find_damage(settings) or exc


def _enrich_isolating_failures(pairs: list[tuple[RawDocument, Article]],
                               settings: Settings) -> list[Article | DocumentOutcome]:
    """Enrich in one batch; if the batch raises, enrich one by one so only the bad document fails. A damaged store
    (the alias registry) fails the run instead: every document would fail the same way."""
    from newsdesk.enrich import enrich_articles

    if not pairs:
        return []
    try:
        return list(enrich_articles(pairs))
    except sqlite3.DatabaseError as exc:
        from newsdesk.stores import NoSpaceLeft, is_no_space

        if is_no_space(exc):
            raise NoSpaceLeft(settings.home.resolve(), str(exc)) from exc
        if not isinstance(exc, sqlite3.OperationalError) or "malformed" in str(exc):
            raise _damage(settings, exc) from exc
        log.warning("enrichment of a batch failed (%s); retrying its %d documents one by one", exc, len(pairs))
    except Exception:
        log.warning("enrichment of a batch failed; retrying its %d documents one by one", len(pairs))
    results: list[Article | DocumentOutcome] = []
    for raw, article in pairs:
        try:
            results.extend(enrich_articles([(raw, article)]))
        except Exception as exc:
            results.append(_failed(doc_key(raw), "enrich", exc))
    return results


def index_processed(processed: Sequence[ProcessedFile], backend: IndexBackend, state: IngestState,
                    summary: IngestSummary, tallies: dict[str, FileTally] | None = None) -> None:
    """Write a batch to the index, then remember its completed files: a crash in between only repeats work.

    `tallies` carries files whose items span batches (a JSONL file's lines), by identity. A file is recorded as
    ingested when its last item is written; ids it no longer produces are deleted then, unless a document of it
    failed or was skipped (that never removes the last good version of a document; `--prune` removes inputs gone). Raises `BackendError` when the backend
    cannot take the batch: nothing of it is recorded as ingested, and the story store forgets what it had just
    learnt of the batch's new articles, so the next run processes it again from the same place.
    """
    from newsdesk.stories import assign_stories, forget_articles, store_path

    tallies = {} if tallies is None else tallies
    articles = [a for p in processed for a in p.articles]
    now = utcnow()
    for article in articles:
        article.ingested_at = now
    duplicates = state.claim_hashes((a.content_hash, a.id) for a in articles)
    for article in articles:
        article.duplicate_of = duplicates.get(article.id)
    stories = store_path(state.path)
    new = _unknown_to_stories(articles, stories)
    assign_stories(articles, stories)  # near-duplicates (MinHash/LSH) and story_id
    try:
        result = backend.upsert(articles) if articles else None
    except BaseException:
        forget_articles(new, stories)  # no story may list an article that is not indexed
        raise
    write_failures = {f.id: f.reason for f in (result.failed if result else [])}
    if write_failures:
        forget_articles([i for i in new if i in write_failures], stories)

    version = pipeline_version()
    done: list[FileRecord] = []
    dead: list[tuple[DocumentOutcome, str, str]] = []
    settled: list[tuple[str, str, set[str]]] = []
    stale: list[str] = []
    for p in processed:
        tally = tallies.setdefault(p.file.identity, FileTally())
        outcomes = list(p.outcomes)
        for article in p.articles:
            if article.id in write_failures:
                outcomes.append(DocumentOutcome(key=p.keys[article.id], status="failed", stage="index",
                                                reason=write_failures[article.id], article_id=article.id))
                tally.unwritten = True
            else:
                status = "duplicate" if article.duplicate_of else "indexed"
                outcomes.append(DocumentOutcome(key=p.keys[article.id], status=status,
                                                article_id=article.id))
                tally.ids.append(article.id)
        for outcome in outcomes:
            summary.add(outcome, source=p.file.source)
            if outcome.status == "failed":
                dead.append((outcome, p.file.path, p.file.identity))
                if outcome.stage != "index":
                    tally.failed.add(outcome.key)
            tally.unproduced |= outcome.status in ("failed", "skipped") and outcome.stage != "index"
        tally.records += p.records
        if not p.last:
            continue
        del tallies[p.file.identity]
        if tally.unwritten:
            continue  # not recorded as ingested: the next run writes it again
        ids = list(dict.fromkeys(tally.ids))
        known = state.file(p.file.identity)
        if known is not None:
            gone = [i for i in known.article_ids if i not in set(ids)]
            if tally.unproduced:
                ids += gone  # kept: a document that failed or was skipped keeps its last good version
            else:
                stale += gone  # e.g. a record removed from a JSONL file processed cleanly
        done.append(FileRecord(identity=p.file.identity, path=p.file.path, source=source_key(p.file.source),
                               size=p.file.size, mtime_ns=p.file.mtime_ns, sha256=p.sha256,
                               pipeline_version=version, article_ids=ids, records=tally.records))
        settled.append((p.file.identity, p.file.path, tally.failed))
    _delete_articles(stale, backend, state)
    state.record_failures(dead)
    state.settle_failures(settled)
    state.record_files(done)


def _unknown_to_stories(articles: Sequence[Article], stories: os.PathLike[str] | str) -> list[str]:
    """Ids of the articles the story store does not know yet."""
    from newsdesk.stories import StoryStore

    if not articles:
        return []
    with StoryStore(stories) as store:  # type: ignore[arg-type]
        return [a.id for a in articles if store.article(a.id) is None]


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


__all__ = ["NOT_INDEXED", "BackendError", "FileTally", "Plan", "ProcessedFile", "WorkItem", "batches", "doc_key", "document_total",
           "index_processed", "load_item", "plan_ingest", "process_files", "prune_removed", "run_settings",
           "source_key", "work_batches"]
